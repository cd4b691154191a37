import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ContinuityConfig } from '../../config/schema.js';
import { failoverTriggers, regionsWithTriggers } from '../../functions/routing/quorum/triggers.js';
import { DIMENSIONS, QUORUM_METRICS } from '../../functions/routing/quorum-metrics.js';
import { ALARM_DETAIL_TYPE, ALARM_SOURCE } from '../../functions/shared/event-schemas.js';
import { controlKeys } from '../../functions/shared/keys.js';
import { alarmNames, EVENT_SOURCE, tableNames } from '../../functions/shared/names.js';
import { lambdaEnvironment } from '../../functions/shared/runtime-config.js';
import { ContinuityFunction, METRICS_NAMESPACE } from './continuity-function.js';
import { DeadLetterQueue, deadLettersAlarmName } from './dead-letter-queue.js';
import { allowItems, grantPutEvents, keyFamily } from './grants.js';
import { QuorumDashboard } from './quorum-dashboard.js';

/**
 * Name of the alarm on quorum in `region` not being able to read the failover triggers about `about`.
 *
 * @example
 * triggerUnreadableAlarmName('dev', 'us-west-2', 'us-east-1') // 'continuity-dev-triggers-unreadable-us-west-2-us-east-1'
 */
export function triggerUnreadableAlarmName(env: string, about: string, region: string): string {
  return `continuity-${env}-triggers-unreadable-${about}-${region}`;
}

/**
 * What the quorum function does on ControlState (quorum-service.ts through control-store.ts), by item
 * family; nothing else. It never deletes: clearing an override is the operator CLI's (human credentials).
 * - GetItem: a vote (VOTE#), lag samples (LAG#), overrides (OVERRIDE#), the decision (ROTATION)
 * - Query: the votes about a region (VOTE#); the rotation history is the operator CLI's (status, explain)
 * - PutItem: a vote, lag samples, the decision and a history item (VOTE#, LAG#, ROTATION)
 * - UpdateItem: the decision's pending announcements (ROTATION)
 */
const QUORUM_GRANTS: readonly { actions: readonly string[]; keys: readonly string[] }[] = (() => {
  const votes = keyFamily(controlKeys.votesAbout('r').pk);
  const lag = keyFamily(controlKeys.lag('r').pk);
  const overrides = keyFamily(controlKeys.override('r').pk);
  const rotation = controlKeys.rotation().pk;
  return [
    { actions: ['dynamodb:GetItem'], keys: [votes, lag, overrides, rotation] },
    { actions: ['dynamodb:Query'], keys: [votes] },
    { actions: ['dynamodb:PutItem'], keys: [votes, lag, rotation] },
    { actions: ['dynamodb:UpdateItem'], keys: [rotation] },
  ];
})();

export interface QuorumProps {
  readonly config: ContinuityConfig;
  /** This region's continuity bus: quorum consumes votes and lag events from it and publishes on it. */
  readonly bus: events.IEventBus;
  /**
   * Attempts EventBridge makes to invoke the function before the event goes to the DLQ.
   * @default - 8
   */
  readonly retryAttempts?: number;
}

/**
 * Quorum and self-fencing in one active region (DESIGN.md section 4): the quorum function, fed by the
 * region bus (votes, lag), the default bus (SIP-health alarm state changes) and a schedule, and the
 * health endpoint (a function URL Route 53 checks). Every asynchronous hop has a dead-letter queue:
 * EventBridge's delivery to the function and the function's own failed invocations.
 *
 * @example
 * const quorum = new Quorum(this, 'Quorum', { config, bus: this.bus.bus });
 * quorum.healthUrl.url; // for the Route 53 HTTPS health check
 */
