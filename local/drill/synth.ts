import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContinuityConfig } from '../../config/schema.js';
import type { CfnTemplate, StackTemplate } from './template.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface SynthesizedApp {
  /** The cloud assembly directory: templates and the function bundles (`asset.<hash>/index.mjs`). */
  readonly dir: string;
  readonly data: StackTemplate;
  /** The active regions' stacks, in config order. */
  readonly regions: readonly StackTemplate[];
  readonly witness: StackTemplate;
  readonly dns: StackTemplate;
  /** Removes the assembly directory. */
  remove(): void;
}

/** Which stack is which, as the synthesis child reports it. */
export interface StackIndex {
  readonly data: StackRef;
  readonly regions: readonly StackRef[];
  readonly witness: StackRef;
  readonly dns: StackRef;
}

interface StackRef {
  readonly stackName: string;
  readonly region: string;
}

/**
 * Synthesizes the whole app for `config` as `cdk synth` does, function bundles included (esbuild, the
 * same options the stacks deploy), so the local deployment runs exactly the code and wiring that
 * would be deployed. It runs in a child process (synth-child.ts): bundling prints to the terminal and
 * blocks its event loop for seconds, and the drill boots DynamoDB Local meanwhile. About 15 s here.
 *
 * @example
 * const app = await synthesizeApp(drillConfig);
 * try { ... } finally { app.remove(); }
 */
export async function synthesizeApp(config: ContinuityConfig, dir?: string): Promise<SynthesizedApp> {
  const outdir = dir ?? mkdtempSync(join(tmpdir(), 'cc-continuity-drill-synth-'));
  const child = join(REPO_ROOT, 'local', 'drill', 'synth-child.ts');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', child, outdir],
      {
        cwd: REPO_ROOT,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, CC_DRILL_CONFIG: JSON.stringify(config) },
      },
      (error, out, err) => {
        if (error) reject(new Error(`synthesis of the app failed:\n${err || error.message}`));
        else resolve(out);
      },
    );
  });
  const index = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as StackIndex;
  const read = (stack: StackRef): StackTemplate => ({
    ...stack,
    template: JSON.parse(
      readFileSync(join(outdir, `${stack.stackName}.template.json`), 'utf8'),
    ) as CfnTemplate,
  });
  // The bundles leave the AWS SDK out, as Lambda's Node.js runtime provides it; here the project's
  // own node_modules provides it (the versions may differ from the runtime's).
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(outdir, 'node_modules'), 'dir');
  return {
    dir: outdir,
    data: read(index.data),
    regions: index.regions.map(read),
    witness: read(index.witness),
    dns: read(index.dns),
    remove: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
