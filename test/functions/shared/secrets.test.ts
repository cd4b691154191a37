import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseKeyList, SecretUnavailableError, secretsReader } from '../../../functions/shared/secrets.js';

const sm = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'us-east-1' });

beforeEach(() => {
  sm.reset();
});

describe('parseKeyList', () => {
  it.each([
    ['{"keys":["a","b"]}', ['a', 'b']],
    ['{"keys":["only"]}', ['only']],
    ['{"current":"c"}', ['c']],
    ['{"current":"c","next":"n"}', ['c', 'n']],
    ['{"current":"c","previous":"p"}', ['c', 'p']],
  ])('reads %s as %j', (text, keys) => {
    expect(parseKeyList(text)).toEqual(keys);
  });

  it.each([['not json'], ['"a"'], ['{"keys":[]}'], ['{"keys":[""]}'], ['{"current":""}'], ['{}'], ['[]']])(
    'rejects %s',
    (text) => {
      expect(parseKeyList(text)).toBeNull();
    },
  );
});

describe('secretsReader', () => {
  it('reads a secret once and serves it from the cache until the TTL passes', async () => {
    // Prepare
    let now = 1_000;
    sm.on(GetSecretValueCommand, { SecretId: 's' }).resolves({ SecretString: '{"keys":["k1","k2"]}' });
    const reader = secretsReader(client, { ttlMs: 60_000, now: () => now });

    // Act
    const first = await reader.keys('s');
    now += 59_999;
    const cached = await reader.keys('s');
    now += 1;
    await reader.keys('s');

    // Assess
    expect(first).toEqual(['k1', 'k2']);
    expect(cached).toEqual(first);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('shares one request between concurrent first reads', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"current":"k"}' });
    const reader = secretsReader(client);

    await Promise.all([reader.text('s'), reader.text('s'), reader.text('s')]);

    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('fails a read naming the secret, and tries again on the next read', async () => {
    // Prepare
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('AccessDenied')).resolves({ SecretString: 'v' });
    const reader = secretsReader(client);

    // Act
    const failed = reader.text('continuity/dev/api-keys');

    // Assess
    await expect(failed).rejects.toThrow(
      new SecretUnavailableError('continuity/dev/api-keys', 'could not be read'),
    );
    await expect(reader.text('continuity/dev/api-keys')).resolves.toBe('v');
  });

  it('rejects a secret of the wrong shape without quoting its value', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"key":"super-secret-value"}' });
    const reader = secretsReader(client);

    const error = await reader.keys('s').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect(String((error as Error).message)).toMatch(/^secret s: must be JSON/);
    expect(String((error as Error).message)).not.toContain('super-secret-value');
  });

  it('rejects a secret without a string value', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1]) });
    await expect(secretsReader(client).text('s')).rejects.toThrow('secret s: has no string value');
  });
});
