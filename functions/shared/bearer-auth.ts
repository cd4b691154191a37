import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareObj, Request } from '@middy/core';
import { Unauthorized } from './errors.js';
import type { HttpEvent, HttpResult } from './middleware.js';

/**
 * Bearer API keys for our HTTP APIs: `Authorization: Bearer <key>`, checked against every key that is
 * valid now (two during a rotation: current and next, see secrets.ts).
 *
 * The comparison hashes both sides with SHA-256 first, so the compared buffers always have the same
 * length and `timingSafeEqual` leaks neither the key's content nor its length; every valid key is
 * compared (no early exit), so the time does not say which key matched either.
 */

const BEARER = /^Bearer +([\x21-\x7e]{1,512})\s*$/i;
const CHALLENGE = { 'www-authenticate': 'Bearer' };

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Whether `presented` equals one of `validKeys`, in time independent of where (or whether) it matches. */
export function matchesApiKey(presented: string, validKeys: readonly string[]): boolean {
  const candidate = digest(presented);
  let match = false;
  for (const key of validKeys) {
    if (key.length > 0 && timingSafeEqual(candidate, digest(key))) match = true;
  }
  return match;
}

/** The key of an `Authorization: Bearer <key>` header value, or null. */
export function bearerKey(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  return BEARER.exec(authorization)?.[1] ?? null;
}

export interface BearerAuthOptions {
  /** The keys valid now (cached by the caller, e.g. `() => secrets.keys(secretNames(env).apiKeys)`). */
  readonly keys: () => Promise<readonly string[]>;
  /** Realm-free challenge header on 401s. @default true */
  readonly challenge?: boolean;
}

const bearerAuthDefaults = { challenge: true };

function authorizationHeader(event: HttpEvent): string | undefined {
  const headers = event.headers ?? {};
  const name = Object.keys(headers).find((k) => k.toLowerCase() === 'authorization');
  return name === undefined ? undefined : headers[name];
}

/**
 * Middy middleware: answers 401 unless the request carries a valid bearer API key. Put it before the
 * body parser, so an unauthenticated caller learns nothing about what the body should be.
 *
 * @example
 * middy<HttpEvent, HttpResult>()
 *   .use(httpErrorHandler({ logger }))
 *   .use(bearerAuth({ keys: () => secrets.keys(secretNames(config.env).apiKeys) }))
 *   .use(jsonBodyParser());
 */
export function bearerAuth(opts: BearerAuthOptions): MiddlewareObj<HttpEvent, HttpResult> {
  const options = { ...bearerAuthDefaults, ...opts };
  const headers = options.challenge ? CHALLENGE : {};
  const bearerAuthBefore = async (request: Request<HttpEvent, HttpResult>): Promise<void> => {
    const presented = bearerKey(authorizationHeader(request.event));
    if (presented === null) {
      throw new Unauthorized('send the API key as "Authorization: Bearer <key>"', {
        code: 'missing_api_key',
        headers,
      });
    }
    // A secret that cannot be read is our failure (500, logged), not the caller's: it propagates.
    const valid = await options.keys();
    if (!matchesApiKey(presented, valid)) {
      throw new Unauthorized('the API key is not valid', { code: 'invalid_api_key', headers });
    }
  };
  return { before: bearerAuthBefore };
}
