import { describe, expect, it } from 'vitest';
import { formatSeconds, median, percentile, summarize } from '../../../../local/drill/report/stats.js';
import type { ScenarioReport, Timing } from '../../../../local/drill/report/types.js';

function run(name: string, runNumber: number, timings: Timing[]): ScenarioReport {
  return {
    name,
    title: name,
    run: runNumber,
    startedAt: '2025-06-02T09:00:00.000Z',
    durationMs: 1000,
    passed: true,
    timeline: [],
    timings,
    expectations: [],
  };
}

describe('median', () => {
  it.each([
    ['one sample', [7], 7],
    ['an odd count, unsorted', [1700, 1200, 1400], 1400],
    ['an even count, as the mean of the two middle samples', [4000, 1000, 3000, 2000], 2500],
    ['two samples', [1000, 2000], 1500],
    ['no samples', [], null],
  ])('returns the median of %s', (_case, values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('leaves the input in its order', () => {
    // Prepare
    const values = [3, 1, 2];

    // Act
    median(values);

    // Assess
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('percentile', () => {
  const oneToTen = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  const oneToTwenty = Array.from({ length: 20 }, (_, i) => i + 1);

  it.each([
    ['p95 of 10 samples is the largest (rank 10)', oneToTen, 95, 10],
    ['p95 of 20 samples is the 19th (rank 19)', oneToTwenty, 95, 19],
    ['p50 of an even count is the lower middle sample (rank 2 of 4)', [4, 1, 3, 2], 50, 2],
    ['p75 of 4 samples is rank 3', [4, 1, 3, 2], 75, 3],
    ['p90 of 10 samples is rank 9, not an interpolation', oneToTen, 90, 9],
    ['p95 of one sample is that sample', [1400], 95, 1400],
    ['p0 is the smallest sample', oneToTen, 0, 1],
    ['p100 is the largest sample', oneToTen, 100, 10],
    ['any percentile of no samples is null', [], 95, null],
  ])('%s', (_case, values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it.each([-1, 101, Number.NaN])('rejects p = %s', (p) => {
    expect(() => percentile([1, 2, 3], p)).toThrow(RangeError);
  });

  it('rejects a sample that is not a finite number', () => {
    expect(() => percentile([1, Number.POSITIVE_INFINITY], 95)).toThrow(/finite/);
  });
});

describe('summarize', () => {
  it('groups timings by scenario and name across runs, samples in run order', () => {
    // Prepare
    const scenarios = [
      run('regional-outage', 2, [
        { name: 'fault-to-DOWN', ms: 1500 },
        { name: 'fault-to-DNS-change', ms: 11_200 },
      ]),
      run('regional-outage', 1, [
        { name: 'fault-to-DOWN', ms: 1400 },
        { name: 'fault-to-DNS-change', ms: 11_000 },
      ]),
      run('split-brain', 1, [{ name: 'fault-to-DOWN', ms: 900 }]),
    ];

    // Act
    const summaries = summarize(scenarios);

    // Assess
    expect(summaries).toEqual([
      {
        scenario: 'regional-outage',
        name: 'fault-to-DOWN',
        samples: [1400, 1500],
        median: 1450,
        p95: 1500,
        missing: 0,
      },
      {
        scenario: 'regional-outage',
        name: 'fault-to-DNS-change',
        samples: [11_000, 11_200],
        median: 11_100,
        p95: 11_200,
        missing: 0,
      },
      { scenario: 'split-brain', name: 'fault-to-DOWN', samples: [900], median: 900, p95: 900, missing: 0 },
    ]);
  });

  it('counts a null timing as missing and leaves it out of median and p95', () => {
    // Prepare
    const scenarios = [
      run('regional-outage', 1, [{ name: 'fault-to-DOWN', ms: 1400 }]),
      run('regional-outage', 2, [{ name: 'fault-to-DOWN', ms: null }]),
      run('regional-outage', 3, [{ name: 'fault-to-DOWN', ms: 1600 }]),
    ];

    // Act
    const [summary] = summarize(scenarios);

    // Assess
    expect(summary).toEqual({
      scenario: 'regional-outage',
      name: 'fault-to-DOWN',
      samples: [1400, null, 1600],
      median: 1500,
      p95: 1600,
      missing: 1,
    });
  });

  it('gives null median and p95 when no run saw the event', () => {
    // Prepare
    const scenarios = [1, 2].map((n) =>
      run('split-brain', n, [{ name: 'fault-to-minority-stops', ms: null }]),
    );

    // Act
    const [summary] = summarize(scenarios);

    // Assess
    expect(summary).toMatchObject({ median: null, p95: null, missing: 2, samples: [null, null] });
  });

  it('returns nothing for no scenarios', () => {
    expect(summarize([])).toEqual([]);
  });
});

describe('formatSeconds', () => {
  it.each([
    [1400, undefined, '1.400 s'],
    [63_100, 1, '63.1 s'],
    [0, undefined, '0.000 s'],
    [null, undefined, 'never'],
  ])('writes %s ms with %s digits as %s', (ms, digits, expected) => {
    expect(formatSeconds(ms, digits)).toBe(expected);
  });
});
