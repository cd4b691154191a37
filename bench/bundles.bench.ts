import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { App, FeatureFlags, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { build, type Metafile } from 'esbuild';
import { listEnvironments, loadConfig } from '../config/load.js';
import { buildContinuityApp } from '../lib/app-builder.js';
import {
  ContinuityFunction,
  FUNCTION_BUNDLING,
  FUNCTION_RUNTIME,
} from '../lib/constructs/continuity-function.js';
import { type BenchOutput, median, percentile } from './harness.js';

/**
 * `npm run bench bundles`: every function's bundle as ContinuityFunction builds it (the entries come from
 * the synthesized app of every environment under config/, so a new function cannot be missed), with its
 * minified and gzip size and the five biggest contributors from esbuild's metafile, flagged over
 * {@link LIMIT_KIB} KiB; then the cold module load of each bundle in a fresh `node` process, interleaved
 * round by round with a baseline bundle that only creates a DynamoDB client, as median ms and ratio.
 *
 * BENCH_COLD_RUNS (default 30) sets the fresh processes per bundle. The bundles stay in
 * node_modules/.cache/cc-continuity-bench/<function>/ (index.mjs and its metafile) for a closer look.
 */

const LIMIT_KIB = 150;
const COLD_RUNS = Math.max(1, Number(process.env.BENCH_COLD_RUNS ?? 30));
/** Unmeasured rounds first, so every bundle and the SDK are in the page cache. */
const WARMUP_ROUNDS = 2;
const TOP = 5;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Inside the project, so the bundles' external `@aws-sdk/*` resolve from its node_modules as in Lambda's runtime. */
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'cc-continuity-bench');
const BASELINE_ENTRY = join(ROOT, 'bench', 'fixtures', 'dynamodb-client-only.ts');

interface FunctionEntry {
  /** `routing/quorum-handler`: the entry path under functions/, without the extension. */
  readonly name: string;
  readonly entry: string;
  /** Construct ids that use this entry (one function may be created in several stacks). */
  readonly ids: readonly string[];
  readonly externals: readonly string[];
  /** The function's environment as synthesized, plus what Lambda itself sets. */
  readonly environment: Readonly<Record<string, string>>;
}

interface Contributor {
  readonly name: string;
  readonly bytes: number;
}

interface BundleFigures {
  readonly name: string;
  readonly entry: string;
  readonly minifiedBytes: number;
  readonly gzipBytes: number;
  readonly overLimit: boolean;
  /** Bytes from classic zod (`zod/v4/classic`); 0 when the bundle only carries zod/mini. */
  readonly classicZodBytes: number;
  readonly top: readonly Contributor[];
  readonly file: string;
}

/** Every ContinuityFunction of every environment's app, one per entry file. */
function functionEntries(): FunctionEntry[] {
  const { context } = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const outdir = mkdtempSync(join(tmpdir(), 'cc-continuity-bundles-'));
  const byEntry = new Map<string, FunctionEntry & { ids: string[] }>();
  try {
    for (const env of listEnvironments()) {
      // No stack bundled: only the constructs are needed, esbuild runs below.
      const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] }, outdir });
      buildContinuityApp(app, loadConfig(env));
      for (const fn of app.node.findAll()) {
        if (!(fn instanceof ContinuityFunction)) continue;
        const known = byEntry.get(fn.entry);
        if (known) {
          if (!known.ids.includes(fn.node.id)) known.ids.push(fn.node.id);
          continue;
        }
        byEntry.set(fn.entry, {
          name: relative(join(ROOT, 'functions'), fn.entry).replace(/\.ts$/, ''),
          entry: fn.entry,
          ids: [fn.node.id],
          externals: sdkExternals(fn),
          environment: deployedEnvironment(fn),
        });
      }
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  return [...byEntry.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** NodejsFunction's default externals for a Node 18+ runtime (ContinuityFunction sets none of its own). */
function sdkExternals(fn: ContinuityFunction): string[] {
  return FeatureFlags.of(fn).isEnabled(cxapi.LAMBDA_NODEJS_SDK_V3_EXCLUDE_SMITHY_PACKAGES)
    ? ['@aws-sdk/*', '@smithy/*']
    : ['@aws-sdk/*'];
}

/** The synthesized environment; a value CloudFormation fills in at deploy time gets a placeholder. */
function deployedEnvironment(fn: ContinuityFunction): Record<string, string> {
  const stack = Stack.of(fn);
  const cfn = fn.node.defaultChild as CfnFunction;
  const resolved = stack.resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(resolved?.variables ?? {})) {
    env[key] = typeof value === 'string' ? value : `placeholder-${key.toLowerCase()}`;
  }
  return { ...lambdaRuntimeEnvironment(stack.region, fn.node.id), ...env };
}

