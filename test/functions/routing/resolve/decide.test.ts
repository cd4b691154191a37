import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentCapacity, QueueSnapshot } from '../../../../functions/routing/capacity/types.js';
import type { DirectoryEntryInput } from '../../../../functions/routing/directory/schema.js';
import { type DecideInput, decide, summarize } from '../../../../functions/routing/resolve/decide.js';

const A = 'us-east-1';
const B = 'us-west-2';
const SETTINGS = {
  circuitBreakerMs: 300,
  maxOverflowPercentage: 20,
  preferCallerRegionMarginMs: 30_000,
  defaultHandleTimeMs: 300_000,
};
const ENTRY: DirectoryEntryInput = {
  name: 'PRIMARY_SUPPORT_QUEUE',
  regions: {
    [A]: { queueId: 'q-east', transferAddress: 'tel:+15550001000' },
    [B]: { queueId: 'q-west', transferAddress: 'sip:support@west.example.com' },
  },
  skills: [{ name: 'billing', minProficiency: 2 }],
  fallback: 'SECONDARY_SUPPORT_QUEUE',
};

function agents(
  idle: number,
  busy: number,
  skills: Record<string, number> = { billing: 3 },
): AgentCapacity[] {
  const make = (status: string, i: number): AgentCapacity => ({
    userId: `${status}-${i}`,
    routingStatus: status,
    onQueue: true,
    skills,
  });
  return [
    ...Array.from({ length: idle }, (_, i) => make('IDLE', i)),
    ...Array.from({ length: busy }, (_, i) => make('INTERACTING', i)),
  ];
}

function snapshot(
  region: string,
  members: AgentCapacity[],
  waiting = 0,
  handleTimeMs: number | null = 60_000,
): QueueSnapshot {
  return { region, queueId: `q-${region}`, members, waiting, handleTimeMs, observedAt: 1 };
}

function input(over: Partial<DecideInput> = {}): DecideInput {
  return {
    entry: ENTRY,
    callerRegion: A,
    extraSkills: [],
    regions: [
      { region: A, inRotation: true, lagMs: 40 },
      { region: B, inRotation: true, lagMs: 40 },
    ],
    capacity: { [A]: snapshot(A, agents(3, 2)), [B]: snapshot(B, agents(3, 2)) },
    overflow: { total: 50, overflowed: 0 },
    settings: SETTINGS,
    ...over,
  };
}

describe('summarize', () => {
  it.each([
    ['idle agents above the waiting count: no wait', agents(3, 2), 2, 0],
    [
      'more waiting than idle: (waiting - idle + 1) x handle time / staffed',
      agents(1, 4),
      5,
      (5 * 60_000) / 5,
    ],
    ['nobody staffed: unbounded', [], 0, Number.POSITIVE_INFINITY],
  ])('%s', (_name, members, waiting, expected) => {
    const s = summarize(snapshot(A, members, waiting), ENTRY.skills, 1000);
    expect(s.expectedWaitMs).toBe(expected);
  });

  it('counts only agents on queue holding every skill at the proficiency asked', () => {
    const members: AgentCapacity[] = [
      { userId: 'u1', routingStatus: 'IDLE', onQueue: true, skills: { billing: 2 } },
      { userId: 'u2', routingStatus: 'IDLE', onQueue: true, skills: { billing: 1 } },
      { userId: 'u3', routingStatus: 'IDLE', onQueue: false, skills: { billing: 5 } },
      { userId: 'u4', routingStatus: 'OFF_QUEUE', onQueue: true, skills: { billing: 5 } },
      { userId: 'u5', routingStatus: 'INTERACTING', onQueue: null, skills: { billing: 4 } },
      { userId: 'u6', routingStatus: null, onQueue: true, skills: { billing: 4 } },
      { userId: 'u7', routingStatus: 'IDLE', onQueue: true, skills: {} },
    ];
    expect(summarize(snapshot(A, members), ENTRY.skills, 1000)).toMatchObject({ staffed: 2, idle: 1 });
  });

  it('knows nothing of a queue without members or an observation', () => {
    const none = {
      region: A,
      queueId: 'q',
      members: [],
      waiting: null,
      handleTimeMs: null,
      observedAt: null,
    };
    expect(summarize(none, [], 1000).known).toBe(false);
  });
});

