import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { parseConfig } from '../../config/schema.js';
import { buildContinuityApp } from '../../lib/app-builder.js';
import type { StackIndex } from './synth.js';

// The synthesis child of synth.ts: `node --import tsx synth-child.ts <outdir>` with the config in
// CC_DRILL_CONFIG. Writes the cloud assembly to <outdir> and prints which stack is which (last line).

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outdir = process.argv[2];
if (!outdir) throw new Error('usage: synth-child.ts <outdir>');
const config = parseConfig(JSON.parse(process.env.CC_DRILL_CONFIG ?? 'null'), 'the drill configuration');
const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: object };
// The context `cdk synth` gives the app: cdk.json's (feature flags included), then the CLI's own.
const app = new App({
  outdir,
  context: {
    ...cdkJson.context,
    env: config.env,
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:enable-asset-metadata': true,
  },
});
const stacks = buildContinuityApp(app, config);
app.synth();
const ref = (s: { stackName: string; region: string }) => ({ stackName: s.stackName, region: s.region });
const index: StackIndex = {
  data: ref(stacks.data),
  regions: stacks.regions.map(ref),
  witness: ref(stacks.witness),
  dns: ref(stacks.dns),
};
process.stdout.write(`\n${JSON.stringify(index)}\n`);
