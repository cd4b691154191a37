import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { cloudWatchAlarmReader } from '../../../functions/routing/alarm-states.js';
import type { TriggerSpec } from '../../../functions/routing/quorum/triggers.js';

const trigger = (alarmName: string, alarmRegion: string): TriggerSpec => ({
  alarmName,
  alarmRegion,
  region: alarmRegion,
  clearAfterMs: 0,
  onlyWhenMonitorSilent: false,
  source: 'config',
});

describe('cloudWatchAlarmReader', () => {
  const cw = mockClient(CloudWatchClient);
  const clients = new Map(
    ['us-east-1', 'us-west-2'].map((r) => [
      r,
      new CloudWatchClient({ region: r, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
    ]),
  );
  const errors: string[] = [];
  const reader = cloudWatchAlarmReader({
    clientFor: (r) => clients.get(r) as CloudWatchClient,
    budgetMs: 200,
    onError: (region, e) => errors.push(`${region}: ${e.name}`),
  });
  beforeEach(() => {
    cw.reset();
    errors.length = 0;
  });
  afterAll(() => cw.restore());

  it('reads each region once, metric alarms only, and gives state and since per trigger', async () => {
    // Prepare
    const since = new Date('2026-12-01T10:00:00Z');
    cw.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames?: string[] }) => ({
      MetricAlarms: (input.AlarmNames ?? []).map((n) => ({
        AlarmName: n,
        StateValue: n.endsWith('east') ? 'ALARM' : 'OK',
        StateUpdatedTimestamp: since,
      })),
    }));
    // Act
    const readings = await reader.read([
      trigger('a-east', 'us-east-1'),
      trigger('b-east', 'us-east-1'),
      trigger('c-west', 'us-west-2'),
    ]);
    // Assess
    expect(readings.map((r) => [r.trigger.alarmName, r.state, r.sinceMs, r.missing])).toEqual([
      ['a-east', 'ALARM', since.getTime(), false],
      ['b-east', 'ALARM', since.getTime(), false],
      ['c-west', 'OK', since.getTime(), false],
    ]);
    const calls = cw.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls.every((i) => i.AlarmTypes?.join() === 'MetricAlarm')).toBe(true);
  });

  it('marks an alarm CloudWatch does not have as missing, not unreadable', async () => {
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });

    const [r] = await reader.read([trigger('typo', 'us-east-1')]);

    expect(r).toMatchObject({ state: null, missing: true });
    expect(errors).toEqual([]);
  });

  it('gives null states for a throttled region only, and reports the error by region', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).callsFake(async (input: { AlarmNames?: string[] }) => {
      if (input.AlarmNames?.includes('c-west')) {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      return { MetricAlarms: [{ AlarmName: 'a-east', StateValue: 'ALARM' }] };
    });
    // Act
    const readings = await reader.read([trigger('a-east', 'us-east-1'), trigger('c-west', 'us-west-2')]);
    // Assess
    expect(readings.map((r) => [r.state, r.missing])).toEqual([
      ['ALARM', false],
      [null, false],
    ]);
    expect(errors).toEqual(['us-west-2: ThrottlingException']);
  });

  it('gives up on a region that does not answer within the budget', async () => {
    // Prepare: a client that hangs (the mock ignores the abort signal): the reader's own deadline holds.
    cw.on(DescribeAlarmsCommand).callsFake(
      () => new Promise((resolve) => setTimeout(() => resolve({ MetricAlarms: [] }), 5000).unref()),
    );
    const started = Date.now();
    // Act
    const [r] = await Promise.race([
      reader.read([trigger('a-east', 'us-east-1')]),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('reader ignored its budget')), 2000).unref(),
      ),
    ]);
    // Assess
    expect(r?.state).toBeNull();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
