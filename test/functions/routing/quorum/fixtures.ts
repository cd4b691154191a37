import { decide } from '../../../../functions/routing/quorum/rule.js';
import type {
  Decision,
  LagSample,
  Override,
  QuorumInput,
  QuorumOutcome,
  QuorumSettings,
  RegionState,
  Vote,
} from '../../../../functions/routing/quorum/types.js';

export const USE1 = 'us-east-1';
export const USW2 = 'us-west-2';
export const WITNESS = 'us-east-2';
/** Observers in the order the vote marks below are written. */
export const OBSERVERS = [USE1, USW2, WITNESS] as const;

export const SETTINGS: QuorumSettings = {
  activeRegions: [USE1, USW2],
  witnessRegion: WITNESS,
  voteStaleMs: 15_000,
  replicationExclusionMs: 200,
  lagSamples: 3,
  minRegionsInRotation: 1,
  failbackDwellSeconds: 30,
};

export const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

/**
 * Votes on `target` written as three marks, one per observer (us-east-1, us-west-2, witness us-east-2):
 * `H`/`U` fresh healthy/unhealthy (cast 1 s before now), `h`/`u` the same but voteStaleMs old,
 * `+` unhealthy but dated voteStaleMs ahead of now, `-` no vote.
 *
 * @example ballots(USE1, 'UUh', now) // us-east-1 seen down by both active regions; the witness's vote is stale
 */
export function ballots(target: string, marks: string, now: number, seq = 1, settings = SETTINGS): Vote[] {
  if (marks.length !== OBSERVERS.length)
    throw new Error(`marks must have ${OBSERVERS.length} characters: ${marks}`);
  return [...marks].flatMap((mark, i): Vote[] => {
    const observer = OBSERVERS[i] as string;
    if (mark === '-') return [];
    const at =
      mark === '+' ? now + settings.voteStaleMs : /[hu]/.test(mark) ? now - settings.voteStaleMs : now - 1000;
    return [
      {
        observer,
        targetRegion: target,
        healthy: mark.toUpperCase() === 'H',
        incarnation: 1,
        seq,
        occurredAtMs: at,
      },
    ];
  });
}

/** Votes on both active regions. */
export function board(use1: string, usw2: string, now: number, seq = 1): Vote[] {
  return [...ballots(USE1, use1, now, seq), ...ballots(USW2, usw2, now, seq)];
}

const healthyLongAgo = (now: number): RegionState => ({
  inRotation: true,
  reason: 'Healthy',
  sipHealthy: true,
  lagExcluded: false,
  healthySinceMs: now - 10 * 60_000,
});

/** The stored decision of a quiet day: both regions in rotation, healthy for ten minutes. */
export function steady(now: number, changes: Partial<Record<string, Partial<RegionState>>> = {}): Decision {
  const regions: Record<string, RegionState> = {};
  for (const region of SETTINGS.activeRegions)
    regions[region] = { ...healthyLongAgo(now), ...changes[region] };
  return {
    epoch: 7,
    revision: 40,
    inRotation: SETTINGS.activeRegions.filter((r) => regions[r]?.inRotation),
    regions,
    decidedAtMs: now - 1000,
  };
}

/** A region that went out for SIP and has not been healthy since. */
export const DOWN: Partial<RegionState> = {
  inRotation: false,
  reason: 'SipUnhealthy',
  sipHealthy: false,
  healthySinceMs: null,
};

export function drain(by: string, atMs: number, force?: boolean): Override {
  return { mode: 'drain', by, reason: 'maintenance', atMs, ...(force === undefined ? {} : { force }) };
}

export function pin(by: string, atMs: number): Override {
  return { mode: 'pin', by, reason: 'operator call', atMs };
}

/** Lag samples one second apart ending at `now`. */
export function lagSeries(lagsMs: readonly number[], now: number): LagSample[] {
  return lagsMs.map((lagMs, i) => ({ lagMs, atMs: now - (lagsMs.length - 1 - i) * 1000 }));
}

export function input(parts: Partial<QuorumInput> & Pick<QuorumInput, 'votes'>): QuorumInput {
  return { lag: {}, overrides: {}, previous: null, settings: SETTINGS, ...parts };
}

export function conditionTypes(outcome: QuorumOutcome): string[] {
  return outcome.conditions.map((c) => `${c.type}${c.region === null ? '' : `:${c.region}`}`);
}

/**
 * Runs the rule as the quorum function does: every `tickMs` from `start` to `end` inclusive, each
 * decision becoming the next one's `previous`. Returns every outcome in order.
 */
export function simulate(
  start: number,
  end: number,
  tickMs: number,
  first: Decision,
  at: (
    now: number,
    tick: number,
  ) => Omit<QuorumInput, 'previous' | 'settings'> & { settings?: QuorumSettings },
): QuorumOutcome[] {
  const outcomes: QuorumOutcome[] = [];
  let previous = first;
  for (let now = start, tick = 0; now <= end; now += tickMs, tick += 1) {
    const parts = at(now, tick);
    const outcome = decide({ settings: SETTINGS, ...parts, previous }, now);
    outcomes.push(outcome);
    previous = outcome.decision;
  }
  return outcomes;
}
