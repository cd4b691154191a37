import { afterEach, describe, expect, it, vi } from 'vitest';
import { MONITOR_SERVICE, powertoolsMonitorMetrics } from '../../../functions/health/metrics.js';
import { observability } from '../../../functions/shared/logger.js';

interface Emf {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; StorageResolution?: number }[];
    }[];
  };
  [key: string]: unknown;
}

describe('powertoolsMonitorMetrics', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes one high-resolution EMF document per target, region and lag, with the dimensions the alarms name', () => {
    // Prepare
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const { metrics } = observability(MONITOR_SERVICE, { logLevel: 'SILENT' });
    const at = Date.parse('2026-01-01T00:00:07.000Z');

    // Act
    powertoolsMonitorMetrics(metrics).publish({
      observer: 'us-east-1',
      at,
      targets: [
        { region: 'us-east-1', name: 'e1', up: true, rttMs: 12.5 },
        { region: 'us-west-2', name: 'w1', up: false, rttMs: null },
      ],
      regions: [
        { region: 'us-east-1', healthyTargets: 1 },
        { region: 'us-west-2', healthyTargets: 0 },
      ],
      lag: { sourceRegion: 'us-west-2', lagMs: 140, sentAt: at - 140, maxErrorMs: 12 },
    });

    // Assess
    const docs = written
      .join('')
      .split('\n')
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Emf);
    const summary = docs.map((d) => {
      const [definition] = d._aws.CloudWatchMetrics;
      return {
        dimensions: [...(definition?.Dimensions[0] ?? [])].sort(),
        metrics: Object.fromEntries((definition?.Metrics ?? []).map((m) => [m.Name, d[m.Name]])),
        resolutions: (definition?.Metrics ?? []).map((m) => m.StorageResolution),
        timestamp: d._aws.Timestamp,
        region: d.TargetRegion ?? d.SourceRegion,
      };
    });
    expect(summary).toEqual([
      {
        dimensions: ['Observer', 'Target', 'TargetRegion', 'service'],
        metrics: { SipTargetUp: 1, SipProbeRtt: 12.5 },
        resolutions: [1, 1],
        timestamp: at,
        region: 'us-east-1',
      },
      {
        dimensions: ['Observer', 'Target', 'TargetRegion', 'service'],
        metrics: { SipTargetUp: 0 },
        resolutions: [1],
        timestamp: at,
        region: 'us-west-2',
      },
      {
        dimensions: ['Observer', 'TargetRegion', 'service'],
        metrics: { SipHealthyTargets: 1, SipHealthyTargetsStandard: 1 },
        resolutions: [1, undefined], // no StorageResolution: standard (60 s)
        timestamp: at,
        region: 'us-east-1',
      },
      {
        dimensions: ['Observer', 'TargetRegion', 'service'],
        metrics: { SipHealthyTargets: 0, SipHealthyTargetsStandard: 0 },
        resolutions: [1, undefined], // no StorageResolution: standard (60 s)
        timestamp: at,
        region: 'us-west-2',
      },
      {
        dimensions: ['Observer', 'SourceRegion', 'service'],
        metrics: { ReplicationLag: 140 },
        resolutions: [1],
        timestamp: at,
        region: 'us-west-2',
      },
    ]);
  });
});
