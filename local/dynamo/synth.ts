import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContinuityConfig } from '../../config/schema.js';
import { type CfnTemplate, type LocalTableSpec, tableSpecsFromTemplate } from './table-specs.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Every input of the Data and Witness stacks' synthesis that lives in this repo. */
const SYNTH_INPUTS = ['lib', 'config', 'functions/shared'];
const CACHE_DIR = join(tmpdir(), 'continuity-local-synth');
const CACHE_FORMAT = 'table-specs-v1';

const memo = new Map<string, LocalTableSpec[]>();

export interface SynthOptions {
  /**
   * Reuse an earlier synthesis of exactly the same inputs (kept under the OS temp dir).
   * The key hashes the config, every file under lib/, config/ and functions/shared/ and the
   * aws-cdk-lib version, so any change to a stack re-synthesizes.
   * @default true
   */
  readonly cache?: boolean;
}

/**
 * The DynamoDB tables of the synthesized Data and Witness stacks for `config`, so local
 * tables are made from the very definitions that get deployed (no second copy to drift).
 * Synthesis costs seconds, so the result is memoised in the process and cached on disk by
 * a hash of its inputs.
 *
 * @example
 * const specs = await synthesizeTableSpecs(loadConfig('dev'));
 */
export async function synthesizeTableSpecs(
  config: ContinuityConfig,
  options: SynthOptions = {},
): Promise<LocalTableSpec[]> {
  const useCache = options.cache ?? true;
  const key = inputsHash(config);
  const cached = useCache ? (memo.get(key) ?? readCache(key)) : undefined;
  if (cached !== undefined) {
    memo.set(key, cached);
    return cached;
  }
  const specs = await synthesize(config);
  memo.set(key, specs);
  if (useCache) writeCache(key, specs);
  return specs;
}

async function synthesize(config: ContinuityConfig): Promise<LocalTableSpec[]> {
  // Imported here so a cache hit never pays for loading aws-cdk-lib.
  const [{ App }, { DataStack }, { WitnessStack }] = await Promise.all([
    import('aws-cdk-lib'),
    import('../../lib/stacks/data-stack.js'),
    import('../../lib/stacks/witness-stack.js'),
  ]);
  const outdir = mkdtempSync(join(tmpdir(), 'continuity-local-synth-out-'));
  try {
    // Tables only: skip bundling the functions (seconds of esbuild and lines on the terminal).
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const data = new DataStack(app, 'Data', { config });
    const witness = new WitnessStack(app, 'Witness', { config });
    // One synthesis for both stacks: an app may be synthesized only once.
    const assembly = app.synth();
    return [data, witness].flatMap((stack) =>
      tableSpecsFromTemplate(assembly.getStackByName(stack.stackName).template as CfnTemplate, stack.region),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function inputsHash(config: ContinuityConfig): string {
  const hash = createHash('sha256').update(CACHE_FORMAT).update(JSON.stringify(config));
  const cdkPackage = createRequire(import.meta.url).resolve('aws-cdk-lib/package.json');
  hash.update((JSON.parse(readFileSync(cdkPackage, 'utf8')) as { version: string }).version);
  for (const file of SYNTH_INPUTS.flatMap((dir) => filesUnder(join(REPO_ROOT, dir))).sort()) {
    hash.update(relative(REPO_ROOT, file)).update(readFileSync(file));
  }
  return hash.digest('hex');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

function readCache(key: string): LocalTableSpec[] | undefined {
  try {
    return JSON.parse(readFileSync(join(CACHE_DIR, `${key}.json`), 'utf8')) as LocalTableSpec[];
  } catch {
    return undefined; // missing or unreadable: synthesize
  }
}

function writeCache(key: string, specs: LocalTableSpec[]): void {
  mkdirSync(CACHE_DIR, { recursive: true });
  // Write then rename, so a concurrent reader never sees half a file.
  const partial = join(CACHE_DIR, `${key}.${process.pid}.partial`);
  writeFileSync(partial, JSON.stringify(specs));
  renameSync(partial, join(CACHE_DIR, `${key}.json`));
}
