import type { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { contextRouteDeps, type DepsOverrides, webhookRouteDeps } from '../../../functions/context/deps.js';
import { createContextRoute, crmWebhookRoute, getContextRoute } from '../../../functions/context/routes.js';
import { CRM_SIGNATURE_HEADER, signWebhook } from '../../../functions/context/webhook-signature.js';
import { contextCacheKeys } from '../../../functions/shared/keys.js';
import { secretNames } from '../../../functions/shared/names.js';
import { memoryPublisher } from '../../../functions/shared/publisher.js';
import { loadRuntimeConfig } from '../../../functions/shared/runtime-config.js';
import { staticSecrets } from '../../../functions/shared/secrets.js';
import type { LocalWorld } from '../../../local/dynamo/world.js';
import { httpEvent, lambdaContext, routeEvent } from '../../functions/shared/lambda-fixtures.js';

/**
 * The context API of each region of a local world, as the Lambda runtime would run it: the real middy
 * handlers, DynamoDB through each region's local endpoint, secrets injected (Secrets Manager has no
 * local stand-in), events collected in memory, one clock the test moves.
 */

// EMF lines on stdout would bury the test output; the metrics are not what these tests check.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

export const API_KEY = 'test-api-key-current-0123456789';
export const NEXT_API_KEY = 'test-api-key-next-0123456789';
export const WEBHOOK_SECRET = 'whsec-test-0123456789abcdef';
const TOKEN_SECRET = 'token-secret-for-tests-only-0123456789abcdef';

export interface Clock {
  now: number;
}

/** The secrets' values as Secrets Manager holds them, by name. */
export function apiSecretValues(env: string): Record<string, string> {
  const names = secretNames(env);
  return {
    [names.apiKeys]: JSON.stringify({ keys: [API_KEY, NEXT_API_KEY] }),
    [names.tokenKey]: JSON.stringify({ keys: [TOKEN_SECRET] }),
    [names.crmWebhook]: JSON.stringify({ current: WEBHOOK_SECRET }),
  };
}

export function apiSecrets(env: string) {
  return staticSecrets(apiSecretValues(env));
}

export interface Response {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, unknown>;
}

/** The Lambda environment a context function of `region` gets in the local world, parsed. */
export function contextRuntimeConfig(world: LocalWorld, region: string) {
  return loadRuntimeConfig({
    CONTINUITY_ENV: world.config.env,
    AWS_REGION: region,
    ACTIVE_REGIONS: world.config.regions.active.join(','),
    WITNESS_REGION: world.config.regions.witness,
    DYNAMODB_ENDPOINTS: world.regions.map((r) => `${r}=${world.region(r).endpoint}`).join(','),
    CONTINUITY_SETTINGS: JSON.stringify({ context: world.config.context }),
  });
}

/**
 * Secrets Manager as a map a test rotates (values as {@link apiSecretValues}); while `state.hang` is set a
 * read waits until `state.release()` (the SDK's own timeout, on demand).
 */
export function mutableSecretsManager(env: string) {
  const names = secretNames(env);
  const values = apiSecretValues(env);
  const state: { hang: boolean; release: () => void } = { hang: false, release: () => {} };
  const client = {
    send: (command: GetSecretValueCommand) => {
      if (state.hang) {
        return new Promise((_, reject) => {
          state.release = () => reject(new Error('TimeoutError'));
        });
      }
      const value = values[command.input.SecretId ?? ''];
      if (value === undefined) return Promise.reject(new Error('ResourceNotFoundException'));
      return Promise.resolve({ SecretString: value, $metadata: {} });
    },
  } as unknown as Pick<SecretsManagerClient, 'send'>;
  return { names, values, state, client };
}

export function regionApi(
  world: LocalWorld,
  region: string,
  clock: Clock,
  /** A Secrets Manager stand-in to read the secrets from, through the functions' own cached reader. */
  extra: Pick<DepsOverrides, 'secretsClient'> = {},
) {
  const config = contextRuntimeConfig(world, region);
  const publisher = memoryPublisher();
  const overrides = {
    ...(extra.secretsClient ? extra : { secrets: apiSecrets(config.env) }),
    publisher,
    now: () => clock.now,
    logLevel: 'SILENT' as const,
  };
  const contextDeps = contextRouteDeps(config, 'context-test', overrides);
  const routes = {
    create: createContextRoute(contextDeps),
    get: getContextRoute(contextDeps),
    webhook: crmWebhookRoute(webhookRouteDeps(config, 'crm-webhook-test', overrides)),
  };
  const invoke = async (route: keyof typeof routes, event: APIGatewayProxyEventV2): Promise<Response> => {
    const result = await routes[route](event, lambdaContext());
    return {
      status: result.statusCode ?? 0,
      body: JSON.parse(result.body ?? 'null') as Record<string, unknown>,
      headers: result.headers ?? {},
    };
  };
  return {
    config,
    deps: contextDeps,
    publisher,
    invoke,
    save: (context: unknown, apiKey = API_KEY) =>
      invoke(
        'create',
        httpEvent({
          body: JSON.stringify(context),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        }),
      ),
    fetch: (token: string, apiKey = API_KEY) =>
      invoke('get', getEvent(token, { authorization: `Bearer ${apiKey}` })),
    webhook: (body: string, headers: Record<string, string>) =>
      invoke('webhook', webhookEvent(body, headers)),
    /** A correctly signed webhook for `event` at the clock's time. */
    sendCrmEvent: (event: unknown) => {
      const body = JSON.stringify(event);
      return invoke(
        'webhook',
        webhookEvent(body, {
          'content-type': 'application/json',
          [CRM_SIGNATURE_HEADER]: signWebhook(body, WEBHOOK_SECRET, Math.floor(clock.now / 1000)),
        }),
      );
    },
  };
}

export type RegionApi = ReturnType<typeof regionApi>;

/**
 * Waits until `check` holds, polling every 20 ms (the test's own timeout bounds the wait). Used instead
 * of `world.replication.settle()` where a test needs one item to have replicated: it waits for exactly
 * that, whatever else is still in flight from earlier tests.
 */
export async function eventually(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Whether `region`'s ContextCache replica holds the conversation's context at `version` or later. */
export async function hasContext(
  world: LocalWorld,
  region: string,
  conversationId: string,
  version: number,
): Promise<boolean> {
  const out = await world
    .region(region)
    .doc.send(
      new GetCommand({ TableName: world.tables.contextCache, Key: contextCacheKeys.context(conversationId) }),
    );
  return typeof out.Item?.version === 'number' && out.Item.version >= version;
}

export function getEvent(token: string | undefined, headers: Record<string, string>): APIGatewayProxyEventV2 {
  return routeEvent('GET /contexts/{token}', `/contexts/${token ?? ''}`, {
    headers,
    ...(token === undefined ? {} : { pathParameters: { token } }),
  });
}

export function webhookEvent(
  body: string | undefined,
  headers: Record<string, string>,
): APIGatewayProxyEventV2 {
  return routeEvent('POST /webhooks/crm', '/webhooks/crm', { headers, body });
}