describe('decide', () => {
  const busyA = { [A]: snapshot(A, agents(0, 2), 10), [B]: snapshot(B, agents(5, 0)) };
  it.each<[string, Partial<DecideInput>, { region?: string; reason?: string; kind?: string }]>([
    ['both fine and alike: the caller region', {}, { region: A, reason: 'caller_region' }],
    [
      'the caller region over the breaker: the other, circuit_open',
      {
        regions: [
          { region: A, inRotation: true, lagMs: 300 },
          { region: B, inRotation: true, lagMs: 10 },
        ],
      },
      { region: B, reason: 'circuit_open' },
    ],
    [
      'the caller region out of rotation: the other',
      {
        regions: [
          { region: A, inRotation: false, lagMs: 10 },
          { region: B, inRotation: true, lagMs: 10 },
        ],
      },
      { region: B, reason: 'not_in_rotation' },
    ],
    [
      'no skilled agent on queue in the caller region: the other',
      {
        capacity: { [A]: snapshot(A, agents(2, 0, { sales: 5 })), [B]: snapshot(B, agents(1, 0)) },
      },
      { region: B, reason: 'no_capacity' },
    ],
    [
      'the other clearly better and the cap allows: overflow',
      { capacity: busyA },
      { region: B, reason: 'better_elsewhere' },
    ],
    [
      'the other clearly better but the cap is reached: the caller region',
      {
        capacity: busyA,
        overflow: { total: 50, overflowed: 10 },
      },
      { region: A, reason: 'overflow_capped' },
    ],
    [
      'the other better, but within the margin: the caller region',
      {
        capacity: { [A]: snapshot(A, agents(0, 20), 0, 60_000), [B]: snapshot(B, agents(1, 0)) },
      },
      { region: A, reason: 'caller_region' },
    ],
    [
      'capacity unknown in the other region: no overflow on a guess',
      {
        capacity: { [A]: snapshot(A, agents(0, 2), 10) },
      },
      { region: A, reason: 'caller_region' },
    ],
    [
      'a region lock holds even when the caller region is better',
      {
        entry: { ...ENTRY, regionLock: B },
      },
      { region: B, reason: 'region_lock' },
    ],
    [
      'a region lock on a region over the breaker: fallback',
      {
        entry: { ...ENTRY, regionLock: B },
        regions: [
          { region: A, inRotation: true, lagMs: 10 },
          { region: B, inRotation: true, lagMs: 900 },
        ],
      },
      { kind: 'fallback' },
    ],
    [
      'no region qualifies: fallback',
      {
        regions: [
          { region: A, inRotation: true, lagMs: 400 },
          { region: B, inRotation: false, lagMs: 10 },
        ],
      },
      { kind: 'fallback' },
    ],
    [
      'a fallback queue takes the call without idle agents',
      {
        capacity: { [A]: snapshot(A, []), [B]: snapshot(B, []) },
        requireCapacity: false,
      },
      { region: A, reason: 'caller_region' },
    ],
    [
      'the caller region has no queue for the entry: the other, no_target',
      {
        entry: { ...ENTRY, regions: { [B]: ENTRY.regions[B] as never } },
      },
      { region: B, reason: 'no_target' },
    ],
  ])('%s', (_name, over, expected) => {
    const d = decide(input(over));
    expect(d).toMatchObject(expected.kind ? { kind: expected.kind } : { kind: 'queue', ...expected });
  });

  it('names the lag and the breaker in the detail of circuit_open', () => {
    const d = decide(
      input({
        regions: [
          { region: A, inRotation: true, lagMs: 450 },
          { region: B, inRotation: true, lagMs: 10 },
        ],
      }),
    );
    expect(d.kind === 'queue' && d.detail).toMatch(
      /us-east-1 inbound replication lag 450 ms is over the 300 ms breaker/,
    );
  });

  it('caps overflow at the configured share of the sliding window', () => {
    // 20 % of (total + this one): with 9 of 49 overflowed the 50th may, with 10 of 49 it may not.
    const capacity = busyA;
    expect(decide(input({ capacity, overflow: { total: 49, overflowed: 9 } }))).toMatchObject({
      reason: 'better_elsewhere',
    });
    expect(decide(input({ capacity, overflow: { total: 49, overflowed: 10 } }))).toMatchObject({
      reason: 'overflow_capped',
    });
  });

  it('never picks a region out of rotation or over the breaker (property)', () => {
    const region = (name: string) =>
      fc.record({
        region: fc.constant(name),
        inRotation: fc.boolean(),
        lagMs: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null }),
      });
    const members = fc.array(
      fc.record({
        userId: fc.uuid(),
        routingStatus: fc.constantFrom('IDLE', 'INTERACTING', 'OFF_QUEUE', 'NOT_RESPONDING', null),
        onQueue: fc.constantFrom(true, false, null),
        skills: fc.dictionary(fc.constantFrom('billing', 'sales'), fc.integer({ min: 0, max: 5 })),
      }),
      { maxLength: 8 },
    );
    const snap = (name: string) =>
      fc.option(
        fc.record({
          region: fc.constant(name),
          queueId: fc.constant(`q-${name}`),
          members,
          waiting: fc.option(fc.integer({ min: 0, max: 50 }), { nil: null }),
          handleTimeMs: fc.option(fc.integer({ min: 1000, max: 900_000 }), { nil: null }),
          observedAt: fc.option(fc.constant(1), { nil: null }),
        }),
        { nil: undefined },
      );
    fc.assert(
      fc.property(
        region(A),
        region(B),
        snap(A),
        snap(B),
        fc.constantFrom(A, B),
        fc.option(fc.constantFrom(A, B), { nil: undefined }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        fc.boolean(),
        (ra, rb, sa, sb, caller, lock, total, overflowed, requireCapacity) => {
          const d = decide(
            input({
              regions: [ra, rb],
              capacity: { [A]: sa, [B]: sb },
              callerRegion: caller,
              entry: lock ? { ...ENTRY, regionLock: lock } : ENTRY,
              overflow: { total, overflowed: Math.min(total, overflowed) },
              requireCapacity,
            }),
          );
          if (d.kind === 'fallback') return true;
          const chosen = [ra, rb].find((r) => r.region === d.region);
          return chosen?.inRotation === true && (chosen.lagMs === null || chosen.lagMs < 300);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
