import { conditionMessage, explainRegion, type RegionAssessment } from './explain.js';
import { lagVerdict } from './lag.js';
import { triggerVerdict } from './triggers.js';
import type {
  Condition,
  Decision,
  QuorumInput,
  QuorumOutcome,
  QuorumSettings,
  RegionEvidence,
  RegionState,
} from './types.js';
import { latestVotes, tallyVotes } from './votes.js';

/** State assumed for an active region the previous decision does not know (added by a config change). */
const UNKNOWN_REGION: RegionState = {
  inRotation: false,
  reason: 'FailbackDwell',
  sipHealthy: false,
  lagExcluded: false,
  healthySinceMs: null,
};

/**
 * The decision before the first one: every active region in rotation and presumed healthy. Both
 * regions take calls from day one (DESIGN.md section 1); presuming them down would put all traffic
 * on one region until the first quorum of votes, and a bad presumption is corrected by that quorum.
 */
export function initialDecision(settings: QuorumSettings, now: number): Decision {
  const regions: Record<string, RegionState> = {};
  for (const region of settings.activeRegions) {
    regions[region] = {
      inRotation: true,
      reason: 'Healthy',
      sipHealthy: true,
      lagExcluded: false,
      healthySinceMs: null,
    };
  }
  return { epoch: 0, revision: 0, inRotation: [...settings.activeRegions], regions, decidedAtMs: now };
}

/**
 * The quorum rule (DESIGN.md section 4): which active regions take traffic, from the latest votes,
 * the replication-lag samples, operator overrides and the previous decision. Pure and deterministic:
 * the same input gives the same output whatever the order of `votes` and samples.
 *
 * Per region, in this order:
 * 1. SIP verdict: a majority of fresh votes (2 of 3 observers). Without one the previous verdict is
 *    kept and `QuorumLost` is raised.
 * 2. Replication verdict: see lagVerdict (N samples above to exclude, N at or below to re-admit).
 *    Trigger alarms (failover.triggers, triggers.ts): one in ALARM, or OK for less than its
 *    clearAfterSeconds, makes the region unhealthy; an alarm that cannot be read keeps its last verdict.
 * 3. Automatic membership: an unhealthy region leaves at once; a region that is out comes back only
 *    after failbackDwellSeconds of continuously observed health (any unhealthy or unobserved
 *    evaluation restarts the clock, so a toggling vote can never bring it back).
 * 4. Overrides: a pin puts the region in even when unhealthy (the operator's call; `PinnedUnhealthy`
 *    says so), a drain takes it out.
 * 5. Safety: while fewer than minRegionsInRotation are in, the best remaining region is put back
 *    (`MinRegionsKept`, or `DrainRefused` if it was drained). Undrained regions go first (an
 *    operator's drain beats the probes), then among drained regions the newest drain is the one
 *    refused (the drain that emptied the rotation), then the healthier region: more healthy fresh
 *    votes, then the one in rotation now (an equal case never moves the traffic: both regions'
 *    trigger alarms firing keep it where it is), then lower latest lag, then settings order. A region put
 *    back this way skips the dwell: when the alternative is a region that is down, a healthy
 *    region still in its dwell is the better one. Only `force` drains can go below the minimum
 *    (`BelowMinRegions`).
 *
 * The next epoch is previous.epoch + 1 exactly when the rotation set changes; the revision moves on
 * every call. `now` may be behind previous.decidedAtMs (the peer region's clock): that only delays
 * failback.
 *
 * @example
 * const { decision, changed, conditions } = decide({ votes, lag, overrides, previous, settings }, Date.now());
 * if (await store.putDecision(decision, previous?.revision ?? null) && changed) await events.rotationChanged(decision);
 */
