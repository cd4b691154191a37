import { type Metrics, MetricUnit } from '../shared/logger.js';
import type { QuorumResult } from './quorum-service.js';

/**
 * Metric names quorum and the health endpoint emit (namespace METRICS_NAMESPACE), read by the
 * dashboard (lib/constructs/quorum-dashboard.ts). Per-region metrics carry a `Region` dimension, per
 * vote an `Observer` dimension too.
 */
export const QUORUM_METRICS = {
  /** 1 while the region is in rotation by the latest decision, else 0. Dimension Region. */
  inRotation: 'RegionInRotation',
  /** 1 healthy, 0 unhealthy, as counted by the rule (fresh votes only). Dimensions Region, Observer. */
  vote: 'RegionVote',
  /** Latest inbound replication lag the rule saw. Dimension Region. */
  lag: 'InboundReplicationLag',
  /** The decision's epoch (no dimension). */
  epoch: 'RotationEpoch',
  /** 1 per announced rotation change (no dimension). */
  changed: 'RotationChanged',
  /** 1 per evaluation whose region had no majority of fresh votes. Dimension Region. */
  quorumLost: 'QuorumLost',
  /** 1 per invocation that could not reach ControlState within its budget (self-fenced). */
  fenced: 'ControlFenced',
  /** Trigger alarms holding the region out at this evaluation. Dimension Region. */
  triggerFiring: 'TriggerFiring',
  /** Trigger alarms about the region that could not be read or do not exist. Dimension Region. */
  triggerUnreadable: 'TriggerUnreadable',
  /** Health endpoint answers: 1 for 200, 0 for 503. */
  healthy: 'HealthEndpointHealthy',
} as const;

export const DIMENSIONS = { region: 'Region', observer: 'Observer' } as const;

/** One datapoint with its own dimensions (flushed at once, so dimensions never mix between metrics). */
function emit(
  metrics: Metrics,
  name: string,
  value: number,
  dims: Record<string, string>,
  unit: (typeof MetricUnit)[keyof typeof MetricUnit] = MetricUnit.Count,
) {
  const single = metrics.singleMetric();
  for (const [k, v] of Object.entries(dims)) single.addDimension(k, v);
  single.addMetric(name, unit, value);
}

/** The dashboard's view of one quorum invocation. */
export function reportQuorumMetrics(metrics: Metrics, result: QuorumResult): void {
  if (result.kind === 'fenced') {
    metrics.addMetric(QUORUM_METRICS.fenced, MetricUnit.Count, 1);
    return;
  }
  if (result.kind !== 'evaluated') return;
  const { outcome, announced } = result.evaluation;
  metrics.addMetric(QUORUM_METRICS.epoch, MetricUnit.Count, outcome.decision.epoch);
  if (announced.length > 0) metrics.addMetric(QUORUM_METRICS.changed, MetricUnit.Count, announced.length);
  for (const [region, state] of Object.entries(outcome.decision.regions)) {
    const region1 = { [DIMENSIONS.region]: region };
    emit(metrics, QUORUM_METRICS.inRotation, state.inRotation ? 1 : 0, region1);
    const evidence = outcome.evidence[region];
    if (!evidence) continue;
    for (const o of evidence.healthy)
      emit(metrics, QUORUM_METRICS.vote, 1, { ...region1, [DIMENSIONS.observer]: o });
    for (const o of evidence.unhealthy)
      emit(metrics, QUORUM_METRICS.vote, 0, { ...region1, [DIMENSIONS.observer]: o });
    if (evidence.latestLagMs !== null) {
      emit(metrics, QUORUM_METRICS.lag, evidence.latestLagMs, region1, MetricUnit.Milliseconds);
    }
    if (!evidence.quorum) emit(metrics, QUORUM_METRICS.quorumLost, 1, region1);
    if (evidence.triggers.length > 0) {
      const firing = evidence.triggers.filter((t) => t.firing).length;
      const blind = evidence.triggers.filter((t) => t.state === 'UNREADABLE' || t.state === 'MISSING').length;
      emit(metrics, QUORUM_METRICS.triggerFiring, firing, region1);
      emit(metrics, QUORUM_METRICS.triggerUnreadable, blind, region1);
    }
  }
}
