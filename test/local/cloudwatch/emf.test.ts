import { afterEach, describe, expect, it, vi } from 'vitest';
import { MONITOR_SERVICE, powertoolsMonitorMetrics } from '../../../functions/health/metrics.js';
import { MetricUnit, observability } from '../../../functions/shared/logger.js';
import { parseEmf } from '../../../local/cloudwatch/emf.js';

/** Runs `act` and returns every line it wrote to stdout (where Powertools Metrics writes its EMF). */
function captureStdout(act: () => void): string[] {
  const written: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  act();
  vi.restoreAllMocks();
  return written
    .join('')
    .split('\n')
    .filter((l) => l !== '');
}

describe('parseEmf', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('reads the datapoints of the monitor’s own Powertools EMF lines', () => {
    // Prepare
    const { metrics } = observability(MONITOR_SERVICE, { logLevel: 'SILENT' });
    const at = Date.now() - 3_000;
    const lines = captureStdout(() =>
      powertoolsMonitorMetrics(metrics).publish({
        observer: 'us-east-1',
        at,
        targets: [],
        regions: [{ region: 'us-west-2', healthyTargets: 2 }],
        lag: null,
      }),
    );

    // Act
    const datapoints = lines.flatMap(parseEmf);

    // Assess
    const dimensions = { Observer: 'us-east-1', TargetRegion: 'us-west-2', service: MONITOR_SERVICE };
    expect(datapoints).toEqual([
      { namespace: 'CcContinuity', metricName: 'SipHealthyTargets', dimensions, timestamp: at, value: 2 },
      {
        namespace: 'CcContinuity',
        metricName: 'SipHealthyTargetsStandard',
        dimensions,
        timestamp: at,
        value: 2,
      },
    ]);
  });

  it('makes one datapoint per value when Powertools writes a metric as an array', () => {
    // Prepare
    const { metrics } = observability('quorum', { logLevel: 'SILENT' });
    const lines = captureStdout(() => {
      metrics.addMetric('RegionVote', MetricUnit.Count, 1);
      metrics.addMetric('RegionVote', MetricUnit.Count, 0);
      metrics.publishStoredMetrics();
    });

    // Act
    const values = lines.flatMap(parseEmf).map((d) => [d.metricName, d.value, d.dimensions]);

    // Assess
    expect(values).toEqual([
      ['RegionVote', 1, { service: 'quorum' }],
      ['RegionVote', 0, { service: 'quorum' }],
    ]);
  });

  it('makes a metric per dimension set and one without dimensions for an empty set', () => {
    // Prepare
    const line = JSON.stringify({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          { Namespace: 'N', Dimensions: [['A'], ['A', 'B'], []], Metrics: [{ Name: 'M', Unit: 'Count' }] },
        ],
      },
      A: 'a',
      B: 'b',
      M: 3,
    });

    // Act
    const dims = parseEmf(line).map((d) => d.dimensions);

    // Assess
    expect(dims).toEqual([{ A: 'a' }, { A: 'a', B: 'b' }, {}]);
  });

  it.each([
    ['plain text', 'START RequestId: 1 Version: $LATEST'],
    ['a structured log line', JSON.stringify({ level: 'INFO', message: 'vote cast', _aws: 'x' })],
    ['text around the JSON', `2026-01-01T00:00:00Z ${JSON.stringify({ _aws: { CloudWatchMetrics: [] } })}`],
    ['broken JSON', '{"_aws": {'],
    ['a directive without a timestamp', JSON.stringify({ _aws: { CloudWatchMetrics: [] }, M: 1 })],
  ])('rejects %s (no datapoints)', (_, line) => {
    // Act
    const datapoints = parseEmf(line);

    // Assess
    expect(datapoints).toEqual([]);
  });

  it('rejects a dimension set whose value is missing and a value that is not a number', () => {
    // Prepare
    const line = JSON.stringify({
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [
          { Namespace: 'N', Dimensions: [['Absent'], ['A']], Metrics: [{ Name: 'M' }, { Name: 'S' }] },
        ],
      },
      A: 'a',
      M: [1, 'two', null, 3],
      S: 'not a number',
    });

    // Act
    const datapoints = parseEmf(line);

    // Assess
    expect(datapoints.map((d) => [d.dimensions, d.metricName, d.value])).toEqual([
      [{ A: 'a' }, 'M', 1],
      [{ A: 'a' }, 'M', 3],
    ]);
  });
});
