import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { beforeAll, describe, expect, it } from 'vitest';
import { MONITOR_SERVICE } from '../../../functions/health/metrics.js';
import { alarmNames, stackNames, tableNames } from '../../../functions/shared/names.js';
import { buildContinuityApp } from '../../../lib/app-builder.js';
import { HealthMonitor } from '../../../lib/constructs/health-monitor.js';
import { type CfnResource, cdkApp, resourcesOf, testConfig } from '../helpers.js';

const config = testConfig();
const [first, second] = config.regions.active;
const witness = config.regions.witness;
const names = stackNames(config.env);
const alarms = alarmNames(config.env);

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, string[]>>;
}

describe('HealthMonitor', () => {
  const templates = new Map<string, Template>();

  beforeAll(() => {
    // Prepare: the whole app, as deployed
    const stacks = buildContinuityApp(cdkApp(), config);
    for (const stack of [...stacks.regions, stacks.witness])
      templates.set(stack.region, Template.fromStack(stack));
  }, 120_000);

  function template(region: string): Template {
    const t = templates.get(region);
    if (!t) throw new Error(`no stack in ${region}`);
    return t;
  }

  /** The monitor function's logical id and its role's policy statements. */
  function monitor(region: string): { id: string; fn: CfnResource; statements: Statement[] } {
    const t = template(region);
    const found = Object.entries(resourcesOf(t, 'AWS::Lambda::Function')).filter(
      ([, fn]) =>
        (fn.Properties?.Environment as { Variables: Record<string, string> } | undefined)?.Variables
          .POWERTOOLS_SERVICE_NAME === MONITOR_SERVICE,
    );
    expect(found).toHaveLength(1);
    const [id, fn] = found[0] as [string, CfnResource];
    const roleId = (fn.Properties as { Role: { 'Fn::GetAtt': [string, string] } }).Role['Fn::GetAtt'][0];
    const policies = Object.values(resourcesOf(t, 'AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties?.Roles).includes(roleId),
    );
    const statements = policies.flatMap(
      (p) => (p.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
    );
    return { id, fn, statements };
  }

  const actionsOf = (s: Statement) => [s.Action].flat().sort();
  const leadingKeys = (s: Statement) => s.Condition?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'];

  it.each([first, second, witness])('runs in %s for 70 s on nodejs24.x', (region) => {
    expect(monitor(region).fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Timeout: 70 });
  });

  it.each([first, second, witness])(
    'in %s has reserved concurrency for the two runs that overlap at a hand-over, and a spare',
    (region) => {
      expect(config.concurrency.monitor).toBe(3);
      expect(monitor(region).fn.Properties?.ReservedConcurrentExecutions).toBe(config.concurrency.monitor);
    },
  );

  it.each([first, second, witness])(
    'in %s is started every minute, with a DLQ and no stale retries',
    (region) => {
      // Act
      const { id } = monitor(region);
      const rules = Object.values(resourcesOf(template(region), 'AWS::Events::Rule')).filter(
        (r) => r.Properties?.ScheduleExpression !== undefined,
      );

      // Assess
      const schedules = rules.filter((r) => JSON.stringify(r.Properties?.Targets).includes(id));
      expect(schedules).toHaveLength(1);
      expect(schedules[0]?.Properties).toMatchObject({
        ScheduleExpression: 'rate(1 minute)',
        Targets: [
          {
            Arn: { 'Fn::GetAtt': [id, 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
            RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 },
          },
        ],
      });
      template(region).hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: id },
        MaximumRetryAttempts: 0,
      });
    },
  );

  it.each([
    [first, second],
    [second, first],
  ])(
    'in %s may touch only its lease, read the lease and heartbeat of %s, write its own heartbeat and use its bus',
    (region, peer) => {
      // Act
      const dynamo = monitor(region).statements.filter((s) =>
        actionsOf(s).some((a) => a.startsWith('dynamodb:')),
      );
      const others = monitor(region).statements.filter(
        (s) => !actionsOf(s).some((a) => a.startsWith('dynamodb:')),
      );

      // Assess
      expect(dynamo.map((s) => [actionsOf(s), leadingKeys(s)])).toEqual([
        [['dynamodb:GetItem', 'dynamodb:PutItem'], [`MONITOR#${region}`]],
        [['dynamodb:GetItem'], [`MONITOR#${peer}`]],
        [['dynamodb:PutItem'], [`HB#${region}`]],
        [['dynamodb:GetItem'], [`HB#${peer}`]],
      ]);
      const tableArns = dynamo.map((s) => JSON.stringify(s.Resource));
      expect(tableArns[0]).toContain(`table/${tableNames(config.env).controlState}`);
      expect(tableArns[1]).toContain(`table/${tableNames(config.env).controlState}`);
      expect(tableArns[2]).toContain(`table/${tableNames(config.env).contextCache}`);
      expect(tableArns[3]).toContain(`table/${tableNames(config.env).contextCache}`);
      expect(others.flatMap(actionsOf).sort()).toEqual([
        'events:PutEvents',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    },
  );

  it('in the witness may touch only its lease in the witness table and its bus', () => {
    // Act
    const { statements } = monitor(witness);
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));

    // Assess
    expect(dynamo.map((s) => [actionsOf(s), leadingKeys(s)])).toEqual([
      [['dynamodb:GetItem', 'dynamodb:PutItem'], [`MONITOR#${witness}`]],
    ]);
    expect(JSON.stringify(dynamo[0]?.Resource)).toContain('WitnessState');
    expect(statements.flatMap(actionsOf)).toContain('events:PutEvents');
  });

  it.each([first, second])(
    'in %s alarms on its own SIP health at a 10 s period, missing data breaching',
    (region) => {
      template(region).hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: alarms.sipHealth(region),
        Namespace: 'CcContinuity',
        MetricName: 'SipHealthyTargets',
        // Exactly the dimensions the monitor publishes (CloudFormation lists them sorted by name).
        Dimensions: [
          { Name: 'Observer', Value: region },
          { Name: 'TargetRegion', Value: region },
          { Name: 'service', Value: MONITOR_SERVICE },
        ],
        Statistic: 'Minimum',
        Period: 10,
        Threshold: config.health.minHealthyTargets,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: config.alarms.evaluationPeriods,
        TreatMissingData: 'breaching',
      });
    },
  );

  it.each([first, second])(
    'in %s also alarms on SIP health over standard-resolution data, for Route 53',
    (region) => {
      template(region).hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: alarms.sipHealthStandard(region),
        MetricName: 'SipHealthyTargetsStandard',
        Dimensions: [
          { Name: 'Observer', Value: region },
          { Name: 'TargetRegion', Value: region },
          { Name: 'service', Value: MONITOR_SERVICE },
        ],
        Statistic: 'Minimum',
        Period: 60,
        Threshold: config.health.minHealthyTargets,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
    },
  );

  it.each([
    [first, second],
    [second, first],
  ])('in %s alarms on heartbeat lag from %s at 10 s and on DynamoDB ReplicationLatency', (region, peer) => {
    template(region).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarms.replicationLag(region),
      MetricName: 'ReplicationLag',
      Dimensions: Match.arrayWith([{ Name: 'SourceRegion', Value: peer }]),
      Period: 10,
      Threshold: config.replication.replicationExclusionMs,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template(region).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarms.replicationLatency(region),
      Namespace: 'AWS/DynamoDB',
      MetricName: 'ReplicationLatency',
      Dimensions: Match.arrayWith([
        { Name: 'ReceivingRegion', Value: peer },
        { Name: 'TableName', Value: tableNames(config.env).contextCache },
      ]),
      Period: 60,
      Threshold: config.alarms.replicationLatencyThresholdMs,
    });
  });

  it('raises no health alarm in the witness region: its only alarms are on its dead-letter queues', () => {
    const alarms = template(witness).findResources('AWS::CloudWatch::Alarm');
    expect(
      Object.values(alarms)
        .map((a) => a.Properties.AlarmName)
        .sort(),
    ).toEqual(
      [...config.regions.active.map((r) => `forwarding-${r}`), 'monitor'].map(
        (owner) => `continuity-${config.env}-dead-letters-${owner}-${witness}`,
      ),
    );
  });

  it('fails when a witness monitor is given ContextCache, or an active one is not', () => {
    // Prepare
    const app = new App();
    const make = (region: string, withCache: boolean) => {
      const stack = new Stack(app, `S-${region}-${withCache}`, { env: { region } });
      const table = dynamodb.TableV2.fromTableName(stack, 'T', 'x');
      return () =>
        new HealthMonitor(stack, 'M', {
          config,
          bus: events.EventBus.fromEventBusName(stack, 'B', 'b'),
          leaseTable: table,
          ...(withCache ? { contextCache: table } : {}),
        });
    };

    // Act + Assess
    expect(make(witness, true)).toThrow(/contextCache/);
    expect(make(first, false)).toThrow(/contextCache/);
  });

  it('names the stacks it is deployed to', () => {
    expect([...templates.keys()]).toEqual([first, second, witness]);
    expect(names.witness).toContain('Witness');
  });
});
