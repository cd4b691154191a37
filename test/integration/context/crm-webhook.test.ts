import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRM_SIGNATURE_HEADER, signWebhook } from '../../../functions/context/webhook-signature.js';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';
import { type Clock, eventually, type RegionApi, regionApi, WEBHOOK_SECRET } from './harness.js';

let world: LocalWorld;
const clock: Clock = { now: Date.now() };
let api: RegionApi;

beforeAll(async () => {
  world = await startLocalWorld({ env: 'dev' });
  api = regionApi(world, world.regions[0] ?? '', clock);
});

afterAll(async () => {
  await world?.stop();
});

function event(overrides: Record<string, unknown> = {}) {
  return {
    eventId: `crm-${randomUUID()}`,
    conversationId: randomUUID(),
    occurredAt: new Date(clock.now - 5000).toISOString(),
    type: 'contact.updated',
    data: { name: 'Grace Hopper', score: 1e300 },
    ...overrides,
  };
}

function signed(body: string, at = clock.now, secret = WEBHOOK_SECRET): Record<string, string> {
  return {
    'content-type': 'application/json',
    [CRM_SIGNATURE_HEADER]: signWebhook(body, secret, Math.floor(at / 1000)),
  };
}

/** CrmEvents items of one replica. */
async function itemsIn(region: string): Promise<Record<string, unknown>[]> {
  const out = await world.region(region).doc.send(new ScanCommand({ TableName: world.tables.crmEvents }));
  return out.Items ?? [];
}

/**
 * Items of the replica the webhooks are sent to. Every webhook here goes to that region, so nothing
 * replicates into it: its count changes only when this test's request stores something.
 */
const storedItems = () => itemsIn(world.regions[0] ?? '');

describe('POST /webhooks/crm', () => {
  it('answers an event with hundreds of bad fields in a bounded 400 that counts what it left out', async () => {
    // Prepare: 300 attributes whose values are objects, where only scalars are allowed
    const data = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`attr${i}`, { nested: i }]));
    const e = event({ type: 'attributes.set', data });

    // Act
    const got = await api.sendCrmEvent(e);

    // Assess
    const error = got.body.error as Record<string, unknown>;
    expect(got.status).toBe(400);
    expect(error).toMatchObject({ code: 'invalid_event', omitted: 290 });
    expect(String(error.message)).toMatch(/^data\.attr0: .*and 290 more problems/);
    expect(JSON.stringify(got.body).length).toBeLessThan(2500);
  });

  it('stores an event once and answers every one of eight racing deliveries with 202', async () => {
    // Prepare: the same event delivered eight times at once (a sender retrying on a slow answer)
    const e = event();
    const before = (await storedItems()).length;

    // Act
    const answers = await Promise.all(Array.from({ length: 8 }, () => api.sendCrmEvent(e)));

    // Assess: one accepted, seven duplicates, never a 500 for the deliveries that lost the race
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
    const statuses = answers.map((a) => a.body.status).sort();
    expect(statuses).toEqual(['accepted', ...Array(7).fill('duplicate')]);
    expect((await storedItems()).length - before).toBe(2);
  });

  it('accepts a valid event once even when it is sent three times', async () => {
    // Prepare
    const e = event();
    const before = (await storedItems()).length;

    // Act
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await api.sendCrmEvent(e));

    // Assess
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(answers.map((a) => a.body.status)).toEqual(['accepted', 'duplicate', 'duplicate']);
    const items = await storedItems();
    // The event and its idempotency marker.
    expect(items.length - before).toBe(2);
    expect(items.filter((i) => i.eventId === e.eventId)).toEqual([
      expect.objectContaining({ conversationId: e.conversationId, type: e.type }),
    ]);
    // Both replicate to the other region, once.
    const other = world.regions[1] ?? '';
    await eventually(async () => (await itemsIn(other)).some((i) => i.eventId === e.eventId));
    expect((await itemsIn(other)).filter((i) => i.eventId === e.eventId)).toHaveLength(1);
  });

  it('keeps the event as sent, numbers outside DynamoDB range included, for reconstruction', async () => {
    // Prepare
    const e = event();
    await api.sendCrmEvent(e);
    const saved = await api.save({ conversationId: e.conversationId });
    clock.now += world.config.context.contextTtlSeconds * 1000 + 1000;

    // Act
    const got = await api.fetch(String(saved.body.token));

    // Assess
    clock.now = Date.now();
    expect(got.body).toMatchObject({ source: 'crm', context: { crm: { contact: e.data } } });
  });

  const body = JSON.stringify(event());
  it.each([
    [
      'a bad signature',
      () => api.webhook(body, signed(body, clock.now, 'wrong-secret')),
      401,
      /does not match/,
    ],
    ['a missing signature', () => api.webhook(body, { 'content-type': 'application/json' }), 401, /missing/],
    [
      'an old timestamp',
      () => api.webhook(body, signed(body, clock.now - 301_000)),
      401,
      /older than the 300 s replay window/,
    ],
    ['bad JSON', () => api.webhook('{"eventId":', signed('{"eventId":')), 400, /not valid JSON/],
    [
      'an event that fails the schema',
      () => {
        const bad = JSON.stringify({
          ...event(),
          type: 'queue.position',
          data: { queue: 'q', position: -1 },
        });
        return api.webhook(bad, signed(bad));
      },
      400,
      /data\.position/,
    ],
    [
      'a wrong content type',
      () => api.webhook(body, { ...signed(body), 'content-type': 'text/plain' }),
      415,
      /application\/json/,
    ],
    [
      'an oversized body',
      () => {
        const big = JSON.stringify(
          event({ data: { notes: 'x'.repeat(world.config.context.maxWebhookBytes) } }),
        );
        return api.webhook(big, signed(big));
      },
      413,
      /over 65536 bytes/,
    ],
    ['an empty body', () => api.webhook('', signed('')), 400, /request body must be the JSON event/],
  ])('rejects %s with its status and message and stores nothing', async (_name, send, status, message) => {
    // Prepare
    const before = (await storedItems()).length;

    // Act
    const answer = await send();

    // Assess
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({
      error: { code: expect.any(String), message: expect.stringMatching(message) },
    });
    expect((await storedItems()).length).toBe(before);
  });
});