export function decide(input: QuorumInput, now: number): QuorumOutcome {
  const { settings } = input;
  const previous = input.previous ?? initialDecision(settings, now);
  const observers = [...settings.activeRegions, settings.witnessRegion];
  const latest = latestVotes(input.votes);
  const dwellMs = settings.failbackDwellSeconds * 1000;

  const assessed: RegionAssessment[] = settings.activeRegions.map((region, index) => {
    const prev = previous.regions[region] ?? UNKNOWN_REGION;
    const wasIn = previous.inRotation.includes(region);
    const tally = tallyVotes(region, latest, observers, now, settings.voteStaleMs);
    const lag = lagVerdict(
      input.lag[region],
      prev.lagExcluded,
      settings.replicationExclusionMs,
      settings.lagSamples,
    );
    const sipHealthy = tally.verdict ?? prev.sipHealthy;
    const triggers = triggerVerdict(
      region,
      input.triggers,
      prev.triggeredBy ?? [],
      tally.abstained.includes(region),
      now,
    );
    const triggered = triggers.firing.length > 0;
    const healthy = sipHealthy && !lag.excluded && !triggered;
    const observedHealthy = tally.verdict === true && !lag.excluded && !triggered;
    const healthySinceMs = observedHealthy ? (prev.healthySinceMs ?? now) : null;
    const dwellDone = healthySinceMs !== null && now - healthySinceMs >= dwellMs;
    const override = input.overrides[region];

    let inRotation = healthy && (wasIn || dwellDone);
    let reason: RegionState['reason'] = !sipHealthy
      ? 'SipUnhealthy'
      : lag.excluded
        ? 'ReplicationLag'
        : triggered
          ? 'AlarmTriggered'
          : inRotation
            ? 'Healthy'
            : 'FailbackDwell';
    if (override?.mode === 'pin') {
      inRotation = true;
      reason = 'Pinned';
    } else if (override?.mode === 'drain') {
      inRotation = false;
      reason = 'Drained';
    }
    return {
      region,
      index,
      wasIn,
      tally,
      lag,
      triggers,
      sipHealthy,
      healthy,
      healthySinceMs,
      override,
      inRotation,
      reason,
    };
  });

  const conditions: Condition[] = [];
  for (const a of assessed) {
    if (a.tally.future.length > 0) conditions.push(condition('VoteClockSkew', a, settings, now));
    if (!a.tally.quorum) conditions.push(condition('QuorumLost', a, settings, now));
    if (a.reason === 'Pinned' && !a.healthy) conditions.push(condition('PinnedUnhealthy', a, settings, now));
    if (a.triggers.unreadable.length > 0) conditions.push(condition('TriggerUnreadable', a, settings, now));
    if (a.triggers.missing.length > 0) conditions.push(condition('TriggerMissing', a, settings, now));
  }
  conditions.push(...keepMinimum(assessed, settings, now));

  const inRotation = assessed.filter((a) => a.inRotation).map((a) => a.region);
  const changed =
    inRotation.length !== previous.inRotation.length ||
    inRotation.some((r) => !previous.inRotation.includes(r));
  const regions: Record<string, RegionState> = {};
  const reasons: Record<string, string> = {};
  const evidence: Record<string, RegionEvidence> = {};
  for (const a of assessed) {
    regions[a.region] = {
      inRotation: a.inRotation,
      reason: a.reason,
      sipHealthy: a.sipHealthy,
      lagExcluded: a.lag.excluded,
      healthySinceMs: a.healthySinceMs,
      ...(a.triggers.firing.length > 0 ? { triggeredBy: a.triggers.firing } : {}),
    };
    reasons[a.region] = explainRegion(a, settings, now);
    const { healthy, unhealthy, abstained, quorum } = a.tally;
    evidence[a.region] = {
      healthy,
      unhealthy,
      abstained,
      quorum,
      latestLagMs: a.lag.latestLagMs,
      triggers: a.triggers.detail,
    };
  }
  return {
    decision: {
      epoch: previous.epoch + (changed ? 1 : 0),
      revision: previous.revision + 1,
      inRotation,
      regions,
      decidedAtMs: now,
    },
    changed,
    conditions,
    reasons,
    evidence,
  };
}

/** Step 5 of decide: puts regions back until minRegionsInRotation are in; mutates `assessed`. */
function keepMinimum(assessed: RegionAssessment[], settings: QuorumSettings, now: number): Condition[] {
  const minimum = Math.min(settings.minRegionsInRotation, assessed.length);
  let count = assessed.filter((a) => a.inRotation).length;
  const conditions: Condition[] = [];
  if (count >= minimum) return conditions;
  const candidates = assessed
    .filter((a) => !a.inRotation && !(a.override?.mode === 'drain' && a.override.force === true))
    .sort(keepOrder);
  for (const a of candidates) {
    if (count >= minimum) break;
    a.inRotation = true;
    a.reason = a.override?.mode === 'drain' ? 'DrainRefused' : 'MinRegionsKept';
    conditions.push(condition(a.reason, a, settings, now, assessed));
    count += 1;
  }
  if (count < minimum) {
    conditions.push({
      type: 'BelowMinRegions',
      region: null,
      message: `forced drains leave ${count} region(s) in rotation, below minRegionsInRotation ${settings.minRegionsInRotation}`,
    });
  }
  return conditions;
}

/** Which region to put back first (see decide, step 5). Negative: `a` goes first. */
function keepOrder(a: RegionAssessment, b: RegionAssessment): number {
  const aDrained = a.override?.mode === 'drain';
  const bDrained = b.override?.mode === 'drain';
  if (aDrained !== bDrained) return aDrained ? 1 : -1;
  if (aDrained && bDrained) {
    const newerDrain = (b.override?.atMs ?? 0) - (a.override?.atMs ?? 0);
    if (newerDrain !== 0) return newerDrain;
  }
  return (
    b.tally.healthy.length - a.tally.healthy.length ||
    Number(b.wasIn) - Number(a.wasIn) ||
    compareLag(a.lag.latestLagMs, b.lag.latestLagMs) ||
    a.index - b.index
  );
}

/** Lower lag first; a region with no samples sorts after every measured one. */
function compareLag(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

function condition(
  type: Exclude<Condition['type'], 'BelowMinRegions'>,
  a: RegionAssessment,
  settings: QuorumSettings,
  now: number,
  all: readonly RegionAssessment[] = [],
): Condition {
  return { type, region: a.region, message: conditionMessage(type, a, settings, now, all) };
}
