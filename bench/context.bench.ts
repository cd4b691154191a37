import { gzipSync } from 'node:zlib';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { contextRouteDeps, webhookRouteDeps } from '../functions/context/deps.js';
import { createContextRoute, crmWebhookRoute, getContextRoute } from '../functions/context/routes.js';
import { CRM_SIGNATURE_HEADER, signWebhook } from '../functions/context/webhook-signature.js';
import { dynamoDocClientFor } from '../functions/shared/clients.js';
import { contextCacheKeys, crmEventKeys } from '../functions/shared/keys.js';
import { secretNames } from '../functions/shared/names.js';
import { memoryPublisher } from '../functions/shared/publisher.js';
import { staticSecrets } from '../functions/shared/secrets.js';
import { startLocalWorld } from '../local/dynamo/world.js';
import { lambdaContext, routeEvent } from '../test/functions/shared/lambda-fixtures.js';
import { contextRuntimeConfig } from '../test/integration/context/harness.js';
import { median, report, timeSideBySide } from './harness.js';

/**
 * `npm run bench context`: the overhead of `GET /contexts/{token}` (the real middy handler, in process,
 * against DynamoDB Local) as a ratio to a bare GetItem on the same table through an identically tuned
 * client, interleaved request by request in one run; the same for a context rebuilt from CRM events
 * against a bare Query; and the size of each context function's bundle as ContinuityFunction builds it.
 */

const RUNS = Number(process.env.BENCH_RUNS ?? 1500);
const API_KEY = 'bench-api-key-0123456789';
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';

// DynamoDB Local keeps one database per access key: use the one the local world uses.
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

/** Lambda context handed to every in-process invocation. */
const invocation = lambdaContext('bench');

async function bundleSizes(): Promise<string> {
  const entries = ['create-context', 'get-context', 'crm-webhook'];
  const lines = ['## Context function bundles', '', '| function | minified | gzip |', '|---|---|---|'];
  for (const name of entries) {
    // The options of ContinuityFunction / NodejsFunction: ESM, minified, node24, SDK v3 and Smithy external.
    const out = await build({
      entryPoints: [`functions/context/handlers/${name}.ts`],
      bundle: true,
      write: false,
      minify: true,
      platform: 'node',
      target: 'node24',
      format: 'esm',
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*', '@smithy/*'],
      logLevel: 'warning',
    });
    const code = out.outputFiles[0]?.contents ?? new Uint8Array();
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    lines.push(`| ${name} | ${kb(code.length)} | ${kb(gzipSync(code).length)} |`);
  }
  return lines.join('\n');
}

export async function run(): Promise<string> {
  const world = await startLocalWorld({ env: 'dev' });
  try {
    const region = world.regions[0] ?? '';
    const clock = { now: Date.now() };
    const config = contextRuntimeConfig(world, region);
    const names = secretNames(config.env);
    const overrides = {
      secrets: staticSecrets({
        [names.apiKeys]: JSON.stringify({ keys: [API_KEY] }),
        [names.tokenKey]: JSON.stringify({ keys: ['bench-token-secret-0123456789abcdef0123456789'] }),
        [names.crmWebhook]: JSON.stringify({ keys: [WEBHOOK_SECRET] }),
      }),
      publisher: memoryPublisher(),
      now: () => clock.now,
      logLevel: 'WARN' as const,
    };
    const deps = contextRouteDeps(config, 'context-bench', overrides);
    const create = createContextRoute(deps);
    const get = getContextRoute(deps);
    const webhook = crmWebhookRoute(webhookRouteDeps(config, 'crm-webhook-bench', overrides));
    const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
    const conversationId = '3f0c9a52-6b1e-4c2d-9a8f-0e1d2c3b4a59';
    const context = {
      conversationId,
      ivrSelections: [{ menu: 'main', choice: 'billing' }],
      crm: { contact: { name: 'Ada Lovelace', tier: 'gold' }, case: { id: 'C-1', status: 'open' } },
      queuePosition: { queue: 'support', position: 3 },
      attributes: { language: 'en', vip: true },
    };
    const saved = await create(
      routeEvent('POST /contexts', '/contexts', { headers: auth, body: JSON.stringify(context) }),
      invocation,
    );
    const token = String((JSON.parse(saved.body ?? '{}') as { token?: string }).token);
    for (let i = 0; i < 5; i++) {
      const body = JSON.stringify({
        eventId: `bench-${i}`,
        conversationId,
        occurredAt: new Date(clock.now - 60_000 + i * 1000).toISOString(),
        type: 'attributes.set',
        data: { [`field${i}`]: i },
      });
      const headers = {
        'content-type': 'application/json',
        [CRM_SIGNATURE_HEADER]: signWebhook(body, WEBHOOK_SECRET, Math.floor(clock.now / 1000)),
      };
      await webhook(routeEvent('POST /webhooks/crm', '/webhooks/crm', { headers, body }), invocation);
    }
    const getEvent = routeEvent('GET /contexts/{token}', `/contexts/${token}`, {
      headers: auth,
      pathParameters: { token },
    });
    // Same tuning as the handler's own client (dynamoDocClientFor with defaults), fresh connection pool.
    const bare = dynamoDocClientFor(config);
    const invoke = async (expected: string) => {
      const r = await get(getEvent, invocation);
      if (r.statusCode !== 200 || !r.body?.includes(`"source":"${expected}"`)) {
        throw new Error(`GET answered ${r.statusCode}: ${r.body}`);
      }
    };

    const cache = await timeSideBySide(
      () => invoke('cache'),
      () =>
        bare.send(
          new GetCommand({
            TableName: config.tables.contextCache,
            Key: contextCacheKeys.context(conversationId),
            ConsistentRead: true,
          }),
        ),
      RUNS,
    );
    clock.now += world.config.context.contextTtlSeconds * 1000 + 1000;
    const crm = await timeSideBySide(
      () => invoke('crm'),
      () =>
        bare.send(
          new QueryCommand({
            TableName: config.tables.crmEvents,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': crmEventKeys.conversation(conversationId).pk },
          }),
        ),
      Math.max(200, Math.floor(RUNS / 3)),
    );
    const ratio = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(2);
    return [
      report('GET /contexts/{token} against DynamoDB Local (in-process handler, interleaved)', [
        { name: 'handler, served from cache', unit: 'ms', values: cache.a },
        { name: 'bare GetItem, same table and key', unit: 'ms', values: cache.b },
        { name: 'handler, rebuilt from 5 CRM events', unit: 'ms', values: crm.a },
        { name: 'bare Query, same partition', unit: 'ms', values: crm.b },
      ]),
      '',
      `Ratio of medians, cache path: **${ratio(cache.a, cache.b)}x** a bare GetItem ` +
        `(overhead ${(median(cache.a) - median(cache.b)).toFixed(2)} ms); ` +
        `CRM path: **${ratio(crm.a, crm.b)}x** a bare Query (overhead ${(median(crm.a) - median(crm.b)).toFixed(2)} ms).`,
      '',
      await bundleSizes(),
    ].join('\n');
  } finally {
    await world.stop();
  }
}
