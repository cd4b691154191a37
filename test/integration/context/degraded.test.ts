import { randomUUID } from 'node:crypto';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SECRET_FALLBACK_METRIC } from '../../../functions/shared/secrets.js';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';
import {
  API_KEY,
  type Clock,
  eventually,
  hasContext,
  mutableSecretsManager,
  type RegionApi,
  regionApi,
} from './harness.js';

/**
 * The context API when what it depends on goes wrong: a rotated secret that does not parse or cannot be
 * read, and this region's replica hanging. Real DynamoDB Local replicas with injected latency; Secrets
 * Manager (no local stand-in) as a mutable map behind the functions' own cached reader.
 */

let world: LocalWorld;
const clock: Clock = { now: Date.now() };
let regionA: string;
let regionB: string;
let a: RegionApi;
let b: RegionApi;

let sm: ReturnType<typeof mutableSecretsManager>;

beforeAll(async () => {
  world = await startLocalWorld({ env: 'dev' });
  [regionA = '', regionB = ''] = world.regions;
  sm = mutableSecretsManager(world.config.env);
  a = regionApi(world, regionA, clock, { secretsClient: sm.client });
  b = regionApi(world, regionB, clock);
});

afterAll(async () => {
  await world?.stop();
});

afterEach(() => {
  world.region(regionB).setFaults({});
  clock.now = Date.now();
});

function sampleContext(conversationId = randomUUID()) {
  return { conversationId, attributes: { language: 'en', vip: true } };
}

describe('a rotated secret that cannot be used', () => {
  it.each([
    ['a token key too short for AES-256', () => JSON.stringify({ keys: ['short'] })],
    ['an API-keys secret with a JSON typo', () => `{"keys":["${API_KEY}",}`],
  ])('keeps serving with the last good value after %s, and counts it', async (_, rotated) => {
    // Prepare: a warm container that has read the good values; then the bad rotation, past the cache
    // On every Metrics instance: the fallback is flushed through a single metric of its own.
    const metric = vi.spyOn(Metrics.prototype, 'addMetric');
    const first = await a.save(sampleContext());
    expect(first.status).toBe(201);
    const name = rotated().includes(API_KEY) ? sm.names.apiKeys : sm.names.tokenKey;
    const good = sm.values[name] ?? '';
    sm.values[name] = rotated();
    clock.now += 61_000;

    // Act
    const saved = await a.save(sampleContext()).finally(() => {
      sm.values[name] = good;
    });
    const fetched = await a.fetch(String(saved.body.token));

    // Assess: both answers good, signed with the last good key; the fallback counted
    expect(saved.status).toBe(201);
    expect(fetched.status).toBe(200);
    expect(metric).toHaveBeenCalledWith(SECRET_FALLBACK_METRIC, 'Count', 1);
    metric.mockRestore();
  });

  it('keeps serving when Secrets Manager does not answer, and counts it', async () => {
    // Prepare
    const metric = vi.spyOn(Metrics.prototype, 'addMetric');
    await a.save(sampleContext());
    sm.state.hang = true;
    clock.now += 61_000;

    // Act
    const saved = await a.save(sampleContext()).finally(() => {
      sm.state.hang = false;
      sm.state.release();
    });

    // Assess
    expect(saved.status).toBe(201);
    expect(metric).toHaveBeenCalledWith(SECRET_FALLBACK_METRIC, 'Count', 1);
    metric.mockRestore();
  });
});

describe("this region's replica hangs", () => {
  const hang = () => world.region(regionB).setFaults({ latencyMs: 30_000 });

  it('serves a replicated context from the other replica, whatever the token age', async () => {
    // Prepare: saved in A, replicated to B long ago (older than the replication budget); then B hangs
    const saved = await a.save(sampleContext());
    const conversationId = String(saved.body.conversationId);
    await eventually(() => hasContext(world, regionB, conversationId, 1));
    clock.now += world.config.context.replicationBudgetMs + 60_000;
    hang();
    const reads = () => world.region(regionB).received('GetItem', world.tables.contextCache);
    const readsBefore = reads();

    // Act
    const got = await b.fetch(String(saved.body.token));

    // Assess: the read budget, not the SDK's default 3 attempts, before the other replica answered
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ source: 'origin', conversationId });
    expect(reads() - readsBefore).toBe(2);
  });

  it("reads the peer's replica for a token this region issued", async () => {
    const saved = await b.save(sampleContext());
    const conversationId = String(saved.body.conversationId);
    await eventually(() => hasContext(world, regionA, conversationId, 1));
    hang();

    const got = await b.fetch(String(saved.body.token));

    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ source: 'origin', conversationId });
  });

  it('keeps the read budget off saves: a slow (not hung) replica still stores the context', async () => {
    // Prepare: every request to B's replica takes longer than one read attempt may
    world.region(regionB).setFaults({ latencyMs: world.config.context.localReadTimeoutMs + 300 });

    // Act
    const saved = await b.save(sampleContext());

    // Assess
    expect(saved.status).toBe(201);
  });

  it('answers 503 that the flow may retry when no source that answered has the context', async () => {
    // Prepare: the saved context has expired everywhere; the CRM events live in the hung replica
    const saved = await a.save(sampleContext());
    clock.now += world.config.context.contextTtlSeconds * 1000 + 1000;
    hang();

    const got = await b.fetch(String(saved.body.token));

    expect(got.status).toBe(503);
    expect(got.body).toEqual({
      error: { code: 'context_store_unavailable', message: expect.stringContaining('retry') },
    });
  });
});
