import { describe, expect, it } from 'vitest';
import { decide } from '../../../../functions/routing/quorum/rule.js';
import type { Override, RegionState } from '../../../../functions/routing/quorum/types.js';
import { board, conditionTypes, DOWN, drain, input, pin, steady, T0, USE1, USW2 } from './fixtures.js';

// Vote marks: one per observer in the order us-east-1, us-west-2, witness us-east-2.
// H/U fresh healthy/unhealthy, - no vote (see fixtures.ballots). Before: both regions in rotation.

describe('decide: operator drain and pin', () => {
  const healthyBoard = board('HHH', 'HHH', T0);

  // biome-ignore format: one runbook case per line
  const OVERRIDE_CASES: [string, string, string, Record<string, Override>, Partial<RegionState>, string[], string[]][] = [
    // case                                                         us-east-1 us-west-2 overrides                                              us-east-1 before  in rotation   conditions
    ['drain takes a healthy region out',                                'HHH', 'HHH', { [USE1]: drain('alice', T0) },                           {},                  [USW2],       []],
    ['pin keeps a region in that 3 of 3 see down',                      'UUU', 'HHH', { [USE1]: pin('alice', T0) },                             {},                  [USE1, USW2], ['PinnedUnhealthy:us-east-1']],
    ['pin brings a region back without the dwell',                      'HHH', 'HHH', { [USE1]: pin('alice', T0) },                             DOWN,                [USE1, USW2], []],
    ['pin keeps a lag-excluded region in',                              'HHH', 'HHH', { [USE1]: pin('alice', T0) },                             { lagExcluded: true }, [USE1, USW2], ['PinnedUnhealthy:us-east-1']],
    ['pin one, drain the other',                                        'HHH', 'HHH', { [USE1]: drain('alice', T0), [USW2]: pin('bob', T0) },  {},                  [USW2],       []],
    ['a drain beats the probes: the unhealthy undrained region stays',  'HHH', 'UUU', { [USE1]: drain('alice', T0) },                           {},                  [USW2],       ['MinRegionsKept:us-west-2']],
    ['a forced drain likewise: the unhealthy region stays',             'HHH', 'UUU', { [USE1]: drain('alice', T0, true) },                     {},                  [USW2],       ['MinRegionsKept:us-west-2']],
    ['an override of a region that is not active is ignored',           'HHH', 'HHH', { 'eu-west-1': drain('alice', T0) },                      {},                  [USE1, USW2], []],
  ];

  it.each(OVERRIDE_CASES)('%s', (_case, use1, usw2, overrides, use1Before, inRotation, conditions) => {
    const outcome = decide(
      input({ votes: board(use1, usw2, T0), overrides, previous: steady(T0, { [USE1]: use1Before }) }),
      T0,
    );

    expect(outcome.decision.inRotation).toEqual(inRotation);
    expect(conditionTypes(outcome)).toEqual(conditions);
  });

  // biome-ignore format: one runbook case per line
  const DRAIN_ALL_CASES: [string, number, number, string][] = [
    // case                                                                  us-east-1 drained at  us-west-2 drained at  stays in
    ['us-east-1 drained first, us-west-2 later: the later drain is refused',    T0 - 60_000,          T0 - 10_000,          USW2],
    ['us-west-2 drained first, us-east-1 later: the later drain is refused',    T0 - 10_000,          T0 - 60_000,          USE1],
    ['both drained at the same instant: settings order decides',                T0,                   T0,                   USE1],
  ];

  it.each(DRAIN_ALL_CASES)(
    'refuses draining every region: %s',
    (_case, use1DrainedAt, usw2DrainedAt, kept) => {
      const overrides = { [USE1]: drain('alice', use1DrainedAt), [USW2]: drain('bob', usw2DrainedAt) };

      const outcome = decide(input({ votes: healthyBoard, overrides, previous: steady(T0) }), T0);

      expect(outcome.decision.inRotation).toEqual([kept]);
      expect(outcome.decision.regions[kept]?.reason).toBe('DrainRefused');
      expect(conditionTypes(outcome)).toEqual([`DrainRefused:${kept}`]);
    },
  );

  it('tells the operator how to drain every region anyway', () => {
    const overrides = { [USE1]: drain('alice', T0 - 60_000), [USW2]: drain('bob', T0) };

    const outcome = decide(input({ votes: healthyBoard, overrides, previous: steady(T0) }), T0);

    expect(outcome.conditions[0]?.message).toBe(
      'drain of us-west-2 by bob (maintenance) refused: it would leave fewer than 1 region(s) in rotation (us-east-1 out (Drained)); drain with force to override',
    );
  });

  it('drains every region when every drain is forced, and says the rotation is below the minimum', () => {
    const overrides = { [USE1]: drain('alice', T0, true), [USW2]: drain('bob', T0, true) };

    const outcome = decide(input({ votes: healthyBoard, overrides, previous: steady(T0) }), T0);

    expect(outcome.decision.inRotation).toEqual([]);
    expect(outcome.conditions).toEqual([
      {
        type: 'BelowMinRegions',
        region: null,
        message: 'forced drains leave 0 region(s) in rotation, below minRegionsInRotation 1',
      },
    ]);
  });

  it('refuses the unforced drain when the other drain is forced', () => {
    const overrides = { [USE1]: drain('alice', T0 - 60_000, true), [USW2]: drain('bob', T0 - 120_000) };

    const outcome = decide(input({ votes: healthyBoard, overrides, previous: steady(T0) }), T0);

    expect(outcome.decision.inRotation).toEqual([USW2]);
    expect(conditionTypes(outcome)).toEqual(['DrainRefused:us-west-2']);
  });
});
