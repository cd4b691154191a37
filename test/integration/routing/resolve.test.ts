import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamoAssignmentStore } from '../../../functions/routing/resolve/assignments.js';
import { dynamoDocClient } from '../../../functions/shared/clients.js';
import { controlKeys } from '../../../functions/shared/keys.js';
import type { LocalWorld } from '../../../local/dynamo/world.js';
import { useControlWorld } from './quorum-fixtures.js';
import { EAST, resolveApi, seedDirectory, WEST } from './resolve-harness.js';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

describe('POST /routing/resolve on DynamoDB Local, both regions', () => {
  let world: LocalWorld;
  useControlWorld((w) => {
    world = w;
  });
  const clock = { now: T0 };
  const apis = () => ({ east: resolveApi(world, EAST, clock), west: resolveApi(world, WEST, clock) });
  const ask = (conversationId: string, callerRegion: string, priority = 0) => ({
    conversationId,
    queue: 'PRIMARY_SUPPORT_QUEUE',
    callerRegion,
    priority,
  });

  it('100 concurrent resolves of one conversation split across both regions record one answer', async () => {
    // Prepare
    await seedDirectory(world);
    const east = resolveApi(world, EAST, clock, 10_000);
    const west = resolveApi(world, WEST, clock, 10_000);

    // Act: half asked in each region, callers on both sides
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        (i % 2 === 0 ? east : west).post(ask('conv-race', i % 3 === 0 ? EAST : WEST)),
      ),
    );

    // Assess: all 200, all the same answer, one recorded item
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
    // (DynamoDB keeps no key order in a map: compare as objects, not as JSON text)
    for (const a of answers) expect(a.body).toEqual(answers[0]?.body);
    const stored = await world.control.doc.send(
      new GetCommand({
        TableName: world.tables.controlState,
        Key: controlKeys.assignment('conv-race'),
        ConsistentRead: true,
      }),
    );
    expect(stored.Item?.answer).toEqual(answers[0]?.body);
    // Exactly one resolve counted in the overflow window of the winner's caller region
    const store = dynamoAssignmentStore({
      doc: dynamoDocClient(EAST, world.region(EAST).endpoint),
      tableName: world.tables.controlState,
      budgetMs: 5000,
    });
    const counted = await Promise.all([EAST, WEST].map((r) => store.readOverflow(r, 300_000, clock.now)));
    expect(counted.reduce((n, w) => n + w.total, 0)).toBe(1);
  });

  it('gives the same answer to a repeat in the other region, flat fields a data action maps', async () => {
    await seedDirectory(world);
    const { east, west } = apis();

    const first = await east.post(ask('conv-1', EAST));
    const again = await west.post(ask('conv-1', WEST));

    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      region: EAST,
      queueId: 'q-east-primary',
      transferAddress: 'tel:+15550001000',
      sameRegion: true,
      reason: 'caller_region',
      decidedAt: new Date(T0).toISOString(),
    });
    expect(again.body).toEqual(first.body);
  });

  it('HIGHEST_PRIORITY_WINS: a higher priority replaces the answer, an equal or lower one gets it', async () => {
    await seedDirectory(world);
    const { east, west } = apis();
    await east.post(ask('conv-p', EAST, 5));
    // East leaves rotation: a new decision would go west.
    await world.control.doc.send(
      new PutCommand({
        TableName: world.tables.controlState,
        Item: {
          ...controlKeys.rotation(),
          decision: { epoch: 1, inRotation: [WEST], regions: {} },
          pending: {},
          version: 1,
        },
      }),
    );

    const lower = await west.post(ask('conv-p', EAST, 3));
    const equal = await west.post(ask('conv-p', EAST, 5));
    const higher = await west.post(ask('conv-p', EAST, 9));
    const after = await east.post(ask('conv-p', EAST, 9));

    expect(lower.body).toMatchObject({ region: EAST, priority: 5 });
    expect(equal.body).toMatchObject({ region: EAST, priority: 5 });
    expect(higher.body).toMatchObject({
      region: WEST,
      priority: 9,
      reason: 'not_in_rotation',
      sameRegion: false,
    });
    expect(after.body).toEqual(higher.body);
  });

  it('expires an answer on read after assignmentTtlSeconds and sweeps it', async () => {
    await seedDirectory(world);
    const { east } = apis();
    await east.post(ask('conv-old', EAST));
    const store = dynamoAssignmentStore({
      doc: dynamoDocClient(EAST, world.region(EAST).endpoint),
      tableName: world.tables.controlState,
      budgetMs: 5000,
    });
    const later = T0 + world.config.routing.assignmentTtlSeconds * 1000 + 1;

    expect(await store.read('conv-old', T0 + 1000)).not.toBeNull();
    expect(await store.read('conv-old', later)).toBeNull();
    expect(await store.sweep(later)).toBeGreaterThanOrEqual(1);
    const raw = await world.control.doc.send(
      new GetCommand({
        TableName: world.tables.controlState,
        Key: controlKeys.assignment('conv-old'),
      }),
    );
    expect(raw.Item).toBeUndefined();
  });

  it('answers the fallback queue with its reason when no region qualifies', async () => {
    await seedDirectory(world);
    const { east } = apis();
    // Both regions' inbound lag over the 300 ms breaker.
    for (const r of [EAST, WEST]) {
      await world.control.doc.send(
        new PutCommand({
          TableName: world.tables.controlState,
          Item: {
            ...controlKeys.lag(r),
            samples: [{ lagMs: 900, atMs: T0 - 1000, eventId: `e-${r}` }],
            version: 1,
          },
        }),
      );
    }

    const answer = await east.post(ask('conv-fb', EAST));

    expect(answer.body).toMatchObject({
      reason: 'fallback',
      resolvedQueue: 'SECONDARY_SUPPORT_QUEUE',
      queueId: 'q-east-secondary',
      region: EAST,
    });
    expect(String(answer.body.detail)).toMatch(/900 ms is over the 300 ms breaker/);
  });

  it('answers 503 with Retry-After, never a guess, when ControlState is out of reach', async () => {
    await seedDirectory(world);
    const { east } = apis();
    world.partition(EAST);

    const answer = await east.post(ask('conv-fenced', EAST));

    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('2');
    expect(answer.body).toEqual({
      error: expect.objectContaining({ code: 'routing_store_unavailable' }),
    });
  });

  it('answers 404 for a queue that is not in the directory and 400 for a caller region that is not active', async () => {
    await seedDirectory(world);
    const { east } = apis();

    const unknown = await east.post({ ...ask('conv-x', EAST), queue: 'NO_SUCH_QUEUE' });
    const region = await east.post(ask('conv-x', 'eu-west-1'));

    expect([unknown.status, (unknown.body.error as { code: string }).code]).toEqual([404, 'unknown_queue']);
    expect([region.status, (region.body.error as { message: string }).message]).toEqual([
      400,
      expect.stringMatching(/callerRegion eu-west-1 is not an active region/),
    ]);
  });
});
