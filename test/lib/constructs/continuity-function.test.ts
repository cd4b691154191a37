import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { ContinuityFunction } from '../../../lib/constructs/continuity-function.js';
import { addNag, cdkApp, reportedViolations, resourcesOf, trySynth } from '../helpers.js';

const ENTRY = fileURLToPath(new URL('../fixtures/echo.ts', import.meta.url));
/** The same entry as callers usually write it: relative to the repository root. */
const RELATIVE_ENTRY = 'test/lib/fixtures/echo.ts';

describe('ContinuityFunction', () => {
  let assembly: CloudAssembly;
  let template: Template;
  let violations: ReturnType<typeof reportedViolations>;

  beforeAll(() => {
    // Prepare: one real bundle for the whole file (bundling is the slow part)
    const app = addNag(cdkApp());
    const stack = new Stack(app, 'Fn', { env: { region: 'us-east-1' } });
    new ContinuityFunction(stack, 'Echo', {
      entry: RELATIVE_ENTRY,
      serviceName: 'echo',
      timeout: Duration.seconds(3),
      environment: { TABLE_NAME: 'continuity-test-control-state', POWERTOOLS_LOG_LEVEL: 'DEBUG' },
    });

    // Act
    const result = trySynth(app);
    violations = reportedViolations(app);
    if (!result.assembly) throw result.error;
    assembly = result.assembly;
    template = Template.fromJSON(assembly.getStackByName('Fn').template as Record<string, unknown>);
  });

  it('runs nodejs24.x on arm64 with active tracing', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
      Timeout: 3,
      MemorySize: 256,
    });
  });

  it('bundles the entry into minified ESM (index.mjs) with a source map', () => {
    // Prepare
    const fn = Object.values(resourcesOf(template, 'AWS::Lambda::Function'))[0];
    const key = String((fn?.Properties?.Code as { S3Key?: string } | undefined)?.S3Key);
    const assetDir = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);

    // Act
    const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');

    // Assess
    expect(existsSync(join(assetDir, 'index.js'))).toBe(false);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    expect(code).toMatch(/^import \{ createRequire as __ccCreateRequire \} from 'node:module';/);
    expect(code).toMatch(/export\s*\{\s*\w+ as handler\s*\}/);
    expect(code).not.toContain('module.exports');
    expect(code.split('\n').length).toBeLessThanOrEqual(4);
  });

  it('merges the caller environment over the base environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'echo',
          POWERTOOLS_METRICS_NAMESPACE: 'CcContinuity',
          POWERTOOLS_LOG_LEVEL: 'DEBUG',
          NODE_OPTIONS: '--enable-source-maps',
          TABLE_NAME: 'continuity-test-control-state',
        },
      },
    });
  });

  it('logs to its own log group with a one-month retention', () => {
    const [logGroup] = Object.keys(resourcesOf(template, 'AWS::Logs::LogGroup'));
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: logGroup } },
    });
  });

  it('uses a role without managed policies that may write only to its log group (and X-Ray)', () => {
    const [logGroup] = Object.keys(resourcesOf(template, 'AWS::Logs::LogGroup'));
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] },
          },
          { Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
        ],
      },
    });
  });

  it('passes the AwsSolutions checks with no unacknowledged finding', () => {
    expect(violations).toEqual([]);
  });

  it('fails synth when anything besides X-Ray is granted on every resource', () => {
    // Prepare
    const app = cdkApp();
    const stack = new Stack(app, 'Fn', { env: { region: 'us-east-1' } });
    const fn = new ContinuityFunction(stack, 'Echo', { entry: ENTRY });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: ['*'] }));

    // Act
    const { error } = trySynth(app);

    // Assess
    expect(error?.message).toMatch(/dynamodb:GetItem is granted on resource "\*"/);
  });
});
