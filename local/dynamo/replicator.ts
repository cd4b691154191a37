import {
  type AttributeValue,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, type _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import { fingerprint, type Item } from './canonical.js';
import { LOCAL_CREDENTIALS } from './launcher.js';
import { type Change, ReplicationLedger } from './lww.js';
import { StreamReader } from './stream-reader.js';

export interface ReplicatorOptions {
  /** DynamoDB Local endpoint (direct, not through a region proxy: replication is the service's own traffic). */
  readonly endpoint: string;
  /** Replica regions; DynamoDB Local keeps one database per region of the request's SigV4 scope. */
  readonly regions: readonly string[];
  /** MREC table names; each must exist with a NEW_AND_OLD_IMAGES stream in every region. */
  readonly tables: readonly string[];
  /**
   * How often each stream is read; a change is delivered at most about this much later than
   * its delay says. Each (region, table) stream is one GetRecords per interval: at 15 ms the
   * idle world costs about a third of a core (Node + JVM) on a small machine.
   * @default 15
   */
  readonly pollIntervalMs?: number;
  /** @default 0 - delay of every link until setDelay() */
  readonly defaultDelayMs?: number;
  /** @default a monotonic wall clock in ms */
  readonly clock?: () => number;
}

/** Controls of the replication between replicas; links are directed (`from` → `to`). */
export interface ReplicationControls {
  /** Every change read from `from`'s stream reaches `to` no earlier than `ms` after it was read. */
  setDelay(from: string, to: string, ms: number): void;
  delay(from: string, to: string): number;
  /** Stops delivery on the link; changes queue in order. */
  cut(from: string, to: string): void;
  /** Resumes delivery; queued changes are delivered at once, in order. */
  restore(from: string, to: string): void;
  isCut(from: string, to: string): boolean;
  /** Changes waiting on the link. */
  pending(from: string, to: string): number;
  /**
   * Resolves once everything written before the call has been read and delivered on every
   * link that is not cut. Rejects after `timeoutMs`.
   */
  settle(timeoutMs?: number): Promise<void>;
  /** Errors met while reading or applying (kept, not thrown, so one bad record cannot stop replication). */
  readonly errors: readonly Error[];
}

export interface Replicator extends ReplicationControls {
  stop(): Promise<void>;
}

interface Link {
  delayMs: number;
  cut: boolean;
  readonly queue: Array<{ change: Change; deliverAt: number }>;
  timer: NodeJS.Timeout | undefined;
}

/** Longest a single DynamoDB Local request may take before it is abandoned and retried. */
const REQUEST_TIMEOUT_MS = 5_000;

const monotonicNow = () => performance.timeOrigin + performance.now();

/**
 * Starts replicating the MREC tables between the regions' replicas in one DynamoDB Local
 * (see lww.ts for the last-writer-wins rule).
 *
 * @example
 * const replicator = await startReplicator({ endpoint, regions: ['us-east-1', 'us-west-2'], tables: [name] });
 * replicator.setDelay('us-east-1', 'us-west-2', 250);
 */
export async function startReplicator(options: ReplicatorOptions): Promise<Replicator> {
  const clock = options.clock ?? monotonicNow;
  const pollIntervalMs = options.pollIntervalMs ?? 15;
  const ledger = new ReplicationLedger();
  const errors: Error[] = [];
  // A request DynamoDB Local never answers (seen under load on a 2-core machine) must not stall a stream
  // loop or an apply chain for good: it fails after REQUEST_TIMEOUT_MS and the next poll takes a fresh
  // iterator from the last sequence number read, so nothing is skipped.
  const base = {
    endpoint: options.endpoint,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
  };
  const clients = new Map(
    options.regions.map((region) => [
      region,
      {
        db: new DynamoDBClient({ ...base, region }),
        streams: new DynamoDBStreamsClient({ ...base, region }),
      },
    ]),
  );
  const links = new Map<string, Link>();
  for (const from of options.regions) {
    for (const to of options.regions) {
      if (from !== to) {
        links.set(linkId(from, to), {
          delayMs: options.defaultDelayMs ?? 0,
          cut: false,
          queue: [],
          timer: undefined,
        });
      }
    }
  }
  const link = (from: string, to: string): Link => {
    const found = links.get(linkId(from, to));
    if (found === undefined)
      throw new Error(`no replication link ${from} -> ${to}; regions: ${options.regions.join(', ')}`);
    return found;
  };

  let stopped = false;
  let inFlight = 0;
  let lastActivityAt = clock();
  const chains = new Map<string, Promise<void>>();

  const applyTo = (target: string, change: Change): void => {
    inFlight++;
    const previous = chains.get(target) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        if (!ledger.shouldApply(target, change)) return;
        const db = clients.get(target)?.db as DynamoDBClient;
        const ticket = ledger.applying(target, change);
        try {
          ledger.applied(ticket, await write(db, change));
        } catch (e) {
          ledger.abandoned(ticket);
          throw e;
        }
      })
      .catch((e: Error) => {
        errors.push(new Error(`apply to ${target} ${change.table} ${change.keyId}: ${e.message}`));
      })
      .finally(() => {
        inFlight--;
        lastActivityAt = clock();
      });
    chains.set(target, next);
  };

  const pump = (from: string, to: string): void => {
    const l = link(from, to);
    clearTimeout(l.timer);
    l.timer = undefined;
    if (stopped || l.cut) return;
    for (let head = l.queue[0]; head !== undefined; head = l.queue[0]) {
      const wait = head.deliverAt - clock();
      if (wait > 0) {
        l.timer = setTimeout(() => pump(from, to), Math.ceil(wait));
        return;
      }
      l.queue.shift();
      applyTo(to, head.change);
    }
  };

  const onRecord = (region: string, table: string, record: StreamRecord): void => {
    lastActivityAt = clock();
    const key = record.dynamodb?.Keys as Record<string, AttributeValue> | undefined;
    if (key === undefined) return;
    const image =
      record.eventName === 'REMOVE' ? null : ((record.dynamodb?.NewImage as Item | undefined) ?? null);
    const now = clock();
    const seen = ledger.observe(region, table, key, image, now);
    if (seen.kind === 'echo') {
      if (seen.restore !== undefined) applyTo(region, seen.restore);
      return;
    }
    for (const to of options.regions) {
      if (to === region) continue;
      const l = link(region, to);
      // FIFO per link even when the delay shrinks between two changes.
      const deliverAt = Math.max(now + l.delayMs, l.queue.at(-1)?.deliverAt ?? 0);
      l.queue.push({ change: seen.change, deliverAt });
      if (l.timer === undefined) pump(region, to);
    }
  };

  const readers: Array<{ region: string; table: string; reader: StreamReader; quietSince: number }> = [];
  for (const [region, c] of clients) {
    for (const table of options.tables) {
      const described = await c.db.send(new DescribeTableCommand({ TableName: table }));
      const arn = described.Table?.LatestStreamArn;
      if (arn === undefined) throw new Error(`table ${table} in ${region} has no stream; create it with one`);
      readers.push({
        region,
        table,
        reader: new StreamReader(c.streams, arn),
        quietSince: Number.NEGATIVE_INFINITY,
      });
    }
  }

  const loops = readers.map(async (r) => {
    while (!stopped) {
      const startedAt = clock();
      try {
        const n = await r.reader.poll(startedAt, (record) => onRecord(r.region, r.table, record));
        if (n === 0) r.quietSince = startedAt;
      } catch (e) {
        if (stopped) return;
        // A timed-out read is retried from where it was (fresh iterator); anything else is also kept.
        if ((e as Error).name !== 'TimeoutError') {
          errors.push(new Error(`read ${r.table} stream in ${r.region}: ${(e as Error).message}`));
        }
        r.reader.resetIterators();
      }
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    }
  });

  const quiet = (since: number): boolean =>
    inFlight === 0 &&
    ledger.pendingEchoes() === 0 &&
    [...links.values()].every((l) => l.cut || l.queue.length === 0) &&
    readers.every((r) => r.quietSince > Math.max(since, lastActivityAt));

  /** What keeps settle() waiting, for its timeout message. */
  const describeBusy = (since: number): string => {
    const queued = [...links]
      .filter(([, l]) => !l.cut && l.queue.length > 0)
      .map(([id, l]) => `${id}: ${l.queue.length}`);
    const loud = readers
      .filter((r) => r.quietSince <= Math.max(since, lastActivityAt))
      .map((r) => `${r.table}@${r.region}`);
    return [
      `${inFlight} applies in flight`,
      `${ledger.pendingEchoes()} echoes not yet seen`,
      `queued ${queued.join(', ') || 'nothing'}`,
      `streams not yet read empty since: ${loud.join(', ') || 'none'}`,
      `${errors.length} errors`,
    ].join('; ');
  };

  return {
    setDelay(from, to, ms) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new Error(`setDelay(${from}, ${to}, ${ms}): delay must be >= 0 ms`);
      link(from, to).delayMs = ms;
    },
    delay: (from, to) => link(from, to).delayMs,
    cut(from, to) {
      const l = link(from, to);
      l.cut = true;
      clearTimeout(l.timer);
      l.timer = undefined;
    },
    restore(from, to) {
      link(from, to).cut = false;
      pump(from, to);
    },
    isCut: (from, to) => link(from, to).cut,
    pending: (from, to) => link(from, to).queue.length,
    async settle(timeoutMs = 10_000) {
      const since = clock();
      const deadline = since + timeoutMs;
      while (!quiet(since)) {
        if (clock() > deadline) {
          throw new Error(`replication did not settle within ${timeoutMs} ms: ${describeBusy(since)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    errors,
    async stop() {
      stopped = true;
      for (const l of links.values()) clearTimeout(l.timer);
      await Promise.all(loops);
      await Promise.all(chains.values());
      for (const c of clients.values()) {
        c.db.destroy();
        c.streams.destroy();
      }
    },
  };
}

/** Writes a replicated change; true when the item differed before (so a stream record follows). */
async function write(db: DynamoDBClient, change: Change): Promise<boolean> {
  if (change.image === null) {
    const out = await db.send(
      new DeleteItemCommand({ TableName: change.table, Key: change.key, ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes !== undefined;
  }
  const out = await db.send(
    new PutItemCommand({ TableName: change.table, Item: change.image, ReturnValues: 'ALL_OLD' }),
  );
  return fingerprint(out.Attributes) !== fingerprint(change.image);
}

function linkId(from: string, to: string): string {
  return `${from}->${to}`;
}
