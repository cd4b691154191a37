import { PlatformRequestError } from '../../oauth/platform-client.js';
import type { DirectoryStore } from '../directory/store.js';
import {
  handleTimes,
  type PlatformCaller,
  type QueueMemberState,
  queueMembers,
  queueObservations,
} from './platform-queries.js';
import type { CapacityWriter } from './store.js';
import { type CapacitySummary, summarize } from './summary.js';
import type { CapacityReader } from './types.js';

/**
 * Capacity reconciliation of one region (README "Region-agnostic routing", Capacity), every
 * `routing.reconcileSeconds`: for each platform queue the directory names for the region, it repairs the
 * members (joined set, routing status, skills) from the members API and writes what the queue
 * observation query (waiting) and the aggregates query (handle time) say.
 *
 * Every write is an observation at the time the run asked (`at`), through the same newer-wins rule as
 * the events: an event newer than the observation still wins for its field, an older one does not. A
 * routing status is ordered by its `startTime`, as the events' are. Presence is not in the members
 * answer (research 2d), so it comes from events alone.
 */

/** Handle time is averaged over the calls completed in this window before each run. */
export const HANDLE_WINDOW_MS = 30 * 60_000;
/** Our cap on queue ids per analytics query, not a documented platform limit: keeps one body small. */
const QUERY_BATCH = 100;

export interface ReconcileOrg {
  readonly name: string;
  readonly client: PlatformCaller;
}

export interface ReconcileDeps {
  /** The region whose snapshots are reconciled (the function's own). */
  readonly region: string;
  /** The platform orgs whose `region` is this region, in config order; a queue belongs to the first that has it. */
  readonly orgs: readonly ReconcileOrg[];
  readonly directory: Pick<DirectoryStore, 'list'>;
  readonly reader: CapacityReader;
  readonly writer: CapacityWriter;
  readonly now: () => number;
  /** @default HANDLE_WINDOW_MS */
  readonly handleWindowMs?: number;
  /** Queues (and members of a queue) worked on at once. @default 4 */
  readonly concurrency?: number;
}

export interface QueueReconciled {
  readonly queueId: string;
  readonly org: string;
  /** Members the members API listed, and how many of them are joined. */
  readonly listed: number;
  readonly joined: number;
  /** Fields this run changed: what the events had missed or got wrong. */
  readonly repaired: number;
  readonly observed: boolean;
  readonly summary: CapacitySummary;
}

export interface QueueFailure {
  readonly queueId: string;
  readonly org: string | null;
  /** The error's name and message (platform errors carry method, path, host and status, no token). */
  readonly reason: string;
}

export interface ReconcileReport {
  readonly queues: readonly QueueReconciled[];
  readonly failures: readonly QueueFailure[];
}

interface Owned {
  readonly queueId: string;
  readonly org: ReconcileOrg;
  readonly listed: number;
  readonly joined: number;
  repaired: number;
  observed: boolean;
  /** The handle time stored before this run, kept when the aggregates query fails. */
  readonly previousHandleTimeMs: number | null;
}

/**
 * @example
 * const report = await reconcileRegion({ region, orgs, directory, reader, writer, now: Date.now });
 */
