import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { ContinuityConfig } from '../../config/schema.js';
import { DataStack } from '../../lib/stacks/data-stack.js';
import { WitnessStack } from '../../lib/stacks/witness-stack.js';
import { type CfnTemplate, type LocalTableSpec, tableSpecsFromTemplate } from './table-specs.js';

const memo = new Map<string, LocalTableSpec[]>();

/**
 * Synthesizes the Data and Witness stacks for `config` and returns their DynamoDB tables,
 * so the local tables are made from the very definitions that get deployed (no second
 * copy to drift). Memoised per environment for the life of the process; one synthesis
 * costs a second or more.
 *
 * @example
 * const specs = synthesizeTableSpecs(loadConfig('dev'));
 */
export function synthesizeTableSpecs(config: ContinuityConfig): LocalTableSpec[] {
  const key = JSON.stringify(config);
  const cached = memo.get(key);
  if (cached !== undefined) return cached;
  const outdir = mkdtempSync(join(tmpdir(), 'continuity-local-synth-'));
  try {
    const app = new App({ outdir });
    const data = new DataStack(app, 'Data', { config });
    const witness = new WitnessStack(app, 'Witness', { config });
    // One synthesis for both stacks: the app may be synthesized only once.
    const assembly = app.synth();
    const specs = [data, witness].flatMap((stack) =>
      tableSpecsFromTemplate(assembly.getStackByName(stack.stackName).template as CfnTemplate, stack.region),
    );
    memo.set(key, specs);
    return specs;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
