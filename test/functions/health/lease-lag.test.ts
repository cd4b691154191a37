import { describe, expect, it } from 'vitest';
import { applyLagSample, lagLevel } from '../../../functions/health/lag.js';
import {
  finalTickBefore,
  firstTickFor,
  graceMs,
  newLease,
  planStart,
  withInterval,
} from '../../../functions/health/lease.js';

const T0 = 1_767_225_600_000;
const timing = { intervalMs: 1000, probeTimeoutMs: 500 };
const lease = { ...newLease('us-east-2', 'a', T0, timing), tick: 9 };

describe('lease timing', () => {
  it('gives a holder half of the time between the probe timeout and the next slot to commit', () => {
    expect(graceMs(timing)).toBe(750);
    expect(graceMs({ intervalMs: 200, probeTimeoutMs: 150 })).toBe(175);
  });

  it.each([
    // now relative to slot 10 (the one after the last committed tick 9), and the first tick to probe
    [-300, 10],
    [0, 10],
    [499, 10],
    [751, 11],
    [1600, 12],
  ])('continues %i ms after slot 10 at tick %i', (offset, tick) => {
    expect(firstTickFor(lease, T0 + 10_000 + offset)).toBe(tick);
  });

  it.each([
    [T0 + 70_000, 68],
    [T0 + 12_000, 10],
    [T0 + 11_999, null],
  ])('lets an invocation due at %i probe up to tick %s', (deadline, tick) => {
    expect(finalTickBefore(lease, deadline, 1000)).toBe(tick);
  });

  it('keeps tick numbers increasing when the interval changes', () => {
    // Act
    const changed = withInterval(lease, 500, T0 + 20_000);

    // Assess
    expect(firstTickFor(changed, T0 + 20_000)).toBe(10);
    expect(changed.anchorMs + 10 * 500).toBe(T0 + 20_000);
  });

  it.each([
    ['no lease', null, { kind: 'create' }],
    ['a released lease', { ...lease, holder: null }, { kind: 'take', afterCrash: false }],
    ['an expired lease', { ...lease, expiresAt: T0 + 5000 }, { kind: 'take', afterCrash: true }],
    ['a live lease', { ...lease, expiresAt: T0 + 5500 }, { kind: 'wait', untilMs: T0 + 5200 }],
    ['a lease about to expire', { ...lease, expiresAt: T0 + 5100 }, { kind: 'wait', untilMs: T0 + 5100 }],
  ])('plans from %s', (_name, current, plan) => {
    expect(planStart(current, T0 + 5000, 200)).toEqual(plan);
  });
});

describe('applyLagSample', () => {
  const t = { replicationExclusionMs: 200, circuitBreakerMs: 300 };

  it.each([
    [200, 'ok'],
    [201, 'excluded'],
    [300, 'excluded'],
    [301, 'circuit-open'],
  ])('puts %i ms at level %s', (lagMs, level) => {
    expect(lagLevel(lagMs, t)).toBe(level);
  });

  it.each([
    ['ok', 250, 'excluded', 200],
    ['ok', 400, 'circuit-open', 300],
    ['excluded', 400, 'circuit-open', 300],
    ['circuit-open', 250, 'excluded', 300],
    ['circuit-open', 50, 'ok', 200],
    ['excluded', 50, 'ok', 200],
  ] as const)(
    'reports %s -> %i ms as a crossing to %s of the %i ms threshold',
    (from, lagMs, level, thresholdMs) => {
      // Act
      const step = applyLagSample({ level: from, lastSentAt: 1, lastLagMs: 0 }, lagMs, 2, t);

      // Assess
      expect(step.crossing).toEqual({ level, previousLevel: from, lagMs, thresholdMs });
      expect(step.state).toEqual({ level, lastSentAt: 2, lastLagMs: lagMs });
    },
  );

  it('reports nothing while the level stays, and starts from ok', () => {
    expect(applyLagSample(null, 150, 5, t).crossing).toBeNull();
    expect(applyLagSample({ level: 'excluded', lastSentAt: 1, lastLagMs: 250 }, 280, null, t)).toEqual({
      state: { level: 'excluded', lastSentAt: 1, lastLagMs: 280 },
      crossing: null,
    });
  });
});
