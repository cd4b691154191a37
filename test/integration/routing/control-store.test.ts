import { beforeEach, describe, expect, it } from 'vitest';
import { ControlUnavailable } from '../../../functions/routing/budget.js';
import type { ControlStore } from '../../../functions/routing/control-store.js';
import { initialDecision } from '../../../functions/routing/quorum/rule.js';
import type { Vote } from '../../../functions/routing/quorum/types.js';
import type { LocalWorld } from '../../../local/dynamo/world.js';
import { A, B, SETTINGS, storeFor, T0, useControlWorld, W } from './quorum-fixtures.js';

function vote(seq: number, healthy: boolean, incarnation = 1, at = T0 + seq): Vote {
  return { observer: W, targetRegion: A, healthy, incarnation, seq, occurredAtMs: at };
}

describe('dynamoControlStore on local ControlState', () => {
  let world: LocalWorld;
  let store: ControlStore;
  let peer: ControlStore;
  useControlWorld((w) => {
    world = w;
  });
  beforeEach(() => {
    store = storeFor(world, A);
    peer = storeFor(world, B);
  });

  it('keeps the latest vote: a duplicate or an older seq changes nothing', async () => {
    // Act
    const first = await store.putVote(vote(5, false), SETTINGS.voteStaleMs);
    const duplicate = await peer.putVote(vote(5, false), SETTINGS.voteStaleMs);
    const older = await store.putVote(vote(4, true), SETTINGS.voteStaleMs);
    const newer = await peer.putVote(vote(6, true), SETTINGS.voteStaleMs);
    // Assess
    expect([first.reason, duplicate.reason, older.reason, newer.reason]).toEqual([
      'First',
      'Duplicate',
      'OutOfOrder',
      'NewerSeq',
    ]);
    expect(await store.readVotes([A, B])).toEqual([vote(6, true)]);
  });

  it('stores one vote when both regions store the same votes at once', async () => {
    // Act
    const seqs = [1, 2, 3, 4, 5, 6, 7, 8];
    await Promise.all([
      ...seqs.map((s) => store.putVote(vote(s, s % 2 === 0), SETTINGS.voteStaleMs)),
      ...seqs.reverse().map((s) => peer.putVote(vote(s, s % 2 === 0), SETTINGS.voteStaleMs)),
    ]);
    // Assess
    expect(await peer.readVotes([A])).toEqual([vote(8, true)]);
  });

  it('stores a lag sample once per event and keeps them in time order', async () => {
    // Act
    const added = [
      await store.addLagSample(B, { lagMs: 250, atMs: T0 + 2000, eventId: 'e2' }),
      await peer.addLagSample(B, { lagMs: 240, atMs: T0 + 1000, eventId: 'e1' }),
      await peer.addLagSample(B, { lagMs: 250, atMs: T0 + 2000, eventId: 'e2' }),
    ];
    // Assess
    expect(added).toEqual([true, true, false]);
    expect(await store.readLag([A, B])).toEqual({
      [A]: [],
      [B]: [
        { lagMs: 240, atMs: T0 + 1000 },
        { lagMs: 250, atMs: T0 + 2000 },
      ],
    });
  });

  it('writes the decision only on the version it read', async () => {
    // Prepare
    const decision = initialDecision(SETTINGS, T0);
    const v1 = await store.writeDecision(decision, {}, null);
    // Act
    const stale = await store.writeDecision({ ...decision, revision: 2 }, {}, null).catch((e: unknown) => e);
    const v2 = await peer.writeDecision({ ...decision, revision: 2 }, {}, v1);
    // Assess
    expect(stale).toMatchObject({ name: 'ConditionalCheckFailedException' });
    await expect(store.writeDecision({ ...decision, revision: 3 }, {}, v1)).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    expect((await store.readDecision())?.decision.revision).toBe(2);
    expect(v2).toBe(v1 + 1);
  });

  it('round-trips overrides and clears them', async () => {
    // Act
    await store.putOverride(B, { mode: 'drain', by: 'ana', reason: 'patching', atMs: T0 });
    const during = await peer.readOverrides([A, B]);
    await peer.clearOverride(B);
    // Assess
    expect(during).toEqual({ [B]: { mode: 'drain', by: 'ana', reason: 'patching', atMs: T0 } });
    expect(await store.readOverrides([A, B])).toEqual({});
  });

  it('fails with ControlUnavailable in a partitioned region, and the other region still reads', async () => {
    // Prepare
    await store.writeDecision(initialDecision(SETTINGS, T0), {}, null);
    world.partition(B);
    // Act / Assess
    await expect(peer.readDecision()).rejects.toBeInstanceOf(ControlUnavailable);
    await expect(peer.putVote(vote(1, true), SETTINGS.voteStaleMs)).rejects.toBeInstanceOf(
      ControlUnavailable,
    );
    expect((await store.readDecision())?.decision.epoch).toBe(0);
  });

  it('gives up at the budget when ControlState answers too slowly', { timeout: 20_000 }, async () => {
    // Prepare: a reply 15 s late; without the budget the call would outlast the test's timeout.
    world.region(B).setFaults({ latencyMs: 15_000 });
    const slow = storeFor(world, B, 200);
    // Act
    const error = await slow.readDecision().catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ControlUnavailable);
    expect(error).toMatchObject({ overBudget: true });
  });
});
