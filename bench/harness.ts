/**
 * Tiny benchmark harness: benchmarks report medians and ratios measured side by
 * side in one run (the machine is shared and noisy, so nothing here is asserted).
 */
/**
 * What a bench's `run()` returns: its Markdown report, or the report with the figures behind it, which
 * `npm run bench` also writes to bench-results.json.
 */
export type BenchOutput = string | { readonly markdown: string; readonly figures: unknown };

export interface Sample {
  readonly name: string;
  readonly unit: string;
  readonly values: readonly number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times, returning milliseconds per run. */
export async function timeRuns(
  fn: () => Promise<unknown>,
  runs: number,
  warmup = Math.min(20, runs),
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * Interleaves two workloads run by run (A, B, A, B, ...) so machine noise hits
 * both alike, and returns both series.
 */
export async function timeSideBySide(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  runs: number,
): Promise<{ a: number[]; b: number[] }> {
  for (let i = 0; i < Math.min(20, runs); i++) {
    await a();
    await b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    await a();
    ta.push(performance.now() - t0);
    t0 = performance.now();
    await b();
    tb.push(performance.now() - t0);
  }
  return { a: ta, b: tb };
}

export function report(title: string, samples: readonly Sample[]): string {
  const lines = [
    `## ${title}`,
    '',
    '| measure | n | median | p90 | min | max |',
    '|---|---|---|---|---|---|',
  ];
  for (const s of samples) {
    const f = (x: number) => `${x.toFixed(2)} ${s.unit}`;
    lines.push(
      `| ${s.name} | ${s.values.length} | ${f(median(s.values))} | ${f(percentile(s.values, 90))} | ${f(Math.min(...s.values))} | ${f(Math.max(...s.values))} |`,
    );
  }
  return lines.join('\n');
}
