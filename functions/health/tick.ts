import type { SipTargetConfig } from '../../config/schema.js';
import type { MonitorLease, VoteState } from './lease.js';
import type { ProbeResult } from './sip/probe.js';
import type { SipTarget } from './sip/types.js';
import {
  applyProbe,
  INITIAL_TARGET_STATE,
  type RegionSipVerdict,
  regionSipVerdict,
  type TargetState,
  type TargetTransition,
  type Thresholds,
} from './target-state.js';

/** One SIP target as the monitor tracks it: `id` is unique across regions and keys its counters. */
export interface MonitoredTarget extends SipTarget {
  readonly id: string;
  readonly name: string;
  /** Active region the target belongs to. */
  readonly region: string;
}

/**
 * The targets of every active region from the config's `sipTargets`, in region order. A target without a
 * name is named `host:port/transport`, which is also what its counters are kept under.
 */
export function monitoredTargets(
  sipTargets: Readonly<Record<string, readonly SipTargetConfig[]>>,
  activeRegions: readonly string[],
): MonitoredTarget[] {
  return activeRegions.flatMap((region) =>
    (sipTargets[region] ?? []).map((t) => {
      const name = t.name ?? `${t.host}:${t.port}/${t.transport}`;
      return { id: `${region}/${name}`, name, region, host: t.host, port: t.port, transport: t.transport };
    }),
  );
}

export interface VoteSettings {
  readonly thresholds: Thresholds;
  readonly minHealthyTargets: number;
  /** A region's vote is re-cast when the last one is this old (`voteRefreshSeconds` * 1000). */
  readonly voteRefreshMs: number;
}

export interface TargetChange {
  readonly target: MonitoredTarget;
  readonly transition: TargetTransition;
  readonly state: TargetState;
  readonly result: ProbeResult;
}

export interface RegionSummary {
  readonly region: string;
  readonly verdict: RegionSipVerdict;
  readonly healthyTargets: number;
  readonly totalTargets: number;
}

export interface VoteCast {
  readonly targetRegion: string;
  readonly healthy: boolean;
  readonly healthyTargets: number;
  readonly totalTargets: number;
  readonly seq: number;
  /** Why now: the verdict changed, or the last vote is due for a refresh. */
  readonly cause: 'changed' | 'refresh';
}

export interface TickOutcome {
  /** Counters and vote state after the tick (the rest of the lease unchanged). */
  readonly lease: MonitorLease;
  readonly changes: readonly TargetChange[];
  readonly regions: readonly RegionSummary[];
  readonly votes: readonly VoteCast[];
}

/**
 * Feeds one round's probe results (aligned with `targets`) into the lease's counters and decides the votes.
 * Pure. A null result means the target was not probed in this round (a suspect round probes only the
 * suspect targets): its counters stay as they were. Counters of targets no longer configured are
 * dropped; new targets start UNKNOWN.
 *
 * A region is voted on only while its verdict is HEALTHY or UNHEALTHY (UNKNOWN has no evidence yet), on
 * every change of `healthy` and otherwise every `voteRefreshMs`, each vote with the next `seq`.
 */
export function applyTick(
  lease: MonitorLease,
  targets: readonly MonitoredTarget[],
  results: readonly (ProbeResult | null)[],
  activeRegions: readonly string[],
  settings: VoteSettings,
  now: number,
): TickOutcome {
  if (results.length !== targets.length) {
    throw new RangeError(`${results.length} probe results for ${targets.length} targets`);
  }
  const counters: Record<string, TargetState> = {};
  const changes: TargetChange[] = [];
  targets.forEach((target, i) => {
    const previous = lease.targets[target.id] ?? INITIAL_TARGET_STATE;
    const result = results[i] ?? null;
    if (result === null) {
      counters[target.id] = previous;
      return;
    }
    const step = applyProbe(previous, result.up, settings.thresholds, now);
    counters[target.id] = step.state;
    if (step.transition) changes.push({ target, transition: step.transition, state: step.state, result });
  });

  const regions: RegionSummary[] = activeRegions.map((region) => {
    const health = targets.filter((t) => t.region === region).map((t) => counters[t.id]?.health ?? 'UNKNOWN');
    return {
      region,
      verdict: regionSipVerdict(health, settings.minHealthyTargets),
      healthyTargets: health.filter((h) => h === 'UP').length,
      totalTargets: health.length,
    };
  });

  const votes: VoteCast[] = [];
  const voteStates: Record<string, VoteState> = { ...lease.votes };
  for (const summary of regions) {
    if (summary.verdict === 'UNKNOWN') continue;
    const healthy = summary.verdict === 'HEALTHY';
    const previous = voteStates[summary.region] ?? { healthy: null, seq: 0, at: null };
    const changed = previous.healthy !== healthy;
    const due = previous.at === null || now - previous.at >= settings.voteRefreshMs;
    if (!changed && !due) continue;
    const seq = previous.seq + 1;
    voteStates[summary.region] = { healthy, seq, at: now };
    votes.push({
      targetRegion: summary.region,
      healthy,
      healthyTargets: summary.healthyTargets,
      totalTargets: summary.totalTargets,
      seq,
      cause: changed ? 'changed' : 'refresh',
    });
  }
  return { lease: { ...lease, targets: counters, votes: voteStates }, changes, regions, votes };
}
