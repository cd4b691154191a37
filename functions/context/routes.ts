import middy, { type MiddyfiedHandler } from '@middy/core';
import type { ContextConfig } from '../../config/schema.js';
import { bearerAuth } from '../shared/bearer-auth.js';
import { BadRequest } from '../shared/errors.js';
import { type Logger, type Metrics, MetricUnit } from '../shared/logger.js';
import {
  type HttpChainOptions,
  type HttpEvent,
  type HttpResult,
  httpMiddlewares,
  json,
  parseBody,
} from '../shared/middleware.js';
import {
  type ContextServiceDeps,
  fetchContext,
  saveContext,
  saveContextRequestSchema,
} from './context-service.js';
import { acceptWebhook, type WebhookDeps } from './crm-webhook.js';
import { MAX_TOKEN_CHARS } from './token.js';

/**
 * The three routes of the context API as middy handlers, built from their dependencies so that the
 * Lambda entry files (handlers/*.ts) and the tests and benchmark run the same code. One Lambda per
 * route: each gets only the secrets and table actions its route needs (the webhook never sees
 * ContextCache or the token key; only GET reads the other region), and a bundle of its own.
 */

export interface RouteObservability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Current time, epoch ms. @default Date.now */
  readonly now?: () => number;
}

export interface ContextRouteDeps extends Omit<ContextServiceDeps, 'logger'>, RouteObservability {
  /** The bearer API keys valid now (current and next). */
  readonly apiKeys: () => Promise<readonly string[]>;
}

export interface WebhookRouteDeps extends Omit<WebhookDeps, 'logger'>, RouteObservability {}

/** The shared HTTP chain: our error mapping wraps everything below, auth included, so every failure gets our JSON shape. */
function chain(
  { logger, metrics }: RouteObservability,
  options: Omit<HttpChainOptions, 'logger' | 'metrics'>,
) {
  return middy<HttpEvent, HttpResult>().use(httpMiddlewares({ logger, metrics, ...options }));
}

/** Whitespace and the expectedVersion field fit in this slack; the exact cap is on the context itself. */
function bodyCap(settings: ContextConfig): number {
  return settings.maxContextBytes * 2;
}

/** `POST /contexts` -> 201 `{ token, conversationId, version, expiresAt, tokenExpiresAt }`. */
export function createContextRoute(deps: ContextRouteDeps): MiddyfiedHandler<HttpEvent, HttpResult> {
  const now = deps.now ?? Date.now;
  return chain(deps, {
    guards: [bearerAuth({ keys: deps.apiKeys })],
    maxBodyBytes: bodyCap(deps.settings),
  }).handler(async (event) => {
    const request = parseBody(saveContextRequestSchema, event.body);
    const saved = await saveContext(request, deps, now());
    deps.metrics.addMetric('ContextSaved', MetricUnit.Count, 1);
    return json(201, saved);
  });
}

/** `GET /contexts/{token}` -> 200 `{ source, partial, missing, conversationId, version, context }`. */
export function getContextRoute(deps: ContextRouteDeps): MiddyfiedHandler<HttpEvent, HttpResult> {
  const now = deps.now ?? Date.now;
  return chain(deps, { guards: [bearerAuth({ keys: deps.apiKeys })], jsonBody: false }).handler(
    async (event) => {
      const token = event.pathParameters?.token;
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_CHARS) {
        throw new BadRequest(
          `the path must be /contexts/<token> with a token of 1-${MAX_TOKEN_CHARS} characters`,
          {
            code: 'invalid_token_path',
          },
        );
      }
      const fetched = await fetchContext(token, deps, now());
      deps.metrics.addDimension('source', fetched.source);
      deps.metrics.addMetric('ContextServed', MetricUnit.Count, 1);
      return json(200, fetched);
    },
  );
}

/** `POST /webhooks/crm` -> 202 `{ eventId, status: "accepted" | "duplicate" }`. */
export function crmWebhookRoute(deps: WebhookRouteDeps): MiddyfiedHandler<HttpEvent, HttpResult> {
  const now = deps.now ?? Date.now;
  // The signature covers the exact bytes received: the webhook core reads the raw body itself.
  return chain(deps, { jsonBody: false }).handler(async (event) => {
    const answer = await acceptWebhook(
      {
        headers: event.headers ?? {},
        body: typeof event.body === 'string' ? event.body : undefined,
        isBase64Encoded: event.isBase64Encoded === true,
      },
      deps,
      now(),
    );
    deps.metrics.addMetric(
      answer.status === 'accepted' ? 'CrmEventAccepted' : 'CrmEventDuplicate',
      MetricUnit.Count,
      1,
    );
    return json(202, answer);
  });
}
