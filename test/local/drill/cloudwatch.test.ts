import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/load.js';
import { drillAlarms, startDrillCloudWatch } from '../../../local/drill/cloudwatch.js';
import { drillConfig, drillTriggerAlarm, type EdgeAddress } from '../../../local/drill/drill-config.js';
import type { SynthesizedApp } from '../../../local/drill/synth.js';
import type { StackTemplate } from '../../../local/drill/template.js';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const edges: EdgeAddress[] = [EAST, WEST].map((region, i) => ({
  region,
  name: `${region}-edge-a`,
  host: `127.0.${i + 1}.1`,
  port: 5060,
  transport: 'udp',
}));
const config = drillConfig(loadConfig('dev'), edges);

const alarm = (name: string, namespace: string) => ({
  Type: 'AWS::CloudWatch::Alarm',
  Properties: {
    AlarmName: name,
    Namespace: namespace,
    MetricName: 'M',
    Dimensions: [],
    Period: 10,
    EvaluationPeriods: 1,
    Statistic: 'Maximum',
    Threshold: 1,
    ComparisonOperator: 'GreaterThanThreshold',
  },
});
const stack = (region: string, resources: Record<string, unknown>): StackTemplate => ({
  stackName: `Stack-${region}`,
  region,
  template: { Resources: resources } as StackTemplate['template'],
});
/** The part of a synthesized app the drill's CloudWatch reads: the stacks' alarms. */
const app = {
  regions: [
    stack(EAST, {
      Own: alarm(`continuity-dev-sip-health-${EAST}`, 'CcContinuity'),
      Latency: alarm(`continuity-dev-ddb-replication-latency-${EAST}`, 'AWS/DynamoDB'),
    }),
    stack(WEST, { Own: alarm(`continuity-dev-sip-health-${WEST}`, 'CcContinuity') }),
  ],
  witness: stack('us-east-2', {}),
  data: stack(EAST, {}),
} as unknown as SynthesizedApp;

describe('drillConfig failover triggers', () => {
  it('adds one user trigger alarm per active region, excluding its own region at once', () => {
    // Assess
    expect(config.failover.triggers).toEqual([
      { alarmName: drillTriggerAlarm(EAST), region: EAST, effect: 'exclude', clearAfterSeconds: 0 },
      { alarmName: drillTriggerAlarm(WEST), region: WEST, effect: 'exclude', clearAfterSeconds: 0 },
    ]);
  });
});

describe('drillAlarms', () => {
  it('holds the template alarms, the AWS-metric ones and the trigger alarms, each in its region', () => {
    // Act
    const alarms = drillAlarms(app, config);

    // Assess
    expect(alarms.describe(EAST).map((a) => [a.alarmName, a.state, a.spec !== undefined])).toEqual([
      [`continuity-dev-ddb-replication-latency-${EAST}`, 'OK', false],
      [`continuity-dev-sip-health-${EAST}`, 'INSUFFICIENT_DATA', true],
      [drillTriggerAlarm(EAST), 'OK', false],
    ]);
    expect(alarms.describe(WEST).map((a) => a.alarmName)).toEqual([
      `continuity-dev-sip-health-${WEST}`,
      drillTriggerAlarm(WEST),
    ]);
  });
});

describe('startDrillCloudWatch', () => {
  it('answers DescribeAlarms of a trigger alarm with the state the drill set', async () => {
    // Prepare
    const cloudWatch = await startDrillCloudWatch(app, config);
    const client = new CloudWatchClient({
      region: WEST,
      endpoint: cloudWatch.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      cloudWatch.alarms.setState(drillTriggerAlarm(WEST), WEST, 'ALARM', 'drill');

      // Act
      const out = await client.send(
        new DescribeAlarmsCommand({
          AlarmNames: [drillTriggerAlarm(WEST), drillTriggerAlarm(EAST)],
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        }),
      );

      // Assess
      expect(out.MetricAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual([
        [drillTriggerAlarm(WEST), 'ALARM'],
      ]);
    } finally {
      client.destroy();
      await cloudWatch.close();
    }
  });
});
