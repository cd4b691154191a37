import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ContinuityConfig } from '../../config/schema.js';
import { RECONCILE_METRICS } from '../../functions/routing/capacity/metrics.js';
import { CAPACITY_TOPICS } from '../../functions/routing/capacity/partner-events.js';
import { PLATFORM_SOURCE_PREFIX } from '../../functions/shared/event-schemas.js';
import { controlKeys } from '../../functions/shared/keys.js';
import { secretNames, tableNames } from '../../functions/shared/names.js';
import { lambdaEnvironment } from '../../functions/shared/runtime-config.js';
import { ContinuityFunction, METRICS_NAMESPACE } from './continuity-function.js';
import { DeadLetterQueue, deadLettersAlarmName } from './dead-letter-queue.js';
import { allowItems, grantPutEvents } from './grants.js';
import { oauthItemKeys } from './oauth-refresher.js';
import { platformClientSecretName } from './platform-secrets.js';
import { secretFallbackAlarm } from './secret-fallback-alarm.js';

/**
 * `detail.topicName` prefixes of the capacity topics: each template up to its first `{id}`. A prefix, not
 * EventBridge's `wildcard`, because the local bus the drill and tests use matches `prefix` only; the
 * integration's topic filter names exactly the three topics, and another topic under a prefix that
 * arrives anyway is counted (CapacityEventDropped) and dropped by ingest.
 */
export const CAPACITY_TOPIC_PREFIXES: readonly string[] = [
  ...new Set(Object.values(CAPACITY_TOPICS).map((t) => t.slice(0, t.indexOf('{id}')))),
];

/**
 * Names of the capacity alarms of one region.
 *
 * @example
 * capacityAlarmNames('dev', 'us-east-1').deadLetters // 'continuity-dev-dead-letters-capacity-us-east-1'
 */
export function capacityAlarmNames(env: string, region: string) {
  return {
    deadLetters: deadLettersAlarmName(env, region, 'capacity'),
    reconcileFailing: `continuity-${env}-capacity-reconcile-failing-${region}`,
    reconcileErrors: `continuity-${env}-capacity-reconcile-errors-${region}`,
  } as const;
}

export interface CapacityProps {
  readonly config: ContinuityConfig;
  /** This region's continuity bus: reconciliation's platformClient announces a 401 on it. */
  readonly bus: events.IEventBus;
  /**
   * Attempts EventBridge makes to invoke a function before the event goes to the DLQ.
   * @default - 4
   */
  readonly retryAttempts?: number;
}

/**
 * Capacity snapshots of one active region (README "Region-agnostic routing", Capacity):
 * - the ingest function; when the org whose callers this region takes names its `eventSourceName`, the
 *   partner event bus of that name (associating the platform's partner event source) and a rule on it
 *   for the three capacity topics. Without one there is no bus and no rule, and capacity comes from
 *   reconciliation alone.
 * - the reconcile function, on a schedule every `routing.reconcileSeconds` rounded up to whole minutes.
 *
 * Each role touches only its region's capacity items (`CAPACITY#<region>#*`, `AGENT#<region>#*`); the
 * reconciliation also reads the directory and, to call the platform, the token items, client secrets and
 * token key of its region's orgs. Malformed events end in the DLQ with the error that names the problem.
 *
 * @example
 * const capacity = new Capacity(this, 'Capacity', { config, bus: this.bus.bus });
 */
