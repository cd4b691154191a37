import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyProbe,
  INITIAL_TARGET_STATE,
  isRegionSipHealthy,
  isSuspect,
  regionSipVerdict,
  type TargetHealth,
  type TargetState,
  type TargetTransition,
  type Thresholds,
  targetStateSchema,
} from '../../../functions/health/target-state.js';

const DEFAULTS: Thresholds = { failureThreshold: 2, recoveryThreshold: 3 };
const T0 = 1_700_000_000_000;

/** Feeds `results` one per second from `startAt`; returns the final state and every transition on the way. */
function feed(
  results: readonly boolean[],
  thresholds = DEFAULTS,
  from: TargetState = INITIAL_TARGET_STATE,
  startAt = T0,
) {
  let state = from;
  const transitions: TargetTransition[] = [];
  results.forEach((up, i) => {
    const step = applyProbe(state, up, thresholds, startAt + i * 1000);
    state = step.state;
    if (step.transition) transitions.push(step.transition);
  });
  return { state, transitions };
}

const ups = (n: number) => Array<boolean>(n).fill(true);
const downs = (n: number) => Array<boolean>(n).fill(false);
const UP_STATE = feed(ups(3)).state;
const DOWN_STATE = feed(downs(2)).state;

describe('applyProbe', () => {
  it('starts UNKNOWN, which is neither UP nor DOWN', () => {
    // Assess
    expect(INITIAL_TARGET_STATE).toEqual({
      health: 'UNKNOWN',
      consecutiveUps: 0,
      consecutiveDowns: 0,
      changedAt: null,
    });
  });

  it.each([
    ['UNKNOWN', INITIAL_TARGET_STATE],
    ['UP', UP_STATE],
  ])('goes from %s to DOWN after exactly 2 downs with the default thresholds', (from, start) => {
    // Act
    const afterOne = feed(downs(1), DEFAULTS, start);
    const afterTwo = feed(downs(2), DEFAULTS, start);

    // Assess
    expect(afterOne.state.health).toBe(from);
    expect(afterOne.transitions).toEqual([]);
    expect(afterTwo.state.health).toBe('DOWN');
    expect(afterTwo.transitions).toEqual([{ from, to: 'DOWN', at: T0 + 1000 }]);
    expect(afterTwo.state.changedAt).toBe(T0 + 1000);
  });

  it.each([
    ['UNKNOWN', INITIAL_TARGET_STATE],
    ['DOWN', DOWN_STATE],
  ])('goes from %s to UP after exactly 3 ups with the default thresholds', (from, start) => {
    // Act
    const afterTwo = feed(ups(2), DEFAULTS, start);
    const afterThree = feed(ups(3), DEFAULTS, start);

    // Assess
    expect(afterTwo.state.health).toBe(from);
    expect(afterThree.state.health).toBe('UP');
    expect(afterThree.transitions).toEqual([{ from, to: 'UP', at: T0 + 2000 }]);
  });

  it.each([1, 2, 3, 5, 10])(
    'turns DOWN on down number %i when that is the failure threshold, not before',
    (n) => {
      // Prepare
      const thresholds = { failureThreshold: n, recoveryThreshold: 3 };

      // Act
      const before = feed(downs(n - 1), thresholds, UP_STATE);
      const at = feed(downs(n), thresholds, UP_STATE);

      // Assess
      expect(before.state.health).toBe('UP');
      expect(at.state.health).toBe('DOWN');
      expect(at.transitions).toHaveLength(1);
    },
  );

  it.each([1, 2, 3, 5, 10])(
    'turns UP on up number %i when that is the recovery threshold, not before',
    (n) => {
      // Prepare
      const thresholds = { failureThreshold: 2, recoveryThreshold: n };

      // Act
      const before = feed(ups(n - 1), thresholds, DOWN_STATE);
      const at = feed(ups(n), thresholds, DOWN_STATE);

      // Assess
      expect(before.state.health).toBe('DOWN');
      expect(at.state.health).toBe('UP');
      expect(at.transitions).toHaveLength(1);
    },
  );

  it.each([
    [2, 2],
    [2, 3],
    [3, 2],
    [10, 10],
  ])(
    'never flips on alternating results (failure %i, recovery %i)',
    (failureThreshold, recoveryThreshold) => {
      // Prepare
      const alternating = Array.from({ length: 40 }, (_, i) => i % 2 === 0);

      // Act
      const fromUp = feed(alternating, { failureThreshold, recoveryThreshold }, feed(ups(10)).state);
      const fromDown = feed(alternating, { failureThreshold, recoveryThreshold }, feed(downs(10)).state);

      // Assess
      expect(fromUp.transitions).toEqual([]);
      expect(fromDown.transitions).toEqual([]);
    },
  );

  it('resets the opposite counter: 1 down, 1 up, 1 down is still UP', () => {
    // Act
    const result = feed([false, true, false], DEFAULTS, UP_STATE);

    // Assess
    expect(result.state).toMatchObject({ health: 'UP', consecutiveDowns: 1, consecutiveUps: 0 });
  });

  it('caps the counters at the thresholds so that a steady target keeps one state', () => {
    // Act
    const once = feed(ups(3)).state;
    const longer = feed(ups(50)).state;

    // Assess
    expect(longer).toEqual(once);
    expect(applyProbe(longer, true, DEFAULTS, T0 + 99_000)).toEqual({ state: longer, transition: null });
  });

  it('survives a hand-over through JSON and the schema with the same outcome', () => {
    // Prepare
    const mid = feed([true, true, false, true]).state;

    // Act
    const restored = targetStateSchema.parse(JSON.parse(JSON.stringify(mid)));
    const next = feed(ups(2), DEFAULTS, restored, T0 + 4000);

    // Assess
    expect(restored).toEqual(mid);
    expect(next.state).toEqual(feed([true, true, false, true, true, true]).state);
  });

  it.each([
    ['failureThreshold', { failureThreshold: 0, recoveryThreshold: 3 }],
    ['recoveryThreshold', { failureThreshold: 2, recoveryThreshold: 1.5 }],
  ])('rejects a bad %s', (name, thresholds) => {
    // Act + Assess
    expect(() => applyProbe(INITIAL_TARGET_STATE, true, thresholds, T0)).toThrow(name);
  });

  it('agrees with a run-length model for any sequence and thresholds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 10 }),
        (results, failureThreshold, recoveryThreshold) => {
          // Model: health is set by the last run of equal results that reached its threshold.
          let model: TargetHealth = 'UNKNOWN';
          let changes = 0;
          let run = 0;
          results.forEach((up, i) => {
            run = i > 0 && results[i - 1] === up ? run + 1 : 1;
            const reached = up ? run === recoveryThreshold : run === failureThreshold;
            const next = up ? 'UP' : 'DOWN';
            if (reached && model !== next) {
              model = next;
              changes += 1;
            }
          });
          const { state, transitions } = feed(results, { failureThreshold, recoveryThreshold });
          expect(state.health).toBe(model);
          expect(transitions).toHaveLength(changes);
        },
      ),
    );
  });
});

