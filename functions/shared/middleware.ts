import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj, type MiddyfiedHandler, type Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import {
  BadRequest,
  invalidInput,
  isHttpError,
  PayloadTooLarge,
  publicError,
  UnsupportedMediaType,
} from './errors.js';
import { describeZodIssues } from './identifiers.js';
import type { Logger, Metrics } from './logger.js';

/**
 * The middy chains of our functions (CONVENTIONS.md): Powertools logger and metrics first, then our
 * error mapping, then input parsing. Two shapes:
 * - HTTP (API Gateway HTTP API v2 and function URLs): {@link httpHandler} / {@link httpMiddlewares};
 *   errors become `{"error":{"code","message"}}` answers and never leak internals.
 * - events and schedules: {@link eventHandler} / {@link eventMiddlewares}; errors are logged and
 *   rethrown so Lambda's async retries and the DLQ see them.
 */

/**
 * An HTTP request as the chain sees it: API Gateway HTTP API v2 / function URL, its `body` replaced by
 * {@link jsonBodyParser} with the parsed JSON (undefined if none was sent). `APIGatewayProxyEventV2`
 * is assignable to it, so `middy<HttpEvent, HttpResult>()` takes what Lambda passes.
 */
export type HttpEvent = Omit<APIGatewayProxyEventV2, 'body'> & {
  body?: unknown;
  /** The body text as received (decoded from base64 if needed), for signature checks; set by the parser. */
  rawBody?: string;
};

/** What an {@link httpHandler} function receives: the request with its body validated as `B`. */
export type HttpRequest<B = unknown> = Omit<HttpEvent, 'body'> & { body: B };

export type HttpResult = APIGatewayProxyStructuredResultV2;

