import type { LagSample } from './quorum/types.js';

/**
 * The samples that stored lag events imply. The monitor measures inbound lag every interval but
 * publishes `ReplicationLagMeasured` only when the level crosses a threshold (DESIGN.md section 4), so
 * the level it reports holds from that event until the next one. The rule (lagVerdict) wants
 * consecutive samples; this repeats the latest event once per interval up to `now` (at most `count`
 * times), after the earlier events, so "above the threshold for lagSamples samples" means "for
 * (lagSamples - 1) intervals since the crossing", and re-admission waits as long after a crossing down.
 *
 * @example
 * impliedSamples([{ lagMs: 450, atMs: 0 }], 2000, 1000, 3) // 450 ms at 0, 1000 and 2000
 */
export function impliedSamples(
  samples: readonly LagSample[],
  now: number,
  intervalMs: number,
  count: number,
): LagSample[] {
  const ordered = [...samples].sort((a, b) => a.atMs - b.atMs);
  const latest = ordered.at(-1);
  if (latest === undefined || intervalMs <= 0) return ordered;
  const repeats = Math.min(count - 1, Math.max(0, Math.floor((now - latest.atMs) / intervalMs)));
  const implied: LagSample[] = [];
  for (let k = 1; k <= repeats; k++)
    implied.push({ lagMs: latest.lagMs, atMs: latest.atMs + k * intervalMs });
  return [...ordered, ...implied];
}

/** impliedSamples for every region. */
export function impliedLag(
  lag: Readonly<Record<string, readonly LagSample[]>>,
  now: number,
  intervalMs: number,
  count: number,
): Record<string, LagSample[]> {
  const out: Record<string, LagSample[]> = {};
  for (const [region, samples] of Object.entries(lag))
    out[region] = impliedSamples(samples, now, intervalMs, count);
  return out;
}
