import '../shared/zod-messages.js';
import * as z from 'zod/mini';

/**
 * The health of one SIP target as one observer sees it.
 *
 * A target starts UNKNOWN, not UP and not DOWN: a monitor that has just started (first deploy, counters
 * lost) has no evidence either way. Starting UP would let a dead edge be voted healthy for
 * `failureThreshold` probes; starting DOWN would let a cold start pull a healthy region out of rotation.
 * UNKNOWN leaves for UP after `recoveryThreshold` consecutive ups or for DOWN after `failureThreshold`
 * consecutive downs, whichever comes first, and it never counts as UP (see {@link regionSipVerdict}).
 */
export type TargetHealth = 'UNKNOWN' | 'UP' | 'DOWN';

export const targetStateSchema = z.strictObject({
  health: z.enum(['UNKNOWN', 'UP', 'DOWN']),
  /** Consecutive up probes, capped at the recovery threshold. */
  consecutiveUps: z.int().check(z.minimum(0)),
  /** Consecutive down probes, capped at the failure threshold. */
  consecutiveDowns: z.int().check(z.minimum(0)),
  /** Epoch ms of the last change of `health`; null while it has never changed. */
  changedAt: z.nullable(z.number()),
});

/** Plain, JSON-serialisable state: it is stored between monitor invocations. */
export type TargetState = z.infer<typeof targetStateSchema>;

export interface Thresholds {
  /** Consecutive down probes that make a target DOWN (config `health.failureThreshold`). */
  readonly failureThreshold: number;
  /** Consecutive up probes that make a target UP (config `health.recoveryThreshold`). */
  readonly recoveryThreshold: number;
}

export interface TargetTransition {
  readonly from: TargetHealth;
  readonly to: TargetHealth;
  readonly at: number;
}

export interface TargetStep {
  readonly state: TargetState;
  /** Set only when `health` changed with this probe. */
  readonly transition: TargetTransition | null;
}

export const INITIAL_TARGET_STATE: TargetState = Object.freeze({
  health: 'UNKNOWN',
  consecutiveUps: 0,
  consecutiveDowns: 0,
  changedAt: null,
});

function assertThreshold(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} is ${value}; it must be a whole number of probes, 1 or more`);
  }
}

/**
 * Feeds one probe outcome into a target's state. Pure: same inputs, same output.
 *
 * Counters are capped at their threshold so that a steady target produces the same state probe after
 * probe, which lets the store skip writes that change nothing.
 *
 * @example
 * const { state, transition } = applyProbe(previous, result.up, { failureThreshold: 2, recoveryThreshold: 3 }, now);
 * if (transition) await events.publish(targetHealthChanged(target, transition));
 */
export function applyProbe(state: TargetState, up: boolean, thresholds: Thresholds, now: number): TargetStep {
  assertThreshold('failureThreshold', thresholds.failureThreshold);
  assertThreshold('recoveryThreshold', thresholds.recoveryThreshold);
  const consecutiveUps = up ? Math.min(state.consecutiveUps + 1, thresholds.recoveryThreshold) : 0;
  const consecutiveDowns = up ? 0 : Math.min(state.consecutiveDowns + 1, thresholds.failureThreshold);
  let health = state.health;
  if (up && consecutiveUps >= thresholds.recoveryThreshold) health = 'UP';
  if (!up && consecutiveDowns >= thresholds.failureThreshold) health = 'DOWN';
  const changed = health !== state.health;
  return {
    state: { health, consecutiveUps, consecutiveDowns, changedAt: changed ? now : state.changedAt },
    transition: changed ? { from: state.health, to: health, at: now } : null,
  };
}

/**
 * A target is suspect when it failed its last probe (or few) but has not reached `failureThreshold`,
 * and is not DOWN already: the monitor probes it again at `suspectIntervalMs` instead of waiting for
 * the next tick (HAProxy's `fastinter`). A good answer clears it; so does reaching the threshold.
 */
export function isSuspect(state: TargetState, thresholds: Thresholds): boolean {
  return (
    state.health !== 'DOWN' &&
    state.consecutiveDowns > 0 &&
    state.consecutiveDowns < thresholds.failureThreshold
  );
}

/**
 * What one observer concludes about a region from its targets' states.
 * - HEALTHY: at least `minHealthyTargets` targets are UP
 * - UNHEALTHY: so many targets are DOWN that `minHealthyTargets` cannot be reached even if every
 *   UNKNOWN target turned UP
 * - UNKNOWN: not enough evidence yet (targets still UNKNOWN); the monitor should not vote on it
 */
export type RegionSipVerdict = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

export function regionSipVerdict(
  targets: readonly TargetHealth[],
  minHealthyTargets: number,
): RegionSipVerdict {
  assertThreshold('minHealthyTargets', minHealthyTargets);
  const upCount = targets.filter((h) => h === 'UP').length;
  const unknownCount = targets.filter((h) => h === 'UNKNOWN').length;
  if (upCount >= minHealthyTargets) return 'HEALTHY';
  if (upCount + unknownCount < minHealthyTargets) return 'UNHEALTHY';
  return 'UNKNOWN';
}

/**
 * A region is SIP-healthy for an observer while at least `minHealthyTargets` of its targets are UP
 * (DESIGN.md section 4). UNKNOWN targets do not count.
 */
export function isRegionSipHealthy(targets: readonly TargetHealth[], minHealthyTargets: number): boolean {
  return regionSipVerdict(targets, minHealthyTargets) === 'HEALTHY';
}
