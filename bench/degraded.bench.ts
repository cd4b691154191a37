import { contextRouteDeps } from '../functions/context/deps.js';
import { createContextRoute, getContextRoute } from '../functions/context/routes.js';
import { memoryPublisher } from '../functions/shared/publisher.js';
import { DEFAULT_REFRESH_WAIT_MS, type SecretsReader, secretsReader } from '../functions/shared/secrets.js';
import { type LocalWorld, startLocalWorld } from '../local/dynamo/world.js';
import { lambdaContext, routeEvent } from '../test/functions/shared/lambda-fixtures.js';
import { API_KEY, contextRuntimeConfig, mutableSecretsManager } from '../test/integration/context/harness.js';
import { type BenchOutput, median, report, timeSideBySide } from './harness.js';

/**
 * `npm run bench degraded`: time to a good answer of `GET /contexts/{token}` (the real handler, in
 * process, DynamoDB Local) when a dependency goes wrong, side by side with the same request when all is
 * well:
 * - the first request after the secrets' cache expired, when the rotated values do not parse (a token
 *   key too short, an API-keys secret with a JSON typo) and when Secrets Manager does not answer;
 * - a request while this region's replica hangs (every request to it waits 30 s): the other region's
 *   replica serves it after the local read's two short attempts.
 */

const RUNS = Number(process.env.BENCH_DEGRADED_RUNS ?? 30);
const TTL_STEP_MS = 61_000;

process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const invocation = lambdaContext('bench');

function api(world: LocalWorld, region: string, clock: { now: number }, secrets: SecretsReader) {
  const config = contextRuntimeConfig(world, region);
  const deps = contextRouteDeps(config, 'context-bench', {
    secrets,
    publisher: memoryPublisher(),
    now: () => clock.now,
    logLevel: 'ERROR',
  });
  const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
  const create = createContextRoute(deps);
  const get = getContextRoute(deps);
  return {
    save: async (conversationId: string) => {
      const body = JSON.stringify({ conversationId, attributes: { language: 'en' } });
      const r = await create(routeEvent('POST /contexts', '/contexts', { headers: auth, body }), invocation);
      return String((JSON.parse(r.body ?? '{}') as { token?: string }).token);
    },
    /** GET that must answer 200 from `source`. */
    get: async (token: string, source: string) => {
      const r = await get(
        routeEvent('GET /contexts/{token}', `/contexts/${token}`, {
          headers: auth,
          pathParameters: { token },
        }),
        invocation,
      );
      if (r.statusCode !== 200 || !r.body?.includes(`"source":"${source}"`)) {
        throw new Error(`GET answered ${r.statusCode}: ${r.body}`);
      }
    },
  };
}

export async function run(): Promise<BenchOutput> {
  const world = await startLocalWorld({ env: 'dev' });
  try {
    const [regionA = '', regionB = ''] = world.regions;
    const clock = { now: Date.now() };
    const sm = mutableSecretsManager(world.config.env);
    const [TOKEN_SECRET] = JSON.parse(sm.values[sm.names.tokenKey] ?? '{}').keys as string[];
    // The secrets' cache ages on a clock of its own, so the saved contexts do not expire meanwhile.
    const secretsClock = { now: clock.now };
    const secrets = secretsReader(sm.client, { now: () => secretsClock.now });
    const a = api(world, regionA, clock, secrets);
    const b = api(world, regionB, clock, secrets);
    const tokenA = await a.save('3f0c9a52-6b1e-4c2d-9a8f-0e1d2c3b4a59');
    const tokenB = await b.save('9d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6');
    await world.replication.settle();

    const good = { ...sm.values };
    let n = 0;
    /** Each run: the cache has expired and Secrets Manager holds a new value, good or bad. */
    const rotated = (bad: boolean) => async () => {
      n += 1;
      secretsClock.now += TTL_STEP_MS;
      sm.values[sm.names.tokenKey] = bad
        ? JSON.stringify({ keys: [`short-${n}`] })
        : JSON.stringify({ keys: [TOKEN_SECRET, `next-token-secret-${n}-0123456789abcdef0123`] });
      sm.values[sm.names.apiKeys] = bad
        ? `{"keys":["${API_KEY}",${n}`
        : JSON.stringify({ keys: [API_KEY, `k${n}`] });
      await a.get(tokenA, 'cache');
    };
    const secretsBad = await timeSideBySide(rotated(false), rotated(true), RUNS);
    Object.assign(sm.values, good);
    const secretsHung = await timeSideBySide(
      rotated(false),
      async () => {
        secretsClock.now += TTL_STEP_MS;
        sm.state.hang = true;
        try {
          await a.get(tokenA, 'cache');
        } finally {
          sm.state.hang = false;
          sm.state.release();
        }
      },
      RUNS,
    );

    // B's replica hangs; B serves tokens of A (older than the replication budget) from A's replica.
    clock.now += world.config.context.replicationBudgetMs + 1000;
    const replica = await timeSideBySide(
      () => b.get(tokenB, 'cache'),
      async () => {
        world.region(regionB).setFaults({ latencyMs: 30_000 });
        try {
          await b.get(tokenA, 'origin');
        } finally {
          world.region(regionB).setFaults({});
        }
      },
      RUNS,
    );
    const ms = (v: number[]) => `${median(v).toFixed(0)} ms`;
    const pair = (s: { a: number[]; b: number[] }) => ({
      runs: s.a.length,
      goodMedianMs: median(s.a),
      degradedMedianMs: median(s.b),
      degradedOverGood: median(s.b) / median(s.a),
    });
    const figures = {
      badSecret: pair(secretsBad),
      secretsManagerHung: { ...pair(secretsHung), boundMs: DEFAULT_REFRESH_WAIT_MS },
      localReplicaHung: {
        ...pair(replica),
        localReadTimeoutMs: world.config.context.localReadTimeoutMs,
        originReadTimeoutMs: world.config.context.originReadTimeoutMs,
      },
    };
    const markdown = [
      report('Time to a good answer of GET /contexts/{token} when a dependency fails (interleaved)', [
        { name: 'secrets rotated, values good (cache expired)', unit: 'ms', values: secretsBad.a },
        { name: 'secrets rotated, values unusable: last good served', unit: 'ms', values: secretsBad.b },
        { name: 'secrets rotated, values good (second series)', unit: 'ms', values: secretsHung.a },
        { name: 'Secrets Manager hangs: last good served', unit: 'ms', values: secretsHung.b },
        { name: 'replica healthy, served from cache', unit: 'ms', values: replica.a },
        { name: 'local replica hangs: served from the other replica', unit: 'ms', values: replica.b },
      ]),
      '',
      `Bad secret: ${ms(secretsBad.b)} median vs ${ms(secretsBad.a)} with good values; Secrets Manager hung: ` +
        `${ms(secretsHung.b)} (the wait is bounded by refreshWaitMs = ${DEFAULT_REFRESH_WAIT_MS} ms). ` +
        `Hung replica: ${ms(replica.b)} to a good answer from the other replica ` +
        `(local reads: 2 attempts of context.localReadTimeoutMs = ${world.config.context.localReadTimeoutMs} ms).`,
    ].join('\n');
    return { markdown, figures };
  } finally {
    await world.stop();
  }
}
