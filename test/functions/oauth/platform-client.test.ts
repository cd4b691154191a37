import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  PlatformRequestError,
  PlatformTokenUnavailableError,
} from '../../../functions/oauth/platform-client.js';
import { METRIC } from '../../../functions/oauth/refresher.js';
import { memoryTokenStore } from '../../../functions/oauth/token-store.js';
import { OBSERVATIONS_PATH } from '../../../local/platform/server.js';
import { A, B, EAST, type Harness, startHarness, WEST } from './harness.js';

const QUERY = {
  filter: { type: 'and', predicates: [{ dimension: 'queueId', value: 'q-1' }] },
  metrics: ['oOnQueueUsers'],
};

/**
 * Puts east's token into west's item, labelled with east's hosts (a refresher with a stale regionHost wrote
 * it) or disguised under west's own (only the platform can tell).
 */
async function plantEastTokenInWest(h: Harness, labels: 'east' | 'west'): Promise<void> {
  await h.refresh(h.deps(A, 'seed'), h.clock.t);
  const { store, cipher } = h.deps(A, 'plant');
  const east = await store.read('east');
  const west = await store.read('west');
  if (!east?.token || !west?.token) throw new Error('the seed refresh stored no tokens');
  const value = await cipher.decrypt(east.token.ciphertext, { org: 'east', apiHost: EAST.apiHost });
  const label = labels === 'east' ? east.token : west.token;
  const ciphertext = await cipher.encrypt(value, { org: 'west', apiHost: label.apiHost });
  await store.write({ ...west, version: west.version + 1, token: { ...label, ciphertext } }, west.version);
}

