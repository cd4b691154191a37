import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';
import { type Clock, eventually, hasContext, type RegionApi, regionApi } from './harness.js';

let world: LocalWorld;
const clock: Clock = { now: Date.now() };
let a: RegionApi;
let b: RegionApi;
let regionA: string;
let regionB: string;

beforeAll(async () => {
  world = await startLocalWorld({ env: 'dev' });
  [regionA = '', regionB = ''] = world.regions;
  a = regionApi(world, regionA, clock);
  b = regionApi(world, regionB, clock);
});

afterAll(async () => {
  await world?.stop();
});

// Each test uses its own conversation, so what earlier tests still have in flight cannot change its result.
afterEach(() => {
  world.replication.restore(regionA, regionB);
  world.replication.restore(regionB, regionA);
  clock.now = Date.now();
  a.publisher.published.length = 0;
  b.publisher.published.length = 0;
});

function sampleContext(conversationId = randomUUID()) {
  return {
    conversationId,
    ivrSelections: [{ menu: 'main', choice: 'billing' }],
    crm: { contact: { name: 'Ada Lovelace', tier: 'gold' } },
    queuePosition: { queue: 'support', position: 3 },
    attributes: { language: 'en', vip: true },
  };
}

function crmEvent(conversationId: string, n: number, type: string, data: unknown) {
  return {
    eventId: `evt-${conversationId.slice(0, 8)}-${n}`,
    conversationId,
    occurredAt: new Date(clock.now - 60_000 + n * 1000).toISOString(),
    type,
    data,
  };
}

async function saveIn(api: RegionApi, context = sampleContext()) {
  const saved = await api.save(context);
  expect(saved.status).toBe(201);
  return { context, token: String(saved.body.token), version: saved.body.version };
}

