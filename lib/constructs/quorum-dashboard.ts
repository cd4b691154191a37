import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { ContinuityConfig } from '../../config/schema.js';
import { MONITOR_DIMENSIONS, MONITOR_METRICS, MONITOR_SERVICE } from '../../functions/health/metrics.js';
import { DIMENSIONS, QUORUM_METRICS } from '../../functions/routing/quorum-metrics.js';
import { METRICS_NAMESPACE } from '../../functions/shared/logger.js';
import { alarmNames } from '../../functions/shared/names.js';

/** Powertools adds the service name as a dimension to every metric. */
const QUORUM_SERVICE = 'quorum';
const ENDPOINT_SERVICE = 'health-endpoint';

export interface QuorumDashboardProps {
  readonly config: ContinuityConfig;
  /**
   * Period of every graph.
   * @default - config.alarms.periodSeconds (10 s: the metrics are high resolution)
   */
  readonly period?: Duration;
}

/**
 * The failover dashboard of one active region: rotation state, votes per observer, SIP health per
 * target, replication lag and decisions over time. Metric names come from the code that emits them
 * (functions/routing/quorum-metrics.ts, functions/health/metrics.ts).
 *
 * @example
 * new QuorumDashboard(this, 'Dashboard', { config });
 */
export class QuorumDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: QuorumDashboardProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const period = props.period ?? Duration.seconds(config.alarms.periodSeconds);
    const regions = config.regions.active;
    const observers = [...regions, config.regions.witness];
    const quorum = (metricName: string, dims: Record<string, string>, statistic = 'Maximum') =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: QUORUM_SERVICE, ...dims },
        statistic,
        period,
      });
    // Targets and observers are many and come from config; a search finds whatever the monitors emit.
    const search = (metric: string, dims: readonly string[], statistic: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},${[MONITOR_DIMENSIONS.service, ...dims].join(',')}} MetricName="${metric}" ${MONITOR_DIMENSIONS.service}="${MONITOR_SERVICE}"', '${statistic}', ${period.toSeconds()})`,
        label,
        period,
      });
    const sipAlarmArn = (region: string) =>
      stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: alarmNames(config.env).sipHealth(region),
        region,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `continuity-${config.env}-${stack.region}`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Rotation (1 = in rotation)',
        left: regions.map((r) =>
          quorum(QUORUM_METRICS.inRotation, { [DIMENSIONS.region]: r }).with({ label: r }),
        ),
        leftYAxis: { min: 0, max: 1 },
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({
        title: 'SIP-health alarm (this region)',
        alarms: [cloudwatch.Alarm.fromAlarmArn(this, 'SipAlarm', sipAlarmArn(stack.region))],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      ...regions.map(
        (target) =>
          new cloudwatch.GraphWidget({
            title: `Votes on ${target} (1 healthy, 0 unhealthy; fresh votes only)`,
            left: observers.map((o) =>
              quorum(
                QUORUM_METRICS.vote,
                { [DIMENSIONS.region]: target, [DIMENSIONS.observer]: o },
                'Minimum',
              ).with({
                label: `from ${o}`,
              }),
            ),
            leftYAxis: { min: 0, max: 1 },
            width: 12,
          }),
      ),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'SIP health per target (1 up, per observer)',
        left: [
          search(
            MONITOR_METRICS.targetUp,
            [MONITOR_DIMENSIONS.observer, MONITOR_DIMENSIONS.targetRegion, MONITOR_DIMENSIONS.target],
            'Minimum',
            'target up',
          ),
        ],
        leftYAxis: { min: 0, max: 1 },
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Replication lag (ms)',
        left: [
          search(
            MONITOR_METRICS.replicationLag,
            [MONITOR_DIMENSIONS.observer, MONITOR_DIMENSIONS.sourceRegion],
            'Maximum',
            'measured lag',
          ),
          ...regions.map((r) =>
            quorum(QUORUM_METRICS.lag, { [DIMENSIONS.region]: r }).with({ label: `${r} as quorum saw it` }),
          ),
        ],
        leftAnnotations: [{ value: config.replication.replicationExclusionMs, label: 'exclusion' }],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Decisions over time',
        left: [quorum(QUORUM_METRICS.epoch, {}).with({ label: 'epoch' })],
        right: [
          quorum(QUORUM_METRICS.changed, {}, 'Sum').with({ label: 'rotation changes' }),
          quorum(QUORUM_METRICS.fenced, {}, 'Sum').with({ label: 'fenced (no ControlState quorum)' }),
          ...regions.map((r) =>
            quorum(QUORUM_METRICS.quorumLost, { [DIMENSIONS.region]: r }, 'Sum').with({
              label: `no vote majority on ${r}`,
            }),
          ),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failover trigger alarms (holding the region out; unreadable or missing)',
        left: regions.map((r) =>
          quorum(QUORUM_METRICS.triggerFiring, { [DIMENSIONS.region]: r }).with({ label: `firing on ${r}` }),
        ),
        right: regions.map((r) =>
          quorum(QUORUM_METRICS.triggerUnreadable, { [DIMENSIONS.region]: r }).with({
            label: `unreadable on ${r}`,
          }),
        ),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Health endpoint answers (1 = 200)',
        left: [
          new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName: QUORUM_METRICS.healthy,
            dimensionsMap: { service: ENDPOINT_SERVICE },
            statistic: 'Minimum',
            period,
          }),
        ],
        leftYAxis: { min: 0, max: 1 },
        width: 12,
      }),
    );
  }
}