describe('isSuspect', () => {
  it.each([
    ['an UP target after one failed probe', [true, true, true, false], DEFAULTS, true],
    ['an UNKNOWN target after one failed probe', [false], DEFAULTS, true],
    [
      'an UP target after two of three failures (threshold 3)',
      [true, true, true, false, false],
      { failureThreshold: 3, recoveryThreshold: 3 },
      true,
    ],
    ['a target that answered well again', [true, true, true, false, true], DEFAULTS, false],
    ['a target that reached the threshold (DOWN)', [true, true, true, false, false], DEFAULTS, false],
    ['a DOWN target that failed again after a good answer', [false, false, true, false], DEFAULTS, false],
    ['a healthy target', [true, true, true], DEFAULTS, false],
    [
      'no target suspect at threshold 1 (its first failure is DOWN)',
      [true, false],
      { failureThreshold: 1, recoveryThreshold: 1 },
      false,
    ],
  ] as const)('is %s: %s', (_name, results, thresholds, expected) => {
    const { state } = feed(results, thresholds);

    expect(isSuspect(state, thresholds)).toBe(expected);
  });
});

describe('regionSipVerdict', () => {
  it.each<[TargetHealth[], number, string]>([
    [['UP'], 1, 'HEALTHY'],
    [['DOWN'], 1, 'UNHEALTHY'],
    [['UNKNOWN'], 1, 'UNKNOWN'],
    [['UP', 'DOWN'], 1, 'HEALTHY'],
    [['DOWN', 'DOWN'], 1, 'UNHEALTHY'],
    [['DOWN', 'UNKNOWN'], 1, 'UNKNOWN'],
    [['UP', 'DOWN'], 2, 'UNHEALTHY'],
    [['UP', 'UNKNOWN'], 2, 'UNKNOWN'],
    [['UP', 'UP', 'DOWN'], 2, 'HEALTHY'],
    [[], 1, 'UNHEALTHY'],
    [['UP'], 2, 'UNHEALTHY'],
  ])('finds %j with minHealthyTargets %i %s', (targets, min, verdict) => {
    // Act + Assess
    expect(regionSipVerdict(targets, min)).toBe(verdict);
    expect(isRegionSipHealthy(targets, min)).toBe(verdict === 'HEALTHY');
  });

  it('rejects minHealthyTargets below 1', () => {
    // Act + Assess
    expect(() => regionSipVerdict(['UP'], 0)).toThrow('minHealthyTargets');
  });
});
