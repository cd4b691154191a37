import { describe, expect, it } from 'vitest';
import { lagVerdict } from '../../../../functions/routing/quorum/lag.js';
import { lagSeries, T0 } from './fixtures.js';

describe('lagVerdict (exclusion above 200 ms, 3 samples)', () => {
  it.each([
    ['no samples yet', [], false, false, false],
    ['two samples above', [250, 250], false, false, false],
    ['exactly three samples above', [250, 250, 250], false, true, true],
    ['three above after a good one', [150, 250, 250, 250], false, true, true],
    ['samples exactly at the threshold (not above)', [200, 200, 200], false, false, true],
    ['samples 1 ms above the threshold', [201, 201, 201], false, true, true],
    ['two above, then one below', [250, 250, 150], false, false, false],
    ['excluded, no samples (kept)', [], true, true, false],
    ['excluded, one good sample', [250, 250, 250, 150], true, true, false],
    ['excluded, two good samples', [250, 250, 250, 150, 150], true, true, false],
    ['excluded, three good samples', [250, 250, 250, 150, 150, 150], true, false, true],
    ['excluded, hovering around the threshold', [180, 240, 190, 260, 170], true, true, false],
    ['admitted, hovering around the threshold', [180, 240, 190, 260, 170], false, false, false],
  ] as const)('%s: excluded=%s', (_case, lags, previouslyExcluded, excluded, decided) => {
    const verdict = lagVerdict(lagSeries(lags, T0), previouslyExcluded, 200, 3);

    expect(verdict).toEqual({ excluded, decided, latestLagMs: lags.at(-1) ?? null });
  });

  it('reads samples by time, not by arrival order', () => {
    const inTimeOrder = lagSeries([150, 150, 250, 250, 250], T0);
    const arrived = [inTimeOrder[3], inTimeOrder[0], inTimeOrder[4], inTimeOrder[2], inTimeOrder[1]].filter(
      (s) => s !== undefined,
    );

    expect(lagVerdict(arrived, false, 200, 3)).toEqual({ excluded: true, decided: true, latestLagMs: 250 });
  });

  it('uses the lagSamples it is given', () => {
    const samples = lagSeries([250, 250, 250, 250], T0);

    expect(lagVerdict(samples, false, 200, 5).excluded).toBe(false);
    expect(lagVerdict(samples, false, 200, 4).excluded).toBe(true);
  });
});
