import middy from '@middy/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bearerAuth, bearerKey, matchesApiKey } from '../../../functions/shared/bearer-auth.js';
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

const guarded = middy<HttpEvent, HttpResult>()
  .use(httpErrorHandler({ logger }))
  .use(bearerAuth({ keys: async () => [CURRENT, NEXT] }))
  .handler(async () => json(200, { ok: true }));

async function call(headers: Record<string, string>) {
  const result = await guarded(httpEvent({ headers }), lambdaContext());
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null'), headers: result.headers };
}

describe('matchesApiKey', () => {
  it('accepts either of the two valid keys', () => {
    expect(matchesApiKey(CURRENT, [CURRENT, NEXT])).toBe(true);
    expect(matchesApiKey(NEXT, [CURRENT, NEXT])).toBe(true);
  });

  it('rejects any other string, prefixes and extensions of a key included', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(matchesApiKey(s, [CURRENT, NEXT])).toBe(s === CURRENT || s === NEXT);
      }),
    );
    expect(matchesApiKey(CURRENT.slice(0, -1), [CURRENT])).toBe(false);
    expect(matchesApiKey(`${CURRENT}x`, [CURRENT])).toBe(false);
  });

  it('never matches an empty configured key', () => {
    expect(matchesApiKey('', [''])).toBe(false);
  });
});

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
  it.each([[CURRENT], [NEXT]])('lets a request with the key %s through', async (key) => {
    expect((await call({ authorization: `Bearer ${key}` })).status).toBe(200);
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
});