export class Quorum extends Construct {
  public readonly function: ContinuityFunction;
  public readonly healthEndpoint: ContinuityFunction;
  public readonly healthUrl: lambda.FunctionUrl;
  /** Events EventBridge could not deliver and invocations that failed after Lambda's retries. */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly rules: readonly events.Rule[];
  public readonly dashboard: QuorumDashboard;
  /** One per region with failover triggers: quorum here could not read them for five minutes. */
  public readonly blindTriggerAlarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: QuorumProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const region = stack.region;
    const tableArn = stack.formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: tableNames(config.env).controlState,
    });
    const budgetMs = config.quorum.controlBudgetMs;

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetterQueue', {
      catches: 'the quorum rules and of the quorum function (failed async invocations)',
      alarmName: deadLettersAlarmName(config.env, Stack.of(this).region, 'quorum'),
    });

    this.function = new ContinuityFunction(this, 'Function', {
      entry: 'functions/routing/quorum-handler.ts',
      serviceName: 'quorum',
      description: `Quorum decisions for ${config.env} in ${region}`,
      // health: the monitors' measuring interval, which quorum's lag verdict counts samples in.
      environment: lambdaEnvironment(config, { sections: ['quorum', 'replication', 'health', 'failover'] }),
      timeout: Duration.seconds(30),
      // Failover decisions must run however busy the account is (a flood on a public surface).
      reservedConcurrentExecutions: config.concurrency.quorum,
    });
    for (const { actions, keys } of QUORUM_GRANTS) allowItems(this.function, actions, [tableArn], keys);
    // The trigger alarms' states, read on every evaluation (alarm-states.ts): these alarms, no others.
    const triggers = failoverTriggers(config.env, config.regions.active, config.failover);
    if (triggers.length > 0) {
      this.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['cloudwatch:DescribeAlarms'],
          resources: triggers.map((t) =>
            stack.formatArn({
              service: 'cloudwatch',
              region: t.alarmRegion,
              resource: 'alarm',
              resourceName: t.alarmName,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ),
        }),
      );
    }
    grantPutEvents(this.function, props.bus);
    this.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });

    const target = new targets.LambdaFunction(this.function, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: props.retryAttempts ?? 8,
      maxEventAge: Duration.hours(1),
    });
    const fromBus = new events.Rule(this, 'Inputs', {
      eventBus: props.bus,
      description: 'Votes and replication lag (both regions and the witness) to quorum',
      eventPattern: { source: [EVENT_SOURCE], detailType: ['RegionHealthVote', 'ReplicationLagMeasured'] },
      targets: [target],
    });
    // Alarms live on the default bus of their own region: this region's SIP-health alarm and the
    // trigger alarms that live here (the peer's quorum hears the others; both read all on each evaluation).
    const alarms = new events.Rule(this, 'Alarms', {
      description: 'SIP-health and failover trigger alarm state changes: immediate re-evaluation',
      eventPattern: {
        source: [ALARM_SOURCE],
        detailType: [ALARM_DETAIL_TYPE],
        detail: {
          alarmName: [
            alarmNames(config.env).sipHealth(region),
            ...triggers.filter((t) => t.alarmRegion === region).map((t) => t.alarmName),
          ],
        },
      },
      targets: [target],
    });
    const schedule = new events.Rule(this, 'Backstop', {
      description: 'Re-evaluates quorum when no event came (vote staleness, failback dwell)',
      schedule: events.Schedule.rate(Duration.minutes(config.quorum.evaluationScheduleMinutes)),
      targets: [target],
    });
    this.rules = [fromBus, alarms, schedule];

    this.healthEndpoint = new ContinuityFunction(this, 'HealthEndpoint', {
      entry: 'functions/routing/health-endpoint.ts',
      serviceName: 'health-endpoint',
      description: `Route 53 health endpoint of ${region}: 200 only in rotation and with ControlState quorum`,
      environment: lambdaEnvironment(config, { sections: ['quorum'] }),
      // The budget bounds the one read; the timeout only catches a cold start gone wrong.
      timeout: Duration.millis(Math.max(3000, budgetMs * 3)),
      // A public URL: a flood gets 429 past this cap instead of the account's whole concurrency.
      reservedConcurrentExecutions: config.concurrency.healthEndpoint,
    });
    // It reads the decision item and nothing else.
    allowItems(this.healthEndpoint, ['dynamodb:GetItem'], [tableArn], [controlKeys.rotation().pk]);
    // Route 53 health checkers cannot sign requests. The answer is {region, inRotation, reason} and
    // the function can only read the ControlState table, so an anonymous caller learns nothing more.
    this.healthUrl = this.healthEndpoint.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    this.dashboard = new QuorumDashboard(this, 'Dashboard', { config });
    this.blindTriggerAlarms = this.createBlindTriggerAlarms(config, region, triggers);
  }

  /**
   * One alarm per region that has triggers: quorum here has not been able to read one of them (or it does
   * not exist) at any evaluation for five minutes. Meanwhile that trigger cannot take the region out,
   * and nothing else would tell anyone; a single failed read (a throttled DescribeAlarms) is not worth a page.
   */
  private createBlindTriggerAlarms(
    config: ContinuityConfig,
    region: string,
    triggers: readonly { readonly region: string }[],
  ): cloudwatch.Alarm[] {
    return regionsWithTriggers(config.regions.active, triggers).map(
      (r) =>
        new cloudwatch.Alarm(this, `TriggersUnreadable-${r}`, {
          alarmName: triggerUnreadableAlarmName(config.env, r, region),
          alarmDescription:
            `Quorum in ${region} could not read a failover trigger alarm about ${r} (or it does not exist) for ` +
            "five minutes: that trigger cannot take the region out. Quorum's warning log names the alarm and the error; " +
            '`npx cc-continuity explain` shows it.',
          metric: new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName: QUORUM_METRICS.triggerUnreadable,
            dimensionsMap: { service: this.function.serviceName, [DIMENSIONS.region]: r },
            statistic: cloudwatch.Stats.MINIMUM,
            period: Duration.minutes(1),
          }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 5,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );
  }
}