describe('context continuity across two regions', () => {
  it('serves a context saved in A from the replica in B once it has replicated', async () => {
    // Prepare
    const { context, token } = await saveIn(a);
    await eventually(() => hasContext(world, regionB, context.conversationId, 1));

    // Act
    const got = await b.fetch(token);

    // Assess
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ source: 'cache', partial: false, version: 1, context });
  });

  it('serves a young token from the origin replica before replication arrives in B', async () => {
    // Prepare
    world.replication.cut(regionA, regionB);
    const { context, token } = await saveIn(a);

    // Act
    const got = await b.fetch(token);

    // Assess
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ source: 'origin', partial: false, context });
  });

  it('reads the origin when B holds an older version than the token names', async () => {
    // Prepare
    const first = await saveIn(a);
    await eventually(() => hasContext(world, regionB, first.context.conversationId, 1));
    world.replication.cut(regionA, regionB);
    const updated = { ...first.context, attributes: { language: 'fr', vip: false } };
    const second = await saveIn(a, updated);

    // Act
    const old = await b.fetch(first.token);
    const fresh = await b.fetch(second.token);

    // Assess
    expect(second.version).toBe(2);
    expect(old.body).toMatchObject({ source: 'cache', version: 1 });
    expect(fresh.body).toMatchObject({ source: 'origin', version: 2, context: updated });
  });

  it('falls back to CRM events when the origin replica does not answer within its timeout', async () => {
    // Prepare
    world.replication.cut(regionA, regionB);
    const { context, token } = await saveIn(a);
    await b.sendCrmEvent(crmEvent(context.conversationId, 1, 'attributes.set', { language: 'pt' }));
    world.region(regionA).setFaults({ latencyMs: world.config.context.originReadTimeoutMs * 10 });

    // Act
    const got = await b.fetch(token).finally(() => world.region(regionA).setFaults({}));

    // Assess
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ source: 'crm', context: { attributes: { language: 'pt' } } });
  });

  it('rebuilds the context from CRM events once the saved context has expired, and says so', async () => {
    // Prepare
    const { context, token } = await saveIn(a);
    const id = context.conversationId;
    await b.sendCrmEvent(crmEvent(id, 1, 'contact.updated', { name: 'Ada Lovelace' }));
    await b.sendCrmEvent(crmEvent(id, 2, 'ivr.selection', { menu: 'main', choice: 'billing' }));
    // B's own copy exists and then expires: it must count as absent.
    await eventually(() => hasContext(world, regionB, id, 1));
    clock.now += world.config.context.contextTtlSeconds * 1000 + 1000;

    // Act
    const got = await b.fetch(token);

    // Assess
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      source: 'crm',
      partial: true,
      missing: ['queuePosition'],
      version: null,
      context: {
        conversationId: id,
        crm: { contact: { name: 'Ada Lovelace' } },
        ivrSelections: [{ menu: 'main', choice: 'billing' }],
      },
    });
    const detail = JSON.parse(b.publisher.published[0]?.Detail ?? '{}');
    expect(b.publisher.published.map((e) => e.DetailType)).toEqual(['ContextReconstructed']);
    expect(detail).toMatchObject({ conversationId: id, eventsUsed: 2, partial: true, originRegion: regionB });
  });

  it('rebuilds from CRM when replication is cut and the token is past the replication budget', async () => {
    // Prepare
    world.replication.cut(regionA, regionB);
    world.replication.cut(regionB, regionA);
    const { context, token } = await saveIn(a);
    const id = context.conversationId;
    await b.sendCrmEvent(crmEvent(id, 1, 'queue.position', { queue: 'support', position: 1 }));
    clock.now += world.config.context.replicationBudgetMs + 1000;

    // Act
    const got = await b.fetch(token);

    // Assess
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      source: 'crm',
      partial: true,
      context: { queuePosition: { position: 1 } },
    });
  });

  it('rebuilds from CRM when replication is cut and the origin copy has expired too', async () => {
    // Prepare
    world.replication.cut(regionA, regionB);
    world.replication.cut(regionB, regionA);
    const { context, token } = await saveIn(a);
    await b.sendCrmEvent(crmEvent(context.conversationId, 1, 'attributes.set', { language: 'de' }));
    clock.now += world.config.context.contextTtlSeconds * 1000 + 1000;

    // Act
    const fromB = await b.fetch(token);
    const fromA = await a.fetch(token);

    // Assess
    expect(fromB.body).toMatchObject({ source: 'crm', context: { attributes: { language: 'de' } } });
    // A's own copy has expired and, with both links cut, the CRM event never reached A.
    expect(fromA.status).toBe(404);
  });

  it('answers 404 with a clear message when neither a context nor CRM events exist', async () => {
    // Prepare
    const { context, token } = await saveIn(a);
    await eventually(() => hasContext(world, regionB, context.conversationId, 1));
    clock.now += world.config.context.contextTtlSeconds * 1000 + 1000;

    // Act
    const got = await b.fetch(token);

    // Assess
    expect(got.status).toBe(404);
    expect(got.body).toEqual({
      error: {
        code: 'context_not_found',
        message: expect.stringContaining('no CRM events to rebuild it from'),
      },
    });
    expect(b.publisher.published).toEqual([]);
  });

  it('rejects a token once it has expired, in either region, with one 401', async () => {
    // Prepare
    const { token } = await saveIn(a);
    const saved = await a.save(sampleContext());
    clock.now = Date.parse(String(saved.body.tokenExpiresAt));

    // Act
    const results = await Promise.all([a.fetch(token), b.fetch(token)]);

    // Assess
    for (const r of results) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual({
        error: { code: 'invalid_token', message: 'the transfer context token is not valid or has expired' },
      });
    }
  });
});

describe('optimistic versioning', () => {
  it('counts versions up and refuses a save based on a stale version with 409', async () => {
    // Prepare
    const context = sampleContext();
    await saveIn(a, context);
    const second = await a.save({ ...context, expectedVersion: 1 });

    // Act
    const stale = await a.save({ ...context, expectedVersion: 1 });

    // Assess
    expect(second.body).toMatchObject({ version: 2 });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: { code: 'version_conflict' } });
  });

  it('lets exactly one of several concurrent updates of one version win; the others get 409', async () => {
    // Prepare
    const context = sampleContext();
    await saveIn(a, context);
    const attempts = ['fr', 'de', 'es', 'it'].map((language) => ({
      ...context,
      attributes: { language },
      expectedVersion: 1,
    }));

    // Act
    const results = await Promise.all(attempts.map((body) => a.save(body)));

    // Assess
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    const winner = results.find((r) => r.status === 201);
    const got = await a.fetch(String(winner?.body.token));
    expect(got.body).toMatchObject({ version: 2 });
  });

  it('refuses a context over the size cap with 413 and stores nothing', async () => {
    // Prepare
    const context = sampleContext();
    const big = { ...context, crm: { contact: { notes: 'x'.repeat(world.config.context.maxContextBytes) } } };

    // Act
    const result = await a.save(big);

    // Assess
    expect(result.status).toBe(413);
    expect(result.body).toMatchObject({ error: { code: 'payload_too_large' } });
    const first = await a.save({ ...context, expectedVersion: 0 });
    expect(first.body).toMatchObject({ version: 1 });
  });
});
