import { describe, expect, it } from 'vitest';
import { decide, initialDecision } from '../../../../functions/routing/quorum/rule.js';
import type { Decision, Override } from '../../../../functions/routing/quorum/types.js';
import {
  board,
  conditionTypes,
  DOWN,
  drain,
  input,
  lagSeries,
  pin,
  SETTINGS,
  steady,
  T0,
  USE1,
  USW2,
} from './fixtures.js';

// Vote marks: one per observer in the order us-east-1, us-west-2, witness us-east-2.
// H/U fresh healthy/unhealthy, h/u stale, + dated too far ahead, - no vote (see fixtures.ballots).

// biome-ignore format: one runbook case per line
const SIP_CASES: [string, string, string, string[], string[]][] = [
  // case                                                    votes on us-east-1, us-west-2   in rotation    conditions
  ['all three observers see both regions up',                   'HHH', 'HHH', [USE1, USW2], []],
  ['us-east-1 is down by 2 of 3: it leaves at once',            'UUH', 'HHH', [USW2], []],
  ['us-east-1 is down by all three',                            'UUU', 'HHH', [USW2], []],
  ['us-west-2 is down by 2 of 3',                               'HHH', 'HUU', [USE1], []],
  ['1 of 3 unhealthy is not enough',                            'HUH', 'HHH', [USE1, USW2], []],
  ['the witness alone seeing it down is not enough',            'HHU', 'HHH', [USE1, USW2], []],
  ['2 unhealthy decide even with the third vote stale',         'UUh', 'HHH', [USW2], []],
  ['2 unhealthy decide with the healthy vote stale',            'hUU', 'HHH', [USW2], []],
  ['stale unhealthy votes abstain: no quorum, verdict kept',    'uuH', 'HHH', [USE1, USW2], ['QuorumLost:us-east-1']],
  ['fresh votes split 1-1, third stale: verdict kept',          'HUh', 'HHH', [USE1, USW2], ['QuorumLost:us-east-1']],
  ['a single fresh vote: verdict kept',                         'U--', 'HHH', [USE1, USW2], ['QuorumLost:us-east-1']],
  ['no votes at all for either region: verdicts kept',          '---', '---', [USE1, USW2], ['QuorumLost:us-east-1', 'QuorumLost:us-west-2']],
  ['votes dated voteStaleMs ahead abstain',                     'U++', 'HHH', [USE1, USW2], ['VoteClockSkew:us-east-1', 'QuorumLost:us-east-1']],
];

describe('decide: SIP verdict by 2 of 3 fresh votes (both regions in rotation before)', () => {
  it.each(SIP_CASES)('%s', (_case, use1, usw2, inRotation, conditions) => {
    const outcome = decide(input({ votes: board(use1, usw2, T0), previous: steady(T0) }), T0);

    expect(outcome.decision.inRotation).toEqual(inRotation);
    expect(conditionTypes(outcome)).toEqual(conditions);
  });

  it('counts a vote cast by a clock a few seconds ahead', () => {
    const votes = board('HHH', 'HHH', T0).map((v) =>
      v.targetRegion === USE1 && v.observer !== USE1 ? { ...v, healthy: false, occurredAtMs: T0 + 3000 } : v,
    );

    const outcome = decide(input({ votes, previous: steady(T0) }), T0);

    expect(outcome.decision.inRotation).toEqual([USW2]);
    expect(outcome.decision.regions[USE1]).toMatchObject({ reason: 'SipUnhealthy', sipHealthy: false });
  });

  // biome-ignore format: one runbook case per line
  const KEPT_CASES = [
    ['in and healthy',    'HUh', {},   true,  true],
    ['in and healthy',    'U--', {},   true,  true],
    ['out and unhealthy', 'H--', DOWN, false, false],
    ['out and unhealthy', 'Huh', DOWN, false, false],
    ['out and unhealthy', '---', DOWN, false, false],
  ] as const;

  it.each(KEPT_CASES)(
    'keeps us-east-1 %s when the votes %s have no quorum',
    (_case, marks, before, inRotation, sipHealthy) => {
      const previous = steady(T0, { [USE1]: before });

      const outcome = decide(input({ votes: board(marks, 'HHH', T0), previous }), T0);

      expect(outcome.decision.regions[USE1]).toMatchObject({ inRotation, sipHealthy, healthySinceMs: null });
      expect(outcome.changed).toBe(false);
      expect(conditionTypes(outcome)).toEqual(['QuorumLost:us-east-1']);
    },
  );

  it('explains a verdict with the observers behind it', () => {
    const outcome = decide(input({ votes: board('UUh', 'HHH', T0), previous: steady(T0) }), T0);

    expect(outcome.reasons[USE1]).toBe(
      'out: SIP unhealthy by a majority of fresh votes (healthy: none; unhealthy: us-east-1, us-west-2; abstained: us-east-2)',
    );
    expect(outcome.evidence[USE1]).toEqual({
      healthy: [],
      unhealthy: [USE1, USW2],
      abstained: ['us-east-2'],
      quorum: true,
      latestLagMs: null,
      triggers: [],
    });
  });
});

