import type { MiddlewareObj, Request } from '@middy/core';
import { type ApiKeyEntry, type ApiScope, findApiKey } from './api-keys.js';
import { Forbidden, Unauthorized } from './errors.js';
import type { HttpEvent, HttpResult } from './middleware.js';

/**
 * Bearer API keys for our HTTP APIs: `Authorization: Bearer <key>`, checked against every key of the
 * api-keys secret (see api-keys.ts for its format, the scopes and the constant-time comparison), then
 * against the scope the route needs. A wrong key is 401 whatever the route; a valid key without the
 * scope is 403 naming the scope, which says nothing a key holder could not read in the README.
 */

const BEARER = /^Bearer +([\x21-\x7e]{1,512})\s*$/i;
const CHALLENGE = { 'www-authenticate': 'Bearer' };

/** The key of an `Authorization: Bearer <key>` header value, or null. */
export function bearerKey(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  return BEARER.exec(authorization)?.[1] ?? null;
}

export interface BearerAuthOptions {
  /** The keys valid now (cached by the caller: `() => secrets.parsed(names.apiKeys, parseApiKeys)`). */
  readonly keys: () => Promise<readonly ApiKeyEntry[]>;
  /** The scope the route needs. */
  readonly scope: ApiScope;
  /** Called with the matching key once it is found valid, before its scope is checked (to log its name). */
  readonly onKey?: (entry: ApiKeyEntry) => void;
  /** Realm-free challenge header on 401s and 403s. @default true */
  readonly challenge?: boolean;
}

const bearerAuthDefaults = { challenge: true };

function authorizationHeader(event: HttpEvent): string | undefined {
  const headers = event.headers ?? {};
  const name = Object.keys(headers).find((k) => k.toLowerCase() === 'authorization');
  return name === undefined ? undefined : headers[name];
}

/**
 * Middy middleware: answers 401 unless the request carries a valid bearer API key, and 403
 * `insufficient_scope` when that key lacks `scope`. Put it before the body parser, so a caller that may
 * not use the route learns nothing about what the body should be.
 *
 * @example
 * middy<HttpEvent, HttpResult>()
 *   .use(httpErrorHandler({ logger }))
 *   .use(bearerAuth({ keys: () => secrets.parsed(names.apiKeys, parseApiKeys), scope: 'contexts:read' }))
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
    const entry = findApiKey(presented, await options.keys());
    if (!entry) {
      throw new Unauthorized('the API key is not valid', { code: 'invalid_api_key', headers });
    }
    options.onKey?.(entry);
    if (!entry.scopes.has(options.scope)) {
      throw new Forbidden(`this API key does not have the ${options.scope} scope this route needs`, {
        code: 'insufficient_scope',
        details: { scope: options.scope },
        headers: options.challenge
          ? { 'www-authenticate': `Bearer error="insufficient_scope", scope="${options.scope}"` }
          : {},
      });
    }
  };
  return { before: bearerAuthBefore };
}
