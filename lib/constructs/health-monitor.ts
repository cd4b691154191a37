import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ContinuityConfig } from '../../config/schema.js';
import { MONITOR_DIMENSIONS, MONITOR_METRICS, MONITOR_SERVICE } from '../../functions/health/metrics.js';
import { contextCacheKeys, controlKeys } from '../../functions/shared/keys.js';
import { alarmNames } from '../../functions/shared/names.js';
import { lambdaEnvironment } from '../../functions/shared/runtime-config.js';
import { ContinuityFunction, METRICS_NAMESPACE } from './continuity-function.js';
import { DeadLetterQueue, deadLettersAlarmName } from './dead-letter-queue.js';
import { allowItems, grantPutEvents } from './grants.js';

export interface HealthMonitorProps {
  readonly config: ContinuityConfig;
  /** Where the lease and counters live: ControlState in an active region, the witness table in the witness. */
  readonly leaseTable: dynamodb.ITable;
  /**
   * ContextCache in this region, for the replication heartbeats; give it in active regions only.
   * @default - no heartbeats, no lag measurement and no alarms (the witness monitor)
   */
  readonly contextCache?: dynamodb.ITable;
  /** This region's continuity bus: the monitor puts its events there. */
  readonly bus: events.IEventBus;
  /**
   * Lambda timeout. The loop runs until shortly before it, so it must exceed the one-minute schedule
   * for invocations to overlap and hand over.
   * @default - 70 seconds
   */
  readonly timeout?: Duration;
}

/**
 * The SIP health monitor of one region (DESIGN.md section 4): the function, an every-minute schedule
 * with a dead-letter queue, permissions for exactly its own items, and, in an active region, its alarms:
 * - `alarmNames(env).sipHealth(region)`: this region's own monitor sees fewer than `minHealthyTargets`
 *   targets of this region UP, or has stopped reporting (missing data breaches), at a 10 s period;
 * - `alarmNames(env).sipHealthStandard(region)`: the same over one minute of standard-resolution data,
 *   the only kind a Route 53 CLOUDWATCH_METRIC health check accepts;
 * - `alarmNames(env).replicationLag(region)`: heartbeats from the peer arrive later than
 *   `replicationExclusionMs`;
 * - `alarmNames(env).replicationLatency(region)`: DynamoDB's own ReplicationLatency of ContextCache
 *   from this region to the peer.
 *
 * @example
 * new HealthMonitor(this, 'HealthMonitor', { config, bus: this.bus.bus, leaseTable: controlState, contextCache });
 */
