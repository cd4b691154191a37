import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { contextCacheKeys, expiresAtFor, isLive } from '../shared/keys.js';

/**
 * Replication heartbeats (DESIGN.md section 4). Each active region's monitor writes `HB#<its region>` to
 * ContextCache in its own replica every tick, with its send time; MREC replication carries it to the peer
 * replica, where the peer's monitor notices it and measures how late it arrived.
 *
 * Clock skew: the lag is (time first seen in our replica, by our clock) minus (send time, by the writer's
 * clock). Lambda hosts synchronise to the Amazon Time Sync Service (chrony over the local link), which
 * keeps them well under a millisecond from UTC, so skew adds well under 1 ms on AWS; on one machine
 * (DynamoDB Local) both sides share a clock. The measurement error is dominated by polling: a heartbeat
 * found at one read and missing at the read before arrived between the two, and the estimate is the
 * midpoint of the two reads' midpoints, so it is off by at most half of (poll interval + read latency):
 * about 15 ms with the default 25 ms poll, inside the 50 ms the design asks for.
 */

export interface Heartbeat {
  readonly sentAt: number;
  readonly tick: number;
}

export interface HeartbeatStore {
  /** Writes `region`'s heartbeat to the replica this store talks to. */
  write(region: string, heartbeat: Heartbeat): Promise<void>;
  /** Reads `region`'s heartbeat from this replica; null if none (or expired). */
  read(region: string, now: number): Promise<Heartbeat | null>;
}

/** Heartbeats expire after this long (ContextCache's TTL), so a removed region's heartbeat goes away. */
const HEARTBEAT_TTL_SECONDS = 300;

/**
 * Heartbeats in ContextCache of one replica. Reads are strongly consistent: in a replica that returns the
 * newest write it holds, replicated ones included, so the read sees an arrival as soon as it is applied.
 */
export function dynamoHeartbeatStore(
  doc: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
): HeartbeatStore {
  return {
    async write(region, heartbeat) {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...contextCacheKeys.heartbeat(region),
            sentAt: heartbeat.sentAt,
            tick: heartbeat.tick,
            expiresAt: expiresAtFor(heartbeat.sentAt, HEARTBEAT_TTL_SECONDS),
          },
        }),
      );
    },
    async read(region, now) {
      const out = await doc.send(
        new GetCommand({
          TableName: tableName,
          Key: contextCacheKeys.heartbeat(region),
          ConsistentRead: true,
        }),
      );
      const item = out.Item;
      if (!isLive(item, now) || typeof item?.sentAt !== 'number' || typeof item.tick !== 'number')
        return null;
      return { sentAt: item.sentAt, tick: item.tick };
    },
  };
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface LagSampleOut {
  readonly lagMs: number;
  /** Send time of the heartbeat measured; null when the sample is the overdue lower bound. */
  readonly sentAt: number | null;
}

export interface LagMeterOptions {
  readonly store: HeartbeatStore;
  readonly peerRegion: string;
  readonly clock: Clock;
  /** @default 25 */
  readonly pollMs?: number;
  /** The peer writes a heartbeat every this many ms (probeIntervalMs). */
  readonly intervalMs: number;
  /** Send time of the newest heartbeat the previous invocation saw (from the lease). */
  readonly lastSentAt?: number | null;
}

/**
 * Polls the peer's heartbeat in our replica and turns first sightings into lag samples; the monitor loop
 * takes one sample per tick. Read errors are skipped: the next successful read still bounds the arrival.
 */
export class LagMeter {
  private readonly pollMs: number;
  private lastSentAt: number | null;
  /** Midpoint of the last successful read; null before the first (whose finding is only a baseline). */
  private prevMid: number | null = null;
  private pending: { lagMs: number; sentAt: number }[] = [];
  private lastLagMs: number | null = null;
  private stopped = false;
  private errors = 0;

  constructor(private readonly options: LagMeterOptions) {
    this.pollMs = options.pollMs ?? 25;
    this.lastSentAt = options.lastSentAt ?? null;
  }

  /** Polls until {@link stop} or `untilMs`. */
  async run(untilMs: number): Promise<void> {
    const { clock, store, peerRegion } = this.options;
    while (!this.stopped && clock.now() < untilMs) {
      const start = clock.now();
      try {
        const hb = await store.read(peerRegion, start);
        const mid = (start + clock.now()) / 2;
        if (hb !== null && (this.lastSentAt === null || hb.sentAt > this.lastSentAt)) {
          // Seen for the first time: it arrived after the previous read and before this one.
          if (this.prevMid !== null) {
            this.pending.push({
              lagMs: Math.max(0, (this.prevMid + mid) / 2 - hb.sentAt),
              sentAt: hb.sentAt,
            });
          }
          this.lastSentAt = hb.sentAt;
        }
        this.prevMid = mid;
      } catch {
        this.errors += 1;
      }
      await clock.sleep(this.pollMs);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** Reads that failed so far (the loop reports them as a metric, not a log line per poll). */
  get readErrors(): number {
    return this.errors;
  }

  get newestSentAt(): number | null {
    return this.lastSentAt;
  }

  /**
   * The tick's sample: the largest lag among heartbeats first seen since the last sample. With none seen,
   * how overdue the next heartbeat is (it cannot arrive earlier than that), but only when that exceeds the
   * last measured lag: a heartbeat merely not due yet must not read as a lag smaller than the real one.
   */
  takeSample(now: number): LagSampleOut | null {
    const worst = this.pending.reduce<{ lagMs: number; sentAt: number } | null>(
      (max, p) => (max === null || p.lagMs > max.lagMs ? p : max),
      null,
    );
    if (worst !== null) {
      this.pending = [];
      this.lastLagMs = worst.lagMs;
      return worst;
    }
    if (this.lastSentAt === null) return null;
    const overdue = now - this.lastSentAt - this.options.intervalMs;
    if (overdue > (this.lastLagMs ?? Number.POSITIVE_INFINITY) && overdue > 0) {
      this.lastLagMs = overdue;
      return { lagMs: overdue, sentAt: null };
    }
    return null;
  }
}