/** What the Lambda runtime sets before the module loads (credentials are dummies: nothing is called). */
function lambdaRuntimeEnvironment(region: string, name: string): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_EXECUTION_ENV: `AWS_Lambda_${FUNCTION_RUNTIME.name}`,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SESSION_TOKEN: 'bench',
  };
}

/** The esbuild call NodejsFunction makes for FUNCTION_BUNDLING, with a metafile. */
async function buildBundle(
  slug: string,
  entry: string,
  externals: readonly string[],
): Promise<{ file: string; metafile: Metafile }> {
  const file = join(OUT_DIR, slug, 'index.mjs');
  const result = await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    write: true,
    metafile: true,
    platform: 'node',
    target: FUNCTION_RUNTIME.name.replace(/^nodejs(\d+).*/, 'node$1'),
    format: FUNCTION_BUNDLING.format,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    banner: { js: FUNCTION_BUNDLING.banner },
    minify: FUNCTION_BUNDLING.minify,
    sourcemap: FUNCTION_BUNDLING.sourceMap,
    sourcesContent: FUNCTION_BUNDLING.sourcesContent,
    external: [...externals],
    absWorkingDir: ROOT,
    logLevel: 'warning',
  });
  // For esbuild's bundle analyser (https://esbuild.github.io/analyze/).
  writeFileSync(join(dirname(file), 'meta.json'), JSON.stringify(result.metafile));
  return { file, metafile: result.metafile };
}

/** `node_modules/@aws-lambda-powertools/logger/...` -> the package; our own code -> its top folder. */
function contributorOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at >= 0) {
    const parts = input.slice(at + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : String(parts[0]);
  }
  const parts = input.split('/');
  return parts[0] === 'functions' && parts.length > 2 ? `${parts[0]}/${parts[1]}` : String(parts[0]);
}

