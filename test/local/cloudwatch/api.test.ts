import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandInput,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JsonService } from '../../../local/aws/json-service.js';
import { type AlarmSpec, LocalAlarms } from '../../../local/cloudwatch/alarms.js';
import { startLocalCloudWatch } from '../../../local/cloudwatch/api.js';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
/** An instant with milliseconds, to see that they survive the epoch-seconds wire format. */
const T = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const SIP: AlarmSpec = {
  logicalId: 'SipHealth',
  alarmName: `continuity-dev-sip-health-${EAST}`,
  region: EAST,
  namespace: 'CcContinuity',
  metricName: 'SipHealthyTargets',
  dimensions: { Observer: EAST, TargetRegion: EAST },
  periodSeconds: 10,
  evaluationPeriods: 2,
  datapointsToAlarm: 2,
  statistic: 'Minimum',
  threshold: 1,
  comparisonOperator: 'LessThanThreshold',
  treatMissingData: 'breaching',
};
const SBC_EAST = 'drill-sbc-errors-us-east-1';
const SBC_WEST = 'drill-sbc-errors-us-west-2';
const EDGE_EAST = 'platform-edge-5xx-us-east-1';

describe('startLocalCloudWatch', () => {
  let now = T;
  let alarms: LocalAlarms;
  let service: JsonService;
  const clients = new Map<string, CloudWatchClient>();
  const client = (region: string) => {
    const existing = clients.get(region);
    if (existing) return existing;
    const made = new CloudWatchClient({
      region,
      endpoint: service.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    clients.set(region, made);
    return made;
  };
  const describeIn = (region: string, input: DescribeAlarmsCommandInput) =>
    client(region).send(new DescribeAlarmsCommand(input));

  beforeAll(async () => {
    // One service over whatever alarms object the current test made.
    service = await startLocalCloudWatch({ describe: (region) => alarms.describe(region) });
  });
  afterAll(async () => {
    for (const c of clients.values()) c.destroy();
    await service.close();
  });
  beforeEach(() => {
    now = T;
    alarms = new LocalAlarms([SIP], { now: () => now });
    alarms.defineExternal(SBC_EAST, EAST);
    alarms.defineExternal(SBC_WEST, WEST);
    alarms.defineExternal(EDGE_EAST, EAST, 'CompositeAlarm');
  });

  it('answers the state, reason and time of named metric and composite alarms, as the SDK parses them', async () => {
    // Prepare
    alarms.setState(SBC_EAST, EAST, 'ALARM', 'SBC 5xx over 5 %', T + 61_234);
    alarms.setState(EDGE_EAST, EAST, 'INSUFFICIENT_DATA', 'no data', T + 2_500);

    // Act
    const out = await describeIn(EAST, {
      AlarmNames: [SBC_EAST, EDGE_EAST, SIP.alarmName],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    });

    // Assess
    expect(out.MetricAlarms?.map((a) => [a.AlarmName, a.StateValue, a.StateReason])).toEqual([
      [SIP.alarmName, 'INSUFFICIENT_DATA', 'Unchecked: Initial alarm creation'],
      [SBC_EAST, 'ALARM', 'SBC 5xx over 5 %'],
    ]);
    const sbc = out.MetricAlarms?.find((a) => a.AlarmName === SBC_EAST);
    expect(sbc?.StateUpdatedTimestamp).toEqual(new Date(T + 61_234));
    expect(sbc?.AlarmArn).toBe(`arn:aws:cloudwatch:${EAST}:000000000000:alarm:${SBC_EAST}`);
    expect(out.CompositeAlarms).toMatchObject([
      { AlarmName: EDGE_EAST, StateValue: 'INSUFFICIENT_DATA', StateUpdatedTimestamp: new Date(T + 2_500) },
    ]);
    expect(out.NextToken).toBeUndefined();
  });

  it('describes a template alarm with its metric and evaluation settings', async () => {
    // Act
    const out = await describeIn(EAST, { AlarmNames: [SIP.alarmName] });

    // Assess
    expect(out.MetricAlarms).toMatchObject([
      {
        Namespace: 'CcContinuity',
        MetricName: 'SipHealthyTargets',
        Dimensions: [
          { Name: 'Observer', Value: EAST },
          { Name: 'TargetRegion', Value: EAST },
        ],
        Period: 10,
        EvaluationPeriods: 2,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
      },
    ]);
  });

  it('leaves out names it does not have, as CloudWatch does', async () => {
    // Act
    const out = await describeIn(EAST, {
      AlarmNames: ['no-such-alarm', SBC_EAST],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    });

    // Assess
    expect(out.MetricAlarms?.map((a) => a.AlarmName)).toEqual([SBC_EAST]);
    expect(out.CompositeAlarms).toEqual([]);
  });

  it('answers each region with its own alarms: the region the caller signed for', async () => {
    // Prepare
    alarms.setState(SBC_WEST, WEST, 'ALARM', 'west only', T + 1_000);
    const names = [SBC_EAST, SBC_WEST];

    // Act
    const [east, west] = await Promise.all([
      describeIn(EAST, { AlarmNames: names }),
      describeIn(WEST, { AlarmNames: names }),
    ]);

    // Assess
    expect(east.MetricAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual([[SBC_EAST, 'OK']]);
    expect(west.MetricAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual([[SBC_WEST, 'ALARM']]);
  });

  it('answers the state of the moment: a change is seen by the next call', async () => {
    // Prepare
    const before = await describeIn(EAST, { AlarmNames: [SBC_EAST] });
    now = T + 30_000;
    alarms.setState(SBC_EAST, EAST, 'ALARM', 'now');

    // Act
    const after = await describeIn(EAST, { AlarmNames: [SBC_EAST] });

    // Assess
    expect(before.MetricAlarms?.[0]).toMatchObject({ StateValue: 'OK', StateUpdatedTimestamp: new Date(T) });
    expect(after.MetricAlarms?.[0]).toMatchObject({
      StateValue: 'ALARM',
      StateUpdatedTimestamp: new Date(T + 30_000),
    });
  });

  it.each([
    ['metric alarms only when AlarmTypes is left out', {}, [SIP.alarmName, SBC_EAST], []],
    ['composite alarms only', { AlarmTypes: ['CompositeAlarm'] }, [], [EDGE_EAST]],
    [
      'a name prefix',
      { AlarmNamePrefix: 'drill-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
      [SBC_EAST],
      [],
    ],
    ['a state', { StateValue: 'INSUFFICIENT_DATA' }, [SIP.alarmName], []],
    ['an action prefix (no local alarm has actions)', { ActionPrefix: 'arn:aws:sns' }, [], []],
  ] as const)('filters by %s', async (_, input, metric, composite) => {
    // Act
    const out = await describeIn(EAST, input as DescribeAlarmsCommandInput);

    // Assess
    expect(out.MetricAlarms?.map((a) => a.AlarmName)).toEqual(metric);
    expect(out.CompositeAlarms?.map((a) => a.AlarmName)).toEqual(composite);
  });

  it('pages with MaxRecords and NextToken', async () => {
    // Prepare
    const input: DescribeAlarmsCommandInput = {
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      MaxRecords: 2,
    };

    // Act
    const first = await describeIn(EAST, input);
    const second = await describeIn(EAST, { ...input, NextToken: first.NextToken });

    // Assess
    const names = (o: typeof first) =>
      [...(o.MetricAlarms ?? []), ...(o.CompositeAlarms ?? [])].map((a) => a.AlarmName);
    expect([...names(first), ...names(second)].sort()).toEqual([SIP.alarmName, SBC_EAST, EDGE_EAST].sort());
    expect(first.NextToken).toBeDefined();
    expect(second.NextToken).toBeUndefined();
  });

  it('rejects more than 100 names with InvalidParameterValue', async () => {
    // Act
    const call = describeIn(EAST, { AlarmNames: Array.from({ length: 101 }, (_, i) => `alarm-${i}`) });

    // Assess
    await expect(call).rejects.toBeInstanceOf(InvalidParameterValueException);
  });

  it('rejects AlarmNames with AlarmNamePrefix with InvalidParameterCombination', async () => {
    // Act
    const call = describeIn(EAST, { AlarmNames: [SBC_EAST], AlarmNamePrefix: 'drill-' });

    // Assess
    await expect(call).rejects.toBeInstanceOf(InvalidParameterCombinationException);
  });

  it('answers with the JSON 1.0 content type the client sends', async () => {
    // Act
    const response = await fetch(service.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms',
        authorization: `AWS4-HMAC-SHA256 Credential=local/20260102/${EAST}/monitoring/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify({ AlarmNames: [SBC_EAST] }),
    });

    // Assess
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await response.json()).toMatchObject({
      MetricAlarms: [{ AlarmName: SBC_EAST, StateUpdatedTimestamp: T / 1000 }],
    });
  });
});
