/**
 * The evaluation rule of a CloudWatch metric alarm: from the datapoints of its evaluation range to a state.
 * - https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html (text read at
 *   github.com/awsdocs/amazon-cloudwatch-user-guide doc_source/AlarmThatSendsEmail.md): one datapoint per
 *   Period; the N = EvaluationPeriods most recent are evaluated, M = DatapointsToAlarm of them (not
 *   necessarily consecutive) breaching means ALARM, else OK; a new alarm is INSUFFICIENT_DATA.
 * - https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html: missing
 *   data is `breaching`, `notBreaching`, `ignore` (keep the state) or `missing` (the default); CloudWatch
 *   reads an evaluation range longer than N: with N real datapoints in it the most recent N decide and
 *   the setting is unused; with fewer, missing ones are filled in (as few as possible) and every real one
 *   counts; none at all under `missing` is INSUFFICIENT_DATA. Its two tables are test cases in
 *   test/local/cloudwatch/alarms.test.ts.
 * - https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/cloudwatch/aws.sdk.kotlin.services.cloudwatch.model/-put-metric-alarm-request/treat-missing-data.html:
 *   alarms on `AWS/DynamoDB` metrics always ignore missing data.
 * Not modelled: the tables' `X - - - -` under `missing` (ALARM there, INSUFFICIENT_DATA here: the rule
 * behind it is not written down).
 */

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
type Values = readonly number[];
const sum = (v: Values) => v.reduce((a, b) => a + b, 0);
/** How the values logged in one period make its datapoint (`Statistic`). */
export const STATISTICS = {
  Minimum: (v: Values) => Math.min(...v),
  Maximum: (v: Values) => Math.max(...v),
  Average: (v: Values) => sum(v) / v.length,
  Sum: sum,
  SampleCount: (v: Values) => v.length,
} as const;
/** Whether a datapoint breaches the threshold (`ComparisonOperator`). */
export const OPERATORS = {
  GreaterThanThreshold: (v: number, t: number) => v > t,
  GreaterThanOrEqualToThreshold: (v: number, t: number) => v >= t,
  LessThanThreshold: (v: number, t: number) => v < t,
  LessThanOrEqualToThreshold: (v: number, t: number) => v <= t,
} as const;
export const TREATMENTS = ['breaching', 'notBreaching', 'ignore', 'missing'] as const;

/** The settings of an alarm that the rule reads. */
export interface EvaluationRule {
  readonly namespace: string;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparisonOperator: keyof typeof OPERATORS;
  readonly treatMissingData: (typeof TREATMENTS)[number];
}

/**
 * The documented M-of-N rule with missing data (see the top of this file).
 *
 * @param datapoints one per period of the evaluation range, oldest first; `undefined` for a period
 *   without data
 * @param current the alarm's state now, kept when missing data is ignored
 */
export function decide(
  spec: EvaluationRule,
  datapoints: readonly (number | undefined)[],
  current: AlarmStateValue,
): { state: AlarmStateValue; reason: string } {
  const n = spec.evaluationPeriods;
  const m = spec.datapointsToAlarm;
  const breaches = (v: number) => OPERATORS[spec.comparisonOperator](v, spec.threshold);
  const real = datapoints.filter((v): v is number => v !== undefined);
  // GreaterThanOrEqualToThreshold -> "greater than or equal to"
  const op = spec.comparisonOperator
    .replace(/Threshold$/, '')
    .replace(/\B([A-Z])/g, ' $1')
    .toLowerCase();
  const crossed = (values: readonly number[], breaching: number, note = '') => {
    const state: AlarmStateValue = breaching >= m ? 'ALARM' : 'OK';
    const verb = state === 'ALARM' ? 'were' : 'were not';
    const transition = state === 'ALARM' ? 'OK -> ALARM' : 'ALARM -> OK';
    return {
      state,
      reason: `Threshold Crossed: ${breaching} out of the last ${n} datapoints [${values.join(', ')}]${note} ${verb} ${op} the threshold (${spec.threshold}) (minimum ${m} datapoints for ${transition} transition).`,
    };
  };
  if (real.length >= n) {
    const recent = real.slice(-n);
    return crossed(recent, recent.filter(breaches).length);
  }
  const treatment = spec.namespace === 'AWS/DynamoDB' ? 'ignore' : spec.treatMissingData;
  const fill = n - real.length;
  const breaching = real.filter(breaches).length;
  if (treatment === 'breaching' || treatment === 'notBreaching') {
    const label = treatment === 'breaching' ? 'Breaching' : 'NonBreaching';
    const filled = label === 'Breaching' ? fill : 0;
    return crossed(real, breaching + filled, ` (${fill} missing datapoints were treated as [${label}])`);
  }
  if (breaching >= m) return crossed(real, breaching);
  // A real non-breaching datapoint settles it (the documentation's `0 - - - -` rows).
  if (real.length > breaching) return crossed(real, breaching);
  if (treatment === 'ignore') return { state: current, reason: '' };
  return { state: 'INSUFFICIENT_DATA', reason: `Insufficient Data: ${fill} datapoints were unknown.` };
}