export async function reconcileRegion(deps: ReconcileDeps): Promise<ReconcileReport> {
  const limit = deps.concurrency ?? 4;
  const entries = await deps.directory.list();
  const queueIds = [...new Set(entries.flatMap((e) => e.regions[deps.region]?.queueId ?? []))].sort();
  const failures: QueueFailure[] = [];
  const owned: Owned[] = [];

  await forEachLimit(queueIds, limit, async (queueId) => {
    if (deps.orgs.length === 0) {
      failures.push({ queueId, org: null, reason: `no platform org takes ${deps.region}'s callers` });
      return;
    }
    for (const org of deps.orgs) {
      const at = deps.now();
      let members: QueueMemberState[];
      try {
        members = await queueMembers(org.client, queueId);
      } catch (error) {
        if (isNotFound(error) && org !== deps.orgs.at(-1)) continue;
        failures.push({ queueId, org: org.name, reason: describe(error) });
        return;
      }
      const before = await deps.reader.read(deps.region, queueId);
      const repaired = await repairMembers(deps, queueId, members, before.members, at, limit);
      const joined = members.filter((m) => m.joined).length;
      const previousHandleTimeMs = before.handleTimeMs;
      owned.push({
        queueId,
        org,
        listed: members.length,
        joined,
        repaired,
        observed: false,
        previousHandleTimeMs,
      });
      return;
    }
  });

  for (const org of deps.orgs) {
    const mine = owned.filter((o) => o.org === org);
    for (let i = 0; i < mine.length; i += QUERY_BATCH) {
      await observe(deps, org, mine.slice(i, i + QUERY_BATCH), failures);
    }
  }

  const queues: QueueReconciled[] = [];
  for (const o of owned.sort((a, b) => (a.queueId < b.queueId ? -1 : 1))) {
    const summary = summarize(await deps.reader.read(deps.region, o.queueId));
    const { queueId, listed, joined, repaired, observed } = o;
    queues.push({ queueId, org: o.org.name, listed, joined, repaired, observed, summary });
  }
  return { queues, failures };
}

/** Writes the members API's view of one queue; returns how many fields it changed. */
async function repairMembers(
  deps: ReconcileDeps,
  queueId: string,
  members: readonly QueueMemberState[],
  stored: readonly { readonly userId: string }[],
  at: number,
  limit: number,
): Promise<number> {
  const { region, writer } = deps;
  let repaired = 0;
  const count = (applied: boolean) => {
    if (applied) repaired++;
  };
  await forEachLimit(members, limit, async (m) => {
    count(await writer.applyMembership(region, { queueId, userId: m.userId, joined: m.joined, at }));
    if (m.routingStatus !== null) {
      const fact = { userId: m.userId, status: m.routingStatus.status, at: m.routingStatus.startTime ?? at };
      count(await writer.applyRoutingStatus(region, fact, { queueIds: [queueId] }));
    }
    if (m.skills !== null)
      count(await writer.applySkills(region, { queueId, userId: m.userId, skills: m.skills, at }));
  });
  // Joined here but not listed any more: a leave the events missed.
  const listed = new Set(members.map((m) => m.userId));
  const gone = stored.filter((s) => !listed.has(s.userId));
  await forEachLimit(gone, limit, async (s) => {
    count(await writer.applyMembership(region, { queueId, userId: s.userId, joined: false, at }));
  });
  return repaired;
}

/** The observation and aggregates queries for one batch of an org's queues, and their OBSERVED items. */
async function observe(deps: ReconcileDeps, org: ReconcileOrg, batch: Owned[], failures: QueueFailure[]) {
  const ids = batch.map((o) => o.queueId);
  const at = deps.now();
  let observations: Awaited<ReturnType<typeof queueObservations>>;
  try {
    observations = await queueObservations(org.client, ids);
  } catch (error) {
    for (const queueId of ids) failures.push({ queueId, org: org.name, reason: describe(error) });
    return;
  }
  let handle: Map<string, number> | null = null;
  try {
    handle = await handleTimes(org.client, ids, at - (deps.handleWindowMs ?? HANDLE_WINDOW_MS), at);
  } catch (error) {
    // Waiting is still worth writing; the handle time measured before stays.
    for (const queueId of ids) failures.push({ queueId, org: org.name, reason: describe(error) });
  }
  for (const o of batch) {
    // Asked for and not in the results: the platform had nothing to count for it (inferred), so 0s.
    const seen = observations.get(o.queueId);
    const handleTimeMs = handle === null ? o.previousHandleTimeMs : (handle.get(o.queueId) ?? null);
    const applied = await deps.writer.applyObserved(deps.region, {
      queueId: o.queueId,
      waiting: seen?.waiting ?? 0,
      handleTimeMs,
      counts: seen?.counts ?? { interacting: 0, onQueueUsers: 0, activeUsers: 0, memberUsers: 0 },
      at,
    });
    o.observed = applied;
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof PlatformRequestError && error.status === 404;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Runs `fn` over `items`, at most `limit` at a time; the first error rejects after all started ones end. */
async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  const results = await Promise.allSettled(workers);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