export class HealthMonitor extends Construct {
  public readonly function: ContinuityFunction;
  public readonly schedule: events.Rule;
  /** Schedule events EventBridge could not deliver to the function. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Empty in the witness region. */
  public readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: HealthMonitorProps) {
    super(scope, id);
    const { config } = props;
    const region = Stack.of(this).region;
    if (Token.isUnresolved(region)) {
      throw new Error(
        `HealthMonitor ${this.node.path} needs a stack with a concrete region (env: { region })`,
      );
    }
    const [a, b] = config.regions.active;
    const active = region === a || region === b;
    if (!active && region !== config.regions.witness) {
      throw new Error(
        `HealthMonitor in ${region}: deploy it to ${a}, ${b} or the witness ${config.regions.witness}`,
      );
    }
    if (active !== (props.contextCache !== undefined)) {
      throw new Error(
        `HealthMonitor in ${region}: pass contextCache in an active region (heartbeats) and only there`,
      );
    }
    const timeout = props.timeout ?? Duration.seconds(70);
    if (timeout.toSeconds() <= 60) {
      throw new Error(
        `HealthMonitor timeout ${timeout.toSeconds()} s must exceed the 60 s schedule; use 70 s`,
      );
    }

    this.function = new ContinuityFunction(this, 'Function', {
      entry: 'functions/health/handler.ts',
      serviceName: MONITOR_SERVICE,
      description: `SIP OPTIONS monitor (observer ${region}): probes, votes, replication heartbeats`,
      timeout,
      environment: lambdaEnvironment(config, { sections: ['health', 'replication', 'sipTargets'] }),
      // Two runs overlap at each hand-over; no flood elsewhere in the account may leave it without them.
      reservedConcurrentExecutions: config.concurrency.monitor,
    });

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetterQueue', {
      catches: 'the monitor schedule target',
      handling: 'a stale schedule event is worthless to re-drive and only shows that invocations failed',
      alarmName: deadLettersAlarmName(config.env, Stack.of(this).region, 'monitor'),
    });
    this.schedule = new events.Rule(this, 'Schedule', {
      description: `Start the SIP health monitor every minute; each run hands over to the next`,
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [
        new targets.LambdaFunction(this.function, {
          deadLetterQueue: this.deadLetterQueue,
          // A start older than a minute overlaps the next one anyway.
          maxEventAge: Duration.minutes(1),
          retryAttempts: 2,
        }),
      ],
    });
    // A failed run is not retried: the next minute's run takes the lease over from where it stopped.
    this.function.configureAsyncInvoke({ retryAttempts: 0 });

    this.grant(region, props);
    this.alarms = props.contextCache ? this.createAlarms(config, region, props.contextCache) : [];
  }

  /**
   * Its own lease item, the peer monitor's (read), its own heartbeat (write) and the peer's (read),
   * and its three detail-types on its bus: no more.
   */
  private grant(region: string, props: HealthMonitorProps): void {
    const fn = this.function;
    const lease = [props.leaseTable.tableArn];
    allowItems(fn, ['dynamodb:GetItem', 'dynamodb:PutItem'], lease, [controlKeys.monitorLease(region).pk]);
    if (props.contextCache) {
      const peer = props.config.regions.active.find((r) => r !== region) as string;
      const cache = [props.contextCache.tableArn];
      // The peer monitor's lease (read only): proof that the peer is writing heartbeats (LagMeter).
      allowItems(fn, ['dynamodb:GetItem'], lease, [controlKeys.monitorLease(peer).pk]);
      allowItems(fn, ['dynamodb:PutItem'], cache, [contextCacheKeys.heartbeat(region).pk]);
      allowItems(fn, ['dynamodb:GetItem'], cache, [contextCacheKeys.heartbeat(peer).pk]);
    }
    grantPutEvents(fn, props.bus);
  }

  private createAlarms(
    config: ContinuityConfig,
    region: string,
    contextCache: dynamodb.ITable,
  ): cloudwatch.Alarm[] {
    const names = alarmNames(config.env);
    const period = Duration.seconds(config.alarms.periodSeconds);
    const peer = config.regions.active.find((r) => r !== region) as string;
    const d = MONITOR_DIMENSIONS;
    const own = { [d.service]: MONITOR_SERVICE, [d.observer]: region };
    // A monitor that stopped reporting cannot vouch for the edge: missing data breaches.
    const sipHealthAlarm = (
      id: string,
      alarmName: string,
      description: string,
      metricName: string,
      every: Duration,
      periods: number,
    ) =>
      new cloudwatch.Alarm(this, id, {
        alarmName,
        alarmDescription: description,
        metric: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName,
          dimensionsMap: { ...own, [d.targetRegion]: region },
          statistic: cloudwatch.Stats.MINIMUM,
          period: every,
        }),
        threshold: config.health.minHealthyTargets,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: periods,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    const sipHealth = sipHealthAlarm(
      'SipHealthAlarm',
      names.sipHealth(region),
      `Fewer than ${config.health.minHealthyTargets} SIP target(s) of ${region} UP for ${region}'s own monitor, or the monitor is silent`,
      MONITOR_METRICS.healthyTargets,
      period,
      config.alarms.evaluationPeriods,
    );
    // Route 53 health checks refuse alarms on high-resolution metrics: this one is for the Dns stack.
    const sipHealthStandard = sipHealthAlarm(
      'SipHealthStandardAlarm',
      names.sipHealthStandard(region),
      `As ${names.sipHealth(region)}, over one-minute standard-resolution data (for Route 53)`,
      MONITOR_METRICS.healthyTargetsStandard,
      Duration.minutes(1),
      1,
    );
    const lag = new cloudwatch.Alarm(this, 'ReplicationLagAlarm', {
      alarmName: names.replicationLag(region),
      alarmDescription: `Heartbeats from ${peer} reach ${region}'s ContextCache replica later than ${config.replication.replicationExclusionMs} ms`,
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: MONITOR_METRICS.replicationLag,
        dimensionsMap: { ...own, [d.sourceRegion]: peer },
        statistic: cloudwatch.Stats.MAXIMUM,
        period,
      }),
      threshold: config.replication.replicationExclusionMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: config.alarms.evaluationPeriods,
      // A silent monitor is the SIP-health alarm's concern; no sample is not a late one.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const latency = new cloudwatch.Alarm(this, 'ReplicationLatencyAlarm', {
      alarmName: names.replicationLatency(region),
      alarmDescription: `DynamoDB ReplicationLatency of ContextCache from ${region} to ${peer} above ${config.alarms.replicationLatencyThresholdMs} ms`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName: 'ReplicationLatency',
        dimensionsMap: { TableName: contextCache.tableName, ReceivingRegion: peer },
        statistic: cloudwatch.Stats.AVERAGE,
        // DynamoDB publishes it at standard (one-minute) resolution; a shorter period would see no data.
        period: Duration.minutes(1),
      }),
      threshold: config.alarms.replicationLatencyThresholdMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: config.alarms.evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    return [sipHealth, sipHealthStandard, lag, latency];
  }
}
