import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { beforeAll, describe, expect, it } from 'vitest';
import { MONITOR_METRICS } from '../../../functions/health/metrics.js';
import { QUORUM_METRICS } from '../../../functions/routing/quorum-metrics.js';
import { alarmNames, tableNames } from '../../../functions/shared/names.js';
import { Quorum, triggerUnreadableAlarmName } from '../../../lib/constructs/quorum.js';
import { cdkApp, resourcesOf, testConfig } from '../helpers.js';

const config = testConfig();
const region = 'us-east-1';

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}

describe('Quorum', () => {
  let t: Template;
  let quorum: Quorum;
  let stack: Stack;
  beforeAll(() => {
    stack = new Stack(cdkApp(), 'Region', { env: { account: '123456789012', region } });
    const bus = new events.EventBus(stack, 'Bus', { eventBusName: 'continuity-dev' });
    quorum = new Quorum(stack, 'Quorum', { config, bus });
    t = Template.fromStack(stack);
  }, 120_000);

  /** Every statement of the policies attached to a function's role. */
  function statementsOf(fnLogicalId: string): Statement[] {
    const fn = resourcesOf(t, 'AWS::Lambda::Function')[fnLogicalId];
    if (!fn) throw new Error(`no function ${fnLogicalId}`);
    const role = fn.Properties?.Role as { 'Fn::GetAtt': unknown[] };
    const roleRef = JSON.stringify(role['Fn::GetAtt'][0]);
    return Object.values(resourcesOf(t, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties?.Roles).includes(roleRef))
      .flatMap(
        (p) => (p.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [],
      );
  }

  const list = (a: string | string[]) => (Array.isArray(a) ? a : [a]);

  it('serves the health endpoint through a function URL without auth', () => {
    t.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: {
        'Fn::GetAtt': [stack.getLogicalId(quorum.healthEndpoint.node.defaultChild as never), 'Arn'],
      },
    });
  });

  it('lets the health endpoint only read ControlState (one GetItem on the table, logs and X-Ray)', () => {
    const id = stack.getLogicalId(quorum.healthEndpoint.node.defaultChild as never);
    const statements = statementsOf(id);
    const actions = statements.flatMap((s) => list(s.Action));
    expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:GetItem']);
    expect(actions.every((a) => /^(dynamodb:GetItem|logs:|xray:)/.test(a))).toBe(true);
    const table = statements.find((s) => list(s.Action).includes('dynamodb:GetItem'));
    expect(JSON.stringify(table?.Resource)).toContain(`:table/${tableNames(config.env).controlState}`);
    expect(JSON.stringify(table?.Resource)).not.toContain('*');
  });

  it('gives every rule target a DLQ and a retry policy, and failed invocations a destination', () => {
    const rules = Object.values(resourcesOf(t, 'AWS::Events::Rule'));
    expect(rules).toHaveLength(3);
    for (const rule of rules) {
      for (const target of (rule.Properties?.Targets ?? []) as Record<string, unknown>[]) {
        expect(target.DeadLetterConfig).toEqual({ Arn: expect.anything() });
        expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 3600 });
      }
    }
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it("consumes votes and lag from the bus, its region's SIP-health and backstop alarms, and a schedule", () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.anyValue(),
      EventPattern: {
        source: ['cc.continuity'],
        'detail-type': ['RegionHealthVote', 'ReplicationLagMeasured'],
      },
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        // The backstop living here (ReplicationLatency of this region's replica towards the peer).
        detail: {
          alarmName: [
            alarmNames(config.env).sipHealth(region),
            alarmNames(config.env).replicationLatency(region),
          ],
        },
      },
    });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  });

  describe('with failover triggers', () => {
    const triggered = testConfig({
      failover: {
        triggers: [
          { alarmName: 'sbc-5xx-east', region: 'us-east-1', effect: 'exclude' },
          { alarmName: 'sbc-5xx-west', region: 'us-west-2', effect: 'exclude', clearAfterSeconds: 120 },
        ],
      },
    });
    let tt: Template;
    let q: Quorum;
    let s: Stack;
    beforeAll(() => {
      s = new Stack(cdkApp({ bundle: false }), 'Triggered', { env: { account: '123456789012', region } });
      const bus = new events.EventBus(s, 'Bus', { eventBusName: 'continuity-dev' });
      q = new Quorum(s, 'Quorum', { config: triggered, bus });
      tt = Template.fromStack(s);
    });

    it('re-evaluates on exactly the trigger alarms that live in its region', () => {
      const patterns = Object.values(resourcesOf(tt, 'AWS::Events::Rule'))
        .map((r) => r.Properties?.EventPattern as { source?: string[]; detail?: { alarmName?: string[] } })
        .filter((p) => p?.source?.[0] === 'aws.cloudwatch');

      expect(patterns).toHaveLength(1);
      expect(patterns[0]?.detail?.alarmName).toEqual([
        alarmNames(config.env).sipHealth(region),
        'sbc-5xx-east',
        alarmNames(config.env).replicationLatency(region),
      ]);
    });

    it('may describe only the trigger alarms, in their own regions', () => {
      const statements = Object.values(resourcesOf(tt, 'AWS::IAM::Policy'))
        .flatMap(
          (p) => (p.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [],
        )
        .filter((st) => list(st.Action).some((a) => a.startsWith('cloudwatch:')));

      expect(statements).toHaveLength(1);
      expect(list(statements[0]?.Action ?? [])).toEqual(['cloudwatch:DescribeAlarms']);
      const arns = [statements[0]?.Resource]
        .flat()
        .map((r) => JSON.stringify(r).replace(/\{"Ref":"AWS::Partition"\}/g, 'aws'))
        .sort();
      expect(arns.join('\n')).not.toContain('*');
      expect(arns).toHaveLength(4);
      for (const [alarmRegion, name] of [
        ['us-east-1', 'sbc-5xx-east'],
        ['us-west-2', 'sbc-5xx-west'],
        ['us-east-1', alarmNames(config.env).replicationLatency('us-east-1')],
        ['us-west-2', alarmNames(config.env).replicationLatency('us-west-2')],
      ]) {
        expect(arns.some((a) => a.includes(`:cloudwatch:${alarmRegion}:123456789012:alarm:${name}`))).toBe(
          true,
        );
      }
    });

    it('carries the triggers to the function in its settings', () => {
      const id = s.getLogicalId(q.function.node.defaultChild as never);
      const env = resourcesOf(tt, 'AWS::Lambda::Function')[id]?.Properties?.Environment as {
        Variables: Record<string, string>;
      };
      const settings = JSON.parse(env.Variables.CONTINUITY_SETTINGS ?? '{}') as {
        failover?: { triggers?: { alarmName: string }[] };
      };

      expect(settings.failover?.triggers?.map((x) => x.alarmName)).toEqual(['sbc-5xx-east', 'sbc-5xx-west']);
    });
  });

  it('alarms when the triggers about a region stay unreadable for five minutes, per region that has triggers', () => {
    // Prepare: dev keeps the replication-latency backstop (a trigger about each region); this one has none
    const none = testConfig({ failover: { replicationLatencyBackstop: false } });
    const other = new Stack(cdkApp({ bundle: false }), 'NoTriggers', {
      env: { account: '123456789012', region },
    });
    const bus = new events.EventBus(other, 'Bus', { eventBusName: 'continuity-dev' });

    // Act
    const without = new Quorum(other, 'Quorum', { config: none, bus });

    // Assess
    expect(without.blindTriggerAlarms).toEqual([]);
    for (const about of config.regions.active) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: triggerUnreadableAlarmName(config.env, about, region),
        Namespace: 'CcContinuity',
        MetricName: QUORUM_METRICS.triggerUnreadable,
        Dimensions: [
          { Name: 'Region', Value: about },
          { Name: 'service', Value: 'quorum' },
        ],
        Statistic: 'Minimum',
        Period: 60,
        EvaluationPeriods: 5,
        Threshold: 1,
        TreatMissingData: 'notBreaching',
      });
    }
    expect(quorum.blindTriggerAlarms).toHaveLength(config.regions.active.length);
  });

  /** `actions -> LeadingKeys` of every DynamoDB statement of a function, e.g. `GetItem -> ROTATION`. */
  function itemGrants(fnLogicalId: string): string[] {
    return statementsOf(fnLogicalId)
      .filter((s) => list(s.Action).some((a) => a.startsWith('dynamodb:')))
      .map((s) => {
        const conditions = Object.values(s.Condition ?? {}).map((c) => c['dynamodb:LeadingKeys']);
        expect(conditions, 'one LeadingKeys condition per statement').toHaveLength(1);
        return `${list(s.Action).sort().join(',')} -> ${[conditions[0]].flat().sort().join(' ')}`;
      })
      .sort();
  }

  it('lets the quorum function use only the ControlState items it reads and writes, and delete none', () => {
    // Act
    const id = stack.getLogicalId(quorum.function.node.defaultChild as never);

    // Assess
    expect(itemGrants(id)).toEqual([
      'dynamodb:GetItem -> LAG#* OVERRIDE#* ROTATION VOTE#*',
      'dynamodb:PutItem -> LAG#* ROTATION VOTE#*',
      'dynamodb:Query -> VOTE#*',
      'dynamodb:UpdateItem -> ROTATION',
    ]);
    const table = statementsOf(id).find((s) => list(s.Action).includes('dynamodb:PutItem'));
    expect(table?.Condition).toHaveProperty('ForAllValues:StringLike');
    expect(JSON.stringify(table?.Resource)).toContain(`:table/${tableNames(config.env).controlState}`);
  });

  it('lets the health endpoint read the decision item only', () => {
    const id = stack.getLogicalId(quorum.healthEndpoint.node.defaultChild as never);
    expect(itemGrants(id)).toEqual(['dynamodb:GetItem -> ROTATION']);
  });

  it('reserves concurrency for quorum and caps the public health endpoint, from config', () => {
    // Prepare
    const custom = testConfig({ concurrency: { quorum: 7, healthEndpoint: 4 } });
    const other = new Stack(cdkApp({ bundle: false }), 'Custom', {
      env: { account: '123456789012', region },
    });
    const bus = new events.EventBus(other, 'Bus', { eventBusName: 'continuity-dev' });

    // Act
    const q = new Quorum(other, 'Quorum', { config: custom, bus });
    const fn = (f: typeof q.function) =>
      resourcesOf(Template.fromStack(other), 'AWS::Lambda::Function')[
        other.getLogicalId(f.node.defaultChild as never)
      ]?.Properties?.ReservedConcurrentExecutions;

    // Assess
    expect(fn(q.function)).toBe(7);
    expect(fn(q.healthEndpoint)).toBe(4);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Quorum decisions'),
      ReservedConcurrentExecutions: config.concurrency.quorum,
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Route 53 health endpoint'),
      ReservedConcurrentExecutions: config.concurrency.healthEndpoint,
    });
  });

  it('draws the failover dashboard of the region from the metrics the functions emit', () => {
    const dashboards = Object.values(resourcesOf(t, 'AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]?.Properties?.DashboardName).toBe(`continuity-${config.env}-${region}`);
    const body = JSON.stringify(dashboards[0]?.Properties?.DashboardBody);
    for (const name of [
      QUORUM_METRICS.inRotation,
      QUORUM_METRICS.vote,
      QUORUM_METRICS.epoch,
      QUORUM_METRICS.changed,
      MONITOR_METRICS.targetUp,
      MONITOR_METRICS.replicationLag,
      alarmNames(config.env).sipHealth(region),
    ]) {
      expect(body).toContain(name);
    }
  });
});
