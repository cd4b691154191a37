import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC } from '../../../functions/oauth/refresher.js';
import { EVENT_SOURCE, secretNames, tableNames } from '../../../functions/shared/names.js';
import { OauthRefresher, platformCredentialsAlarmName } from '../../../lib/constructs/oauth-refresher.js';
import { cdkApp, resourcesOf, testConfig } from '../helpers.js';

const region = 'us-east-1';
// One org with its own secret name, one on the default name.
const config = testConfig({
  platform: {
    orgs: [
      { name: 'east', regionHost: 'mypurecloud.com', clientSecretName: 'ops/genesys/east-client' },
      { name: 'west', regionHost: 'usw2.pure.cloud' },
    ],
  },
});

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string[]>>;
}

const list = (a: string | string[]) => (Array.isArray(a) ? a : [a]);

describe('OauthRefresher', () => {
  let t: Template;
  let statements: Statement[];
  let functionId: string;

  beforeAll(() => {
    // Prepare
    const stack = new Stack(cdkApp({ bundle: false }), 'Region', {
      env: { account: '123456789012', region },
    });
    const bus = new events.EventBus(stack, 'Bus', { eventBusName: 'continuity-dev' });
    // Act
    const refresher = new OauthRefresher(stack, 'OauthRefresher', { config, bus });
    t = Template.fromStack(stack);
    functionId = stack.getLogicalId(refresher.function.node.defaultChild as never);
    const role = resourcesOf(t, 'AWS::Lambda::Function')[functionId]?.Properties?.Role as {
      'Fn::GetAtt': unknown[];
    };
    const roleRef = JSON.stringify(role['Fn::GetAtt'][0]);
    statements = Object.values(resourcesOf(t, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties?.Roles).includes(roleRef))
      .flatMap(
        (p) => (p.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [],
      );
  }, 120_000);

  it('runs functions/oauth/handler.ts as service oauth for 60 s with the platform settings', () => {
    const fn = resourcesOf(t, 'AWS::Lambda::Function')[functionId];
    expect(fn?.Properties?.Timeout).toBe(60);
    expect(fn?.Properties?.ReservedConcurrentExecutions).toBeUndefined();
    const env =
      (fn?.Properties?.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {};
    expect(env.POWERTOOLS_SERVICE_NAME).toBe('oauth');
    const settings = JSON.parse(env.CONTINUITY_SETTINGS ?? '{}') as Record<string, unknown>;
    expect(Object.keys(settings)).toEqual(['platform']);
    expect(settings.platform).toEqual(JSON.parse(JSON.stringify(config.platform)));
  });

  it('runs every minute and on PlatformTokenRejected from the region bus, exactly', () => {
    const rules = Object.values(resourcesOf(t, 'AWS::Events::Rule')).map((r) => r.Properties ?? {});
    expect(rules).toHaveLength(2);
    expect(rules.filter((r) => r.ScheduleExpression === 'rate(1 minute)')).toHaveLength(1);
    const fromBus = rules.filter((r) => r.EventPattern !== undefined);
    expect(fromBus).toHaveLength(1);
    expect(fromBus[0]?.EventPattern).toEqual({
      source: [EVENT_SOURCE],
      'detail-type': ['PlatformTokenRejected'],
    });
    expect(JSON.stringify(fromBus[0]?.EventBusName)).toMatch(/^\{"Ref":"Bus[0-9A-F]{8}"\}$/);
  });

  it('gives every rule target a DLQ and a retry policy, and failed invocations a destination', () => {
    for (const rule of Object.values(resourcesOf(t, 'AWS::Events::Rule'))) {
      const targets = (rule.Properties?.Targets ?? []) as Record<string, unknown>[];
      expect(targets).toHaveLength(1);
      expect(targets[0]?.DeadLetterConfig).toEqual({ Arn: expect.anything() });
      expect(targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 900 });
    }
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('reads exactly the two org credentials secrets and the platform token key', () => {
    const reads = statements.filter((s) => list(s.Action).includes('secretsmanager:GetSecretValue'));
    const secrets = reads
      .flatMap((s) => [s.Resource].flat())
      .map((r) => {
        const text = JSON.stringify(r);
        return /:secret:([^"]+)-\?\?\?\?\?\?/.exec(text)?.[1] ?? text;
      });
    expect(secrets.sort()).toEqual(
      [
        'ops/genesys/east-client',
        secretNames(config.env).platformClient('west'),
        secretNames(config.env).platformTokenKey,
      ].sort(),
    );
  });

  it('gets, puts and deletes only the token and lease items of the configured orgs in ControlState', () => {
    const dynamo = statements.filter((s) => list(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    const [statement] = dynamo;
    expect(list(statement?.Action ?? []).sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    expect(statement?.Resource).toBe(
      `arn:aws:dynamodb:${region}:123456789012:table/${tableNames(config.env).controlState}`,
    );
    expect(statement?.Condition).toEqual({
      'ForAllValues:StringEquals': {
        'dynamodb:LeadingKeys': [
          'PLATFORMTOKEN#east',
          'LEASE#oauth-east',
          'PLATFORMTOKEN#west',
          'LEASE#oauth-west',
        ],
      },
    });
  });

  it('has no permission beyond its secrets, its items, its events, logs and X-Ray', () => {
    const actions = statements.flatMap((s) => list(s.Action));
    const unexpected = actions.filter(
      (a) =>
        !/^(secretsmanager:(GetSecretValue|DescribeSecret)|dynamodb:(GetItem|PutItem|DeleteItem)|events:PutEvents|logs:|xray:|sqs:(SendMessage|GetQueueAttributes|GetQueueUrl))$/.test(
          a,
        ) &&
        !a.startsWith('logs:') &&
        !a.startsWith('xray:'),
    );
    expect(unexpected).toEqual([]);
  });

  it.each(['east', 'west'])('alarms when the token endpoint of %s refuses its credentials', (org) => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: platformCredentialsAlarmName(config.env, region, org),
      MetricName: METRIC.credentialsRejected,
      Dimensions: [
        { Name: 'Org', Value: org },
        { Name: 'service', Value: 'oauth' },
      ],
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms when it serves with a last good platform token key', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `continuity-${config.env}-secret-fallback-oauth-${region}`,
    });
  });
});
