import type { LagSample } from './types.js';

export interface LagVerdict {
  readonly excluded: boolean;
  /** The latest samples settled the verdict; false when it was kept from the previous decision. */
  readonly decided: boolean;
  readonly latestLagMs: number | null;
}

/**
 * Replication verdict of one region from its recent inbound-lag samples (any order).
 *
 * The region is excluded once its latest `lagSamples` samples are all above `exclusionMs`, and
 * re-admitted only once its latest `lagSamples` samples are all at or below it. Anything in between
 * (too few samples, or a mix) keeps the previous verdict. The hysteresis is deliberate: a degraded
 * link typically hovers around the threshold (180, 240, 190, 260 ms), and re-admitting on the first
 * good sample would flip the verdict, the routing circuit and the dashboard on every sample. It is
 * the same rule the monitor applies to SIP targets (N downs to go down, N ups to come up).
 * Re-admission is only the verdict: the region still waits out the failback dwell before it takes
 * traffic again.
 */
export function lagVerdict(
  samples: readonly LagSample[] | undefined,
  previouslyExcluded: boolean,
  exclusionMs: number,
  lagSamples: number,
): LagVerdict {
  const ordered = [...(samples ?? [])].sort((a, b) => a.atMs - b.atMs || a.lagMs - b.lagMs);
  const latestLagMs = ordered.at(-1)?.lagMs ?? null;
  const window = ordered.slice(-lagSamples);
  if (window.length < lagSamples) return { excluded: previouslyExcluded, decided: false, latestLagMs };
  if (window.every((s) => s.lagMs > exclusionMs)) return { excluded: true, decided: true, latestLagMs };
  if (window.every((s) => s.lagMs <= exclusionMs)) return { excluded: false, decided: true, latestLagMs };
  return { excluded: previouslyExcluded, decided: false, latestLagMs };
}
