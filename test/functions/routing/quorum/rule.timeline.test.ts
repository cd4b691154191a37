import { describe, expect, it } from 'vitest';
import { decide } from '../../../../functions/routing/quorum/rule.js';
import type { LagSample, QuorumOutcome, Vote } from '../../../../functions/routing/quorum/types.js';
import { ballots, board, DOWN, input, simulate, steady, T0, USE1, USW2 } from './fixtures.js';

// These tests run the rule the way the quorum function does: once per tick, each decision being the
// next one's `previous`, with time passed in. Times are relative to T0 in seconds.

const SECOND = 1000;
const FIVE_MINUTES = 5 * 60 * SECOND;

/** Seconds after T0 at which us-east-1 is in rotation. */
function inRotationAt(outcomes: readonly QuorumOutcome[], start = T0): number[] {
  return outcomes
    .filter((o) => o.decision.regions[USE1]?.inRotation)
    .map((o) => (o.decision.decidedAtMs - start) / SECOND);
}

describe('decide over time: failback after failbackDwellSeconds (30 s) of continuous health', () => {
  const recovered = decide(
    input({ votes: board('HHH', 'HHH', T0), previous: steady(T0, { [USE1]: DOWN }) }),
    T0,
  );

  it.each([
    [0, false],
    [29 * SECOND, false],
    [29_999, false],
    [30 * SECOND, true],
  ])('after %s ms of health us-east-1 is in rotation: %s', (elapsed, inRotation) => {
    const now = T0 + elapsed;

    const outcome = decide(input({ votes: board('HHH', 'HHH', now), previous: recovered.decision }), now);

    expect(outcome.decision.regions[USE1]).toMatchObject({ inRotation, healthySinceMs: T0 });
    expect(outcome.decision.regions[USE1]?.reason).toBe(inRotation ? 'Healthy' : 'FailbackDwell');
  });

  it('brings us-east-1 back on the first tick 30 s after it turned healthy, with the next epoch', () => {
    const outcomes = simulate(T0, T0 + 60 * SECOND, SECOND, steady(T0, { [USE1]: DOWN }), (now) => ({
      votes: board('HHH', 'HHH', now),
      lag: {},
      overrides: {},
    }));

    expect(inRotationAt(outcomes)[0]).toBe(30);
    expect(outcomes.filter((o) => o.changed).map((o) => o.decision.epoch)).toEqual([8]);
    expect(outcomes[29]?.reasons[USE1]).toMatch(/^out: healthy for 29 s of the 30 s failback dwell;/);
  });

  it('restarts the dwell when an unhealthy verdict comes in between', () => {
    const outcomes = simulate(T0, T0 + 90 * SECOND, SECOND, steady(T0, { [USE1]: DOWN }), (now) => ({
      votes: board(now === T0 + 20 * SECOND ? 'UUH' : 'HHH', 'HHH', now),
      lag: {},
      overrides: {},
    }));

    expect(inRotationAt(outcomes)[0]).toBe(51);
  });

  it('restarts the dwell when health was not observed (quorum lost) in between', () => {
    const silent = (now: number) => now >= T0 + 10 * SECOND && now < T0 + 25 * SECOND;
    const outcomes = simulate(T0, T0 + 90 * SECOND, SECOND, steady(T0, { [USE1]: DOWN }), (now) => ({
      votes: board(silent(now) ? '---' : 'HHH', 'HHH', now),
      lag: {},
      overrides: {},
    }));

    expect(outcomes.slice(10, 25).every((o) => o.conditions.some((c) => c.type === 'QuorumLost'))).toBe(true);
    expect(inRotationAt(outcomes)[0]).toBe(55);
  });
});

describe('decide over time: no flapping when a vote toggles every tick for five minutes', () => {
  /** Votes on us-east-1: us-east-1 says H, the witness `witness`, us-west-2 toggles U, H, U, ... every tick. */
  function toggling(witness: 'H' | 'U') {
    return (now: number, tick: number) => ({
      votes: [
        ...ballots(USE1, `H${tick % 2 === 0 ? 'U' : 'H'}${witness}`, now, tick + 1),
        ...ballots(USW2, 'HHH', now, tick + 1),
      ],
      lag: {},
      overrides: {},
    });
  }

  it.each([SECOND, 5 * SECOND])('keeps an out region out with a vote toggling every %s ms', (tickMs) => {
    const first = steady(T0, { [USE1]: DOWN });

    const outcomes = simulate(T0, T0 + FIVE_MINUTES, tickMs, first, toggling('U'));

    expect(outcomes.length).toBe(FIVE_MINUTES / tickMs + 1);
    expect(inRotationAt(outcomes)).toEqual([]);
    expect(outcomes.every((o) => !o.changed && o.decision.epoch === first.epoch)).toBe(true);
    expect(outcomes.every((o) => o.decision.inRotation.join() === USW2)).toBe(true);
    expect(new Set(outcomes.map((o) => o.decision.regions[USE1]?.reason))).toEqual(
      new Set(['FailbackDwell', 'SipUnhealthy']),
    );
  });

  it('takes an in-rotation region out on the first unhealthy tick and never brings it back', () => {
    const first = steady(T0);

    const outcomes = simulate(T0 + SECOND, T0 + FIVE_MINUTES, SECOND, first, toggling('U'));

    expect(inRotationAt(outcomes)).toEqual([]);
    expect(outcomes[0]?.changed).toBe(true);
    expect(outcomes.filter((o) => o.changed).map((o) => o.decision.epoch)).toEqual([first.epoch + 1]);
  });

  it('brings a region back after the dwell when the toggling vote never flips the majority', () => {
    const outcomes = simulate(T0, T0 + FIVE_MINUTES, SECOND, steady(T0, { [USE1]: DOWN }), toggling('H'));

    expect(inRotationAt(outcomes)[0]).toBe(30);
  });
});

describe('decide over time: replication lag (exclusion above 200 ms for 3 samples)', () => {
  /** One sample per second: `lagAt(second)`; the rule gets the last ten, as the store keeps them. */
  function samples(now: number, lagAt: (second: number) => number): LagSample[] {
    const out: LagSample[] = [];
    for (let at = Math.max(T0, now - 9 * SECOND); at <= now; at += SECOND) {
      out.push({ atMs: at, lagMs: lagAt((at - T0) / SECOND) });
    }
    return out;
  }

  it('excludes on exactly the third sample above, re-admits after three below, then serves the dwell', () => {
    // Lag 100 ms, 250 ms from second 5 to 19, 100 ms again from second 20.
    const lagAt = (s: number) => (s >= 5 && s < 20 ? 250 : 100);
    const votes = (now: number): Vote[] => board('HHH', 'HHH', now);

    const outcomes = simulate(T0, T0 + 80 * SECOND, SECOND, steady(T0), (now) => ({
      votes: votes(now),
      lag: { [USE1]: samples(now, lagAt) },
      overrides: {},
    }));
    const excluded = outcomes
      .filter((o) => o.decision.regions[USE1]?.lagExcluded)
      .map((o) => (o.decision.decidedAtMs - T0) / SECOND);

    expect(excluded[0]).toBe(7);
    expect(excluded.at(-1)).toBe(21);
    expect(outcomes[7]?.decision.regions[USE1]?.reason).toBe('ReplicationLag');
    expect(outcomes[22]?.decision.regions[USE1]).toMatchObject({
      inRotation: false,
      reason: 'FailbackDwell',
      healthySinceMs: T0 + 22 * SECOND,
    });
    expect(inRotationAt(outcomes)).toEqual([...range(0, 6), ...range(52, 80)]);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
