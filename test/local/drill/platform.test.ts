import { afterEach, describe, expect, it } from 'vitest';
import { startDrillPlatform } from '../../../local/drill/platform.js';
import type { LocalPlatform } from '../../../local/platform/server.js';
import { testConfig } from '../../lib/helpers.js';

const config = testConfig({
  platform: {
    orgs: [
      { name: 'east', regionHost: 'mypurecloud.com' },
      { name: 'west', regionHost: 'usw2.pure.cloud', clientSecretName: 'ops/west' },
    ],
  },
});

const held: Record<string, string> = {
  [`continuity/${config.env}/platform-client/east`]: '{"clientId":"REPLACE_ME","clientSecret":"REPLACE_ME"}',
  'ops/west': '{"clientId":"west-id","clientSecret":"west-secret"}',
};
const secrets = {
  value: (name: string) => {
    const value = held[name];
    if (value === undefined) throw new Error(`no secret ${name} in the synthesized stacks`);
    return value;
  },
};

/** A client-credentials token request to `loginHost` on the stand-in. */
async function tokenStatus(platform: LocalPlatform, loginHost: string, id: string, secret: string) {
  const answer = await fetch(`${platform.baseUrl(loginHost)}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  await answer.arrayBuffer();
  return answer.status;
}

describe('startDrillPlatform', () => {
  let platform: LocalPlatform | undefined;
  afterEach(async () => {
    await platform?.close();
    platform = undefined;
  });

  it('listens on loopback only', async () => {
    // Act
    platform = await startDrillPlatform(config, secrets);
    // Assess
    expect(platform.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each([
    ['the placeholder of the default-named secret', 'login.mypurecloud.com', 'REPLACE_ME', 'REPLACE_ME', 200],
    ['the credentials of an org’s own secret', 'login.usw2.pure.cloud', 'west-id', 'west-secret', 200],
    ['another org’s credentials', 'login.usw2.pure.cloud', 'REPLACE_ME', 'REPLACE_ME', 401],
    ['a wrong client secret', 'login.mypurecloud.com', 'REPLACE_ME', 'guess', 401],
  ])('answers a token request with %s by %i', async (_, host, id, secret, status) => {
    // Prepare
    platform = await startDrillPlatform(config, secrets);
    // Act
    const got = await tokenStatus(platform, host, id, secret);
    // Assess
    expect(got).toBe(status);
  });

  it('fails naming the secret, not its value, when an org secret is not {clientId, clientSecret}', async () => {
    // Prepare
    const broken = {
      value: (name: string) => (name === 'ops/west' ? '{"clientId":"west-id"}' : secrets.value(name)),
    };
    // Act
    const starting = startDrillPlatform(config, broken);
    // Assess
    await expect(starting).rejects.toThrow(
      'platform client secret ops/west is not {"clientId","clientSecret"}',
    );
    await expect(starting).rejects.not.toThrow(/west-id/);
  });

  it('fails when the stacks create no secret for an org', async () => {
    // Prepare
    const none = {
      value: (name: string) => (name === 'ops/west' ? secrets.value('missing') : secrets.value(name)),
    };
    // Act + Assess
    await expect(startDrillPlatform(config, none)).rejects.toThrow(
      /no secret missing in the synthesized stacks/,
    );
  });
});
