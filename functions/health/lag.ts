import type { ReplicationLagLevel } from '../shared/events.js';
import type { LagState } from './lease.js';

export interface LagThresholds {
  /** Above it the measuring region's inbound replication is too slow to include (`replicationExclusionMs`). */
  readonly replicationExclusionMs: number;
  /** Above it routing stops using the region (`circuitBreakerMs`); above the exclusion threshold. */
  readonly circuitBreakerMs: number;
}

export function lagLevel(lagMs: number, t: LagThresholds): ReplicationLagLevel {
  if (lagMs > t.circuitBreakerMs) return 'circuit-open';
  if (lagMs > t.replicationExclusionMs) return 'excluded';
  return 'ok';
}

const RANK: Readonly<Record<ReplicationLagLevel, number>> = { ok: 0, excluded: 1, 'circuit-open': 2 };

export interface LagCrossing {
  readonly level: ReplicationLagLevel;
  readonly previousLevel: ReplicationLagLevel;
  readonly lagMs: number;
  /**
   * The threshold crossed last: on the way up the new level's own threshold, on the way down the one just
   * above the new level (down to `ok` crosses replicationExclusionMs, to `excluded` circuitBreakerMs).
   */
  readonly thresholdMs: number;
}

export interface LagStep {
  readonly state: LagState;
  readonly crossing: LagCrossing | null;
}

/**
 * Feeds one lag sample into the stored lag state. Pure. A crossing is reported on every change of level,
 * up or down; the quorum applies its own hysteresis (`lagSamples`) to the samples, so none is added here.
 */
export function applyLagSample(
  state: LagState | null,
  lagMs: number,
  sentAt: number | null,
  t: LagThresholds,
): LagStep {
  const previousLevel = state?.level ?? 'ok';
  const level = lagLevel(lagMs, t);
  const next: LagState = { level, lastSentAt: sentAt ?? state?.lastSentAt ?? null, lastLagMs: lagMs };
  if (level === previousLevel) return { state: next, crossing: null };
  const up = RANK[level] > RANK[previousLevel];
  const thresholdMs =
    (up ? level : level === 'ok' ? 'excluded' : 'circuit-open') === 'excluded'
      ? t.replicationExclusionMs
      : t.circuitBreakerMs;
  return { state: next, crossing: { level, previousLevel, lagMs, thresholdMs } };
}
