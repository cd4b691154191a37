import { AwsServiceError, type JsonService, startJsonService } from '../aws/json-service.js';
import type { AlarmDescription, AlarmType, LocalAlarms } from './alarms.js';

/**
 * CloudWatch's DescribeAlarms on loopback, over the alarms of a {@link LocalAlarms}, for the functions'
 * own CloudWatch clients (`CLOUDWATCH_ENDPOINT`). The SDK v3 client speaks AWS JSON 1.0 with the target
 * prefix `GraniteServiceVersion20100801` (@aws-sdk/client-cloudwatch's protocolSettings); timestamps
 * travel as epoch seconds. The region is the one the caller signed for, as each region's CloudWatch
 * holds its own alarms.
 *
 * Served like CloudWatch: `AlarmNames` (at most 100; a name it does not have is simply absent),
 * `AlarmNamePrefix`, `AlarmTypes` (metric alarms only when left out), `StateValue`, `ActionPrefix`
 * (no local alarm has actions), `MaxRecords` and `NextToken`. Refused: `ChildrenOfAlarmName` and
 * `ParentsOfAlarmName` (there is no composite alarm rule here to follow).
 */

const TARGET_PREFIX = 'GraniteServiceVersion20100801';
const ALARM_TYPES: readonly AlarmType[] = ['MetricAlarm', 'CompositeAlarm'];
const STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
const MAX_NAMES = 100;
const DEFAULT_RECORDS = 50;

const invalid = (message: string) => new AwsServiceError('InvalidParameterValueException', message);

function strings(input: Record<string, unknown>, key: string): string[] | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw invalid(`${key} must be a list of strings`);
  return value as string[];
}

function text(input: Record<string, unknown>, key: string): string | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`${key} must be a string`);
  return value;
}

/** One alarm in the JSON shape of `MetricAlarm` / `CompositeAlarm`. */
function wire(alarm: AlarmDescription, account: string): Record<string, unknown> {
  const seconds = alarm.updatedAt / 1000;
  const common = {
    AlarmName: alarm.alarmName,
    AlarmArn: `arn:aws:cloudwatch:${alarm.region}:${account}:alarm:${alarm.alarmName}`,
    ActionsEnabled: false,
    AlarmActions: [],
    OKActions: [],
    InsufficientDataActions: [],
    StateValue: alarm.state,
    StateReason: alarm.reason,
    StateUpdatedTimestamp: seconds,
    StateTransitionedTimestamp: seconds,
  };
  const spec = alarm.spec;
  if (spec === undefined) return common;
  return {
    ...common,
    Namespace: spec.namespace,
    MetricName: spec.metricName,
    Dimensions: Object.entries(spec.dimensions).map(([Name, Value]) => ({ Name, Value })),
    Statistic: spec.statistic,
    Period: spec.periodSeconds,
    EvaluationPeriods: spec.evaluationPeriods,
    DatapointsToAlarm: spec.datapointsToAlarm,
    Threshold: spec.threshold,
    ComparisonOperator: spec.comparisonOperator,
    TreatMissingData: spec.treatMissingData,
  };
}

/** DescribeAlarms of `region` over `alarms`, as CloudWatch answers it. */
export function describeAlarms(
  alarms: Pick<LocalAlarms, 'describe'>,
  input: Record<string, unknown>,
  region: string,
  account = '000000000000',
): Record<string, unknown> {
  const names = strings(input, 'AlarmNames');
  const prefix = text(input, 'AlarmNamePrefix');
  const types = strings(input, 'AlarmTypes') ?? ['MetricAlarm'];
  const state = text(input, 'StateValue');
  const actionPrefix = text(input, 'ActionPrefix');
  const token = text(input, 'NextToken');
  const max = input.MaxRecords ?? DEFAULT_RECORDS;
  if (input.ChildrenOfAlarmName !== undefined || input.ParentsOfAlarmName !== undefined)
    throw invalid('ChildrenOfAlarmName and ParentsOfAlarmName are not served locally');
  if (names !== undefined && prefix !== undefined)
    throw new AwsServiceError(
      'InvalidParameterCombinationException',
      'AlarmNames and AlarmNamePrefix cannot be specified together',
    );
  if (names !== undefined && names.length > MAX_NAMES)
    throw invalid(`AlarmNames has ${names.length} names; at most ${MAX_NAMES}`);
  const unknownType = types.find((t) => !ALARM_TYPES.includes(t as AlarmType));
  if (unknownType !== undefined)
    throw invalid(`AlarmTypes: ${unknownType} is not MetricAlarm or CompositeAlarm`);
  if (state !== undefined && !STATES.includes(state))
    throw invalid(`StateValue must be one of ${STATES.join(', ')}`);
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 100)
    throw invalid('MaxRecords must be an integer from 1 to 100');
  const offset = token === undefined ? 0 : Number(token);
  if (!Number.isInteger(offset) || offset < 0)
    throw new AwsServiceError('InvalidNextToken', 'The service could not decode the NextToken');

  const matching = alarms.describe(region).filter(
    (a) =>
      types.includes(a.type) &&
      (names === undefined || names.includes(a.alarmName)) &&
      (prefix === undefined || a.alarmName.startsWith(prefix)) &&
      (state === undefined || a.state === state) &&
      // No local alarm has actions: a filter on them matches nothing.
      actionPrefix === undefined,
  );
  const page = matching.slice(offset, offset + max);
  const next = offset + max < matching.length ? { NextToken: String(offset + max) } : {};
  return {
    MetricAlarms: page.filter((a) => a.type === 'MetricAlarm').map((a) => wire(a, account)),
    CompositeAlarms: page.filter((a) => a.type === 'CompositeAlarm').map((a) => wire(a, account)),
    ...next,
  };
}

/**
 * @example
 * const cloudWatch = await startLocalCloudWatch(alarms);
 * new CloudWatchClient({ region: 'us-east-1', endpoint: cloudWatch.endpoint });
 */
export function startLocalCloudWatch(alarms: Pick<LocalAlarms, 'describe'>): Promise<JsonService> {
  return startJsonService(
    TARGET_PREFIX,
    { DescribeAlarms: (input, region) => describeAlarms(alarms, input, region) },
    { jsonVersion: '1.0' },
  );
}
