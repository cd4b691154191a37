import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { stackNames } from '../../functions/shared/names.js';
import { buildContinuityApp } from '../../lib/app-builder.js';
import {
  addNag,
  cdkApp,
  functionsNotOn,
  reportedViolations,
  resourcesOf,
  templatesOf,
  testConfig,
  trySynth,
  type Violation,
} from './helpers.js';

const config = testConfig();
const names = stackNames(config.env);

describe('buildContinuityApp', () => {
  let assembly: CloudAssembly | undefined;
  let synthError: Error | undefined;
  let violations: Violation[];

  beforeAll(() => {
    // Prepare: the whole app, checked by cdk-nag exactly as bin/app.ts does
    const app = addNag(cdkApp());
    buildContinuityApp(app, config);

    // Act
    ({ assembly, error: synthError } = trySynth(app));
    violations = reportedViolations(app);
    // Bundling every function of both regions with esbuild takes longer than the default hook timeout.
  }, 120_000);

  function synthesized(): CloudAssembly {
    if (!assembly) throw synthError ?? new Error('synth produced no assembly');
    return assembly;
  }

  it('passes the AwsSolutions checks with no unacknowledged finding', () => {
    expect(
      violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`),
    ).toEqual([]);
    expect(synthError).toBeUndefined();
  });

  it('puts each stack in its region, offline (no account in dev)', () => {
    const placed = Object.fromEntries(synthesized().stacks.map((s) => [s.stackName, s.environment.region]));
    const [first, second] = config.regions.active;
    expect(placed).toEqual({
      [names.data]: first,
      [names.region(first)]: first,
      [names.region(second)]: second,
      [names.witness]: config.regions.witness,
      [names.dns]: 'us-east-1',
    });
    for (const stack of synthesized().stacks) expect(stack.environment.account).toBe('unknown-account');
  });

  it('deploys the Data stack before every stack whose functions use its tables and secrets', () => {
    const dependsOnData = synthesized()
      .stacks.filter((s) => s.dependencies.some((d) => d.id === names.data))
      .map((s) => s.stackName)
      .sort();
    const [first, second] = config.regions.active;
    expect(dependsOnData).toEqual([names.region(first), names.region(second), names.witness].sort());
  });

  it('runs every Lambda function of every stack on nodejs24.x', () => {
    expect(functionsNotOn(synthesized(), 'nodejs24.x')).toEqual([]);
  });

  it('shares nothing between stacks through CloudFormation exports or imports', () => {
    for (const stack of synthesized().stacks) {
      const template = JSON.stringify(stack.template);
      expect(template).not.toContain('"Export"');
      expect(template).not.toContain('Fn::ImportValue');
    }
  });

  it('forwards from every stack only the events that originate in that stack region (no loops)', () => {
    let rules = 0;
    for (const stack of synthesized().stacks) {
      const template = templatesOf(synthesized()).get(stack.stackName);
      if (!template) throw new Error(`no template for ${stack.stackName}`);
      // Forwarding rules target a bus; quorum's rules target its function and consume, never forward.
      const forwarding = Object.values(resourcesOf(template, 'AWS::Events::Rule')).filter((r) =>
        JSON.stringify(r.Properties?.Targets ?? []).includes(':event-bus/'),
      );
      for (const rule of forwarding) {
        rules += 1;
        const pattern = rule.Properties?.EventPattern as { detail: { originRegion: string[] } };
        expect(pattern.detail.originRegion).toEqual([stack.environment.region]);
      }
    }
    expect(rules).toBe(4);
  });
});

describe('the app-wide checks', () => {
  it('rejects an app with an unacknowledged cdk-nag error', () => {
    // Prepare
    const app = addNag(cdkApp());
    new sqs.Queue(new Stack(app, 'Bad', { env: { region: 'us-east-1' } }), 'PlainQueue');

    // Act
    const { error } = trySynth(app);

    // Assess
    expect(error).toBeDefined();
    expect(reportedViolations(app).map((v) => v.ruleName)).toEqual(
      expect.arrayContaining([expect.stringContaining('AwsSolutions-SQS4')]),
    );
  });

  it('reports a function on another runtime', () => {
    // Prepare
    const app = cdkApp();
    new lambda.Function(new Stack(app, 'Old', { env: { region: 'us-east-1' } }), 'Legacy', {
      runtime: lambda.Runtime.NODEJS_20_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1;'),
    });

    // Act
    const wrong = functionsNotOn(app.synth(), 'nodejs24.x');

    // Assess
    expect(wrong).toEqual([expect.stringMatching(/^Old\/Legacy\w+: nodejs20\.x$/)]);
  });
});
