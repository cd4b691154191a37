import middy from '@middy/core';
import type { ApiKeyEntry, ApiScope } from './api-keys.js';
import { bearerAuth } from './bearer-auth.js';
import type { Logger, Metrics } from './logger.js';
import { type HttpChainOptions, type HttpEvent, type HttpResult, httpMiddlewares } from './middleware.js';

/** What every HTTP API route gets: its logger and metrics, and a clock tests and benchmarks can set. */
export interface RouteObservability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Current time, epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** A route behind the bearer API keys. */
export interface KeyedRouteDeps extends RouteObservability {
  /** The bearer API keys valid now, with their scopes (`secrets.parsed(names.apiKeys, parseApiKeys)`). */
  readonly apiKeys: () => Promise<readonly ApiKeyEntry[]>;
}

/** The shared HTTP chain: our error mapping wraps everything below, auth included, so every failure gets our JSON shape. */
export function routeChain(
  { logger, metrics }: RouteObservability,
  options: Omit<HttpChainOptions, 'logger' | 'metrics'>,
) {
  return middy<HttpEvent, HttpResult>().use(httpMiddlewares({ logger, metrics, ...options }));
}

/**
 * The API-key check of a route: the key must carry `scope` (saving needs `contexts:write`, reading
 * `contexts:read`, resolving `routing:resolve`: a token is a bearer capability for one conversation, and
 * a key that may only save cannot turn a token it minted into CRM-rebuilt data). The key's name (never
 * the key) goes on every log line of the request, so who did what can be traced.
 */
export function apiKeyGuard(deps: KeyedRouteDeps, scope: ApiScope) {
  return bearerAuth({
    keys: deps.apiKeys,
    scope,
    onKey: (entry) => deps.logger.appendKeys({ apiKeyName: entry.name }),
  });
}
