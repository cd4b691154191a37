import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench [name ...]` runs every bench/*.bench.ts (or the named ones) in
 * turn. Each exports `run(): Promise<string>` returning a Markdown report.
 */
const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${wanted.join(', ')}; have: ${readdirSync(here).join(', ')}\n`);
  process.exit(2);
}
for (const f of files) {
  const mod = (await import(join(here, f))) as { run: () => Promise<string> };
  process.stdout.write(`${await mod.run()}\n\n`);
}
