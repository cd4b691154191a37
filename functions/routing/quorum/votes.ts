import type { RegionEvidence, Vote } from './types.js';

export type VoteUpdateReason =
  /** Nothing stored yet for (observer, targetRegion). */
  | 'First'
  /** Same incarnation, higher seq. */
  | 'NewerSeq'
  /** The observer restarted its counter and said so with a larger incarnation. */
  | 'NewIncarnation'
  /** Lower (incarnation, seq) but cast at least `restartAfterMs` after the stored vote: see applyVote. */
  | 'SilentRestart'
  /** Same (incarnation, seq): a redelivery. */
  | 'Duplicate'
  /** Lower seq of the same incarnation: arrived late. */
  | 'OutOfOrder'
  /** From an incarnation the observer has already left behind. */
  | 'OldIncarnation';

export interface VoteUpdate {
  /** The incoming vote replaces the stored one. */
  readonly replace: boolean;
  /** The vote to keep as the latest for (observer, targetRegion). */
  readonly vote: Vote;
  readonly reason: VoteUpdateReason;
}

export interface ApplyVoteOptions {
  /**
   * How much later (by the observer's own clock) a vote that sorts lower must be to be taken as a
   * restart the observer did not announce. Pass `settings.voteStaleMs`.
   * @default 15000 (the default voteStaleMs)
   */
  readonly restartAfterMs?: number;
}

const DEFAULT_RESTART_AFTER_MS = 15_000;

/**
 * Decides whether an incoming vote replaces the stored latest vote of the same (observer, targetRegion).
 *
 * Votes are ordered by (incarnation, seq): only a later one replaces, so redeliveries and late
 * arrivals (EventBridge forwards, retries, DLQ redrives) change nothing. An observer that restarts
 * its counter announces it with a larger incarnation, and its next vote wins even with seq 1.
 *
 * One fallback covers an observer that restarted without a larger incarnation (its state table was
 * recreated): a lower-sorting vote is accepted when it was cast at least `restartAfterMs` after the
 * stored one. Both times come from the same observer's clock, so a late duplicate cannot look that
 * much newer unless that clock jumped by more than the window; and by then the stored vote is stale
 * and abstains anyway, so refusing the new one would silence the observer for good.
 *
 * @throws RangeError when the two votes are not about the same (observer, targetRegion).
 * @example
 * const { replace, vote } = applyVote(stored, incoming, { restartAfterMs: settings.voteStaleMs });
 * if (replace) await store.putVote(vote); // conditional on the stored (incarnation, seq)
 */
export function applyVote(
  stored: Vote | undefined,
  incoming: Vote,
  options: ApplyVoteOptions = {},
): VoteUpdate {
  if (stored === undefined) return { replace: true, vote: incoming, reason: 'First' };
  if (stored.observer !== incoming.observer || stored.targetRegion !== incoming.targetRegion) {
    throw new RangeError(
      `applyVote compares votes of one (observer, targetRegion); got ${stored.observer}->${stored.targetRegion} and ${incoming.observer}->${incoming.targetRegion}`,
    );
  }
  if (incoming.incarnation > stored.incarnation)
    return { replace: true, vote: incoming, reason: 'NewIncarnation' };
  if (incoming.incarnation === stored.incarnation && incoming.seq > stored.seq) {
    return { replace: true, vote: incoming, reason: 'NewerSeq' };
  }
  const restartAfterMs = options.restartAfterMs ?? DEFAULT_RESTART_AFTER_MS;
  if (incoming.occurredAtMs - stored.occurredAtMs >= restartAfterMs) {
    return { replace: true, vote: incoming, reason: 'SilentRestart' };
  }
  const reason: VoteUpdateReason =
    incoming.incarnation < stored.incarnation
      ? 'OldIncarnation'
      : incoming.seq === stored.seq
        ? 'Duplicate'
        : 'OutOfOrder';
  return { replace: false, vote: stored, reason };
}

/**
 * A total order of votes for one (observer, targetRegion): (incarnation, seq, occurredAtMs), and on a
 * full tie the unhealthy vote sorts later (a conflicting duplicate is read the cautious way).
 */
export function compareVotes(a: Vote, b: Vote): number {
  return (
    a.incarnation - b.incarnation ||
    a.seq - b.seq ||
    a.occurredAtMs - b.occurredAtMs ||
    Number(b.healthy) - Number(a.healthy)
  );
}

/**
 * The latest vote per (observer, targetRegion) of a list in any order. Uses the total order of
 * compareVotes rather than folding applyVote, so the result cannot depend on the list's order.
 */
export function latestVotes(votes: readonly Vote[]): ReadonlyMap<string, Vote> {
  const latest = new Map<string, Vote>();
  for (const vote of votes) {
    const key = voteKey(vote.observer, vote.targetRegion);
    const current = latest.get(key);
    if (current === undefined || compareVotes(vote, current) > 0) latest.set(key, vote);
  }
  return latest;
}

export function voteKey(observer: string, targetRegion: string): string {
  return `${observer}\u0000${targetRegion}`;
}

export type Freshness = 'fresh' | 'stale' | 'future';

/**
 * A vote counts while it is younger than `staleMs`. A vote dated `staleMs` or more ahead of `now`
 * abstains too: a few seconds of clock skew are normal, but a clock that far ahead would keep its
 * vote "fresh" long after the observer stopped voting.
 */
export function freshness(vote: Vote, now: number, staleMs: number): Freshness {
  const age = now - vote.occurredAtMs;
  if (age >= staleMs) return 'stale';
  if (-age >= staleMs) return 'future';
  return 'fresh';
}

export interface Tally extends Omit<RegionEvidence, 'latestLagMs' | 'triggers'> {
  /** Observers whose vote for the region is dated too far in the future (also in `abstained`). */
  readonly future: readonly string[];
  /** The majority's verdict; null without a quorum. */
  readonly verdict: boolean | null;
}

/**
 * Counts the fresh votes of `observers` on `region`. A verdict needs a strict majority of all
 * observers (2 of 3) to agree: two fresh votes split 1-1, or a single fresh vote, decide nothing.
 */
export function tallyVotes(
  region: string,
  latest: ReadonlyMap<string, Vote>,
  observers: readonly string[],
  now: number,
  staleMs: number,
): Tally {
  const healthy: string[] = [];
  const unhealthy: string[] = [];
  const abstained: string[] = [];
  const future: string[] = [];
  for (const observer of observers) {
    const vote = latest.get(voteKey(observer, region));
    const state = vote === undefined ? 'stale' : freshness(vote, now, staleMs);
    if (vote === undefined || state !== 'fresh') {
      abstained.push(observer);
      if (state === 'future') future.push(observer);
    } else if (vote.healthy) healthy.push(observer);
    else unhealthy.push(observer);
  }
  const majority = Math.floor(observers.length / 2) + 1;
  const verdict = healthy.length >= majority ? true : unhealthy.length >= majority ? false : null;
  return { healthy, unhealthy, abstained, future, quorum: verdict !== null, verdict };
}
