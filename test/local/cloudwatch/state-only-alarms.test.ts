import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../functions/shared/events.js';
import {
  type AlarmSpec,
  alarmStateChangeEvent,
  LocalAlarms,
  serviceAlarmNames,
} from '../../../local/cloudwatch/alarms.js';
import type { MetricDatapoint } from '../../../local/cloudwatch/emf.js';

/** Alarms whose state only setState changes (a user's trigger alarms), beside evaluated ones. */

const R = 'us-east-1';
/** A whole minute: the 10 s grid starts here. */
const T = 60_000 * 28_333_334;
const LAG_PROPERTIES = {
  AlarmName: `continuity-dev-replication-lag-${R}`,
  ComparisonOperator: 'GreaterThanThreshold',
  Dimensions: [{ Name: 'Observer', Value: R }],
  EvaluationPeriods: 2,
  MetricName: 'ReplicationLag',
  Namespace: 'CcContinuity',
  Period: 10,
  Statistic: 'Maximum',
  Threshold: 200,
};
const sip: AlarmSpec = {
  logicalId: 'SipHealth',
  alarmName: `continuity-dev-sip-health-${R}`,
  region: R,
  namespace: 'CcContinuity',
  metricName: 'SipHealthyTargets',
  dimensions: { Observer: R, TargetRegion: R },
  periodSeconds: 10,
  evaluationPeriods: 2,
  datapointsToAlarm: 2,
  statistic: 'Minimum',
  threshold: 1,
  comparisonOperator: 'LessThanThreshold',
  treatMissingData: 'breaching',
};

/** One datapoint of `sip` per second over [fromMs, toMs). */
const everySecond = (fromMs: number, toMs: number, value: number): MetricDatapoint[] =>
  Array.from({ length: (toMs - fromMs) / 1000 }, (_, i) => ({
    namespace: sip.namespace,
    metricName: sip.metricName,
    dimensions: { ...sip.dimensions },
    timestamp: fromMs + i * 1000,
    value,
  }));

describe('serviceAlarmNames', () => {
  it('names the alarms on AWS service metrics that have a literal name, and no other', () => {
    // Prepare
    const on = (Namespace: string, AlarmName?: string) => ({
      Type: 'AWS::CloudWatch::Alarm',
      Properties: { ...LAG_PROPERTIES, Namespace, AlarmName },
    });
    const template = {
      Resources: {
        Lag: { Type: 'AWS::CloudWatch::Alarm', Properties: LAG_PROPERTIES },
        Latency: on('AWS/DynamoDB', 'continuity-dev-ddb-replication-latency-us-east-1'),
        Generated: on('AWS/SQS'),
      },
    };

    // Act
    const names = serviceAlarmNames(template);

    // Assess
    expect(names).toEqual(['continuity-dev-ddb-replication-latency-us-east-1']);
  });
});

describe('LocalAlarms with state-only alarms', () => {
  const SBC = 'sbc-errors-us-east-1';

  it('defines an external alarm in OK, once per name and region, beside the template alarms', () => {
    // Prepare
    const alarms = new LocalAlarms([sip], { now: () => T });

    // Act
    const added = alarms.defineExternal(SBC, R);
    const again = alarms.defineExternal(SBC, R, 'CompositeAlarm');
    const template = alarms.defineExternal(sip.alarmName, R);
    const elsewhere = alarms.defineExternal(SBC, 'us-west-2', 'CompositeAlarm');

    // Assess
    expect([added, again, template, elsewhere]).toEqual([true, false, false, true]);
    expect(alarms.describe(R)).toEqual([
      {
        alarmName: sip.alarmName,
        region: R,
        type: 'MetricAlarm',
        state: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        updatedAt: T,
        spec: sip,
      },
      {
        alarmName: SBC,
        region: R,
        type: 'MetricAlarm',
        state: 'OK',
        reason: 'Unchecked: defined outside the local deployment',
        updatedAt: T,
      },
    ]);
    expect(alarms.describe('us-west-2')).toMatchObject([{ alarmName: SBC, type: 'CompositeAlarm' }]);
  });

  it('sets a state as SetAlarmState does: recorded with its reason and time, and reported', () => {
    // Prepare
    const alarms = new LocalAlarms([], { now: () => T });
    alarms.defineExternal(SBC, R);
    const seen: unknown[] = [];
    alarms.onChange((c) => seen.push(c));

    // Act
    const change = alarms.setState(SBC, R, 'ALARM', 'SBC 5xx over 5 %', T + 7_000);

    // Assess
    const expected = {
      alarmName: SBC,
      region: R,
      previous: 'OK',
      state: 'ALARM',
      reason: 'SBC 5xx over 5 %',
      at: T + 7_000,
      previousReason: 'Unchecked: defined outside the local deployment',
      previousAt: T,
    };
    expect(change).toEqual(expected);
    expect(seen).toEqual([expected]);
    expect(alarms.describe(R)).toMatchObject([
      { state: 'ALARM', reason: 'SBC 5xx over 5 %', updatedAt: T + 7_000 },
    ]);
    if (change === undefined) throw new Error('expected a change');
    expect(parseEvent(alarmStateChangeEvent(change), ['AlarmStateChange'])).toMatchObject({
      detail: { alarmName: SBC, state: { value: 'ALARM' }, previousState: { value: 'OK' } },
    });
  });

  it('takes only the new reason when the state is the same: no change, no report, same time', () => {
    // Prepare
    const alarms = new LocalAlarms([], { now: () => T });
    alarms.defineExternal(SBC, R);
    const seen: unknown[] = [];
    alarms.onChange((c) => seen.push(c));

    // Act
    const change = alarms.setState(SBC, R, 'OK', 'still fine', T + 5_000);

    // Assess
    expect(change).toBeUndefined();
    expect(seen).toEqual([]);
    expect(alarms.describe(R)).toMatchObject([{ state: 'OK', reason: 'still fine', updatedAt: T }]);
  });

  it('lets the next evaluation of a template alarm override a state set by hand, as CloudWatch does', () => {
    // Prepare
    const alarms = new LocalAlarms([sip], { now: () => T });
    alarms.ingest(everySecond(T, T + 20_000, 2));
    alarms.evaluate(T + 10_000);
    alarms.setState(sip.alarmName, R, 'ALARM', 'testing the alarm action', T + 12_000);
    const set = alarms.state(sip.alarmName, R);

    // Act
    const [change] = alarms.evaluate(T + 20_000);

    // Assess
    expect(set).toBe('ALARM');
    expect(change).toMatchObject({ previous: 'ALARM', state: 'OK', previousAt: T + 12_000, at: T + 20_000 });
  });

  it('never evaluates an external alarm: its state stays what was set', () => {
    // Prepare
    const alarms = new LocalAlarms([sip], { now: () => T });
    alarms.defineExternal(SBC, R);
    alarms.setState(SBC, R, 'ALARM', 'set');

    // Act
    alarms.evaluate(T + 600_000);

    // Assess
    expect(alarms.state(SBC, R)).toBe('ALARM');
    expect(() => alarms.openPeriodClean(SBC, R)).toThrow(/has no metric here/);
  });

  it('rejects a state for an alarm it does not have', () => {
    // Prepare
    const alarms = new LocalAlarms([], { now: () => T });
    alarms.defineExternal(SBC, R);

    // Act
    const act = () => alarms.setState(SBC, 'us-west-2', 'ALARM', 'x');

    // Assess
    expect(act).toThrow(`local alarms: no alarm ${SBC} in us-west-2`);
  });
});
