import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  contextCacheKeys,
  crmEventKeys,
  expiresAtFor,
  liveOrUndefined,
} from '../../../functions/shared/keys.js';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';

const A = 'us-east-1';
const B = 'us-west-2';
// Bounds a hang only; nothing here asserts how fast replication is.
const GIVE_UP_MS = 15_000;

describe('local MREC replication (ContextCache, CrmEvents)', () => {
  let world: LocalWorld;
  beforeAll(async () => {
    world = await startLocalWorld({ env: 'dev' });
  });
  afterAll(async () => {
    await world?.stop();
  });
  afterEach(() => {
    // A read or apply error is kept by the replicator, not thrown: surface it on the test that caused it.
    expect(world.replication.errors).toEqual([]);
    for (const [from, to] of [
      [A, B],
      [B, A],
    ] as const) {
      world.replication.restore(from, to);
      world.replication.setDelay(from, to, 0);
    }
  });

  const contextItem = (value: string) => ({
    ...contextCacheKeys.context(`conv-${randomUUID()}`),
    value,
    expiresAt: expiresAtFor(Date.now(), 300),
  });
  const read = async (region: string, key: object, table: string = world.tables.contextCache) =>
    (
      await world
        .region(region)
        .doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))
    ).Item;
  const keyOf = (item: { pk: string }) => ({ pk: item.pk });

  it('copies a ContextCache write in one region to the replica in the other', async () => {
    // Prepare
    const item = contextItem('from A');
    // Act
    await world.region(A).doc.send(new PutCommand({ TableName: world.tables.contextCache, Item: item }));
    await world.replication.settle();
    // Assess
    expect(await read(B, keyOf(item))).toEqual(item);
  });

  it('copies CrmEvents writes too (partition and sort key)', async () => {
    // Prepare
    const item = { ...crmEventKeys.event(`conv-${randomUUID()}`, 1_700_000_000_000, 'evt-1'), kind: 'note' };
    // Act
    await world.region(B).doc.send(new PutCommand({ TableName: world.tables.crmEvents, Item: item }));
    await world.replication.settle();
    // Assess
    expect(await read(A, { pk: item.pk, sk: item.sk }, world.tables.crmEvents)).toEqual(item);
  });

  it('holds a write back while the link is cut and delivers it after restore', async () => {
    // Prepare
    world.replication.setDelay(A, B, 50);
    world.replication.cut(A, B);
    const item = contextItem('queued');
    // Act
    await world.region(A).doc.send(new PutCommand({ TableName: world.tables.contextCache, Item: item }));
    await sleep(400); // far longer than the 50 ms delay
    const whileCut = await read(B, keyOf(item));
    const queued = world.replication.pending(A, B);
    world.replication.restore(A, B);
    await world.replication.settle();
    // Assess
    expect(whileCut).toBeUndefined();
    expect(queued).toBeGreaterThanOrEqual(1);
    expect(await read(B, keyOf(item))).toEqual(item);
  });

  it('delivers a change no earlier than the configured delay after the write', async () => {
    // Prepare
    world.replication.setDelay(A, B, 250);
    const item = contextItem('late');
    // Act
    const writtenAt = performance.now();
    await world.region(A).doc.send(new PutCommand({ TableName: world.tables.contextCache, Item: item }));
    let seenAt: number | undefined;
    while (seenAt === undefined && performance.now() - writtenAt < GIVE_UP_MS) {
      if ((await read(B, keyOf(item))) !== undefined) seenAt = performance.now();
      else await sleep(5);
    }
    // Assess: a lower bound only (an upper bound would time the machine).
    expect(seenAt).toBeDefined();
    expect((seenAt ?? 0) - writtenAt).toBeGreaterThanOrEqual(250);
  });

  it('replicates deletes', async () => {
    // Prepare
    const item = contextItem('doomed');
    await world.region(A).doc.send(new PutCommand({ TableName: world.tables.contextCache, Item: item }));
    await world.replication.settle();
    // Act
    await world
      .region(B)
      .doc.send(new DeleteCommand({ TableName: world.tables.contextCache, Key: keyOf(item) }));
    await world.replication.settle();
    // Assess
    expect(await read(A, keyOf(item))).toBeUndefined();
  });

  it('converges when both regions write the same item at once', async () => {
    // Prepare
    const keys = Array.from({ length: 10 }, () => contextCacheKeys.context(`conv-${randomUUID()}`));
    // Act
    await Promise.all(
      keys.flatMap((key) =>
        [A, B].map((region) =>
          world
            .region(region)
            .doc.send(new PutCommand({ TableName: world.tables.contextCache, Item: { ...key, region } })),
        ),
      ),
    );
    await world.replication.settle();
    // Assess
    for (const key of keys) {
      const [inA, inB] = await Promise.all([read(A, key), read(B, key)]);
      expect(inA).toEqual(inB);
      expect([A, B]).toContain(inA?.region);
    }
  });

  it('keeps the later write in both regions, whichever arrives first', async () => {
    // Prepare: both links cut, so each replica holds only its own write.
    world.replication.cut(A, B);
    world.replication.cut(B, A);
    const key = contextCacheKeys.context(`conv-${randomUUID()}`);
    await world
      .region(B)
      .doc.send(new PutCommand({ TableName: world.tables.contextCache, Item: { ...key, v: 'first' } }));
    await world.replication.settle(); // the replicator has read (and timestamped) the first write
    await world
      .region(A)
      .doc.send(new PutCommand({ TableName: world.tables.contextCache, Item: { ...key, v: 'second' } }));
    await world.replication.settle();
    // Act: the older write travels first
    world.replication.restore(B, A);
    await world.replication.settle();
    world.replication.restore(A, B);
    await world.replication.settle();
    // Assess
    expect((await read(A, key))?.v).toBe('second');
    expect((await read(B, key))?.v).toBe('second');
  });

  it('reads an item past expiresAt as absent through the shared read helper, in both replicas', async () => {
    // Prepare: DynamoDB deletes expired items lazily, so the raw item is still there.
    const now = Date.now();
    const expired = {
      ...contextCacheKeys.context(`conv-${randomUUID()}`),
      expiresAt: Math.floor(now / 1000) - 1,
    };
    const live = contextItem('still here');
    for (const Item of [expired, live]) {
      await world.region(A).doc.send(new PutCommand({ TableName: world.tables.contextCache, Item }));
    }
    await world.replication.settle();
    // Act
    const raw = await read(B, keyOf(expired));
    const results = await Promise.all(
      [A, B].flatMap((region) =>
        [expired, live].map(async (item) => liveOrUndefined(await read(region, keyOf(item)), now)),
      ),
    );
    // Assess
    expect(raw).toEqual(expired);
    expect(results).toEqual([undefined, live, undefined, live]);
  });
});
