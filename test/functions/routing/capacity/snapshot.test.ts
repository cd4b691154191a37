import { describe, expect, it } from 'vitest';
import { snapshotOf } from '../../../../functions/routing/capacity/reader.js';
import { summarize } from '../../../../functions/routing/capacity/summary.js';
import { controlKeys } from '../../../../functions/shared/keys.js';

const R = 'us-east-1';
const Q = 'q-1';
const member = (userId: string, fields: Record<string, unknown>) => ({
  ...controlKeys.capacityMember(R, Q, userId),
  userId,
  ...fields,
});

describe('snapshotOf', () => {
  it('keeps joined members only, sorted, with nulls for what was never seen, and the observation', () => {
    // Prepare
    const items = [
      member('u-3', {
        joined: true,
        joinedAt: 1,
        routingStatus: 'IDLE',
        routingStatusAt: 2,
        skills: { billing: 4 },
      }),
      member('u-1', { joined: true, joinedAt: 1 }),
      member('u-2', { joined: false, joinedAt: 5, routingStatus: 'IDLE', onQueue: true }),
      member('u-4', { routingStatus: 'IDLE', onQueue: true }),
      { ...controlKeys.capacityObserved(R, Q), waiting: 3, handleTimeMs: 240_000, observedAt: 1000 },
    ];
    // Act
    const snapshot = snapshotOf(R, Q, items);
    // Assess
    expect(snapshot).toEqual({
      region: R,
      queueId: Q,
      members: [
        { userId: 'u-1', routingStatus: null, onQueue: null, skills: {} },
        { userId: 'u-3', routingStatus: 'IDLE', onQueue: null, skills: { billing: 4 } },
      ],
      waiting: 3,
      handleTimeMs: 240_000,
      observedAt: 1000,
    });
  });

  it('answers nulls and no members for a queue nothing is known of', () => {
    expect(snapshotOf(R, Q, [])).toEqual({
      region: R,
      queueId: Q,
      members: [],
      waiting: null,
      handleTimeMs: null,
      observedAt: null,
    });
  });
});

describe('summarize', () => {
  it('counts agents on queue, idle by skill and proficiency, and interacting', () => {
    // Prepare
    const snapshot = snapshotOf(R, Q, [
      member('a', { joined: true, routingStatus: 'IDLE', onQueue: true, skills: { billing: 4, french: 2 } }),
      member('b', { joined: true, routingStatus: 'IDLE', onQueue: null, skills: { billing: 4 } }),
      member('c', { joined: true, routingStatus: 'INTERACTING', onQueue: true, skills: { billing: 5 } }),
      member('d', { joined: true, routingStatus: 'IDLE', onQueue: false, skills: { billing: 5 } }),
      member('e', { joined: true, routingStatus: 'OFF_QUEUE', onQueue: true }),
      member('f', { joined: true }),
      { ...controlKeys.capacityObserved(R, Q), waiting: 2, observedAt: 1 },
    ]);
    // Act + Assess
    expect(summarize(snapshot)).toEqual({
      onQueue: 3,
      idle: 2,
      interacting: 1,
      idleBySkill: { billing: { '4': 2 }, french: { '2': 1 } },
      waiting: 2,
    });
  });
});