export class Capacity extends Construct {
  public readonly ingestFunction: ContinuityFunction;
  public readonly reconcileFunction: ContinuityFunction;
  /** Events EventBridge could not deliver and invocations that failed after Lambda's retries. */
  public readonly deadLetterQueue: DeadLetterQueue;
  /** The partner event bus, when the region's org names an event source. */
  public readonly partnerBus?: events.EventBus;
  /** The rule routing the capacity topics from the partner bus to the ingest function. */
  public readonly partnerRule?: events.Rule;
  public readonly schedule: events.Rule;
  public readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: CapacityProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const region = stack.region;
    if (Token.isUnresolved(region)) {
      throw new Error(
        'Capacity needs a stack with a concrete region (env.region): its org is chosen by region',
      );
    }
    const orgs = config.platform.orgs.filter((o) => o.region === region);
    const source = orgs.find((o) => o.eventSourceName !== undefined)?.eventSourceName;
    const tableArn = stack.formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: tableNames(config.env).controlState,
    });
    const regionKeys = [
      `${controlKeys.capacityOf(region, 'q').pk.slice(0, -1)}*`,
      `${controlKeys.capacityAgent(region, 'u').pk.slice(0, -1)}*`,
    ];
    const retryAttempts = props.retryAttempts ?? 4;

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetterQueue', {
      catches:
        'the capacity rules and of the capacity functions (failed async invocations, malformed events)',
      handling: 'operators read the error message kept with each failed event, fix the cause and replay it',
      alarmName: capacityAlarmNames(config.env, Stack.of(this).region).deadLetters,
      alarmDescription:
        'Capacity events or runs failed after their retries: a malformed platform event, or ControlState out of ' +
        'reach. Each DLQ message carries the error; fix the cause and replay (README "Region-agnostic routing").',
    });

    this.ingestFunction = new ContinuityFunction(this, 'Ingest', {
      entry: 'functions/routing/capacity/ingest-handler.ts',
      serviceName: 'capacity-ingest',
      description: `Capacity ingest of platform partner events for ${config.env} in ${region}`,
      environment: lambdaEnvironment(config, { sections: ['quorum'] }),
      // A few budgeted writes per event, each retried for a while under throttling.
      timeout: Duration.seconds(30),
    });
    allowItems(this.ingestFunction, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [tableArn], regionKeys);
    this.ingestFunction.configureAsyncInvoke({
      retryAttempts: 2,
      // An older capacity fact is overtaken anyway; the DLQ keeps it with its error for the record.
      maxEventAge: Duration.hours(1),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });

    if (source !== undefined) {
      // The bus of the partner source's name associates the source (EventBridge names it after it).
      this.partnerBus = new events.EventBus(this, 'PartnerBus', { eventSourceName: source });
      this.partnerRule = new events.Rule(this, 'PartnerEvents', {
        eventBus: this.partnerBus,
        description: 'Platform queue membership, routing status and presence events to capacity ingest',
        eventPattern: {
          source: events.Match.prefix(PLATFORM_SOURCE_PREFIX),
          detail: { topicName: CAPACITY_TOPIC_PREFIXES.map((prefix) => ({ prefix })) },
        },
        targets: [
          new targets.LambdaFunction(this.ingestFunction, {
            deadLetterQueue: this.deadLetterQueue,
            retryAttempts,
            maxEventAge: Duration.hours(1),
          }),
        ],
      });
    }

    // EventBridge schedules run at most once a minute: a reconcileSeconds under or between whole minutes
    // becomes the next whole minute.
    const minutes = Math.ceil(config.routing.reconcileSeconds / 60);
    this.reconcileFunction = new ContinuityFunction(this, 'Reconcile', {
      entry: 'functions/routing/capacity/reconcile-handler.ts',
      serviceName: 'capacity-reconcile',
      description: `Capacity reconciliation with the platform for ${config.env} in ${region}`,
      environment: lambdaEnvironment(config, { sections: ['quorum', 'routing', 'platform'] }),
      // Ends before the next scheduled run starts (overlapping runs would still be safe: every write is
      // newer-wins), and within the 5 minutes a run of many queues needs at most.
      timeout: Duration.seconds(Math.min(minutes * 60, 300)),
    });
    allowItems(
      this.reconcileFunction,
      ['dynamodb:Query'],
      [tableArn],
      [controlKeys.directory().pk, regionKeys[0] as string],
    );
    allowItems(this.reconcileFunction, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [tableArn], regionKeys);
    if (orgs.length > 0) {
      // Calling the platform: platformClient's token source refreshes a missing or rejected token itself.
      allowItems(
        this.reconcileFunction,
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        [tableArn],
        orgs.flatMap((org) => oauthItemKeys(org.name)),
      );
    }
    const secret = (sid: string, name: string) => secretsmanager.Secret.fromSecretNameV2(this, sid, name);
    for (const org of orgs) {
      secret(`ClientSecret-${org.name}`, platformClientSecretName(config.env, org)).grantRead(
        this.reconcileFunction,
      );
    }
    secret('TokenKeySecret', secretNames(config.env).platformTokenKey).grantRead(this.reconcileFunction);
    grantPutEvents(this.reconcileFunction, props.bus);
    this.reconcileFunction.configureAsyncInvoke({
      // The next scheduled run replaces a failed one.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(minutes),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
    this.schedule = new events.Rule(this, 'Schedule', {
      description: `Reconciles capacity snapshots with the platform every ${minutes} minute(s)`,
      schedule: events.Schedule.rate(Duration.minutes(minutes)),
      targets: [
        new targets.LambdaFunction(this.reconcileFunction, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.minutes(minutes),
        }),
      ],
    });

    this.alarms = this.createAlarms(config.env, region, minutes);
  }

  private createAlarms(env: string, region: string, minutes: number): cloudwatch.Alarm[] {
    const names = capacityAlarmNames(env, region);
    const runs = Duration.minutes(minutes);
    const failing = new cloudwatch.Alarm(this, 'ReconcileFailingAlarm', {
      alarmName: names.reconcileFailing,
      alarmDescription:
        `Three reconciliations in a row in ${region} could not read a queue from the platform (see their ` +
        'warnings for the queue and the error): snapshots of it drift with missed events.',
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: RECONCILE_METRICS.failed,
        dimensionsMap: { service: this.reconcileFunction.serviceName },
        statistic: cloudwatch.Stats.SUM,
        period: runs,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const errors = new cloudwatch.Alarm(this, 'ReconcileErrorsAlarm', {
      alarmName: names.reconcileErrors,
      alarmDescription:
        `Three reconciliations in a row in ${region} failed as a whole (ControlState out of reach or the ` +
        'directory unreadable): no snapshot of the region is being repaired.',
      metric: this.reconcileFunction.metricErrors({ period: runs, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    return [
      this.deadLetterQueue.alarm,
      failing,
      errors,
      secretFallbackAlarm(this, this.reconcileFunction, env),
    ];
  }
}
