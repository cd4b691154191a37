import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';

/**
 * Secrets Manager reads with a short in-memory cache. A warm function must not call Secrets Manager on
 * every request (latency, cost, throttling), yet a rotated key must reach every container within a
 * minute or so; both hold with a TTL of a minute. Values never appear in errors or logs: errors name
 * the secret and what is wrong with its shape, never its content.
 */

/** @default TTL of a cached secret value. */
export const DEFAULT_SECRET_TTL_MS = 60_000;

export class SecretUnavailableError extends Error {
  constructor(
    readonly secretName: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`secret ${secretName}: ${problem}`, options);
    this.name = 'SecretUnavailableError';
  }
}

export interface SecretsReaderOptions {
  /** @default 60 s */
  readonly ttlMs?: number;
  /** @default Date.now - injectable so tests step the clock */
  readonly now?: () => number;
}

export interface SecretsReader {
  /** The secret's string value, from the cache when younger than the TTL. */
  text(name: string): Promise<string>;
  /** The secret as a key list (see {@link parseKeyList}): current first. */
  keys(name: string): Promise<readonly string[]>;
}

/**
 * The rotatable secrets (API keys, token keys, webhook secret) hold a list of keys, the one to sign
 * with first and every key still accepted after it:
 *
 *   {"keys": ["<current>", "<next or previous>"]}
 *
 * The form CloudFormation generates at first deployment, `{"current": "<random>"}` (optionally with
 * `"next"` / `"previous"`), is read as the same list, so a fresh stack works before anyone rotates.
 */
const keyText = z.string().min(1).max(4096);
const keyListSchema = z.union([
  z.object({ keys: z.array(keyText).min(1).max(4) }).transform((s) => s.keys),
  z
    .object({ current: keyText, next: keyText.optional(), previous: keyText.optional() })
    .transform((s) => [s.current, ...(s.next ? [s.next] : []), ...(s.previous ? [s.previous] : [])]),
]);

/** The key list in a secret's text, or null when the text is not one of the two forms. */
export function parseKeyList(text: string): readonly string[] | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = keyListSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/**
 * A cached reader. Make one at module scope next to the client. Concurrent first reads of a name share
 * one request; a failed read is not cached, so the next request tries again.
 *
 * @example
 * const secrets = secretsReader(secretsManagerClientFor(config));
 * const apiKeys = await secrets.keys(secretNames(config.env).apiKeys);
 */
export function secretsReader(
  client: Pick<SecretsManagerClient, 'send'>,
  options: SecretsReaderOptions = {},
): SecretsReader {
  const ttlMs = options.ttlMs ?? DEFAULT_SECRET_TTL_MS;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; value: Promise<string> }>();

  const text = (name: string): Promise<string> => {
    const hit = cache.get(name);
    if (hit && now() - hit.at < ttlMs) return hit.value;
    const value = fetchText(client, name);
    cache.set(name, { at: now(), value });
    value.catch(() => {
      if (cache.get(name)?.value === value) cache.delete(name);
    });
    return value;
  };

  return {
    text,
    async keys(name) {
      const keys = parseKeyList(await text(name));
      if (!keys) {
        throw new SecretUnavailableError(
          name,
          'must be JSON {"keys":["<current>","<other>"]} or {"current":"<key>"} with non-empty keys',
        );
      }
      return keys;
    },
  };
}

async function fetchText(client: Pick<SecretsManagerClient, 'send'>, name: string): Promise<string> {
  let out: GetSecretValueCommandOutput;
  try {
    out = await client.send(new GetSecretValueCommand({ SecretId: name }));
  } catch (e) {
    // The SDK error carries no secret value; keep it as the cause for the log.
    throw new SecretUnavailableError(name, 'could not be read', { cause: e });
  }
  const value = out.SecretString;
  if (typeof value !== 'string' || value.length === 0) {
    throw new SecretUnavailableError(name, 'has no string value');
  }
  return value;
}

/** A reader over fixed values, for tests and local runs without Secrets Manager. */
export function staticSecrets(values: Readonly<Record<string, string>>): SecretsReader {
  const text = async (name: string): Promise<string> => {
    const value = values[name];
    if (value === undefined) throw new SecretUnavailableError(name, 'is not set');
    return value;
  };
  return {
    text,
    async keys(name) {
      const keys = parseKeyList(await text(name));
      if (!keys) throw new SecretUnavailableError(name, 'is not a key list');
      return keys;
    },
  };
}
