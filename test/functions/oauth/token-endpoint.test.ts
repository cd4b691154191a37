import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../../functions/oauth/http.js';
import { KNOWN_REGION_HOSTS, platformHosts } from '../../../functions/oauth/regions.js';
import { requestToken } from '../../../functions/oauth/token-endpoint.js';
import { type LocalPlatform, startLocalPlatform } from '../../../local/platform/server.js';

describe('platformHosts', () => {
  it.each([
    ['mypurecloud.com', 'login.mypurecloud.com', 'api.mypurecloud.com', 'us-east-1'],
    ['usw2.pure.cloud', 'login.usw2.pure.cloud', 'api.usw2.pure.cloud', 'us-west-2'],
    ['API.mypurecloud.de', 'login.mypurecloud.de', 'api.mypurecloud.de', 'eu-central-1'],
  ])('derives the hosts of %s', (regionHost, loginHost, apiHost, awsRegion) => {
    expect(platformHosts(regionHost)).toMatchObject({ loginHost, apiHost, awsRegion });
  });

  it('rejects an unknown host with a message listing the known ones', () => {
    expect(() => platformHosts('global.pure.cloud')).toThrow(
      /unknown platform region host "global.pure.cloud"/,
    );
    expect(() => platformHosts('global.pure.cloud')).toThrow(KNOWN_REGION_HOSTS.join(', '));
  });
});

describe('retryAfterMs', () => {
  it.each([
    ['3', 0, 3000],
    ['0', 0, 0],
    ['Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'), 5000],
    ['Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:29:00 GMT'), 0],
    ['99999999', 0, 3_600_000],
    ['soon', 0, undefined],
    ['-5', 0, undefined],
    [null, 0, undefined],
  ])('reads %s', (header, now, expected) => {
    expect(retryAfterMs(header, now)).toBe(expected);
  });
});

describe('requestToken', () => {
  let platform: LocalPlatform;
  const org = { name: 'east', ...platformHosts('mypurecloud.com') };
  const secret = 'very-secret-value-123';
  const credentials = { clientId: 'east-client', clientSecret: secret, versionId: 'v1' };
  beforeAll(async () => {
    platform = await startLocalPlatform({
      orgs: [{ ...org, clientId: 'east-client', clientSecret: secret, tokenLifetimeSeconds: 900 }],
    });
  });
  afterAll(async () => {
    await platform.close();
  });

  it('obtains a bearer token scoped to the org hosts with its expiry', async () => {
    const result = await requestToken(platform.http(), org, credentials, 1_000_000);
    expect(result).toMatchObject({
      ok: true,
      token: { tokenType: 'bearer', expiresAt: 1_900_000, loginHost: org.loginHost, apiHost: org.apiHost },
    });
  });

  it.each([
    [
      { status: 400, body: { error: 'invalid_client' } },
      { kind: 'bad-credentials', error: 'invalid_client' },
    ],
    [
      { status: 401, body: { error: 'invalid_client' } },
      { kind: 'bad-credentials', status: 401 },
    ],
    [
      { status: 400, body: { error: 'invalid_request', error_description: 'rate limit exceeded; retry' } },
      { kind: 'retryable', status: 400 },
    ],
    [
      { status: 429, retryAfter: '7' },
      { kind: 'retryable', retryAfterMs: 7000, fromHeader: true },
    ],
    [{ status: 503 }, { kind: 'retryable', retryAfterMs: 5000, fromHeader: false }],
    [{ status: 404 }, { kind: 'invalid-answer', status: 404 }],
    [
      { status: 200, body: { access_token: 'x', token_type: 'mac', expires_in: 60 } },
      { kind: 'invalid-answer' },
    ],
  ])('classifies %j', async (fault, expected) => {
    platform.failTokens('east', { ...fault, times: 1 });
    const result = await requestToken(platform.http(), org, credentials, 0);
    expect(result).toMatchObject({ ok: false, ...expected });
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(JSON.stringify(result)).not.toMatch(/Basic /);
  });

  it('fails a wrong secret as bad credentials, naming neither the secret nor the header', async () => {
    const result = await requestToken(platform.http(), org, { ...credentials, clientSecret: 'wrong' }, 0);
    expect(result).toMatchObject({ ok: false, kind: 'bad-credentials', status: 401 });
    expect(JSON.stringify(result)).not.toMatch(/wrong|Basic/);
  });

  it('classifies a refused connection as retryable with the default backoff', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const http = { ...platform.http(), baseUrl: () => `http://127.0.0.1:${port}` };
    const result = await requestToken(http, org, credentials, 0);
    expect(result).toMatchObject({ ok: false, kind: 'retryable', status: null, retryAfterMs: 5000 });
    expect(result.ok ? '' : result.reason).toMatch(/ECONNREFUSED/);
  });
});
