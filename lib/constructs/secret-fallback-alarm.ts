import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { SECRET_FALLBACK_METRIC } from '../../functions/shared/secrets.js';
import { type ContinuityFunction, METRICS_NAMESPACE } from './continuity-function.js';

/**
 * Name of the alarm on a function serving with a last good secret value, deterministic like
 * `alarmNames` (functions/shared/names.ts) so operators and runbooks can find it.
 *
 * @example
 * secretFallbackAlarmName('dev', 'us-east-1', 'context-get') // 'continuity-dev-secret-fallback-context-get-us-east-1'
 */
export function secretFallbackAlarmName(env: string, region: string, serviceName: string): string {
  return `continuity-${env}-secret-fallback-${serviceName}-${region}`;
}

/**
 * Alarms as soon as `fn` serves even one request with a last good secret value because the current
 * value does not parse or Secrets Manager could not be read (functions/shared/secrets.ts emits
 * {@link SECRET_FALLBACK_METRIC}, Count, dimension `service`). Requests still succeed meanwhile, so
 * the alarm is the only sign that a rotation went wrong; no data means no fallback, never a breach.
 *
 * @example
 * secretFallbackAlarm(this, this.getFunction, config.env);
 */
export function secretFallbackAlarm(scope: Construct, fn: ContinuityFunction, env: string): cloudwatch.Alarm {
  const region = Stack.of(fn).region;
  return new cloudwatch.Alarm(scope, `${fn.node.id}SecretFallbackAlarm`, {
    alarmName: secretFallbackAlarmName(env, region, fn.serviceName),
    alarmDescription: `${fn.serviceName} in ${region} serves with a last good secret value: a secret it reads does not parse or Secrets Manager is out of reach (see its warning log for which secret)`,
    metric: new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: SECRET_FALLBACK_METRIC,
      dimensionsMap: { service: fn.serviceName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(1),
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