describe('decide: replication lag (exclusion above 200 ms for 3 samples)', () => {
  it.each([
    ['2 samples above: stays in', [250, 250], [USE1, USW2]],
    ['exactly 3 samples above: excluded', [250, 250, 250], [USW2]],
    ['3 samples at the threshold: stays in', [200, 200, 200], [USE1, USW2]],
  ])('%s', (_case, lags, inRotation) => {
    const outcome = decide(
      input({ votes: board('HHH', 'HHH', T0), lag: { [USE1]: lagSeries(lags, T0) }, previous: steady(T0) }),
      T0,
    );

    expect(outcome.decision.inRotation).toEqual(inRotation);
  });

  it('records the exclusion and why', () => {
    const outcome = decide(
      input({
        votes: board('HHH', 'HHH', T0),
        lag: { [USE1]: lagSeries([250, 260, 270], T0) },
        previous: steady(T0),
      }),
      T0,
    );

    expect(outcome.decision.regions[USE1]).toEqual({
      inRotation: false,
      reason: 'ReplicationLag',
      sipHealthy: true,
      lagExcluded: true,
      healthySinceMs: null,
    });
    expect(outcome.reasons[USE1]).toBe(
      'out: inbound replication lag above 200 ms (latest 270 ms; 3 samples at or below re-admit)',
    );
  });
});

describe('decide: minRegionsInRotation 1 when the rule would take out every region', () => {
  const bothIn = steady(T0);
  const onlyUsw2In = steady(T0, { [USE1]: DOWN });

  // biome-ignore format: one runbook case per line
  const KEEP_CASES: [string, string, string, Record<string, number[]>, Decision, string][] = [
    // case                                                              us-east-1 us-west-2  lag samples (ms)                      before      kept
    ['both down by all votes: the first in settings order stays',             'UUU', 'UUU', {},                                      bothIn,     USE1],
    ['both down, us-east-1 has a healthy vote more',                          'UUH', 'UUU', {},                                      bothIn,     USE1],
    ['both down, us-west-2 has a healthy vote more',                          'UUU', 'HUU', {},                                      bothIn,     USW2],
    ['both down, equal votes, us-west-2 lags less',                           'UUU', 'UUU', { [USE1]: [150], [USW2]: [90] },         bothIn,     USW2],
    ['both down, equal votes, only us-west-2 has lag samples',                'UUU', 'UUU', { [USW2]: [190] },                       bothIn,     USW2],
    ['both down, equal votes and lag, us-west-2 is the one in rotation',      'UUU', 'UUU', {},                                      onlyUsw2In, USW2],
    ['both lag-excluded (replication cut): the lower lag stays',              'HHH', 'HHH', { [USE1]: [900, 900, 900], [USW2]: [400, 400, 400] }, bothIn, USW2],
    ['us-west-2 down, us-east-1 healthy but in its dwell: the healthy one',   'HHH', 'UUU', {},                                      onlyUsw2In, USE1],
  ];

  it.each(KEEP_CASES)('%s', (_case, use1, usw2, lags, previous, kept) => {
    const lag = Object.fromEntries(Object.entries(lags).map(([r, l]) => [r, lagSeries(l, T0)]));

    const outcome = decide(input({ votes: board(use1, usw2, T0), lag, previous }), T0);

    expect(outcome.decision.inRotation).toEqual([kept]);
    expect(outcome.decision.regions[kept]?.reason).toBe('MinRegionsKept');
    expect(outcome.conditions.filter((c) => c.type === 'MinRegionsKept').map((c) => c.region)).toEqual([
      kept,
    ]);
  });

  it('names the cause in the MinRegionsKept condition', () => {
    const outcome = decide(input({ votes: board('UUH', 'UUU', T0), previous: bothIn }), T0);

    expect(outcome.conditions).toContainEqual({
      type: 'MinRegionsKept',
      region: USE1,
      message:
        'us-east-1 kept in rotation although SIP unhealthy by a majority of fresh votes (healthy: us-east-2; unhealthy: us-east-1, us-west-2; abstained: none): otherwise fewer than 1 region(s) would be in rotation (us-west-2 out (SipUnhealthy))',
    });
  });

  it('names every cause of a kept region in its reason', () => {
    const lag = { [USW2]: lagSeries([250, 250, 250], T0) };
    const overrides = { [USE1]: drain('alice', T0) };

    const outcome = decide(input({ votes: board('HHH', 'UUU', T0), lag, overrides, previous: bothIn }), T0);

    expect(outcome.reasons[USW2]).toBe(
      'in: kept to hold minRegionsInRotation 1 although SIP unhealthy by a majority of fresh votes (healthy: none; unhealthy: us-east-1, us-west-2, us-east-2; abstained: none) and inbound replication lag above 200 ms (latest 250 ms; 3 samples at or below re-admit)',
    );
    expect(outcome.reasons[USE1]).toBe('out: drained by alice (maintenance)');
  });

  it('keeps both regions with minRegionsInRotation 2 when one is down', () => {
    const settings = { ...SETTINGS, minRegionsInRotation: 2 };

    const outcome = decide(input({ votes: board('UUU', 'HHH', T0), previous: bothIn, settings }), T0);

    expect(outcome.decision.inRotation).toEqual([USE1, USW2]);
    expect(conditionTypes(outcome)).toEqual(['MinRegionsKept:us-east-1']);
  });
});

