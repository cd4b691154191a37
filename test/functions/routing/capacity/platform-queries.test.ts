import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformRequestError } from '../../../../functions/oauth/platform-client.js';
import { memoryTokenStore } from '../../../../functions/oauth/token-store.js';
import {
  handleTimes,
  queueMembers,
  queueObservations,
} from '../../../../functions/routing/capacity/platform-queries.js';
import type { LocalQueueMember } from '../../../../local/platform/server.js';
import { A, EAST, type Harness, startHarness } from '../../oauth/harness.js';

const Q1 = '44444444-4444-4444-4444-444444444444';
const Q2 = '88888888-8888-8888-8888-888888888888';

describe('capacity platform queries against the local platform', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ store: memoryTokenStore() });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('lists every member over pages of 100, with routing status and active skills only', async () => {
    // Prepare: 230 members, so three pages
    const members: LocalQueueMember[] = Array.from({ length: 230 }, (_, i) => ({
      userId: `user-${String(i).padStart(3, '0')}`,
      joined: i % 2 === 0,
      routingStatus: { status: 'IDLE', startTime: '2026-03-01T09:59:00.000Z' },
      skills: [
        { name: 'billing', proficiency: 3 },
        { name: 'legacy', proficiency: 5, state: 'inactive' },
      ],
    }));
    h.platform.setQueue('east', Q1, { members });
    // Act
    const listed = await queueMembers(h.client(EAST, A), Q1);
    // Assess
    expect(listed).toHaveLength(230);
    expect(listed[229]).toEqual({
      userId: 'user-229',
      joined: false,
      routingStatus: { status: 'IDLE', startTime: Date.parse('2026-03-01T09:59:00.000Z') },
      skills: { billing: 3 },
    });
    expect(listed.filter((m) => m.joined)).toHaveLength(115);
  });

  it('reads a member without a routing status as unknown (null) and an empty skills list as no skills', async () => {
    h.platform.setQueue('east', Q1, { members: [{ userId: 'u-1', joined: true }] });
    const [member] = await queueMembers(h.client(EAST, A), Q1);
    expect(member).toEqual({ userId: 'u-1', joined: true, routingStatus: null, skills: {} });
  });

  it('fails with the 404 of a queue the org does not have', async () => {
    const error = await queueMembers(h.client(EAST, A), 'not-a-queue').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformRequestError);
    expect((error as PlatformRequestError).status).toBe(404);
  });

  it('adds up the observation counts per queue; a queue not set is missing, a metric without a row is 0', async () => {
    // Prepare
    h.platform.setQueue('east', Q1, {
      members: [],
      observed: { oWaiting: 3, oInteracting: 5, oOnQueueUsers: 7 },
    });
    h.platform.setQueue('east', Q2, { members: [], observed: {} });
    // Act
    const observed = await queueObservations(h.client(EAST, A), [Q1, Q2, 'unknown-queue']);
    // Assess
    expect(Object.fromEntries(observed)).toEqual({
      [Q1]: { waiting: 3, counts: { interacting: 5, onQueueUsers: 7, activeUsers: 0, memberUsers: 0 } },
      [Q2]: { waiting: 0, counts: { interacting: 0, onQueueUsers: 0, activeUsers: 0, memberUsers: 0 } },
    });
  });

  it('averages tHandle over the interval per queue; a queue without completed handling is missing', async () => {
    // Prepare
    h.platform.setQueue('east', Q1, { members: [], handle: { sum: 240_784, count: 2 } });
    h.platform.setQueue('east', Q2, { members: [] });
    // Act
    const handle = await handleTimes(h.client(EAST, A), [Q1, Q2], h.clock.t - 1_800_000, h.clock.t);
    // Assess
    expect(Object.fromEntries(handle)).toEqual({ [Q1]: 120_392 });
  });
});
