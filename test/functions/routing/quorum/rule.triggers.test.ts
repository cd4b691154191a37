import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../../../functions/routing/quorum/rule.js';
import type {
  AlarmState,
  TriggerReading,
  TriggerSpec,
} from '../../../../functions/routing/quorum/triggers.js';
import type { Decision, Override, RegionState } from '../../../../functions/routing/quorum/types.js';
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
// H/U fresh healthy/unhealthy, - no vote (see fixtures.ballots).

const sbc = (region: string, clearAfterMs = 0): TriggerSpec => ({
  alarmName: `sbc-5xx-${region}`,
  alarmRegion: region,
  region,
  clearAfterMs,
  onlyWhenMonitorSilent: false,
  source: 'config',
});

/** The ReplicationLatency backstop of us-west-2's replica (measured in us-east-1). */
const BACKSTOP_USW2: TriggerSpec = {
  alarmName: 'continuity-dev-ddb-replication-latency-us-east-1',
  alarmRegion: USE1,
  region: USW2,
  clearAfterMs: 0,
  onlyWhenMonitorSilent: true,
  source: 'backstop',
};

function reading(
  trigger: TriggerSpec,
  state: AlarmState | null,
  sinceMs: number | null = T0 - 60_000,
): TriggerReading {
  return { trigger, state, missing: false, sinceMs };
}

const missing = (trigger: TriggerSpec): TriggerReading => ({
  trigger,
  state: null,
  missing: true,
  sinceMs: null,
});

