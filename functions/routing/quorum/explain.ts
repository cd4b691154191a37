import type { LagVerdict } from './lag.js';
import type { TriggerVerdict } from './triggers.js';
import type { ConditionType, Override, QuorumSettings, RegionReason } from './types.js';
import type { Tally } from './votes.js';

/** The rule's working view of one active region while it decides (see decide). */
export interface RegionAssessment {
  readonly region: string;
  /** Position in settings.activeRegions: the last tie-break. */
  readonly index: number;
  readonly wasIn: boolean;
  readonly tally: Tally;
  readonly lag: LagVerdict;
  readonly triggers: TriggerVerdict;
  readonly sipHealthy: boolean;
  /** SIP healthy (fresh or kept verdict) and not lag-excluded. */
  readonly healthy: boolean;
  readonly healthySinceMs: number | null;
  readonly override: Override | undefined;
  inRotation: boolean;
  reason: RegionReason;
}

function list(observers: readonly string[]): string {
  return observers.length > 0 ? observers.join(', ') : 'none';
}

function votes(t: Tally): string {
  const future = t.future.length > 0 ? ` (dated ahead: ${list(t.future)})` : '';
  return `healthy: ${list(t.healthy)}; unhealthy: ${list(t.unhealthy)}; abstained: ${list(t.abstained)}${future}`;
}

function sip(a: RegionAssessment): string {
  const state = a.sipHealthy ? 'healthy' : 'unhealthy';
  return a.tally.quorum
    ? `SIP ${state} by a majority of fresh votes (${votes(a.tally)})`
    : `SIP ${state}, verdict kept without a quorum of fresh votes (${votes(a.tally)})`;
}

function lag(a: RegionAssessment, s: QuorumSettings): string {
  const latest = a.lag.latestLagMs === null ? 'no samples' : `latest ${a.lag.latestLagMs} ms`;
  return a.lag.excluded
    ? `inbound replication lag above ${s.replicationExclusionMs} ms (${latest}; ${s.lagSamples} samples at or below re-admit)`
    : `replication lag within ${s.replicationExclusionMs} ms (${latest})`;
}

function dwell(a: RegionAssessment, s: QuorumSettings, now: number): string {
  if (a.healthySinceMs === null) return 'failback waits for a quorum of fresh healthy votes';
  const seconds = Math.max(0, Math.floor((now - a.healthySinceMs) / 1000));
  return `healthy for ${seconds} s of the ${s.failbackDwellSeconds} s failback dwell`;
}

function triggered(a: RegionAssessment): string {
  return a.triggers.detail
    .filter((d) => d.firing)
    .map((d) => d.why)
    .join(' and ');
}

/** What would keep the region out if it were up to the probes and alarms alone. */
function problem(a: RegionAssessment, s: QuorumSettings, now: number): string {
  const causes = [
    ...(a.sipHealthy ? [] : [sip(a)]),
    ...(a.lag.excluded ? [lag(a, s)] : []),
    ...(a.triggers.firing.length > 0 ? [triggered(a)] : []),
  ];
  return causes.length > 0 ? causes.join(' and ') : `it is still in its failback dwell (${dwell(a, s, now)})`;
}

function by(o: Override | undefined): string {
  return o === undefined ? 'an operator' : `${o.by} (${o.reason})`;
}

/** One sentence on why a region is in or out of rotation, for the decision log and the event. */
export function explainRegion(a: RegionAssessment, s: QuorumSettings, now: number): string {
  switch (a.reason) {
    case 'Healthy':
      return `in: ${sip(a)}; ${lag(a, s)}`;
    case 'Pinned':
      return a.healthy
        ? `in: pinned by ${by(a.override)}`
        : `in: pinned by ${by(a.override)} although ${problem(a, s, now)}`;
    case 'MinRegionsKept':
      return `in: kept to hold minRegionsInRotation ${s.minRegionsInRotation} although ${problem(a, s, now)}`;
    case 'DrainRefused':
      return `in: drain by ${by(a.override)} refused, it would leave fewer than ${s.minRegionsInRotation} region(s) in rotation`;
    case 'Drained':
      return `out: drained by ${by(a.override)}`;
    case 'SipUnhealthy':
      return `out: ${sip(a)}`;
    case 'ReplicationLag':
      return `out: ${lag(a, s)}`;
    case 'AlarmTriggered':
      return `out: ${triggered(a)}`;
    case 'FailbackDwell':
      return `out: ${dwell(a, s, now)}; ${sip(a)}`;
  }
}

/** The message of a region condition. `all` names the other regions for the minimum-regions conditions. */
export function conditionMessage(
  type: Exclude<ConditionType, 'BelowMinRegions'>,
  a: RegionAssessment,
  s: QuorumSettings,
  now: number,
  all: readonly RegionAssessment[],
): string {
  const others = all
    .filter((o) => o.region !== a.region)
    .map((o) => `${o.region} ${o.inRotation ? 'in' : `out (${o.reason})`}`)
    .join(', ');
  switch (type) {
    case 'QuorumLost':
      return `${a.region}: no majority of fresh votes (${votes(a.tally)}); keeping the ${a.sipHealthy ? 'healthy' : 'unhealthy'} SIP verdict`;
    case 'VoteClockSkew':
      return `${a.region}: votes from ${list(a.tally.future)} are dated ${s.voteStaleMs} ms or more ahead and abstain; check that observer's clock`;
    case 'TriggerUnreadable':
      return `${a.region}: ${a.triggers.detail
        .filter((d) => d.state === 'UNREADABLE')
        .map((d) => d.why)
        .join('; ')}`;
    case 'TriggerMissing':
      return `${a.region}: ${a.triggers.detail
        .filter((d) => d.state === 'MISSING')
        .map((d) => d.why)
        .join('; ')}; check failover.triggers`;
    case 'PinnedUnhealthy':
      return `${a.region} is pinned by ${by(a.override)} although ${problem(a, s, now)}`;
    case 'MinRegionsKept':
      return `${a.region} kept in rotation although ${problem(a, s, now)}: otherwise fewer than ${s.minRegionsInRotation} region(s) would be in rotation (${others})`;
    case 'DrainRefused':
      return `drain of ${a.region} by ${by(a.override)} refused: it would leave fewer than ${s.minRegionsInRotation} region(s) in rotation (${others}); drain with force to override`;
  }
}
