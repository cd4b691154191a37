import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/load.js';
import { CHECKED_IN_ENV, generatedFiles } from './data-actions/render.js';

/**
 * `npm run integrations:genesys [-- --env <env>]`: writes the data-action import files and the
 * Terraform modules from integrations/genesys-cloud/data-actions/source.ts. The import files name the
 * API of config/<env>.json (`https://api.<dns.zoneName>`); the checked-in ones are for `dev`, and a test
 * fails when they differ from what this writes. `--out <dir>` writes another environment's files there.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function main(): void {
  const { values } = parseArgs({
    options: { env: { type: 'string', default: CHECKED_IN_ENV }, out: { type: 'string' } },
  });
  const env = values.env ?? CHECKED_IN_ENV;
  const zone = loadConfig(env).dns.zoneName;
  const outRoot = values.out ?? ROOT;
  for (const [path, content] of Object.entries(generatedFiles(zone))) {
    const target = join(outRoot, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    console.log(`wrote ${relative(process.cwd(), target)}`);
  }
  console.log(`data actions call https://api.${zone} (config/${env}.json dns.zoneName)`);
}

main();