const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;.*)?$/i;
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** A JSON answer with the headers every answer of ours carries. */
export function json(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

function header(event: { headers?: Record<string, string | undefined> }, name: string): string | undefined {
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

export interface JsonBodyParserOptions {
  /** Bodies over this many bytes are answered 413 before they are parsed. @default 1 MiB */
  readonly maxBodyBytes?: number;
}

/**
 * Parses a JSON request body. Unlike `@middy/http-json-body-parser` (415 for every problem), a body
 * that is not JSON is the caller's mistake and answered 400; a body of another media type 415; an
 * oversized one 413. A request without a body passes with `body: undefined`.
 */
export function jsonBodyParser(opts: JsonBodyParserOptions = {}): MiddlewareObj<HttpEvent, HttpResult> {
  const options = { maxBodyBytes: DEFAULT_MAX_BODY_BYTES, ...opts };
  const jsonBodyParserBefore = (request: Request<HttpEvent, HttpResult>): void => {
    const event = request.event;
    const body: unknown = event.body;
    event.rawBody = undefined;
    if (body === undefined || body === null || body === '') {
      event.body = undefined;
      return;
    }
    if (typeof body !== 'string') {
      throw new BadRequest('request body must be JSON text', { code: 'invalid_json' });
    }
    const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
    if (bytes.length > options.maxBodyBytes) {
      throw new PayloadTooLarge(`request body is over ${options.maxBodyBytes} bytes`);
    }
    if (!JSON_TYPE.test(header(event, 'content-type') ?? '')) {
      throw new UnsupportedMediaType('request body must be application/json');
    }
    const text = bytes.toString('utf8');
    try {
      event.body = JSON.parse(text);
    } catch {
      throw new BadRequest('request body is not valid JSON', { code: 'invalid_json' });
    }
    event.rawBody = text;
  };
  return { before: jsonBodyParserBefore };
}

export interface HttpErrorHandlerOptions {
  readonly logger: Logger;
  /** Log 4xx answers (status and code, at INFO). @default true */
  readonly logClientErrors?: boolean;
}

const httpErrorHandlerDefaults = { logClientErrors: true };

/**
 * Turns any error into our error answer: an HttpError keeps its status, code and public message;
 * anything else is 500 `internal` / `internal error` and is logged with its stack (logs only).
 */
export function httpErrorHandler(opts: HttpErrorHandlerOptions): MiddlewareObj<HttpEvent, HttpResult> {
  const options = { ...httpErrorHandlerDefaults, ...opts };
  const httpErrorHandlerOnError = (request: Request<HttpEvent, HttpResult>): void => {
    const error: unknown = request.error;
    const { status, body, headers } = publicError(error);
    if (!isHttpError(error)) {
      options.logger.error('request failed', { error: asError(error) });
    } else if (status >= 500) {
      options.logger.warn('request answered with a server error', {
        status,
        code: body.error.code,
        cause: error.cause,
      });
    } else if (options.logClientErrors) {
      options.logger.info('request rejected', { status, code: body.error.code });
    }
    request.response = json(status, body, headers);
  };
  return { onError: httpErrorHandlerOnError };
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(`non-error thrown: ${typeof value}`);
}

export interface ChainOptions {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export interface HttpChainOptions extends ChainOptions, JsonBodyParserOptions {
  /**
   * Checks that run before the body is read, inside the error mapping (a bearer-key check): a
   * rejected request is never parsed and still gets the JSON error shape.
   * @default - none
   */
  readonly guards?: readonly MiddlewareObj<HttpEvent, HttpResult>[];
  /**
   * Parse the body as JSON. Turn it off for a route that must see the exact bytes (a signed webhook)
   * or takes no body.
   * @default true
   */
  readonly jsonBody?: boolean;
}

/**
 * The HTTP chain, to `.use()` on a typed middy handler.
 *
 * @example
 * export const handler = middy<HttpEvent, HttpResult>()
 *   .use(httpMiddlewares({ logger, metrics }))
 *   .handler(async (event) => json(200, await core(parseBody(schema, event.body))));
 */
export function httpMiddlewares(options: HttpChainOptions): MiddlewareObj<HttpEvent, HttpResult>[] {
  return [
    injectLambdaContext(options.logger, { resetKeys: true }),
    logMetrics(options.metrics, { captureColdStartMetric: true }),
    httpErrorHandler(options),
    ...(options.guards ?? []),
    ...(options.jsonBody === false ? [] : [jsonBodyParser(options)]),
  ];
}

/**
 * Validates a parsed body against a schema; a mismatch is a 400 `invalid_body` whose message names the
 * fields (`body.queue: expected string, received undefined`), never the values: at most ten, with
 * `omitted` saying how many more there were (see {@link invalidInput}), so a hostile body cannot make
 * the answer larger than itself.
 */
export function parseBody<S extends z.ZodMiniType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw invalidInput(describeZodIssues(result.error, 'body'), 'invalid_body');
  }
  return result.data;
}

type BodyOf<S> = S extends z.ZodMiniType ? z.output<S> : unknown;

/**
 * A complete HTTP handler: the chain of {@link httpMiddlewares} around `fn`, with the body validated by
 * `options.body` when given.
 *
 * @example
 * export const handler = httpHandler(async (event) => json(201, await save(event.body)), {
 *   logger, metrics, body: createContextSchema, maxBodyBytes: config.settings.context.maxContextBytes,
 * });
 */
export function httpHandler<S extends z.ZodMiniType | undefined = undefined>(
  fn: (request: HttpRequest<BodyOf<S>>, context: Context) => Promise<HttpResult>,
  options: HttpChainOptions & { readonly body?: S },
): MiddyfiedHandler<HttpEvent, HttpResult> {
  return middy<HttpEvent, HttpResult>()
    .use(httpMiddlewares(options))
    .handler(async (event, context) => {
      const body = options.body ? parseBody(options.body, event.body) : event.body;
      return fn({ ...event, body: body as BodyOf<S> }, context);
    });
}

export interface EventErrorLoggerOptions {
  readonly logger: Logger;
}

/**
 * Logs a failed event invocation with the event's identity (never its detail, which may carry
 * customer data) and lets the error propagate: Lambda retries the async invocation, then the DLQ
 * keeps the event.
 */
export function eventErrorLogger(opts: EventErrorLoggerOptions): MiddlewareObj {
  const options = { ...opts };
  const eventErrorLoggerOnError = (request: Request): void => {
    const event = (request.event ?? {}) as Record<string, unknown>;
    const detail = (event.detail ?? {}) as Record<string, unknown>;
    options.logger.error('event handling failed', {
      error: asError(request.error),
      source: event.source,
      detailType: event['detail-type'],
      eventBridgeId: event.id,
      eventId: detail.eventId,
    });
  };
  return { onError: eventErrorLoggerOnError };
}

/** The event chain, to `.use()` on a typed middy handler. */
export function eventMiddlewares(options: ChainOptions): MiddlewareObj[] {
  return [
    injectLambdaContext(options.logger, { resetKeys: true }),
    logMetrics(options.metrics, { captureColdStartMetric: true }),
    eventErrorLogger(options),
  ];
}

/**
 * A complete event handler (EventBridge rule or schedule target): the chain of {@link eventMiddlewares}
 * around `fn`. Parse the event inside `fn` with `parseEvent` from events.ts.
 *
 * @example
 * export const handler = eventHandler(async (raw) => {
 *   const event = parseEvent(raw, ['RegionHealthVote', 'AlarmStateChange', 'Schedule']);
 *   await evaluate(event, Date.now());
 * }, { logger, metrics });
 */
export function eventHandler<R = void>(
  fn: (event: unknown, context: Context) => Promise<R>,
  options: ChainOptions,
): MiddyfiedHandler<unknown, R> {
  return middy<unknown, R>()
    .use(eventMiddlewares(options))
    .handler(async (event, context) => fn(event, context));
}
