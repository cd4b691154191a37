import middy, { type MiddlewareObj } from '@middy/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Unauthorized } from '../../../functions/shared/errors.js';
import { observability } from '../../../functions/shared/logger.js';
import {
  eventHandler,
  type HttpEvent,
  type HttpResult,
  httpMiddlewares,
  json,
} from '../../../functions/shared/middleware.js';
import { httpEvent, lambdaContext } from './lambda-fixtures.js';

/** The chains themselves: what httpMiddlewares composes, and the event chain (middleware.test.ts: httpHandler). */
const { logger, metrics } = observability('middleware-chains-test', { logLevel: 'SILENT' });

function errorOf(result: { body?: string }) {
  return JSON.parse(result.body ?? '') as { error: { code: string; message: string } };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('httpMiddlewares', () => {
  /** A guard that refuses every request, recording whether the body had been parsed when it ran. */
  function refusingGuard(seen: unknown[]): MiddlewareObj<HttpEvent, HttpResult> {
    return {
      before: (request) => {
        seen.push(request.event.body);
        throw new Unauthorized('a valid bearer API key is required');
      },
    };
  }

  it('runs guards before the body is parsed and maps their rejection to the error shape', async () => {
    // Prepare
    const seen: unknown[] = [];
    const guarded = middy<HttpEvent, HttpResult>()
      .use(httpMiddlewares({ logger, metrics, guards: [refusingGuard(seen)] }))
      .handler(async () => json(200, {}));

    // Act: a body that is not even JSON must not matter to a refused request
    const result = await guarded(httpEvent({ body: 'not json' }) as HttpEvent, lambdaContext());

    // Assess
    expect(result.statusCode).toBe(401);
    expect(errorOf(result).error.message).toBe('a valid bearer API key is required');
    expect(seen).toEqual(['not json']);
  });

  it('leaves the body as the exact text received when JSON parsing is off', async () => {
    // Prepare
    const raw = middy<HttpEvent, HttpResult>()
      .use(httpMiddlewares({ logger, metrics, jsonBody: false }))
      .handler(async (event) => json(200, { body: event.body }));

    // Act
    const result = await raw(httpEvent({ body: '{ "a" : 1 }' }) as HttpEvent, lambdaContext());

    // Assess
    expect(JSON.parse(result.body ?? '')).toEqual({ body: '{ "a" : 1 }' });
  });
});

describe('eventHandler', () => {
  const rawEvent = {
    source: 'cc.continuity',
    'detail-type': 'RegionHealthVote',
    id: 'eb-1',
    detail: { eventId: 'e-1', reason: 'customer data' },
  };

  it('returns what the handler returns', async () => {
    // Prepare
    const handler = eventHandler(async () => 'done', { logger, metrics });

    // Act
    const result = await handler(rawEvent, lambdaContext());

    // Assess
    expect(result).toBe('done');
  });

  it('rejects with the handler’s error after logging the event’s identity but not its detail', async () => {
    // Prepare
    const logged = vi.spyOn(logger, 'error');
    const error = new Error('store unavailable');
    const handler = eventHandler(
      async () => {
        throw error;
      },
      { logger, metrics },
    );

    // Act
    const result = handler(rawEvent, lambdaContext());

    // Assess
    await expect(result).rejects.toBe(error);
    expect(logged).toHaveBeenCalledWith('event handling failed', {
      error,
      source: 'cc.continuity',
      detailType: 'RegionHealthVote',
      eventBridgeId: 'eb-1',
      eventId: 'e-1',
    });
    expect(JSON.stringify(logged.mock.calls)).not.toContain('customer data');
  });
});