describe('decide: epoch and revision', () => {
  // biome-ignore format: one runbook case per line
  const EPOCH_CASES: [string, string, string, Record<string, Override>, boolean][] = [
    // case                                                      us-east-1 us-west-2 overrides                      changed
    ['nothing changes: same epoch',                                  'HHH', 'HHH', {},                              false],
    ['only the reason changes (healthy -> pinned): same epoch',      'HHH', 'HHH', { [USE1]: pin('alice', T0) },    false],
    ['us-east-1 goes out: next epoch',                               'UUH', 'HHH', {},                              true],
    ['us-east-1 is drained: next epoch',                             'HHH', 'HHH', { [USE1]: drain('alice', T0) },  true],
    ['quorum is lost for both regions: same epoch',                  '---', 'U--', {},                              false],
  ];

  it.each(EPOCH_CASES)('%s', (_case, use1, usw2, overrides, changed) => {
    const previous = steady(T0);

    const outcome = decide(input({ votes: board(use1, usw2, T0), overrides, previous }), T0);

    expect(outcome.changed).toBe(changed);
    expect(outcome.decision.epoch).toBe(previous.epoch + (changed ? 1 : 0));
    expect(outcome.decision.revision).toBe(previous.revision + 1);
    expect(outcome.decision.decidedAtMs).toBe(T0);
  });

  it('starts from both regions in rotation at epoch 0 when nothing is stored', () => {
    const outcome = decide(input({ votes: board('HHH', 'HHH', T0), previous: null }), T0);

    expect(initialDecision(SETTINGS, T0)).toMatchObject({ epoch: 0, revision: 0, inRotation: [USE1, USW2] });
    expect(outcome).toMatchObject({
      changed: false,
      decision: { epoch: 0, revision: 1, inRotation: [USE1, USW2] },
    });
    expect(outcome.decision.regions[USE1]?.healthySinceMs).toBe(T0);
  });

  it('moves to epoch 1 when the first decision takes a region out', () => {
    const outcome = decide(input({ votes: board('UUU', 'HHH', T0), previous: null }), T0);

    expect(outcome).toMatchObject({ changed: true, decision: { epoch: 1, inRotation: [USW2] } });
  });

  it('treats an active region the stored decision does not know as out until it has served its dwell', () => {
    const previous = steady(T0);
    const settings = { ...SETTINGS, activeRegions: [USE1, 'us-west-1'] };
    const votes = [
      ...board('HHH', 'HHH', T0),
      ...board('HHH', 'HHH', T0).map((v) => ({ ...v, targetRegion: 'us-west-1' })),
    ];

    const outcome = decide(input({ votes, previous, settings }), T0);

    expect(outcome.decision.inRotation).toEqual([USE1]);
    expect(outcome.decision.regions['us-west-1']).toMatchObject({
      reason: 'FailbackDwell',
      healthySinceMs: T0,
    });
  });
});
