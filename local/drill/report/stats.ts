import type { ScenarioReport, TimingSummary } from './types.js';

/**
 * The middle of `values`: the middle sample for an odd count, the mean of the two middle samples for
 * an even count; null for no samples. The input is not reordered.
 *
 * @example
 * median([1400, 1200, 1700]) // 1400
 * median([1000, 2000]) // 1500
 */
export function median(values: readonly number[]): number | null {
  const sorted = sortedCopy(values);
  const upper = Math.floor(sorted.length / 2);
  const high = sorted[upper];
  if (high === undefined) return null;
  const low = sorted[upper - 1];
  return sorted.length % 2 === 0 && low !== undefined ? (low + high) / 2 : high;
}

/**
 * The `p`th percentile of `values` by the nearest-rank method: the smallest sample that at least
 * `p` percent of the samples are less than or equal to (rank ⌈p/100 × n⌉, at least 1). It is always
 * one of the samples, never an interpolation, which suits a handful of drill runs: with fewer than 20
 * samples the 95th percentile is the largest one. Null for no samples.
 *
 * @example
 * percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95) // 10
 * percentile([1, 2, 3, 4], 50) // 2
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile p must be within 0..100, got ${p}`);
  const sorted = sortedCopy(values);
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

/**
 * Groups the scenarios' timings by (scenario name, timing name) across repeats, in the order they
 * first appear, with the samples in run order. A null timing (the end event never came) counts as
 * `missing` and is left out of `median` and `p95`.
 *
 * @example
 * summarize([outageRun1, outageRun2])
 * // [{ scenario: 'regional-outage', name: 'fault-to-DOWN', samples: [1400, 1500], median: 1450, p95: 1500, missing: 0 }, ...]
 */
export function summarize(scenarios: readonly ScenarioReport[]): TimingSummary[] {
  const groups = new Map<
    string,
    { scenario: string; name: string; runs: { run: number; ms: number | null }[] }
  >();
  for (const scenario of scenarios) {
    for (const timing of scenario.timings) {
      const key = JSON.stringify([scenario.name, timing.name]);
      const group = groups.get(key) ?? { scenario: scenario.name, name: timing.name, runs: [] };
      group.runs.push({ run: scenario.run, ms: timing.ms });
      groups.set(key, group);
    }
  }
  return [...groups.values()].map(({ scenario, name, runs }) => {
    const samples = [...runs].sort((a, b) => a.run - b.run).map((r) => r.ms);
    const present = samples.filter((s): s is number => s !== null);
    return {
      name,
      scenario,
      samples,
      median: median(present),
      p95: percentile(present, 95),
      missing: samples.length - present.length,
    };
  });
}

/**
 * A duration as the reports write it: seconds with three decimals, or 'never' for a null timing.
 *
 * @example
 * formatSeconds(1400) // '1.400 s'
 * formatSeconds(null) // 'never'
 */
export function formatSeconds(ms: number | null, digits = 3): string {
  return ms === null ? 'never' : `${(ms / 1000).toFixed(digits)} s`;
}

function sortedCopy(values: readonly number[]): number[] {
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`samples must be finite numbers, got ${v}`);
  }
  return [...values].sort((a, b) => a - b);
}
