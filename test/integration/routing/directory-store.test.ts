import { beforeEach, describe, expect, it } from 'vitest';
import { ControlUnavailable } from '../../../functions/routing/budget.js';
import type { DirectoryEntryInput } from '../../../functions/routing/directory/schema.js';
import {
  type DirectoryStore,
  DirectoryVersionConflict,
  dynamoDirectoryStore,
} from '../../../functions/routing/directory/store.js';
import { dynamoDocClient } from '../../../functions/shared/clients.js';
import type { LocalWorld } from '../../../local/dynamo/world.js';
import { A, B, BUDGET_MS, T0, useControlWorld } from './quorum-fixtures.js';

/** A directory store for `region` as the resolve function makes it: one attempt, the control budget. */
function directoryFor(world: LocalWorld, region: string): DirectoryStore {
  const doc = dynamoDocClient(region, world.region(region).endpoint, {
    maxAttempts: 1,
    requestTimeoutMs: BUDGET_MS,
  });
  return dynamoDirectoryStore({ doc, tableName: world.tables.controlState, budgetMs: BUDGET_MS });
}

function entry(name: string, queueId = 'q-east-1', fallback?: string): DirectoryEntryInput {
  return {
    name,
    regions: {
      [A]: { queueId, transferAddress: 'sip:support@use1.example.com' },
      [B]: { queueId: 'q-west-1', transferAddress: 'tel:+15551230000' },
    },
    skills: [{ name: 'billing', minProficiency: 2 }],
    ...(fallback ? { fallback } : {}),
  };
}

describe('dynamoDirectoryStore on local ControlState', () => {
  let world: LocalWorld;
  let east: DirectoryStore;
  let west: DirectoryStore;
  useControlWorld((w) => {
    world = w;
  });
  beforeEach(() => {
    east = directoryFor(world, A);
    west = directoryFor(world, B);
  });

  it('stores version 1 with who and when, then +1 per write, read back strongly in the other region', async () => {
    // Act
    const first = await east.put(entry('PRIMARY_SUPPORT_QUEUE'), { by: 'ana', now: T0 });
    const second = await west.put(entry('PRIMARY_SUPPORT_QUEUE', 'q-east-2'), {
      by: 'bob',
      now: T0 + 1000,
      expectedVersion: 1,
    });
    const read = await west.get('PRIMARY_SUPPORT_QUEUE');
    // Assess
    expect(first).toMatchObject({ version: 1, updatedBy: 'ana', updatedAt: new Date(T0).toISOString() });
    expect(second.version).toBe(2);
    expect(read).toEqual({
      ...entry('PRIMARY_SUPPORT_QUEUE', 'q-east-2'),
      version: 2,
      updatedAt: new Date(T0 + 1000).toISOString(),
      updatedBy: 'bob',
    });
  });

  it('answers null for a queue that is not in the directory', async () => {
    expect(await east.get('NO_SUCH_QUEUE')).toBeNull();
  });

  it('lists every entry sorted by name, with fallback and lock as stored', async () => {
    // Prepare
    await east.put(entry('SECONDARY_SUPPORT_QUEUE'), { by: 'ana', now: T0 });
    await west.put(
      { ...entry('PRIMARY_SUPPORT_QUEUE', 'q', 'SECONDARY_SUPPORT_QUEUE'), regionLock: B },
      {
        by: 'ana',
        now: T0,
      },
    );
    await east.put(entry('FALLBACK_QUEUE'), { by: 'ana', now: T0 });
    // Act
    const listed = await west.list();
    // Assess
    expect(listed.map((e) => e.name)).toEqual([
      'FALLBACK_QUEUE',
      'PRIMARY_SUPPORT_QUEUE',
      'SECONDARY_SUPPORT_QUEUE',
    ]);
    expect(listed[1]).toMatchObject({ fallback: 'SECONDARY_SUPPORT_QUEUE', regionLock: B });
    expect(listed[0]).not.toHaveProperty('fallback');
  });

  it('rejects a write on a stale version with DirectoryVersionConflict, keeping the stored entry', async () => {
    // Prepare
    await east.put(entry('PRIMARY_SUPPORT_QUEUE'), { by: 'ana', now: T0 });
    await west.put(entry('PRIMARY_SUPPORT_QUEUE', 'q-2'), { by: 'bob', now: T0, expectedVersion: 1 });
    // Act
    const stale = await east
      .put(entry('PRIMARY_SUPPORT_QUEUE', 'q-3'), { by: 'ana', now: T0, expectedVersion: 1 })
      .catch((e: unknown) => e);
    // Assess
    expect(stale).toBeInstanceOf(DirectoryVersionConflict);
    expect(stale).toMatchObject({ queue: 'PRIMARY_SUPPORT_QUEUE', expected: 1, actual: 2 });
    expect((await east.get('PRIMARY_SUPPORT_QUEUE'))?.regions[A]?.queueId).toBe('q-2');
  });

  it('rejects a create (expectedVersion null) when the entry exists, and an update when it does not', async () => {
    // Prepare
    await east.put(entry('PRIMARY_SUPPORT_QUEUE'), { by: 'ana', now: T0, expectedVersion: null });
    // Act
    const create = await east
      .put(entry('PRIMARY_SUPPORT_QUEUE'), { by: 'bob', now: T0, expectedVersion: null })
      .catch((e: unknown) => e);
    const update = await east
      .put(entry('NEW_QUEUE'), { by: 'bob', now: T0, expectedVersion: 4 })
      .catch((e: unknown) => e);
    // Assess
    expect(create).toBeInstanceOf(DirectoryVersionConflict);
    expect(create).toMatchObject({ expected: null, actual: 1 });
    expect(update).toMatchObject({ queue: 'NEW_QUEUE', expected: 4, actual: null });
    expect(await east.get('NEW_QUEUE')).toBeNull();
  });

  it('keeps every concurrent write from both regions as its own version: no lost update', async () => {
    // Act: three rounds of a write from each region at the same time, on whatever is stored
    const written = [];
    for (let round = 0; round < 3; round++) {
      written.push(
        ...(await Promise.all([
          east.put(entry('PRIMARY_SUPPORT_QUEUE', `east-${round}`), { by: `east-${round}`, now: T0 }),
          west.put(entry('PRIMARY_SUPPORT_QUEUE', `west-${round}`), { by: `west-${round}`, now: T0 }),
        ])),
      );
    }
    const stored = await east.get('PRIMARY_SUPPORT_QUEUE');
    // Assess
    expect(written.map((e) => e.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    const last = written.find((e) => e.version === 6);
    expect(stored).toMatchObject({ version: 6, updatedBy: last?.updatedBy });
  });

  it('fails with ControlUnavailable in a partitioned region, and the other region still writes', async () => {
    // Prepare
    world.partition(B);
    // Act
    const read = await west.get('PRIMARY_SUPPORT_QUEUE').catch((e: unknown) => e);
    const write = await west
      .put(entry('PRIMARY_SUPPORT_QUEUE'), { by: 'bob', now: T0 })
      .catch((e: unknown) => e);
    // Assess
    expect(read).toBeInstanceOf(ControlUnavailable);
    expect(write).toBeInstanceOf(ControlUnavailable);
    expect((await east.put(entry('PRIMARY_SUPPORT_QUEUE'), { by: 'ana', now: T0 })).version).toBe(1);
  });
});
