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
 * (DynamoDB Local) both sides share a clock. The rest of the error is polling: a heartbeat missing at one
 * read and found at the next arrived after the first read started and before the second one answered.
 * The estimate is the middle of that window, so it is off by at most half the window: about 15 ms with
 * the default 25 ms poll. A window wider than `2 * maxErrorMs` (a starved event loop, a slow read) gives
 * no sample at all, so every reported lag is within `maxErrorMs` (default 40) plus skew: inside the
 * 50 ms the design asks for.
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

export function sleepUntil(clock: Clock, at: number): Promise<void> {
  return clock.sleep(Math.max(0, at - clock.now()));
}

export interface LagSampleOut {
  readonly lagMs: number;
  /** Send time of the heartbeat measured; null when the sample is the overdue lower bound. */
  readonly sentAt: number | null;
  /** The most the estimate can be off (half the polling window); 0 for the overdue bound. */
  readonly maxErrorMs: number;
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
  /** A sighting whose arrival window is wider than twice this gives no sample. @default 40 */
  readonly maxErrorMs?: number;
}

/**
 * Polls the peer's heartbeat in our replica and turns first sightings into lag samples; the monitor loop
 * takes one sample per tick. Read errors are skipped: the next successful read still bounds the arrival.
 */
export class LagMeter {
  private readonly pollMs: number;
  private lastSentAt: number | null;
  /** Start of the last successful read; null before the first (whose finding is only a baseline). */
  private prevStart: number | null = null;
  private pending: { lagMs: number; sentAt: number; maxErrorMs: number }[] = [];
  private imprecise = 0;
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
        const end = clock.now();
        if (hb !== null && (this.lastSentAt === null || hb.sentAt > this.lastSentAt)) {
          // Seen for the first time: it arrived after the previous read started and before this one answered.
          if (this.prevStart !== null) this.sighted(hb.sentAt, this.prevStart, end);
          this.lastSentAt = hb.sentAt;
        }
        this.prevStart = start;
      } catch {
        this.errors += 1;
      }
      await clock.sleep(this.pollMs);
    }
  }

  private sighted(sentAt: number, after: number, before: number): void {
    const maxErrorMs = (before - after) / 2;
    if (maxErrorMs > (this.options.maxErrorMs ?? 40)) {
      this.imprecise += 1;
      return;
    }
    this.pending.push({ lagMs: Math.max(0, (after + before) / 2 - sentAt), sentAt, maxErrorMs });
  }

  stop(): void {
    this.stopped = true;
  }

  /** Sightings dropped because their arrival window was too wide to meet the accuracy bound. */
  get impreciseSightings(): number {
    return this.imprecise;
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
   * a lower bound on the lag, but only when it is evidence of slow replication: the peer's monitor must
   * have committed a tick after the newest heartbeat seen here (it commits a tick only once that tick's
   * heartbeat is written, so that heartbeat is on its way). A peer whose
   * monitor stopped (crashed, or cut off from ControlState) writes no heartbeats; their absence says
   * nothing about replication, and reading it as lag would take the healthy side out of rotation. The
   * bound (now minus that tick's slot) is reported only when it exceeds the last measured lag: a
   * heartbeat merely not due yet must not read as a lag smaller than the real one.
   *
   * @param peerTickAt slot time of the peer monitor's last committed tick (its lease, read strongly
   *   from ControlState); null when unknown.
   */
  takeSample(now: number, peerTickAt: number | null): LagSampleOut | null {
    const worst = this.pending.reduce<{ lagMs: number; sentAt: number; maxErrorMs: number } | null>(
      (max, p) => (max === null || p.lagMs > max.lagMs ? p : max),
      null,
    );
    if (worst !== null) {
      this.pending = [];
      this.lastLagMs = worst.lagMs;
      return worst;
    }
    if (this.lastSentAt === null || peerTickAt === null) return null;
    // The peer's newer heartbeat was sent at about its tick's slot; a tick within half an interval of
    // the newest seen heartbeat is that heartbeat's own.
    if (peerTickAt <= this.lastSentAt + this.options.intervalMs / 2) return null;
    const overdue = now - peerTickAt;
    if (overdue > (this.lastLagMs ?? 0)) {
      this.lastLagMs = overdue;
      return { lagMs: overdue, sentAt: null, maxErrorMs: 0 };
    }
    return null;
  }
}
