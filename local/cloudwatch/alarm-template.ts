/**
 * The alarms of a synthesized template: those LocalAlarms evaluates (`AWS::CloudWatch::Alarm` on one of
 * the functions' own EMF metrics, read into plain settings) and those it only names (AWS metrics).
 */
import { OPERATORS, STATISTICS, TREATMENTS } from './evaluation.js';

/** One `AWS::CloudWatch::Alarm` on a single metric, as the template declares it. */
export interface AlarmSpec {
  readonly logicalId: string;
  readonly alarmName: string;
  readonly region: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly statistic: keyof typeof STATISTICS;
  readonly threshold: number;
  readonly comparisonOperator: keyof typeof OPERATORS;
  readonly treatMissingData: (typeof TREATMENTS)[number];
}

type CfnResource = { readonly Type?: string; readonly Properties?: Record<string, unknown> };
type CfnTemplate = { readonly Resources?: Record<string, CfnResource> };

/**
 * Every `AWS::CloudWatch::Alarm` of a synthesized template on the functions' own metrics (EMF). Alarms
 * on AWS service metrics (`AWS/SQS` queue depth, `AWS/Lambda` errors: a namespace starting `AWS/`) are
 * left out: nothing local emits those metrics. Throws, naming the logical id, for an alarm of ours this
 * emulation cannot evaluate (metric math, percentiles, a value that is not a literal).
 *
 * @example
 * const specs = alarmsFromTemplate(assembly.getStackByName(name).template, 'us-east-1');
 */
export function alarmsFromTemplate(template: CfnTemplate, region: string): AlarmSpec[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
    .filter(([, r]) => !String(r.Properties?.Namespace ?? '').startsWith('AWS/'))
    .map(([logicalId, r]) => {
      const p = r.Properties ?? {};
      const fail = (what: string): never => {
        throw new Error(`local alarms: AWS::CloudWatch::Alarm ${logicalId}: ${what}`);
      };
      const text = (key: string) =>
        typeof p[key] === 'string' ? (p[key] as string) : fail(`${key} must be a literal string`);
      const num = (key: string) => {
        const n = typeof p[key] === 'string' || typeof p[key] === 'number' ? Number(p[key]) : Number.NaN;
        return Number.isFinite(n) ? n : fail(`${key} must be a literal number`);
      };
      if (p.Metrics !== undefined || p.ExtendedStatistic !== undefined)
        fail('metric math and percentiles are not supported');
      const pick = <T extends string>(key: string, allowed: readonly T[], fallback?: T): T => {
        const value = p[key] ?? fallback;
        return allowed.includes(value as T)
          ? (value as T)
          : fail(`${key} ${String(value)} is not one of ${allowed.join(', ')}`);
      };
      const dims = (p.Dimensions ?? []) as { Name?: unknown; Value?: unknown }[];
      if (dims.some((d) => typeof d.Name !== 'string' || typeof d.Value !== 'string'))
        fail('dimensions must be literal strings');
      const evaluationPeriods = num('EvaluationPeriods');
      return {
        logicalId,
        alarmName: text('AlarmName'),
        region,
        namespace: text('Namespace'),
        metricName: text('MetricName'),
        dimensions: Object.fromEntries(dims.map((d) => [d.Name, d.Value])) as Record<string, string>,
        periodSeconds: num('Period'),
        evaluationPeriods,
        datapointsToAlarm: p.DatapointsToAlarm === undefined ? evaluationPeriods : num('DatapointsToAlarm'),
        statistic: pick('Statistic', Object.keys(STATISTICS) as (keyof typeof STATISTICS)[]),
        threshold: num('Threshold'),
        comparisonOperator: pick('ComparisonOperator', Object.keys(OPERATORS) as (keyof typeof OPERATORS)[]),
        treatMissingData: pick('TreatMissingData', TREATMENTS, 'missing'),
      };
    });
}

/**
 * The names of a template's alarms on AWS service metrics (a namespace starting `AWS/`), which
 * {@link alarmsFromTemplate} leaves out: CloudWatch has them, so DescribeAlarms must list them (the
 * quorum reads the DynamoDB ReplicationLatency ones as backstop triggers), though nothing local can
 * evaluate them. An alarm whose name CloudFormation generates is left out: nothing can ask for it by name.
 *
 * @example
 * for (const name of serviceAlarmNames(template)) alarms.defineExternal(name, 'us-east-1');
 */
export function serviceAlarmNames(template: CfnTemplate): string[] {
  return Object.values(template.Resources ?? {})
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .filter((r) => String(r.Properties?.Namespace ?? '').startsWith('AWS/'))
    .map((r) => r.Properties?.AlarmName)
    .filter((name): name is string => typeof name === 'string');
}
