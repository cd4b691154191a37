import type { MiddyfiedHandler } from '@middy/core';
import { apiKeyGuard, type KeyedRouteDeps, routeChain } from '../../shared/api-route.js';
import { MetricUnit } from '../../shared/logger.js';
import { type HttpEvent, type HttpResult, json, parseBody } from '../../shared/middleware.js';
import { type ResolveDeps, resolveRoute } from './service.js';
import { resolveRequestSchema } from './types.js';

export interface ResolveRouteDeps extends ResolveDeps, KeyedRouteDeps {}

/** A resolve body is a few short fields; anything near this is not one. */
const MAX_BODY_BYTES = 4096;

/**
 * `POST /routing/resolve` -> 200 with the flat answer (`region, queueId, transferAddress, sameRegion,
 * reason, decidedAt`, ...). Needs an API key with `routing:resolve`. 400 names the bad field, 404 an
 * unknown queue, 503 with Retry-After when this region cannot reach ControlState in budget.
 */
export function resolveQueueRoute(deps: ResolveRouteDeps): MiddyfiedHandler<HttpEvent, HttpResult> {
  const now = deps.now ?? Date.now;
  return routeChain(deps, {
    guards: [apiKeyGuard(deps, 'routing:resolve')],
    maxBodyBytes: MAX_BODY_BYTES,
  }).handler(async (event) => {
    const request = parseBody(resolveRequestSchema, event.body);
    const { answer, repeated } = await resolveRoute(deps, request, now());
    deps.metrics.addDimension('reason', answer.reason);
    deps.metrics.addMetric(repeated ? 'RoutingResolveRepeated' : 'RoutingResolved', MetricUnit.Count, 1);
    deps.logger.info('resolved', {
      conversationId: answer.conversationId,
      queue: answer.queue,
      region: answer.region,
      reason: answer.reason,
      detail: answer.detail,
      repeated,
    });
    return json(200, answer);
  });
}
