import { describe, expect, it } from 'vitest';
import { impliedLag, impliedSamples } from '../../../functions/routing/lag-crossings.js';
import { decide } from '../../../functions/routing/quorum/rule.js';
import { board, input, SETTINGS, steady, T0, USE1, USW2 } from './quorum/fixtures.js';

describe('impliedSamples (one lag event per threshold crossing, measured every 1000 ms)', () => {
  it.each([
    ['right at the crossing', 0, [450]],
    ['one interval later', 1000, [450, 450]],
    ['two intervals later', 2500, [450, 450, 450]],
    ['long after, capped at lagSamples', 60_000, [450, 450, 450]],
  ])('repeats the latest event %s', (_case, after, lags) => {
    expect(impliedSamples([{ lagMs: 450, atMs: T0 }], T0 + after, 1000, 3).map((s) => s.lagMs)).toEqual(lags);
  });

  it('keeps the earlier events before the latest one, in time order', () => {
    const samples = impliedSamples(
      [
        { lagMs: 30, atMs: T0 + 5000 },
        { lagMs: 400, atMs: T0 },
      ],
      T0 + 6000,
      1000,
      3,
    );
    expect(samples).toEqual([
      { lagMs: 400, atMs: T0 },
      { lagMs: 30, atMs: T0 + 5000 },
      { lagMs: 30, atMs: T0 + 6000 },
    ]);
  });

  it('implies nothing without an interval', () => {
    expect(impliedSamples([{ lagMs: 450, atMs: T0 }], T0 + 9000, 0, 3)).toEqual([{ lagMs: 450, atMs: T0 }]);
  });
});

describe('the lag verdict on crossings', () => {
  const outcome = (after: number, events: { lagMs: number; atMs: number }[], excludedBefore = false) => {
    const now = T0 + after;
    const previous = steady(
      now,
      excludedBefore ? { [USW2]: { inRotation: false, reason: 'ReplicationLag', lagExcluded: true } } : {},
    );
    const lag = impliedLag({ [USE1]: [], [USW2]: events }, now, 1000, SETTINGS.lagSamples);
    return decide(input({ votes: board('HHH', 'HHH', now), lag, previous }), now);
  };

  it('excludes a region whose lag crossed above the threshold only after lagSamples intervals', () => {
    const up = [{ lagMs: 450, atMs: T0 }];
    expect(outcome(1000, up).decision.regions[USW2]?.lagExcluded).toBe(false);
    expect(outcome(2000, up).decision.regions[USW2]?.lagExcluded).toBe(true);
  });

  it('re-admits it only after lagSamples intervals back under the threshold', () => {
    const down = [
      { lagMs: 450, atMs: T0 - 10_000 },
      { lagMs: 40, atMs: T0 },
    ];
    expect(outcome(1000, down, true).decision.regions[USW2]?.lagExcluded).toBe(true);
    expect(outcome(2000, down, true).decision.regions[USW2]?.lagExcluded).toBe(false);
  });
});
