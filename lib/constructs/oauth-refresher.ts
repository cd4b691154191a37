import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ContinuityConfig } from '../../config/schema.js';
import { METRIC, refreshLeaseName } from '../../functions/oauth/refresher.js';
import { controlKeys } from '../../functions/shared/keys.js';
import { EVENT_SOURCE, secretNames, tableNames } from '../../functions/shared/names.js';
import { lambdaEnvironment } from '../../functions/shared/runtime-config.js';
import { ContinuityFunction, METRICS_NAMESPACE } from './continuity-function.js';
import { DeadLetterQueue, deadLettersAlarmName } from './dead-letter-queue.js';
import { allowItems, grantPutEvents } from './grants.js';
import { platformClientSecretName } from './platform-secrets.js';
import { secretFallbackAlarm } from './secret-fallback-alarm.js';

/** Detail-type of the event a platform caller puts on a 401 (functions/oauth/platform-client.ts). */
export const PLATFORM_TOKEN_REJECTED = 'PlatformTokenRejected';

/**
 * The ControlState partition keys the refresher touches for one org: the org's token item and its
 * refresh lease (`oauth-<org>`, functions/oauth/refresher.ts). Exact keys, not `PLATFORMTOKEN#*`: the
 * orgs are known at synth, so the role cannot reach an item of an org the config does not name.
 */
export function oauthItemKeys(org: string): readonly string[] {
  return [controlKeys.platformToken(org).pk, controlKeys.lease(refreshLeaseName(org)).pk];
}

/**
 * Name of the alarm on an org's client credentials being refused by its token endpoint.
 *
 * @example
 * platformCredentialsAlarmName('dev', 'us-east-1', 'east') // 'continuity-dev-platform-credentials-east-us-east-1'
 */
export function platformCredentialsAlarmName(env: string, region: string, org: string): string {
  return `continuity-${env}-platform-credentials-${org}-${region}`;
}

export interface OauthRefresherProps {
  readonly config: ContinuityConfig;
  /** This region's continuity bus: rejections (from either region, forwarded) come in, refreshes go out. */
  readonly bus: events.IEventBus;
  /**
   * Attempts EventBridge makes to invoke the function before the event goes to the DLQ.
   * @default - 4
   */
  readonly retryAttempts?: number;
}

/**
 * The platform token refresher of one active region (DESIGN.md section 6): every minute, and at once on
 * `PlatformTokenRejected` from either region, it refreshes each org's token that is missing, rejected
 * or near expiry, holding the org's lease in ControlState so only one region refreshes an org at a time.
 *
 * Its role reads exactly the org credentials secrets and the platform token key, and touches exactly
 * the token and lease items of the configured orgs.
 *
 * @example
 * new OauthRefresher(this, 'OauthRefresher', { config, bus: this.bus.bus });
 */
export class OauthRefresher extends Construct {
  public readonly function: ContinuityFunction;
  /** Events EventBridge could not deliver and invocations that failed after Lambda's retries. */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly rules: readonly events.Rule[];
  /** One per org: its token endpoint refuses the client credentials (a new secret is needed). */
  public readonly credentialsAlarms: readonly cloudwatch.Alarm[];
  /** It used a last good token key because the current one does not parse or cannot be read. */
  public readonly secretFallbackAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: OauthRefresherProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const region = stack.region;
    const orgs = config.platform.orgs;

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetterQueue', {
      catches: 'the token refresher rules and of the refresher function (failed async invocations)',
      alarmName: deadLettersAlarmName(config.env, Stack.of(this).region, 'oauth'),
    });
    this.function = new ContinuityFunction(this, 'Function', {
      entry: 'functions/oauth/handler.ts',
      serviceName: 'oauth',
      description: `Platform OAuth token refresher for ${config.env} in ${region}`,
      environment: lambdaEnvironment(config, { sections: ['platform'] }),
      // A run asks each org's token endpoint at most once, with its own request timeout; this bounds a
      // run stuck behind slow endpoints so it ends before the next scheduled one begins.
      timeout: Duration.seconds(60),
      // No reserved concurrency: a run is a few reads when no token is due, overlapping runs (schedule,
      // rejections, retries, the other region) are made harmless by the per-org lease, and a throttled
      // run is retried by EventBridge and replaced by the next minute's. Nothing here must outlast a
      // flood the way the failover path must.
    });

    const tableArn = stack.formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: tableNames(config.env).controlState,
    });
    allowItems(
      this.function,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      [tableArn],
      orgs.flatMap((org) => oauthItemKeys(org.name)),
    );
    const secret = (sid: string, name: string) => secretsmanager.Secret.fromSecretNameV2(this, sid, name);
    for (const org of orgs) {
      secret(`ClientSecret-${org.name}`, platformClientSecretName(config.env, org)).grantRead(this.function);
    }
    secret('TokenKeySecret', secretNames(config.env).platformTokenKey).grantRead(this.function);
    grantPutEvents(this.function, props.bus);

    this.function.configureAsyncInvoke({
      retryAttempts: 2,
      // A refresh older than this is overtaken by the schedule; the DLQ keeps it for the record.
      maxEventAge: Duration.minutes(15),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
    const target = new targets.LambdaFunction(this.function, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: props.retryAttempts ?? 4,
      maxEventAge: Duration.minutes(15),
    });
    const schedule = new events.Rule(this, 'Schedule', {
      description: 'Refreshes platform tokens ahead of expiry',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [target],
    });
    const rejected = new events.Rule(this, 'Rejections', {
      eventBus: props.bus,
      description: 'A platform call got 401 (either region): replace that org token now',
      eventPattern: { source: [EVENT_SOURCE], detailType: [PLATFORM_TOKEN_REJECTED] },
      targets: [target],
    });
    this.rules = [schedule, rejected];

    this.credentialsAlarms = orgs.map(
      (org) =>
        new cloudwatch.Alarm(this, `CredentialsAlarm-${org.name}`, {
          alarmName: platformCredentialsAlarmName(config.env, region, org.name),
          alarmDescription:
            `The token endpoint of platform org ${org.name} refuses its client credentials (400/401); the ` +
            `refresher stops asking until the secret ${platformClientSecretName(config.env, org)} has a new ` +
            'value. Put valid credentials in (README "Platform OAuth").',
          metric: new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName: METRIC.credentialsRejected,
            dimensionsMap: { service: this.function.serviceName, Org: org.name },
            statistic: cloudwatch.Stats.SUM,
            period: Duration.minutes(5),
          }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );
    this.secretFallbackAlarm = secretFallbackAlarm(this, this.function, config.env);
  }
}
