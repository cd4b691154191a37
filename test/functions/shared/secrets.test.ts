import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  parseKeyList,
  reportFallbacks,
  type SecretFallback,
  SecretUnavailableError,
  secretsReader,
} from '../../../functions/shared/secrets.js';

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

    await Promise.all([reader.keys('s'), reader.keys('s'), reader.keys('s')]);

    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('fails a read naming the secret, and tries again on the next read', async () => {
    // Prepare
    sm.on(GetSecretValueCommand)
      .rejectsOnce(new Error('AccessDenied'))
      .resolves({ SecretString: '{"current":"v"}' });
    const reader = secretsReader(client);

    // Act
    const failed = reader.keys('continuity/dev/api-keys');

    // Assess
    await expect(failed).rejects.toThrow(
      new SecretUnavailableError('continuity/dev/api-keys', 'could not be read'),
    );
    await expect(reader.keys('continuity/dev/api-keys')).resolves.toEqual(['v']);
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
    await expect(secretsReader(client).keys('s')).rejects.toThrow('secret s: has no string value');
  });
});

describe('secretsReader: the last good value', () => {
  const GOOD = '{"keys":["k1"]}';
  const ROTATED = '{"keys":["k2","k1"]}';

  function stepped(options: { refreshWaitMs?: number } = {}) {
    const clock = { now: 1_000 };
    const fallbacks: SecretFallback[] = [];
    const reader = secretsReader(client, {
      ttlMs: 60_000,
      now: () => clock.now,
      onFallback: (f) => fallbacks.push(f),
      ...options,
    });
    return { clock, fallbacks, reader };
  }

  it('keeps serving the last good keys when a rotated value does not parse, and names the secret, never the value', async () => {
    // Prepare
    const { clock, fallbacks, reader } = stepped();
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: GOOD })
      .resolves({ SecretString: '{"keys":["k2",}' });
    await reader.keys('continuity/dev/api-keys');

    // Act
    clock.now += 60_000;
    const served = await reader.keys('continuity/dev/api-keys');
    const again = await reader.keys('continuity/dev/api-keys');

    // Assess
    expect(served).toEqual(['k1']);
    expect(again).toEqual(['k1']);
    expect(fallbacks).toEqual([
      { secretName: 'continuity/dev/api-keys', problem: expect.stringMatching(/^must be JSON/) },
      { secretName: 'continuity/dev/api-keys', problem: expect.stringMatching(/^must be JSON/) },
    ]);
    expect(JSON.stringify(fallbacks)).not.toContain('k2');
  });

  it('takes a good value again as soon as the secret is fixed', async () => {
    const { clock, fallbacks, reader } = stepped();
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: GOOD })
      .resolvesOnce({ SecretString: 'not json' })
      .resolves({ SecretString: ROTATED });
    await reader.keys('s');
    clock.now += 60_000;
    await reader.keys('s');

    clock.now += 60_000;
    const fixed = await reader.keys('s');

    expect(fixed).toEqual(['k2', 'k1']);
    expect(fallbacks).toHaveLength(1);
  });

  it('keeps the last good value per parser: a value one parser refuses still reaches another', async () => {
    const { clock, reader } = stepped();
    const longKeysOnly = (text: string) => {
      const keys = JSON.parse(text).keys as string[];
      if (keys.some((k) => k.length < 4)) throw new Error('every key needs 4 characters or more');
      return keys;
    };
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"keys":["long-key"]}' })
      .resolves({ SecretString: '{"keys":["k"]}' });
    await reader.parsed('s', longKeysOnly);

    clock.now += 60_000;

    expect(await reader.parsed('s', longKeysOnly)).toEqual(['long-key']);
    expect(await reader.keys('s')).toEqual(['k']);
  });

  it('serves the last good value when Secrets Manager fails, and reads again on the next request', async () => {
    const { clock, fallbacks, reader } = stepped();
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: GOOD })
      .rejectsOnce(new Error('ECONNREFUSED'))
      .resolves({ SecretString: ROTATED });
    await reader.keys('s');
    clock.now += 60_000;

    const duringOutage = await reader.keys('s');
    const after = await reader.keys('s');

    expect(duringOutage).toEqual(['k1']);
    expect(fallbacks).toEqual([{ secretName: 's', problem: 'could not be read' }]);
    expect(after).toEqual(['k2', 'k1']);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(3);
  });

  it('does not wait longer than refreshWaitMs for a Secrets Manager that hangs, and shares the one read in flight', async () => {
    // Prepare: the second read never answers
    const { clock, fallbacks, reader } = stepped({ refreshWaitMs: 50 });
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: GOOD })
      .callsFake(() => new Promise(() => undefined));
    await reader.keys('s');
    clock.now += 60_000;

    // Act: without the bounded wait this would never settle and the test would time out
    const served = await Promise.all([reader.keys('s'), reader.keys('s')]);

    // Assess
    expect(served).toEqual([['k1'], ['k1']]);
    expect(fallbacks.map((f) => f.problem)).toEqual([
      'Secrets Manager did not answer within 50 ms',
      'Secrets Manager did not answer within 50 ms',
    ]);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('fails a container that never had a good value, naming the problem and not the value', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"keys":["short"' });
    const { fallbacks, reader } = stepped();

    const error = await reader.keys('s').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toMatch(/^secret s: must be JSON/);
    expect((error as Error).message).not.toContain('short');
    expect(fallbacks).toEqual([]);
  });

  it('serves the version a bad rotation replaced (AWSPREVIOUS) in a container that never had a good value', async () => {
    // Prepare: a cold container; AWSCURRENT is the bad rotation, AWSPREVIOUS the value it replaced
    sm.on(GetSecretValueCommand, { SecretId: 's' }).resolves({ SecretString: '{"keys":["k2",' });
    sm.on(GetSecretValueCommand, { SecretId: 's', VersionStage: 'AWSPREVIOUS' }).resolves({
      SecretString: GOOD,
    });
    const { fallbacks, reader } = stepped();

    // Act
    const served = await reader.keys('s');
    const again = await reader.keys('s');

    // Assess: the previous version once, then kept as the last good value
    expect(served).toEqual(['k1']);
    expect(again).toEqual(['k1']);
    expect(fallbacks).toHaveLength(2);
    expect(
      sm.commandCalls(GetSecretValueCommand).filter((c) => c.args[0].input.VersionStage === 'AWSPREVIOUS'),
    ).toHaveLength(1);
  });
});

describe('reportFallbacks', () => {
  it('warns naming the secret and the problem, and counts one SecretFallback, the metric the stacks alarm on', () => {
    const warnings: unknown[][] = [];
    const metrics: unknown[][] = [];
    const report = reportFallbacks(
      { warn: (...args: unknown[]) => warnings.push(args) } as never,
      { singleMetric: () => ({ addMetric: (...args: unknown[]) => metrics.push(args) }) } as never,
    );

    report({ secretName: 'continuity/dev/platform-token-key', problem: 'could not be read' });

    expect(warnings).toEqual([
      [
        'serving with the last good value of a secret',
        { secretName: 'continuity/dev/platform-token-key', problem: 'could not be read' },
      ],
    ]);
    expect(metrics).toEqual([['SecretFallback', 'Count', 1]]);
  });
});
