import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import '../shared/zod-messages.js';
import * as z from 'zod/mini';
import type { ClientCredentials } from './token-endpoint.js';

/**
 * The OAuth client credentials of an org, from its Secrets Manager secret (`{clientId, clientSecret}`),
 * with the secret's VersionId: the refresher remembers a version the platform refused and asks again
 * only once the secret has a new one. Errors name the secret and the field, never a value.
 */
export interface CredentialsSource {
  get(secretName: string): Promise<ClientCredentials>;
}

export class CredentialsUnavailableError extends Error {
  constructor(
    readonly secretName: string,
    problem: string,
  ) {
    super(`platform client credentials ${secretName}: ${problem}`);
    this.name = 'CredentialsUnavailableError';
  }
}

const secretSchema = z.object({
  clientId: z.string().check(z.minLength(1)),
  clientSecret: z.string().check(z.minLength(1)),
});

/** Parses a secret's text; the message says which field is wrong, not what it holds. */
export function parseClientCredentials(
  secretName: string,
  text: string,
  versionId: string,
): ClientCredentials {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CredentialsUnavailableError(secretName, 'the value is not JSON {"clientId","clientSecret"}');
  }
  const parsed = secretSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(value)').join(', ');
    throw new CredentialsUnavailableError(secretName, `missing or empty ${fields}`);
  }
  return { ...parsed.data, versionId };
}

/**
 * Reads through Secrets Manager with a short cache (a warm refresher runs every minute; a rotated
 * secret is seen within `ttlMs`).
 *
 * @example
 * const credentials = secretsManagerCredentials(secretsManagerClientFor(config));
 */
export function secretsManagerCredentials(
  client: Pick<SecretsManagerClient, 'send'>,
  options: { readonly ttlMs?: number; readonly now?: () => number } = {},
): CredentialsSource {
  const ttlMs = options.ttlMs ?? 30_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { value: ClientCredentials; until: number }>();
  return {
    async get(secretName) {
      const hit = cache.get(secretName);
      if (hit && hit.until > now()) return hit.value;
      let out: { SecretString?: string; VersionId?: string };
      try {
        out = await client.send(new GetSecretValueCommand({ SecretId: secretName }));
      } catch (error) {
        const name = typeof error === 'object' && error !== null && 'name' in error ? error.name : 'Error';
        throw new CredentialsUnavailableError(secretName, `cannot be read (${String(name)})`);
      }
      if (out.SecretString === undefined || out.VersionId === undefined) {
        throw new CredentialsUnavailableError(secretName, 'has no string value');
      }
      const value = parseClientCredentials(secretName, out.SecretString, out.VersionId);
      cache.set(secretName, { value, until: now() + ttlMs });
      return value;
    },
  };
}
