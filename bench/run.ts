import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOutput } from './harness.js';

/**
 * `npm run bench [name ...]` runs every bench/*.bench.ts (or the named ones) in turn. Each exports
 * `run(): Promise<BenchOutput>`: a Markdown report, printed, optionally with the figures behind it.
 * Every run also updates bench-results.json at the repository root: one entry per bench (replaced when
 * that bench runs again, kept otherwise), each with when it ran, on which machine, its figures and its report.
 */
const here = dirname(fileURLToPath(import.meta.url));
const RESULTS_FILE = join(here, '..', 'bench-results.json');
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${wanted.join(', ')}; have: ${readdirSync(here).join(', ')}\n`);
  process.exit(2);
}

interface BenchEntry {
  readonly ranAt: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGiB: number };
  readonly node: string;
  readonly command: string;
  readonly figures: unknown;
  readonly markdown: string;
}
const results: { benches: Record<string, BenchEntry> } = existsSync(RESULTS_FILE)
  ? (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as { benches: Record<string, BenchEntry> })
  : { benches: {} };
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
};

for (const f of files) {
  const name = f.slice(0, -'.bench.ts'.length);
  const mod = (await import(join(here, f))) as { run: () => Promise<BenchOutput> };
  const out = await mod.run();
  const { markdown, figures } = typeof out === 'string' ? { markdown: out, figures: null } : out;
  process.stdout.write(`${markdown}\n\n`);
  results.benches[name] = {
    ranAt: new Date().toISOString(),
    machine,
    node: process.version,
    command: `npm run bench ${name}`,
    figures,
    markdown,
  };
  // After each bench, so a later one that fails keeps the figures of those before it.
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
}