describe('decide: failover trigger alarms', () => {
  // biome-ignore format: one runbook case per line
  const CASES: [string, string, string, TriggerReading[], Partial<RegionState>, Record<string, Override>, string[], string, string[]][] = [
    // case                                                            us-east-1 us-west-2 readings                                              us-east-1 before                        overrides                          in rotation    us-east-1 reason   conditions
    ['an alarm in ALARM takes its healthy region out',                   'HHH', 'HHH', [reading(sbc(USE1), 'ALARM')],                            {},                                     {},                                [USW2],        'AlarmTriggered',  []],
    ['an alarm in OK changes nothing',                                   'HHH', 'HHH', [reading(sbc(USE1), 'OK')],                               {},                                     {},                                [USE1, USW2],  'Healthy',         []],
    ['INSUFFICIENT_DATA does not fire (as CloudWatch alarm actions)',    'HHH', 'HHH', [reading(sbc(USE1), 'INSUFFICIENT_DATA')],                {},                                     {},                                [USE1, USW2],  'Healthy',         []],
    ['the alarm of the other region does not touch this one',            'HHH', 'HHH', [reading(sbc(USW2), 'ALARM')],                            {},                                     {},                                [USE1],        'Healthy',         []],
    ['alarms on both: the minimum keeps one, the healthier by votes',    'HHH', 'HHU', [reading(sbc(USE1), 'ALARM'), reading(sbc(USW2), 'ALARM')], {},                                  {},                                [USE1],        'MinRegionsKept',  ['MinRegionsKept:us-east-1']],
    ['with the other region drained an alarm cannot take the last out',  'HHH', 'HHH', [reading(sbc(USE1), 'ALARM')],                            {},                                     { [USW2]: drain('alice', T0) },    [USE1],        'MinRegionsKept',  ['MinRegionsKept:us-east-1']],
    ['a pin beats the alarm (the operator decides)',                     'HHH', 'HHH', [reading(sbc(USE1), 'ALARM')],                            {},                                     { [USE1]: pin('alice', T0) },      [USE1, USW2],  'Pinned',          ['PinnedUnhealthy:us-east-1']],
    ['SIP down and alarm: SIP is the reason, the alarm still counts',    'UUU', 'HHH', [reading(sbc(USE1), 'ALARM')],                            {},                                     {},                                [USW2],        'SipUnhealthy',    []],
    ['unreadable keeps the last verdict: firing',                        'HHH', 'HHH', [reading(sbc(USE1), null)],                               { ...DOWN, sipHealthy: true, reason: 'AlarmTriggered', triggeredBy: ['sbc-5xx-us-east-1'] }, {}, [USW2], 'AlarmTriggered', ['TriggerUnreadable:us-east-1']],
    ['unreadable keeps the last verdict: clear',                         'HHH', 'HHH', [reading(sbc(USE1), null)],                               {},                                     {},                                [USE1, USW2],  'Healthy',         ['TriggerUnreadable:us-east-1']],
    ['a missing alarm does not fire and says so',                        'HHH', 'HHH', [missing(sbc(USE1))],                                     {},                                     {},                                [USE1, USW2],  'Healthy',         ['TriggerMissing:us-east-1']],
    ['OK within clearAfter after firing: still held out',                'HHH', 'HHH', [reading(sbc(USE1, 120_000), 'OK', T0 - 60_000)],         { ...DOWN, sipHealthy: true, reason: 'AlarmTriggered', triggeredBy: ['sbc-5xx-us-east-1'] }, {}, [USW2], 'AlarmTriggered', []],
    ['OK within clearAfter but never fired (first OK): not held',        'HHH', 'HHH', [reading(sbc(USE1, 120_000), 'OK', T0 - 60_000)],         {},                                     {},                                [USE1, USW2],  'Healthy',         []],
    ['OK past clearAfter: the failback dwell starts',                    'HHH', 'HHH', [reading(sbc(USE1, 30_000), 'OK', T0 - 60_000)],          { ...DOWN, sipHealthy: true, reason: 'AlarmTriggered', triggeredBy: ['sbc-5xx-us-east-1'] }, {}, [USW2], 'FailbackDwell', []],
  ];

  it.each(CASES)(
    '%s',
    (_case, use1, usw2, triggers, use1Before, overrides, inRotation, use1Reason, conditions) => {
      const previous = steady(T0, { [USE1]: use1Before });

      const outcome = decide(input({ votes: board(use1, usw2, T0), triggers, overrides, previous }), T0);

      expect(outcome.decision.inRotation).toEqual(inRotation);
      expect(outcome.decision.regions[USE1]?.reason).toBe(use1Reason);
      expect(conditionTypes(outcome)).toEqual(conditions);
    },
  );

  it('names the alarm in the reason and keeps it in the decision', () => {
    const outcome = decide(
      input({
        votes: board('HHH', 'HHH', T0),
        triggers: [reading(sbc(USE1), 'ALARM', T0 - 5000)],
        previous: steady(T0),
      }),
      T0,
    );

    expect(outcome.reasons[USE1]).toBe(
      `out: alarm sbc-5xx-us-east-1 in us-east-1 is ALARM since ${new Date(T0 - 5000).toISOString()}`,
    );
    expect(outcome.decision.regions[USE1]?.triggeredBy).toEqual(['sbc-5xx-us-east-1']);
    expect(outcome.evidence[USE1]?.triggers).toEqual([
      expect.objectContaining({ alarmName: 'sbc-5xx-us-east-1', state: 'ALARM', firing: true }),
    ]);
  });

  it('keeps the traffic where it is when both alarms fire, even if the other region lags less', () => {
    // Prepare: us-east-1 is out by its alarm; now us-west-2's fires too, and us-west-2 lags more.
    const previous = steady(T0, {
      [USE1]: { ...DOWN, sipHealthy: true, reason: 'AlarmTriggered', triggeredBy: ['sbc-5xx-us-east-1'] },
    });
    const lag = { [USE1]: lagSeries([10, 10, 10], T0), [USW2]: lagSeries([150, 150, 150], T0) };

    const outcome = decide(
      input({
        votes: board('HHH', 'HHH', T0),
        triggers: [reading(sbc(USE1), 'ALARM'), reading(sbc(USW2), 'ALARM')],
        lag,
        previous,
      }),
      T0,
    );

    expect(outcome.changed).toBe(false);
    expect(outcome.decision.inRotation).toEqual([USW2]);
    expect(outcome.decision.regions[USW2]?.reason).toBe('MinRegionsKept');
  });

  it('says in the minimum-regions condition which alarm would have taken the region out', () => {
    const outcome = decide(
      input({
        votes: board('HHH', 'HHH', T0),
        triggers: [reading(sbc(USE1), 'ALARM')],
        overrides: { [USW2]: drain('alice', T0) },
        previous: steady(T0),
      }),
      T0,
    );

    expect(outcome.conditions.find((c) => c.type === 'MinRegionsKept')?.message).toContain(
      'alarm sbc-5xx-us-east-1 in us-east-1 is ALARM',
    );
  });

  // biome-ignore format: one case per line
  const BACKSTOP_CASES: [string, string, AlarmState, string[]][] = [
    // case                                                                   us-west-2 votes  backstop  in rotation
    ['backstop in ALARM while us-west-2 monitor votes: lag meter covers it',   'HHH',           'ALARM',  [USE1, USW2]],
    ['backstop in ALARM with us-west-2 own monitor silent: us-west-2 out',     'H-H',           'ALARM',  [USE1]],
    ['backstop OK with us-west-2 own monitor silent: nothing changes',         'H-H',           'OK',     [USE1, USW2]],
  ];

  it.each(BACKSTOP_CASES)('%s', (_case, usw2, state, inRotation) => {
    const outcome = decide(
      input({
        votes: board('HHH', usw2, T0),
        triggers: [reading(BACKSTOP_USW2, state)],
        previous: steady(T0),
      }),
      T0,
    );

    expect(outcome.decision.inRotation).toEqual(inRotation);
  });

  it('keeps firing triggers when an evaluation reads no alarms at all (an operator without CloudWatch)', () => {
    const previous = steady(T0, {
      [USE1]: { ...DOWN, sipHealthy: true, reason: 'AlarmTriggered', triggeredBy: ['sbc-5xx-us-east-1'] },
    });

    const outcome = decide(input({ votes: board('HHH', 'HHH', T0), previous }), T0);

    expect(outcome.decision.inRotation).toEqual([USW2]);
    expect(outcome.decision.regions[USE1]?.reason).toBe('AlarmTriggered');
  });
});

