import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContinuityConfig } from '../../config/schema.js';
import type { CfnTemplate, StackTemplate } from './template.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The context `cdk synth` gives the app: cdk.json's (feature flags included), then the CLI's own. */
function cliContext(config: ContinuityConfig): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: object };
  return {
    ...cdkJson.context,
    env: config.env,
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:enable-asset-metadata': true,
  };
}

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

/**
 * Synthesizes the whole app for `config` as `cdk synth` does, function bundles included (esbuild, the
 * same options the stacks deploy), so the local deployment runs exactly the code and wiring that
 * would be deployed. Takes about 15 s on two cores.
 *
 * @example
 * const app = await synthesizeApp(drillConfig);
 * try { ... } finally { app.remove(); }
 */
export async function synthesizeApp(config: ContinuityConfig, dir?: string): Promise<SynthesizedApp> {
  const [{ App }, { buildContinuityApp }] = await Promise.all([
    import('aws-cdk-lib'),
    import('../../lib/app-builder.js'),
  ]);
  const outdir = dir ?? mkdtempSync(join(tmpdir(), 'cc-continuity-drill-synth-'));
  const app = new App({ outdir, context: cliContext(config) });
  const stacks = buildContinuityApp(app, config);
  // CDK announces each bundle on stderr ("Bundling asset ..."): keep the drill's terminal for the drill.
  const write = process.stderr.write;
  const captured: string[] = [];
  process.stderr.write = ((chunk: string | Uint8Array) => {
    captured.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  let assembly: ReturnType<typeof app.synth>;
  try {
    assembly = app.synth();
  } catch (e) {
    process.stderr.write = write;
    process.stderr.write(captured.join(''));
    throw e;
  } finally {
    process.stderr.write = write;
  }
  const read = (stack: { stackName: string; region: string }): StackTemplate => ({
    stackName: stack.stackName,
    region: stack.region,
    template: assembly.getStackByName(stack.stackName).template as CfnTemplate,
  });
  // The bundles leave the AWS SDK out, as Lambda's Node.js runtime provides it; here the project's
  // own node_modules provides it (the versions may differ from the runtime's).
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(outdir, 'node_modules'), 'dir');
  return {
    dir: outdir,
    data: read(stacks.data),
    regions: stacks.regions.map(read),
    witness: read(stacks.witness),
    dns: read(stacks.dns),
    remove: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
