import { MetricResolution, type Metrics, MetricUnit } from '../shared/logger.js';

/**
 * The monitor's metrics (EMF, high resolution, so alarms can run at a 10 s period). Names and dimensions
 * are shared with lib/constructs/health-monitor.ts, whose alarms must name exactly these.
 */
export const MONITOR_SERVICE = 'health-monitor';

export const MONITOR_METRICS = {
  /** 1 when the probe of a target was up, else 0; dimensions Observer, TargetRegion, Target. */
  targetUp: 'SipTargetUp',
  /** Round-trip time of an answered probe (ms); same dimensions. */
  probeRtt: 'SipProbeRtt',
  /** Targets of a region UP for this observer; dimensions Observer, TargetRegion. */
  healthyTargets: 'SipHealthyTargets',
  /** The same at standard resolution, for the alarm Route 53 can use (it refuses high-resolution metrics). */
  healthyTargetsStandard: 'SipHealthyTargetsStandard',
  /** Inbound replication lag measured by heartbeat (ms); dimensions Observer (measuring), SourceRegion. */
  replicationLag: 'ReplicationLag',
} as const;

export const MONITOR_DIMENSIONS = {
  /** Powertools adds it to every metric: the function's service name, {@link MONITOR_SERVICE}. */
  service: 'service',
  observer: 'Observer',
  targetRegion: 'TargetRegion',
  target: 'Target',
  sourceRegion: 'SourceRegion',
} as const;

export interface TickMetrics {
  readonly observer: string;
  /** Epoch ms the tick's probes started; the datapoints' timestamp. */
  readonly at: number;
  readonly targets: readonly {
    readonly region: string;
    readonly name: string;
    readonly up: boolean;
    readonly rttMs: number | null;
  }[];
  readonly regions: readonly { readonly region: string; readonly healthyTargets: number }[];
  /**
   * `sentAt` (the measured heartbeat's send time, null for the overdue bound) and `maxErrorMs` (how far
   * off the estimate can be) are not published: they let tests check the measurement.
   */
  readonly lag: {
    readonly sourceRegion: string;
    readonly lagMs: number;
    readonly sentAt: number | null;
    readonly maxErrorMs: number;
  } | null;
}

export interface MonitorMetrics {
  publish(tick: TickMetrics): void;
}

/**
 * Writes one EMF document per dimension set and tick (a document's metrics share all its dimensions):
 * per target (up, RTT), per region (healthy targets), and the lag. Each is flushed at once with the
 * tick's timestamp, so every second gets its own datapoint.
 */
export function powertoolsMonitorMetrics(metrics: Metrics): MonitorMetrics {
  const flush = (at: number, dimensions: Record<string, string>, add: () => void): void => {
    metrics.addDimensions(dimensions);
    add();
    metrics.setTimestamp(at);
    metrics.publishStoredMetrics();
  };
  return {
    publish(tick) {
      const d = MONITOR_DIMENSIONS;
      for (const t of tick.targets) {
        flush(
          tick.at,
          { [d.observer]: tick.observer, [d.targetRegion]: t.region, [d.target]: t.name },
          () => {
            metrics.addMetric(
              MONITOR_METRICS.targetUp,
              MetricUnit.Count,
              t.up ? 1 : 0,
              MetricResolution.High,
            );
            if (t.rttMs !== null) {
              metrics.addMetric(
                MONITOR_METRICS.probeRtt,
                MetricUnit.Milliseconds,
                t.rttMs,
                MetricResolution.High,
              );
            }
          },
        );
      }
      for (const r of tick.regions) {
        flush(tick.at, { [d.observer]: tick.observer, [d.targetRegion]: r.region }, () => {
          metrics.addMetric(
            MONITOR_METRICS.healthyTargets,
            MetricUnit.Count,
            r.healthyTargets,
            MetricResolution.High,
          );
          metrics.addMetric(
            MONITOR_METRICS.healthyTargetsStandard,
            MetricUnit.Count,
            r.healthyTargets,
            MetricResolution.Standard,
          );
        });
      }
      if (tick.lag) {
        const lag = tick.lag;
        flush(tick.at, { [d.observer]: tick.observer, [d.sourceRegion]: lag.sourceRegion }, () =>
          metrics.addMetric(
            MONITOR_METRICS.replicationLag,
            MetricUnit.Milliseconds,
            lag.lagMs,
            MetricResolution.High,
          ),
        );
      }
    },
  };
}