describe('decide with triggers (properties)', () => {
  const stateArb = fc.constantFrom<AlarmState | null>('OK', 'ALARM', 'INSUFFICIENT_DATA', null);
  const readingArb = fc.record({
    region: fc.constantFrom(USE1, USW2),
    state: stateArb,
    sinceMs: fc.integer({ min: T0 - 300_000, max: T0 }),
    clearAfterMs: fc.constantFrom(0, 60_000),
  });
  const marksArb = fc.constantFrom('HHH', 'HHU', 'UUU', 'H-H', '---', 'UUH');

  it('never takes the rotation under minRegionsInRotation (no forced drain)', () => {
    fc.assert(
      fc.property(
        fc.array(readingArb, { maxLength: 4 }),
        marksArb,
        marksArb,
        fc.integer({ min: 1, max: 2 }),
        fc.constantFrom<Record<string, Override>>({}, { [USE1]: drain('a', T0) }, { [USW2]: drain('a', T0) }),
        (rs, use1, usw2, min, overrides) => {
          const triggers = rs.map((r, i) =>
            reading({ ...sbc(r.region, r.clearAfterMs), alarmName: `a${i}` }, r.state, r.sinceMs),
          );
          const settings = { ...SETTINGS, minRegionsInRotation: min };

          const { decision } = decide(
            input({ votes: board(use1, usw2, T0), triggers, overrides, previous: steady(T0), settings }),
            T0,
          );

          expect(decision.inRotation.length).toBeGreaterThanOrEqual(min);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('brings a region out by an alarm back only after OK plus clearAfter plus the failback dwell', () => {
    // A timeline: the alarm fires at `fireAt`, returns to OK at `okAt`; healthy votes throughout.
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 120 }),
        fc.constantFrom(0, 30_000, 90_000),
        fc.constantFrom(0, 30, 60),
        (alarmSeconds, clearAfterMs, dwellSeconds) => {
          const settings = { ...SETTINGS, failbackDwellSeconds: dwellSeconds };
          const trigger = sbc(USE1, clearAfterMs);
          const fireAt = T0;
          const okAt = T0 + alarmSeconds * 1000;
          let previous: Decision = steady(T0 - 5000);
          let backAt: number | null = null;
          for (let now = T0; now <= okAt + clearAfterMs + dwellSeconds * 1000 + 20_000; now += 5000) {
            const state: AlarmState = now < okAt ? 'ALARM' : 'OK';
            const since = now < okAt ? fireAt : okAt;
            const outcome = decide(
              input({
                votes: board('HHH', 'HHH', now),
                triggers: [reading(trigger, state, since)],
                previous,
                settings,
              }),
              now,
            );
            const inNow = outcome.decision.inRotation.includes(USE1);
            if (now < okAt + clearAfterMs) expect(inNow).toBe(false);
            if (inNow && backAt === null) backAt = now;
            previous = outcome.decision;
          }
          expect(backAt).not.toBeNull();
          expect(backAt as number).toBeGreaterThanOrEqual(okAt + clearAfterMs + dwellSeconds * 1000);
        },
      ),
      { numRuns: 200 },
    );
  });
});
