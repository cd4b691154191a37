import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { ContinuityConfig } from '../../config/schema.js';

type RouteName = keyof ContinuityConfig['api']['routes'];

/** One route of the context API: what `config.api.routes.<name>` throttles. */
export interface ApiRoute {
  readonly method: apigwv2.HttpMethod;
  readonly path: string;
}

/**
 * Every route of the HTTP API by its name in `config.api.routes`. Adding a route to the schema without
 * adding it here fails the type check, so no route is left on the stage default by accident.
 */
export const API_ROUTES = {
  contextsSave: { method: apigwv2.HttpMethod.POST, path: '/contexts' },
  contextsRead: { method: apigwv2.HttpMethod.GET, path: '/contexts/{token}' },
  crmWebhook: { method: apigwv2.HttpMethod.POST, path: '/webhooks/crm' },
  routingResolve: { method: apigwv2.HttpMethod.POST, path: '/routing/resolve' },
} as const satisfies Readonly<Record<RouteName, ApiRoute>>;

/** The API Gateway route key, e.g. `POST /contexts`. */
export function routeKey(route: ApiRoute): string {
  return `${route.method} ${route.path}`;
}

/**
 * The stage's `RouteSettings` (CloudFormation AWS::ApiGatewayV2::Stage): one throttle per route key,
 * from `config.api.routes`. Each overrides the stage's default route settings for its route.
 *
 * @example
 * routeThrottles(config)['POST /contexts'] // { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }
 */
export function routeThrottles(
  config: ContinuityConfig,
): Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> {
  return Object.fromEntries(
    (Object.keys(API_ROUTES) as RouteName[]).map((name) => {
      const limits = config.api.routes[name];
      return [
        routeKey(API_ROUTES[name]),
        { ThrottlingRateLimit: limits.rateLimit, ThrottlingBurstLimit: limits.burstLimit },
      ];
    }),
  );
}