function analyse(name: string, entry: string, file: string, metafile: Metafile): BundleFigures {
  const code = readFileSync(file);
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith('index.mjs'))?.[1];
  const groups = new Map<string, number>();
  let classicZodBytes = 0;
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const group = contributorOf(input);
    groups.set(group, (groups.get(group) ?? 0) + bytesInOutput);
    if (input.includes('node_modules/zod/v4/classic/')) classicZodBytes += bytesInOutput;
  }
  const top = [...groups]
    .map(([group, bytes]) => ({ name: group, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, TOP);
  return {
    name,
    entry: relative(ROOT, entry),
    minifiedBytes: code.length,
    gzipBytes: gzipSync(code).length,
    overLimit: code.length > LIMIT_KIB * 1024,
    classicZodBytes,
    top,
    file,
  };
}

/** Loads `file` in a fresh process and returns the milliseconds `import()` took. */
const LOADER = [
  'const t0 = performance.now();',
  'await import(process.argv[1]);',
  'process.stdout.write(String(performance.now() - t0));',
  'process.exit(0);',
].join('\n');

function coldLoad(file: string, environment: Readonly<Record<string, string>>): number {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', LOADER, pathToFileURL(file).href], {
    env: { PATH: process.env.PATH ?? '', ...environment },
    encoding: 'utf8',
  });
  const ms = Number(child.stdout);
  if (child.status !== 0 || !Number.isFinite(ms)) {
    throw new Error(`loading ${file} failed (exit ${child.status}): ${child.stderr.slice(0, 2000)}`);
  }
  return ms;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export async function run(): Promise<BenchOutput> {
  if (Number(process.versions.node.split('.')[0]) < 24) {
    throw new Error(`cold starts are measured on Node ${process.version}; run \`npm run bench\` (Node 24)`);
  }
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  const entries = functionEntries();
  const bundles: BundleFigures[] = [];
  for (const fn of entries) {
    const { file, metafile } = await buildBundle(fn.name.replaceAll('/', '--'), fn.entry, fn.externals);
    bundles.push(analyse(fn.name, fn.entry, file, metafile));
  }
  const baselineBuild = await buildBundle(
    'baseline',
    BASELINE_ENTRY,
    entries[0]?.externals ?? ['@aws-sdk/*'],
  );
  const baseline = analyse(
    'baseline: DynamoDB client only',
    BASELINE_ENTRY,
    baselineBuild.file,
    baselineBuild.metafile,
  );
  const region = entries[0]?.environment.AWS_REGION ?? 'us-east-1';
  const baselineEnv = {
    ...lambdaRuntimeEnvironment(region, 'baseline'),
    NODE_OPTIONS: entries[0]?.environment.NODE_OPTIONS ?? '',
  };

  // Round by round, every bundle once with the baseline among them, the order rotated each round.
  const targets = [
    { name: baseline.name, file: baseline.file, env: baselineEnv },
    ...bundles.map((b, i) => ({ name: b.name, file: b.file, env: entries[i]?.environment ?? {} })),
  ];
  const samples = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  for (let round = -WARMUP_ROUNDS; round < COLD_RUNS; round++) {
    for (let k = 0; k < targets.length; k++) {
      const t = targets[(k + Math.max(0, round)) % targets.length];
      if (!t) continue;
      const ms = coldLoad(t.file, t.env);
      if (round >= 0) samples.get(t.name)?.push(ms);
    }
  }
  const base = median(samples.get(baseline.name) ?? []);
  const cold = (name: string) => {
    const values = samples.get(name) ?? [];
    return {
      n: values.length,
      medianMs: median(values),
      p90Ms: percentile(values, 90),
      ratioToBaseline: median(values) / base,
    };
  };

  const sizeLines = [
    `## Function bundles (esbuild as ContinuityFunction builds them; limit ${LIMIT_KIB} KiB minified)`,
    '',
    `| function | minified | gzip | over ${LIMIT_KIB} KiB | classic zod | top ${TOP} contributors (bytes in output) |`,
    '|---|---|---|---|---|---|',
  ];
  for (const b of [...bundles, baseline]) {
    const top = b.top.map((c) => `${c.name} ${kib(c.bytes)}`).join(', ');
    sizeLines.push(
      `| ${b.name} | ${kib(b.minifiedBytes)} | ${kib(b.gzipBytes)} | ${b.overLimit ? '**yes**' : 'no'} | ${b.classicZodBytes > 0 ? `**${kib(b.classicZodBytes)}**` : 'none'} | ${top} |`,
    );
  }
  const coldLines = [
    `## Cold module load (fresh \`node\` ${process.version} per load, ${COLD_RUNS} per bundle, interleaved)`,
    '',
    '| bundle | n | median | p90 | ratio to baseline |',
    '|---|---|---|---|---|',
  ];
  for (const b of [baseline, ...bundles]) {
    const c = cold(b.name);
    coldLines.push(
      `| ${b.name} | ${c.n} | ${c.medianMs.toFixed(1)} ms | ${c.p90Ms.toFixed(1)} ms | ${c.ratioToBaseline.toFixed(2)}x |`,
    );
  }
  const over = bundles.filter((b) => b.overLimit).map((b) => b.name);
  const slowest = Math.max(...bundles.map((b) => cold(b.name).ratioToBaseline));
  const summary =
    `${bundles.length} functions; over ${LIMIT_KIB} KiB: ${over.length === 0 ? 'none' : over.join(', ')}; ` +
    `largest ${kib(Math.max(...bundles.map((b) => b.minifiedBytes)))}; ` +
    `highest cold-load ratio ${slowest.toFixed(2)}x the baseline (${base.toFixed(1)} ms).`;

  return {
    markdown: [...sizeLines, '', ...coldLines, '', summary].join('\n'),
    figures: {
      limitKiB: LIMIT_KIB,
      coldRuns: COLD_RUNS,
      baseline: {
        minifiedBytes: baseline.minifiedBytes,
        gzipBytes: baseline.gzipBytes,
        cold: cold(baseline.name),
      },
      functions: bundles.map((b, i) => ({
        name: b.name,
        entry: b.entry,
        constructIds: entries[i]?.ids ?? [],
        minifiedBytes: b.minifiedBytes,
        gzipBytes: b.gzipBytes,
        overLimit: b.overLimit,
        classicZodBytes: b.classicZodBytes,
        top: b.top,
        cold: cold(b.name),
      })),
    },
  };
}
