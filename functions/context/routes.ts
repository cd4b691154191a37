import type { MiddyfiedHandler } from '@middy/core';
import type { ContextConfig } from '../../config/schema.js';
import {
  apiKeyGuard,
  routeChain as chain,
  type KeyedRouteDeps,
  type RouteObservability,
} from '../shared/api-route.js';
import { MetricUnit } from '../shared/logger.js';
import { type HttpEvent, type HttpResult, json, parseBody } from '../shared/middleware.js';
import {
  type ContextServiceDeps,
  fetchContext,
  saveContext,
  saveContextRequestSchema,
} from './context-service.js';
import { acceptWebhook, type WebhookDeps } from './crm-webhook.js';

/**
 * The three routes of the context API as middy handlers, built from their dependencies so that the
 * Lambda entry files (handlers/*.ts) and the tests and benchmark run the same code. One Lambda per
 * route: each gets only the secrets and table actions its route needs (the webhook never sees
 * ContextCache or the token key; only GET reads the other region), and a bundle of its own.
 */

export interface ContextRouteDeps extends Omit<ContextServiceDeps, 'logger'>, KeyedRouteDeps {}

export interface WebhookRouteDeps extends Omit<WebhookDeps, 'logger'>, RouteObservability {}

/** Whitespace and the expectedVersion field fit in this slack; the exact cap is on the context itself. */
function bodyCap(settings: ContextConfig): number {
  return settings.maxContextBytes * 2;
}

/** `POST /contexts` -> 201 `{ token, conversationId, version, expiresAt, tokenExpiresAt }`. */
export function createContextRoute(deps: ContextRouteDeps): MiddyfiedHandler<HttpEvent, HttpResult> {
  const now = deps.now ?? Date.now;
  return chain(deps, {
    guards: [apiKeyGuard(deps, 'contexts:write')],
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
  return chain(deps, { guards: [apiKeyGuard(deps, 'contexts:read')], jsonBody: false }).handler(
    async (event) => {
      // No check of its own: an empty, oversized or malformed token gets the same 401 `invalid_token`
      // as a forged one, and verifyToken refuses oversized input before decoding anything.
      const token = event.pathParameters?.token ?? '';
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
