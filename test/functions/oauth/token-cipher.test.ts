import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../config/schema.js';
import { configuredOrgs, rejectionsFrom } from '../../../functions/oauth/orgs.js';
import {
  cipherKeysParser,
  secretTokenCipher,
  TokenDecryptError,
} from '../../../functions/oauth/token-cipher.js';

const keyText = () => randomBytes(48).toString('base64');
const ring = (...keys: string[]) => cipherKeysParser(JSON.stringify({ keys }));
const EAST = { org: 'east', apiHost: 'api.mypurecloud.com' };
const TOKEN = 'platform-access-token-0123456789abcdef';

describe('secretTokenCipher', () => {
  it('decrypts in the other region what one region encrypted, with the same replicated key list', async () => {
    const keys = [keyText()];
    const writer = secretTokenCipher(async () => ring(...keys));
    const reader = secretTokenCipher(async () => ring(...keys));

    const sealed = await writer.encrypt(TOKEN, EAST);

    expect(Buffer.from(sealed).toString('latin1')).not.toContain(TOKEN);
    await expect(reader.decrypt(sealed, EAST)).resolves.toBe(TOKEN);
  });

  it.each([
    ['another org', { org: 'west', apiHost: EAST.apiHost }],
    ['another API host', { org: 'east', apiHost: 'api.usw2.pure.cloud' }],
  ])('refuses a ciphertext relabelled as %s', async (_name, context) => {
    const cipher = secretTokenCipher(async () => ring(keyText()));
    const sealed = await cipher.encrypt(TOKEN, EAST);

    await expect(cipher.decrypt(sealed, context)).rejects.toBeInstanceOf(TokenDecryptError);
  });

  it('refuses a tampered ciphertext and one under a key no longer listed, naming no token', async () => {
    const [k1, k2] = [keyText(), keyText()];
    const sealed = await secretTokenCipher(async () => ring(k1)).encrypt(TOKEN, EAST);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] ?? 0) ^ 1;

    const errors = await Promise.all([
      secretTokenCipher(async () => ring(k1))
        .decrypt(tampered, EAST)
        .catch((e: Error) => e),
      secretTokenCipher(async () => ring(k2))
        .decrypt(sealed, EAST)
        .catch((e: Error) => e),
    ]);

    expect(errors.map((e) => e instanceof TokenDecryptError)).toEqual([true, true]);
    expect(errors.map((e) => (e as Error).message).join(' ')).not.toContain(TOKEN);
  });

  it('rotates: the first key encrypts, every listed key decrypts', async () => {
    const [oldKey, newKey] = [keyText(), keyText()];
    const sealedOld = await secretTokenCipher(async () => ring(oldKey)).encrypt(TOKEN, EAST);

    const rotated = secretTokenCipher(async () => ring(newKey, oldKey));

    await expect(rotated.decrypt(sealedOld, EAST)).resolves.toBe(TOKEN);
    const sealedNew = await rotated.encrypt(TOKEN, EAST);
    await expect(secretTokenCipher(async () => ring(newKey)).decrypt(sealedNew, EAST)).resolves.toBe(TOKEN);
  });

  it('refuses a key shorter than 32 bytes (the secrets reader then keeps the last good list) and never shows a key', () => {
    expect(() => ring('too-short')).toThrow('every platform token key must be at least 32 bytes');
    const key = keyText();
    expect(inspect(ring(key)) + JSON.stringify(ring(key))).not.toContain(key);
  });
});

describe('configuredOrgs', () => {
  const platform = parseConfig(
    {
      env: 'dev',
      regions: { active: ['us-east-1', 'us-west-2'], witness: 'us-east-2' },
      sipTargets: { 'us-east-1': [{ host: 'a.example.com' }], 'us-west-2': [{ host: 'b.example.com' }] },
      dns: { zoneName: 'dev.cc.example.com', hostedZoneId: 'Z0DEVEXAMPLE00' },
      platform: {
        orgs: [
          { name: 'east', regionHost: 'mypurecloud.com' },
          { name: 'west', regionHost: 'usw2.pure.cloud', clientSecretName: 'custom/west' },
        ],
      },
    },
    'test',
  ).platform;

  it('names each org credentials secret, the default one unless the config names another', () => {
    expect(configuredOrgs('dev', platform)).toEqual([
      {
        name: 'east',
        loginHost: 'login.mypurecloud.com',
        apiHost: 'api.mypurecloud.com',
        clientSecretName: 'continuity/dev/platform-client/east',
      },
      {
        name: 'west',
        loginHost: 'login.usw2.pure.cloud',
        apiHost: 'api.usw2.pure.cloud',
        clientSecretName: 'custom/west',
      },
    ]);
  });

  it('refuses to run without platform settings', () => {
    expect(() => configuredOrgs('dev', undefined)).toThrow('the platform settings are missing');
  });

  it('maps a rejection to the orgs on its API host only', () => {
    const orgs = configuredOrgs('dev', platform);

    const rejected = rejectionsFrom(
      { apiHost: 'api.usw2.pure.cloud', occurredAt: '2026-03-01T10:00:00.000Z' },
      orgs,
    );

    expect([...rejected]).toEqual([['west', Date.parse('2026-03-01T10:00:00.000Z')]]);
  });
});