describe('platformClient against the local platform', () => {
  let h: Harness;
  const leaksSeen: string[] = [];
  beforeEach(async () => {
    h = await startHarness({ store: memoryTokenStore() });
  });
  afterEach(async () => {
    leaksSeen.push(...h.leaks());
    await h.stop();
  });
  afterAll(() => {
    // Redaction across every test of this file: logs (stdout/stderr), published events, metric counts,
    // every response and thrown error of the clients and every refresh outcome.
    expect(leaksSeen).toEqual([]);
  });

  it('gets a token on a cold start and calls the org API host with it', async () => {
    // Prepare
    const client = h.client(EAST, A);
    // Act
    const response = await client.request('POST', OBSERVATIONS_PATH, QUERY);
    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('x-local-org')).toBe('east');
    expect(h.platform.tokenRequests('east')).toBe(1);
    expect(h.publisher.published.map((e) => e.DetailType)).toEqual(['PlatformTokenRefreshed']);
    expect(JSON.parse(h.publisher.published[0]?.Detail ?? '{}')).toMatchObject({
      apiHost: 'api.mypurecloud.com',
      authHost: 'login.mypurecloud.com',
      region: A,
    });
  });

  it('refuses a token of the wrong scope without sending it, replaces it and succeeds', async () => {
    // Prepare: west's item holds a token issued for east (a refresher with a stale regionHost wrote it)
    await plantEastTokenInWest(h, 'east');
    const westApiBefore = h.platform.apiRequests('west');
    const eastApiBefore = h.platform.apiRequests('east');
    h.clock.t += 1000;
    // Act
    const response = await h.client(WEST, B).request('POST', OBSERVATIONS_PATH, QUERY);
    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('x-local-org')).toBe('west');
    expect(h.platform.apiRequests('west') - westApiBefore).toBe(1); // the wrong token was never sent
    expect(h.platform.apiRequests('east')).toBe(eastApiBefore);
    expect(h.platform.tokenRequests('west')).toBe(2);
    const rejected = h.publisher.published.filter((e) => e.DetailType === 'PlatformTokenRejected');
    expect(rejected).toHaveLength(1);
    expect(JSON.parse(rejected[0]?.Detail ?? '{}')).toMatchObject({ apiHost: WEST.apiHost, status: null });
    expect((await h.deps(B, 'x').store.read('west'))?.token?.apiHost).toBe(WEST.apiHost);
  });

  it('answers 50 concurrent callers after a 401 with exactly one token request', async () => {
    // Prepare
    const client = h.client(EAST, A);
    await client.request('POST', OBSERVATIONS_PATH, QUERY);
    h.platform.revokeTokens('east');
    h.clock.t += 1000;
    // Act
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => client.request('POST', OBSERVATIONS_PATH, QUERY)),
    );
    // Assess
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(h.platform.tokenRequests('east')).toBe(2);
    expect(h.publisher.published.filter((e) => e.DetailType === 'PlatformTokenRejected')).toHaveLength(1);
  });

  it('retries a 429 after its Retry-After, and a 503 only when the request is idempotent', async () => {
    // Prepare
    const client = h.client(EAST, A);
    await client.request('POST', OBSERVATIONS_PATH, QUERY);
    h.platform.failApi('east', { status: 429, times: 1, retryAfter: '2' });
    const before = h.clock.t;
    // Act
    const response = await client.request('POST', OBSERVATIONS_PATH, QUERY);
    h.platform.failApi('east', { status: 503, times: 1 });
    const sent = h.platform.apiRequests('east');
    const afterServerError = await client.request('POST', OBSERVATIONS_PATH, QUERY, { idempotent: true });
    h.platform.failApi('east', { status: 503, times: 1 });
    const notIdempotent = await client.request('POST', OBSERVATIONS_PATH, QUERY).catch((e: unknown) => e);
    // Assess
    expect(response.status).toBe(200);
    expect(h.clock.t - before).toBeGreaterThanOrEqual(2000);
    expect(afterServerError.status).toBe(200);
    expect(h.platform.apiRequests('east') - sent).toBe(3); // 503, 200, then the one 503 not retried
    expect(notIdempotent).toMatchObject({ name: 'PlatformRequestError', status: 503 });
  });

  it('fails a request that keeps getting 500 after maxAttempts sends, never forever', async () => {
    // Prepare
    const client = h.client(EAST, A);
    await client.request('POST', OBSERVATIONS_PATH, QUERY);
    h.platform.failApi('east', { status: 500 });
    const sent = h.platform.apiRequests('east');
    // Act
    const error = await client
      .request('POST', OBSERVATIONS_PATH, QUERY, { idempotent: true })
      .catch((e) => e);
    // Assess
    expect(error).toBeInstanceOf(PlatformRequestError);
    expect((error as PlatformRequestError).status).toBe(500);
    expect(h.platform.apiRequests('east') - sent).toBe(3);
  });

  it('recovers when the token endpoint answers 500 for a while, then 200', async () => {
    // Prepare
    h.platform.failTokens('east', { status: 500, times: 2 });
    const deps = h.deps(A, 'refresher-a');
    // Act
    const first = await h.refresh(deps, h.clock.t);
    const tooEarly = await h.refresh(deps, h.clock.t + 500);
    h.clock.t += 60_000;
    const second = await h.refresh(deps, h.clock.t);
    h.clock.t += 60_000;
    const third = await h.refresh(deps, h.clock.t);
    const response = await h.client(EAST, A).request('POST', OBSERVATIONS_PATH, QUERY);
    // Assess
    expect(first.find((o) => o.org === 'east')?.result).toBe('failed');
    expect(tooEarly.find((o) => o.org === 'east')?.result).toBe('backing-off');
    expect(second.find((o) => o.org === 'east')?.result).toBe('failed');
    expect(third.find((o) => o.org === 'east')?.result).toBe('refreshed');
    expect(h.platform.tokenRequests('east')).toBe(3);
    expect(response.status).toBe(200);
  });

  it('fails clearly on 400 from the token endpoint, without a retry storm, until the secret changes', async () => {
    // Prepare
    h.platform.failTokens('east', { status: 400, body: { error: 'invalid_client' } });
    const deps = h.deps(A, 'refresher-a');
    // Act
    const calls = await Promise.all(
      Array.from({ length: 20 }, () =>
        h
          .client(EAST, A)
          .request('POST', OBSERVATIONS_PATH, QUERY)
          .catch((e) => e),
      ),
    );
    for (let i = 0; i < 5; i++) {
      h.clock.t += 60_000;
      await h.refresh(deps, h.clock.t);
    }
    const requestsWhileRejected = h.platform.tokenRequests('east');
    h.platform.failTokens('east', null);
    (h.secrets['platform/east'] as { versionId: string }).versionId = 'v2';
    h.clock.t += 60_000;
    const afterRotation = await h.refresh(deps, h.clock.t);
    // Assess
    expect(calls).toEqual(Array(20).fill(expect.any(PlatformTokenUnavailableError)));
    expect(String(calls[0])).toMatch(/no valid platform token for east/);
    expect(requestsWhileRejected).toBe(1);
    expect(h.metricCounts.filter((m) => m.name === METRIC.credentialsRejected).length).toBeGreaterThanOrEqual(
      6,
    );
    expect(afterRotation.find((o) => o.org === 'east')?.result).toBe('refreshed');
  });

  it('refreshes ahead of expiry at the configured time, not before', async () => {
    // Prepare: tokens live 3600 s, refreshAheadSeconds 600, no jitter
    const deps = h.deps(A, 'refresher-a');
    await h.refresh(deps, h.clock.t);
    const issuedAt = h.clock.t;
    // Act
    const justBefore = await h.refresh(deps, issuedAt + 3_000_000 - 1);
    const atTime = await h.refresh(deps, issuedAt + 3_000_000);
    // Assess
    expect(justBefore.map((o) => o.result)).toEqual(['fresh', 'fresh']);
    expect(atTime.map((o) => [o.org, o.result, o.due])).toEqual([
      ['east', 'refreshed', 'expiring'],
      ['west', 'refreshed', 'expiring'],
    ]);
    expect(h.platform.tokenRequests('east')).toBe(2);
  });

  it("sends another org's token only once: the platform's 401 is reported, the token replaced, the call retried", async () => {
    // Prepare: west's item holds east's token under west's own labels (hosts and encryption context), so
    // the scope check cannot see it; only the platform can.
    await plantEastTokenInWest(h, 'west');
    const westApiBefore = h.platform.apiRequests('west');
    h.clock.t += 1000;
    // Act
    const response = await h.client(WEST, B).request('POST', OBSERVATIONS_PATH, QUERY);
    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('x-local-org')).toBe('west');
    expect(h.platform.apiRequests('west') - westApiBefore).toBe(2); // east's token (401), then west's
    expect(h.platform.tokenRequests('west')).toBe(2);
    const rejected = h.publisher.published.filter((e) => e.DetailType === 'PlatformTokenRejected');
    expect(rejected.map((e) => JSON.parse(e.Detail ?? '{}'))).toEqual([
      expect.objectContaining({ apiHost: WEST.apiHost, status: 401 }),
    ]);
  });

  it('ends a request the platform never answers at its timeout and retries it within maxAttempts', async () => {
    // Prepare
    const client = h.client(EAST, A, { http: h.platform.http(150) });
    await client.request('POST', OBSERVATIONS_PATH, QUERY);
    h.platform.failApi('east', { status: 200, hang: true });
    const sent = h.platform.apiRequests('east');
    // Act
    const error = await client
      .request('POST', OBSERVATIONS_PATH, QUERY, { idempotent: true })
      .catch((e: unknown) => e);
    h.platform.failApi('east', { status: 200, hang: true, times: 1 });
    const afterOneHang = await client.request('POST', OBSERVATIONS_PATH, QUERY, { idempotent: true });
    // Assess
    expect(error).toBeInstanceOf(PlatformRequestError);
    expect(error).toMatchObject({ status: null });
    expect(String(error)).toMatch(/TimeoutError \(attempt 3\)/);
    expect(h.platform.apiRequests('east') - sent).toBe(5); // three hung sends, one hung, one answered
    expect(afterOneHang.status).toBe(200);
  });

  it('backs off after a token endpoint that never answers, and refreshes once it answers again', async () => {
    // Prepare
    const deps = h.deps(A, 'refresher-a', { http: h.platform.http(150) });
    h.platform.failTokens('east', { status: 200, hang: true, times: 1 });
    // Act
    const hung = await h.refresh(deps, h.clock.t);
    const tooEarly = await h.refresh(deps, h.clock.t + 500);
    h.clock.t += 60_000;
    const recovered = await h.refresh(deps, h.clock.t);
    // Assess
    expect(hung.find((o) => o.org === 'east')).toMatchObject({ result: 'failed' });
    expect(JSON.stringify(hung)).toMatch(/TimeoutError/);
    expect(hung.find((o) => o.org === 'west')?.result).toBe('refreshed');
    expect(tooEarly.find((o) => o.org === 'east')?.result).toBe('backing-off');
    expect(recovered.find((o) => o.org === 'east')?.result).toBe('refreshed');
    expect(h.platform.tokenRequests('east')).toBe(2);
  });

  it('refreshes ahead by refreshAheadSeconds plus its jitter, never earlier', async () => {
    // Prepare: tokens live 3600 s, refreshAheadSeconds 600, jitter up to 60 s drawn at 0.5: 630 s ahead
    const deps = h.deps(A, 'refresher-a', {
      settings: { refreshAheadSeconds: 600, jitterSeconds: 60, leaseTtlMs: 30_000, backoffBaseMs: 1000 },
      random: () => 0.5,
    });
    await h.refresh(deps, h.clock.t);
    const expiresAt = h.clock.t + 3_600_000;
    // Act
    const justBefore = await h.refresh(deps, expiresAt - 630_000 - 1);
    const atTime = await h.refresh(deps, expiresAt - 630_000);
    // Assess
    expect(justBefore.map((o) => o.result)).toEqual(['fresh', 'fresh']);
    expect(atTime.map((o) => o.result)).toEqual(['refreshed', 'refreshed']);
  });
});
