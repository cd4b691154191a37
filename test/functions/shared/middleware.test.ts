import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { Conflict, NotFound, ServiceUnavailable } from '../../../functions/shared/errors.js';
import { MetricUnit, observability } from '../../../functions/shared/logger.js';
import { httpHandler, json } from '../../../functions/shared/middleware.js';
import { httpEvent, lambdaContext } from './lambda-fixtures.js';

const { logger, metrics } = observability('middleware-test', { logLevel: 'SILENT' });

const bodySchema = z.object({ conversationId: z.string(), queue: z.string() });

/** Echoes what the chain handed it. */
const echo = httpHandler(async (event) => json(200, { body: event.body, rawBody: event.rawBody }), {
  logger,
  metrics,
  maxBodyBytes: 64,
});

const validated = httpHandler(async (event) => json(201, { queue: event.body.queue }), {
  logger,
  metrics,
  body: bodySchema,
});

function throwing(error: unknown) {
  return httpHandler(
    async () => {
      throw error;
    },
    { logger, metrics },
  );
}

function errorOf(result: { body?: string }) {
  return JSON.parse(result.body ?? '') as { error: { code: string; message: string } };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('httpHandler', () => {
  it('hands the parsed body and the raw text to the handler', async () => {
    // Act
    const result = await echo(httpEvent({ body: '{"a":1}' }), lambdaContext());

    // Assess
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '')).toEqual({ body: { a: 1 }, rawBody: '{"a":1}' });
    expect(result.headers?.['content-type']).toBe('application/json');
  });

  it.each([['application/json; charset=utf-8'], ['Application/JSON'], ['application/vnd.genesys+json']])(
    'accepts the content type %s',
    async (contentType) => {
      // Act
      const result = await echo(
        httpEvent({ body: '[]', headers: { 'Content-Type': contentType } }),
        lambdaContext(),
      );

      // Assess
      expect(result.statusCode).toBe(200);
    },
  );

  it('decodes a base64 body', async () => {
    // Act
    const body = Buffer.from('{"b":"ü"}', 'utf8').toString('base64');
    const result = await echo(httpEvent({ body, isBase64Encoded: true }), lambdaContext());

    // Assess
    expect(JSON.parse(result.body ?? '').body).toEqual({ b: 'ü' });
  });

  it('passes a request without a body as undefined', async () => {
    // Act
    const result = await echo(httpEvent({ body: undefined, headers: {} }), lambdaContext());

    // Assess
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '')).toEqual({});
  });

  it('validates the body with the schema and hands over the typed value', async () => {
    // Act
    const result = await validated(
      httpEvent({ body: '{"conversationId":"c-1","queue":"SUPPORT"}' }),
      lambdaContext(),
    );

    // Assess
    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body ?? '')).toEqual({ queue: 'SUPPORT' });
  });

  it.each([
    ['bad JSON', httpEvent({ body: '{"a":' }), 400, 'invalid_json'],
    [
      'a body of another media type',
      httpEvent({ body: 'a=1', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    ],
    ['a body without a content type', httpEvent({ body: '{}', headers: {} }), 415, 'unsupported_media_type'],
    [
      'a body over the size cap',
      httpEvent({ body: JSON.stringify({ pad: 'x'.repeat(100) }) }),
      413,
      'payload_too_large',
    ],
  ])('answers %s with %i', async (_case, event, status, code) => {
    // Act
    const result = await echo(event, lambdaContext());

    // Assess
    expect(result.statusCode).toBe(status);
    expect(errorOf(result)).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('rejects a body that breaks the schema with 400, naming the fields but not the values', async () => {
    // Act
    const result = await validated(
      httpEvent({ body: '{"conversationId":"secret-value-1"}' }),
      lambdaContext(),
    );

    // Assess
    expect(result.statusCode).toBe(400);
    const { error } = errorOf(result);
    expect(error.code).toBe('invalid_body');
    expect(error.message).toContain('body.queue');
    expect(result.body).not.toContain('secret-value-1');
  });

  it('answers a body with hundreds of problems with the first ten and the count of the rest', async () => {
    // Prepare: 600 bad items and one unknown field whose name is 20 000 characters
    const many = httpHandler(async () => json(200, {}), {
      logger,
      metrics,
      body: z.strictObject({ items: z.array(z.strictObject({ n: z.number() })) }),
    });
    const hostile = `{"items":${JSON.stringify(Array.from({ length: 600 }, () => ({ n: 'x' })))},"${'k'.repeat(20_000)}":1}`;

    // Act
    const result = await many(httpEvent({ body: hostile }), lambdaContext());

    // Assess
    const { error } = JSON.parse(result.body ?? '') as { error: Record<string, unknown> };
    expect(result.statusCode).toBe(400);
    expect(error).toEqual({ code: 'invalid_body', message: expect.any(String), omitted: 591 });
    expect(String(error.message).split('; ')).toHaveLength(11);
    expect(error.message).toMatch(/^body\.items\.0\.n: expected number, received string; /);
    expect(error.message).toMatch(/; and 591 more problems \(fix these first\)$/);
    expect(result.body?.length).toBeLessThan(2500);
  });

  it('cuts a single over-long problem and keeps the whole answer small', async () => {
    // Prepare: one issue whose message names a 20 000-character field
    const strict = httpHandler(async () => json(200, {}), { logger, metrics, body: bodySchema.strict() });
    const body = JSON.stringify({ conversationId: 'c', queue: 'q', [`${'k'.repeat(20_000)}`]: 1 });

    // Act
    const result = await strict(httpEvent({ body }), lambdaContext());

    // Assess
    const { error } = errorOf(result);
    expect(result.statusCode).toBe(400);
    expect(error.message).toMatch(/^body: Unrecognized key: "k+\.\.\.$/);
    expect(error.message).toHaveLength(200);
  });

  it.each([
    [new NotFound('no context for this token'), 404, 'not_found', 'no context for this token'],
    [
      new Conflict('assigned elsewhere', { code: 'already_assigned' }),
      409,
      'already_assigned',
      'assigned elsewhere',
    ],
    [new ServiceUnavailable('region is fenced'), 503, 'service_unavailable', 'region is fenced'],
  ])('answers a thrown %s with its status and public message', async (error, status, code, message) => {
    // Act
    const result = await throwing(error)(httpEvent(), lambdaContext());

    // Assess
    expect(result.statusCode).toBe(status);
    expect(errorOf(result)).toEqual({ error: { code, message } });
  });

  it('logs a rejection with its status and code', async () => {
    // Prepare
    const logged = vi.spyOn(logger, 'info');

    // Act
    await throwing(new NotFound('gone'))(httpEvent(), lambdaContext());

    // Assess
    expect(logged).toHaveBeenCalledWith('request rejected', { status: 404, code: 'not_found' });
  });

  it('passes an error’s own headers through', async () => {
    // Act
    const result = await throwing(new ServiceUnavailable('fenced', { headers: { 'retry-after': '10' } }))(
      httpEvent(),
      lambdaContext(),
    );

    // Assess
    expect(result.headers?.['retry-after']).toBe('10');
  });

  it('answers an unknown error with a generic 500 and logs it, with no stack or secret in the body', async () => {
    // Prepare
    const logged = vi.spyOn(logger, 'error');
    const error = new Error('connect to db with password=hunter2 failed');

    // Act
    const result = await throwing(error)(httpEvent(), lambdaContext());

    // Assess
    expect(result.statusCode).toBe(500);
    expect(errorOf(result)).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(result.body).not.toContain('hunter2');
    expect(result.body).not.toContain('at ');
    expect(logged).toHaveBeenCalledWith('request failed', { error });
  });

  it('answers a thrown non-error with a generic 500', async () => {
    // Act
    const result = await throwing('a string')(httpEvent(), lambdaContext());

    // Assess
    expect(result.statusCode).toBe(500);
    expect(errorOf(result).error.code).toBe('internal');
  });

  it('publishes the metrics a handler added even when it fails', async () => {
    // Prepare
    const handler = httpHandler(
      async () => {
        metrics.addMetric('Attempted', MetricUnit.Count, 1);
        throw new Error('boom');
      },
      { logger, metrics },
    );
    vi.spyOn(logger, 'error').mockImplementation(() => undefined);

    // Act
    await handler(httpEvent(), lambdaContext());

    // Assess
    expect(metrics.hasStoredMetrics()).toBe(false);
  });

  it('always answers arbitrary requests with success or the error shape, never a rejection', async () => {
    const statuses = new Set([200, 400, 413, 415]);
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), { nil: undefined }),
        fc.option(fc.constantFrom('application/json', 'text/plain', 'application/x+json', ''), {
          nil: undefined,
        }),
        fc.boolean(),
        async (body, contentType, isBase64Encoded) => {
          // Act
          const event = httpEvent({
            body,
            isBase64Encoded,
            headers: contentType === undefined ? {} : { 'content-type': contentType },
          });
          const result = await echo(event, lambdaContext());

          // Assess
          expect(statuses).toContain(result.statusCode);
          const parsed = JSON.parse(result.body ?? '') as Record<string, unknown>;
          if (result.statusCode !== 200) {
            expect(parsed).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
          }
        },
      ),
    );
  });
});
