import type { ContinuityConfig } from '../../config/schema.js';
import { computeLines } from './compute.js';
import { dataLines } from './data.js';
import { networkLines } from './network.js';
import { observabilityLines } from './observability.js';
import type { PriceFile } from './prices.js';
import { deriveRates } from './rates.js';
import { type BillLine, type CostProfile, DEFAULT_CALLS_PER_DAY, DEFAULT_PROFILE } from './types.js';

export interface CostOptions {
  readonly prices: PriceFile;
  /** @default DEFAULT_CALLS_PER_DAY */
  readonly callsPerDay?: number;
  /** @default DEFAULT_PROFILE (what the constructs deploy today) */
  readonly profile?: CostProfile;
}

export interface Bill {
  readonly env: string;
  readonly callsPerDay: number;
  readonly lines: readonly BillLine[];
  readonly totalUsd: number;
}

/**
 * The monthly estimate of one environment: pure, from the validated config, the deployment profile and a
 * price table.
 *
 * @example
 * const bill = estimateCost(loadConfig('dev'), { prices: loadPrices() });
 * bill.totalUsd;
 */
export function estimateCost(config: ContinuityConfig, options: CostOptions): Bill {
  const profile = options.profile ?? DEFAULT_PROFILE;
  const callsPerDay = options.callsPerDay ?? DEFAULT_CALLS_PER_DAY;
  if (!(callsPerDay >= 0)) throw new RangeError(`calls per day ${callsPerDay} must be 0 or more`);
  const rates = deriveRates(config, profile, callsPerDay);
  const lines = [
    ...computeLines(config, profile, rates, options.prices),
    ...dataLines(config, profile, rates, options.prices),
    ...networkLines(config, profile, rates, options.prices),
    ...observabilityLines(config, profile, rates, options.prices),
  ];
  return { env: config.env, callsPerDay, lines, totalUsd: lines.reduce((sum, l) => sum + l.monthlyUsd, 0) };
}

/** The `count` most expensive lines, most expensive first. */
export function biggestDrivers(bill: Bill, count = 5): BillLine[] {
  return [...bill.lines].sort((a, b) => b.monthlyUsd - a.monthlyUsd).slice(0, count);
}

export interface Knob {
  readonly name: string;
  /** Changes the config and/or profile; the estimate is re-run with them. */
  readonly apply: (config: ContinuityConfig, profile: CostProfile) => [ContinuityConfig, CostProfile];
}

const health = (config: ContinuityConfig, h: Partial<ContinuityConfig['health']>): ContinuityConfig => ({
  ...config,
  health: { ...config.health, ...h },
});

/** The knobs `cost` reports a saving for, each relative to the environment as configured. */
export function knobs(config: ContinuityConfig, profile: CostProfile): Knob[] {
  const { probeIntervalMs, probeTimeoutMs, voteRefreshSeconds } = config.health;
  return [
    {
      name: `health.probeIntervalMs ${probeIntervalMs} -> ${probeIntervalMs * 2}`,
      apply: (c, p) => [health(c, { probeIntervalMs: probeIntervalMs * 2, probeTimeoutMs }), p],
    },
    {
      name: `heartbeat poll ${profile.heartbeatPollMs} -> ${profile.heartbeatPollMs * 2} ms (LagMeter pollMs)`,
      apply: (c, p) => [c, { ...p, heartbeatPollMs: p.heartbeatPollMs * 2 }],
    },
    {
      name: `monitor memory ${profile.monitorMemoryMb} -> ${profile.monitorMemoryMb / 2} MB`,
      apply: (c, p) => [c, { ...p, monitorMemoryMb: p.monitorMemoryMb / 2 }],
    },
    {
      name: `monitor memory ${profile.monitorMemoryMb} -> ${profile.monitorMemoryMb * 2} MB`,
      apply: (c, p) => [c, { ...p, monitorMemoryMb: p.monitorMemoryMb * 2 }],
    },
    {
      name: `health.voteRefreshSeconds ${voteRefreshSeconds} -> ${Math.min(60, voteRefreshSeconds * 2)}`,
      apply: (c, p) => [health(c, { voteRefreshSeconds: Math.min(60, voteRefreshSeconds * 2) }), p],
    },
    {
      name: `alarms.periodSeconds ${config.alarms.periodSeconds} -> 60 (standard-resolution alarms)`,
      apply: (c, p) => [{ ...c, alarms: { ...c.alarms, periodSeconds: 60 } }, p],
    },
    {
      name: 'X-Ray active tracing off (continuity-function.ts)',
      apply: (c, p) => [c, { ...p, tracing: false }],
    },
  ];
}

export interface KnobSaving {
  readonly knob: string;
  readonly totalUsd: number;
  /** Positive: cheaper than the bill as configured. */
  readonly savingUsd: number;
}

/** Re-runs the estimate with each knob turned, one at a time. */
export function knobSavings(config: ContinuityConfig, options: CostOptions): KnobSaving[] {
  const profile = options.profile ?? DEFAULT_PROFILE;
  const base = estimateCost(config, options).totalUsd;
  return knobs(config, profile).map((k) => {
    const [c, p] = k.apply(config, profile);
    const totalUsd = estimateCost(c, { ...options, profile: p }).totalUsd;
    return { knob: k.name, totalUsd, savingUsd: base - totalUsd };
  });
}
