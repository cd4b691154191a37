import { dynamoDirectoryStore } from '../../../functions/routing/directory/store.js';
import { resolveRouteDeps } from '../../../functions/routing/resolve/deps.js';
import { resolveQueueRoute } from '../../../functions/routing/resolve/route.js';
import { loadRuntimeConfig } from '../../../functions/shared/runtime-config.js';
import type { LocalWorld } from '../../../local/dynamo/world.js';
import { lambdaContext, routeEvent } from '../../functions/shared/lambda-fixtures.js';
import { API_KEY, apiSecrets, type Clock, type Response } from '../context/harness.js';

/**
 * `POST /routing/resolve` of each region of a local world as the Lambda runtime runs it: the real middy
 * handler over each region's DynamoDB endpoint (ControlState shared, strongly consistent), secrets
 * injected, one clock the test moves.
 */

/**
 * @param controlBudgetMs the control budget; tests that fire a hundred resolves at once in one process
 * give DynamoDB Local (one JVM on two cores) more than a real MRSC call ever needs.
 */
export function resolveRuntimeConfig(world: LocalWorld, region: string, controlBudgetMs?: number) {
  return loadRuntimeConfig({
    CONTINUITY_ENV: world.config.env,
    AWS_REGION: region,
    ACTIVE_REGIONS: world.config.regions.active.join(','),
    WITNESS_REGION: world.config.regions.witness,
    DYNAMODB_ENDPOINTS: world.regions.map((r) => `${r}=${world.region(r).endpoint}`).join(','),
    CONTINUITY_SETTINGS: JSON.stringify({
      quorum: { ...world.config.quorum, ...(controlBudgetMs ? { controlBudgetMs } : {}) },
      replication: world.config.replication,
      routing: world.config.routing,
    }),
  });
}

export function resolveApi(world: LocalWorld, region: string, clock: Clock, controlBudgetMs?: number) {
  const config = resolveRuntimeConfig(world, region, controlBudgetMs);
  const deps = resolveRouteDeps(config, {
    secrets: apiSecrets(config.env),
    now: () => clock.now,
    logLevel: 'SILENT',
  });
  const route = resolveQueueRoute(deps);
  const post = async (body: unknown, headers: Record<string, string> = {}): Promise<Response> => {
    const result = await route(
      routeEvent('POST /routing/resolve', '/routing/resolve', {
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, ...headers },
      }),
      lambdaContext(),
    );
    return {
      status: result.statusCode ?? 0,
      body: JSON.parse(result.body ?? 'null') as Record<string, unknown>,
      headers: result.headers ?? {},
    };
  };
  return { config, deps, post };
}

export const EAST = 'us-east-1';
export const WEST = 'us-west-2';

/** The two logical queues of the README's example and the fallback, written straight to ControlState. */
export async function seedDirectory(world: LocalWorld): Promise<void> {
  const entries = [
    {
      name: 'PRIMARY_SUPPORT_QUEUE',
      regions: {
        [EAST]: { queueId: 'q-east-primary', transferAddress: 'tel:+15550001000' },
        [WEST]: { queueId: 'q-west-primary', transferAddress: 'sip:primary@west.example.com' },
      },
      skills: [],
      fallback: 'SECONDARY_SUPPORT_QUEUE',
    },
    {
      name: 'SECONDARY_SUPPORT_QUEUE',
      regions: {
        [EAST]: { queueId: 'q-east-secondary', transferAddress: 'tel:+15550002000' },
        [WEST]: { queueId: 'q-west-secondary', transferAddress: 'sip:secondary@west.example.com' },
      },
      skills: [],
    },
  ];
  const store = dynamoDirectoryStore({
    doc: world.region(EAST).doc,
    tableName: world.tables.controlState,
    budgetMs: 5000,
  });
  for (const entry of entries) await store.put(entry, { by: 'test', now: Date.now() });
}
