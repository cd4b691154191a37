import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { beforeAll, describe, expect, it } from 'vitest';
import { RECONCILE_METRICS } from '../../../functions/routing/capacity/metrics.js';
import { secretNames, tableNames } from '../../../functions/shared/names.js';
import { Capacity, capacityAlarmNames } from '../../../lib/constructs/capacity.js';
import { matchesPattern } from '../../../local/bus/pattern.js';
import { fixture } from '../../functions/routing/capacity/fixtures.js';
import { addNag, cdkApp, reportedViolations, resourcesOf, testConfig, trySynth } from '../helpers.js';

const SOURCE = 'aws.partner/genesys.com/cloud/11111111-1111-1111-1111-111111111111/cc-continuity';
const EAST = 'us-east-1';
const WEST = 'us-west-2';

function configWith(options: { source?: string; reconcileSeconds?: number } = {}) {
  return testConfig({
    platform: {
      orgs: [
        {
          name: 'east',
          regionHost: 'mypurecloud.com',
          ...(options.source ? { eventSourceName: options.source } : {}),
        },
        { name: 'west', regionHost: 'usw2.pure.cloud' },
      ],
    },
    routing: { reconcileSeconds: options.reconcileSeconds ?? 60 },
  });
}

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string[]>>;
}
const list = (a: string | string[]) => (Array.isArray(a) ? a : [a]);

function synth(region: string, config = configWith({ source: SOURCE })) {
  const app = addNag(cdkApp({ bundle: false }));
  const stack = new Stack(app, 'Region', { env: { account: '123456789012', region } });
  const bus = events.EventBus.fromEventBusName(stack, 'Bus', 'continuity-test');
  const capacity = new Capacity(stack, 'Capacity', { config, bus });
  const { error } = trySynth(app);
  const t = Template.fromStack(stack);
  const statementsOf = (fn: Capacity['ingestFunction']): Statement[] => {
    const id = stack.getLogicalId(fn.node.defaultChild as never);
    const role = resourcesOf(t, 'AWS::Lambda::Function')[id]?.Properties?.Role as { 'Fn::GetAtt': unknown[] };
    const roleRef = JSON.stringify(role['Fn::GetAtt'][0]);
    return Object.values(resourcesOf(t, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties?.Roles).includes(roleRef))
      .flatMap(
        (p) => (p.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [],
      );
  };
  return { app, stack, capacity, error, t, statementsOf };
}

describe('Capacity with the org of its region naming a partner event source', () => {
  let s: ReturnType<typeof synth>;
  beforeAll(() => {
    s = synth(EAST);
  }, 120_000);

  it('passes the AwsSolutions checks with no unacknowledged finding', () => {
    expect(s.error).toBeUndefined();
    expect(
      reportedViolations(s.app).map(
        (v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`,
      ),
    ).toEqual([]);
  });

  it('creates the partner event bus of the source name, which associates the source', () => {
    const buses = Object.values(resourcesOf(s.t, 'AWS::Events::EventBus'));
    expect(buses.map((b) => b.Properties)).toEqual([{ Name: SOURCE, EventSourceName: SOURCE }]);
  });

  it('routes the capacity topic families from the partner bus to ingest, with a DLQ and retries', () => {
    const busId = Object.keys(resourcesOf(s.t, 'AWS::Events::EventBus'))[0];
    const ingestId = s.stack.getLogicalId(s.capacity.ingestFunction.node.defaultChild as never);
    s.t.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: busId },
      EventPattern: {
        source: [{ prefix: 'aws.partner/genesys.com/' }],
        detail: {
          topicName: [{ prefix: 'v2.routing.queues.' }, { prefix: 'v2.users.' }],
        },
      },
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [ingestId, 'Arn'] },
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
          Id: Match.anyValue(),
        },
      ],
    });
  });

  it('matches the documented events of the three topics by its pattern, and no event of another source', () => {
    // Prepare
    const rule = Object.values(resourcesOf(s.t, 'AWS::Events::Rule')).find((r) => r.Properties?.EventBusName);
    const pattern = rule?.Properties?.EventPattern;
    const names = [
      'queue-user-joined',
      'queue-user-left',
      'routing-status-idle',
      'presence-on-queue',
    ] as const;
    // Act + Assess
    for (const name of names) expect(matchesPattern(pattern, fixture(name)), name).toBe(true);
    // Another user topic under the prefix reaches ingest, which counts and drops it.
    expect(matchesPattern(pattern, fixture('user-activity'))).toBe(true);
    expect(matchesPattern(pattern, { ...fixture('routing-status-idle'), source: 'cc.continuity' })).toBe(
      false,
    );
  });

  it('sends failed ingest invocations, with their error, to the dead-letter queue after two retries', () => {
    const ingestId = s.stack.getLogicalId(s.capacity.ingestFunction.node.defaultChild as never);
    s.t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ingestId },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it("lets ingest get and update only this region's capacity and agent items", () => {
    const statements = s.statementsOf(s.capacity.ingestFunction);
    const dynamo = statements.filter((st) => list(st.Action).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual([
      {
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Effect: 'Allow',
        Resource: `arn:aws:dynamodb:${EAST}:123456789012:table/${tableNames('dev').controlState}`,
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`CAPACITY#${EAST}#*`, `AGENT#${EAST}#*`] },
        },
      },
    ]);
    // Besides its items: logs, X-Ray and its failure destination (the DLQ).
    const others = statements
      .flatMap((st) => list(st.Action))
      .filter((a) => !/^(dynamodb:|logs:|xray:|sqs:(SendMessage|GetQueueAttributes|GetQueueUrl)$)/.test(a));
    expect(others).toEqual([]);
  });

  it("lets reconcile read the directory, write this region's capacity and call the platform as its org only", () => {
    const statements = s.statementsOf(s.capacity.reconcileFunction);
    const keysOf = (action: string) =>
      statements
        .filter((st) => list(st.Action).includes(action))
        .flatMap((st) => Object.values(st.Condition ?? {}).flatMap((c) => c['dynamodb:LeadingKeys'] ?? []));
    expect(keysOf('dynamodb:Query')).toEqual(['DIRECTORY', `CAPACITY#${EAST}#*`]);
    expect(keysOf('dynamodb:UpdateItem')).toEqual([`CAPACITY#${EAST}#*`, `AGENT#${EAST}#*`]);
    expect(keysOf('dynamodb:PutItem')).toEqual(['PLATFORMTOKEN#east', 'LEASE#oauth-east']);
    const secrets = statements
      .filter((st) => list(st.Action).includes('secretsmanager:GetSecretValue'))
      .flatMap((st) => [st.Resource].flat())
      .map((r) => /:secret:([^"]+)-\?{6}/.exec(JSON.stringify(r))?.[1]);
    expect(secrets.sort()).toEqual(
      [secretNames('dev').platformClient('east'), secretNames('dev').platformTokenKey].sort(),
    );
    // It may announce a 401 (platformClient's PlatformTokenRejected) and nothing else.
    const puts = statements.filter((st) => list(st.Action).some((a) => a.startsWith('events:')));
    expect(puts.map((st) => [list(st.Action), st.Condition?.StringEquals?.['events:detail-type']])).toEqual([
      [['events:PutEvents'], ['PlatformTokenRejected']],
    ]);
  });

  it('alarms on dead letters, on a queue failing three runs in a row, on failed runs and on a secret fallback', () => {
    const names = capacityAlarmNames('dev', EAST);
    s.t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: names.deadLetters,
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
    s.t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: names.reconcileFailing,
      MetricName: RECONCILE_METRICS.failed,
      Dimensions: [{ Name: 'service', Value: 'capacity-reconcile' }],
      EvaluationPeriods: 3,
      Period: 60,
    });
    s.t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: names.reconcileErrors,
      MetricName: 'Errors',
    });
    s.t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `continuity-dev-secret-fallback-capacity-reconcile-${EAST}`,
    });
  });
});

