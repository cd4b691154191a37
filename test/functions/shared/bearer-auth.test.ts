import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { type ApiKeyEntry, type ApiScope, parseApiKeys } from '../../../functions/shared/api-keys.js';
import { bearerAuth, bearerKey } from '../../../functions/shared/bearer-auth.js';
import { observability } from '../../../functions/shared/logger.js';
import {
  type HttpEvent,
  type HttpResult,
  httpErrorHandler,
  json,
} from '../../../functions/shared/middleware.js';
import { httpEvent, lambdaContext } from './lambda-fixtures.js';

const { logger } = observability('bearer-auth-test', { logLevel: 'SILENT' });
const CURRENT = 'current-key-0123456789';
const NEXT = 'next-key-9876543210';
const WRITER = 'writer-key-0123456789abcdef';
const READER = 'reader-key-0123456789abcdef';

const keys = parseApiKeys(
  JSON.stringify({
    keys: [
      CURRENT,
      NEXT,
      { key: WRITER, scopes: ['contexts:write'], name: 'origin-flow' },
      { key: READER, scopes: ['contexts:read'], name: 'receiving-flow' },
    ],
  }),
);

function guarded(scope: ApiScope, seen: ApiKeyEntry[] = []) {
  return middy<HttpEvent, HttpResult>()
    .use(httpErrorHandler({ logger }))
    .use(bearerAuth({ keys: async () => keys, scope, onKey: (k) => seen.push(k) }))
    .handler(async () => json(200, { ok: true }));
}

async function call(headers: Record<string, string>, scope: ApiScope = 'contexts:read') {
  const result = await guarded(scope)(httpEvent({ headers }), lambdaContext());
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null'), headers: result.headers };
}

describe('bearerKey', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Bearer  abc ', 'abc'],
    ['Basic abc', null],
    ['Bearer', null],
    ['Bearer a b', null],
    [undefined, null],
  ])('reads %j as %j', (header, key) => {
    expect(bearerKey(header)).toBe(key);
  });
});

describe('bearerAuth', () => {
  it.each([[CURRENT], [NEXT]])('lets a request with the plain (all-scope) key %s through', async (key) => {
    expect((await call({ authorization: `Bearer ${key}` }, 'contexts:read')).status).toBe(200);
    expect((await call({ authorization: `Bearer ${key}` }, 'contexts:write')).status).toBe(200);
    expect((await call({ authorization: `Bearer ${key}` }, 'routing:resolve')).status).toBe(200);
  });

  it('rejects a request without a key with 401, a challenge and a clear message', async () => {
    const r = await call({});

    expect(r.status).toBe(401);
    expect(r.headers?.['www-authenticate']).toBe('Bearer');
    expect(r.body).toEqual({
      error: { code: 'missing_api_key', message: 'send the API key as "Authorization: Bearer <key>"' },
    });
  });

  it('rejects a wrong key with 401 and reads the header case-insensitively', async () => {
    const r = await call({ Authorization: 'Bearer wrong' });

    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: { code: 'invalid_api_key', message: 'the API key is not valid' } });
  });

  it.each([
    [WRITER, 'contexts:write', 200],
    [WRITER, 'contexts:read', 403],
    [WRITER, 'routing:resolve', 403],
    [READER, 'contexts:read', 200],
    [READER, 'contexts:write', 403],
  ] as const)('answers the scoped key %s on a route needing %s with %i', async (key, scope, status) => {
    expect((await call({ authorization: `Bearer ${key}` }, scope)).status).toBe(status);
  });

  it('rejects a valid key without the scope with 403 naming the scope', async () => {
    const r = await call({ authorization: `Bearer ${WRITER}` }, 'contexts:read');

    expect(r.status).toBe(403);
    expect(r.headers?.['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="contexts:read"');
    expect(r.body).toEqual({
      error: {
        code: 'insufficient_scope',
        message: 'this API key does not have the contexts:read scope this route needs',
        scope: 'contexts:read',
      },
    });
  });

  it('tells the route the name of a valid key, never for a wrong one', async () => {
    const seen: ApiKeyEntry[] = [];
    const handler = guarded('contexts:read', seen);

    await handler(httpEvent({ headers: { authorization: `Bearer ${WRITER}` } }), lambdaContext());
    await handler(httpEvent({ headers: { authorization: 'Bearer wrong' } }), lambdaContext());

    expect(seen.map((k) => k.name)).toEqual(['origin-flow']);
  });
});