describe('Capacity without a partner event source', () => {
  it('synthesizes with no bus and no partner rule, only the reconcile schedule', () => {
    // Act: east names a source but this is west's region; then a config naming none at all
    for (const { error, t } of [synth(WEST), synth(EAST, configWith())]) {
      // Assess
      expect(error).toBeUndefined();
      expect(resourcesOf(t, 'AWS::Events::EventBus')).toEqual({});
      const rules = Object.values(resourcesOf(t, 'AWS::Events::Rule'));
      expect(rules.map((r) => r.Properties?.ScheduleExpression)).toEqual(['rate(1 minute)']);
    }
  }, 120_000);
});

describe('Capacity reconcile schedule', () => {
  it.each([
    [10, 'rate(1 minute)', 60],
    [60, 'rate(1 minute)', 60],
    [61, 'rate(2 minutes)', 120],
    [600, 'rate(10 minutes)', 300],
  ])(
    'runs every %i s as %s with a %i s timeout',
    (reconcileSeconds, expression, timeout) => {
      const { t, stack, capacity } = synth(WEST, configWith({ reconcileSeconds }));
      t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: expression });
      const id = stack.getLogicalId(capacity.reconcileFunction.node.defaultChild as never);
      expect(resourcesOf(t, 'AWS::Lambda::Function')[id]?.Properties?.Timeout).toBe(timeout);
    },
    120_000,
  );
});
