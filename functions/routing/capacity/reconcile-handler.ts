import { secretsManagerCredentials } from '../../oauth/credentials.js';
import { httpsPlatform, type PlatformHttp } from '../../oauth/http.js';
import { dynamoLeaseStore } from '../../oauth/lease.js';
import { configuredOrgs } from '../../oauth/orgs.js';
import { platformClient } from '../../oauth/platform-client.js';
import type { RefresherDeps } from '../../oauth/refresher.js';
import { cipherKeysParser, secretTokenCipher } from '../../oauth/token-cipher.js';
import { storedTokenSource } from '../../oauth/token-source.js';
import { dynamoTokenStore } from '../../oauth/token-store.js';
import { dynamoDocClientFor, secretsManagerClientFor } from '../../shared/clients.js';
import { parseEvent } from '../../shared/events.js';
import { MetricUnit, observability } from '../../shared/logger.js';
import { eventHandler } from '../../shared/middleware.js';
import { secretNames } from '../../shared/names.js';
import type { EventPublisher } from '../../shared/publisher.js';
import { runtimeConfig } from '../../shared/runtime-config.js';
import { reportFallbacks, secretsReader } from '../../shared/secrets.js';
import { dynamoDirectoryStore } from '../directory/store.js';
import { RECONCILE_METRICS } from './metrics.js';
import { dynamoCapacityReader } from './reader.js';
import { type ReconcileDeps, reconcileRegion } from './reconcile.js';
import { dynamoCapacityWriter } from './store.js';

const config = runtimeConfig();
const { logger, metrics } = observability('capacity-reconcile', {
  persistentKeys: { region: config.region },
});
const budgetMs = config.settings.quorum.controlBudgetMs;
const doc = dynamoDocClientFor(config, config.region, { requestTimeoutMs: budgetMs, maxAttempts: 1 });
const tableName = config.tables.controlState;

const platformBase = config.endpoints.platform;
const http: PlatformHttp = platformBase
  ? { ...httpsPlatform(), baseUrl: (host) => `${platformBase}/${host}` }
  : httpsPlatform();
const secretsClient = secretsManagerClientFor(config);
const secrets = secretsReader(secretsClient, { onFallback: reportFallbacks(logger, metrics) });
const tokenKey = secretNames(config.env).platformTokenKey;
const orgs = configuredOrgs(config.env, config.settings.platform).filter((o) =>
  config.settings.platform?.orgs.some((p) => p.name === o.name && p.region === config.region),
);

/**
 * Not an event emitter (lib/constructs/grants.ts EVENT_EMITTERS has no entry for this function): on a
 * 401 the client's token source refreshes under the org's lease and writes the token item every region
 * reads, so the `PlatformTokenRejected` announcement is not needed to heal and is not sent.
 */
const notAnnounced: EventPublisher = { publish: async () => undefined };

const refresher: Omit<RefresherDeps, 'holderId'> = {
  orgs,
  store: dynamoTokenStore({ doc, tableName }),
  leases: dynamoLeaseStore({ doc, tableName }),
  cipher: secretTokenCipher(() => secrets.parsed(tokenKey, cipherKeysParser)),
  credentials: secretsManagerCredentials(secretsClient),
  http,
  publisher: notAnnounced,
  metrics: {
    count: (name, org) => {
      const single = metrics.singleMetric();
      single.addDimension('Org', org);
      single.addMetric(name, MetricUnit.Count, 1);
    },
  },
  logger,
  region: config.region,
  eventBusName: config.eventBusName,
  settings: { refreshAheadSeconds: config.settings.platform?.refreshAheadSeconds ?? 600 },
};

const base: Omit<ReconcileDeps, 'orgs'> = {
  region: config.region,
  directory: dynamoDirectoryStore({ doc, tableName, budgetMs }),
  reader: dynamoCapacityReader({ doc, tableName, budgetMs }),
  writer: dynamoCapacityWriter({ doc, tableName, budgetMs }),
  now: Date.now,
};

/**
 * Capacity reconciliation, on its schedule: repairs this region's queue snapshots from the platform
 * (members, queue observations, handle time). A queue that fails is counted and logged and the run goes
 * on; only ControlState out of reach (or the directory unreadable) fails the invocation.
 */
export const handler = eventHandler(
  async (raw, context) => {
    parseEvent(raw, ['Schedule']);
    const deps = { ...refresher, holderId: context.awsRequestId };
    const clients = orgs.map((org) => ({
      name: org.name,
      client: platformClient(org, {
        tokens: storedTokenSource(org, deps),
        http,
        publisher: notAnnounced,
        region: config.region,
        eventBusName: config.eventBusName,
        logger,
      }),
    }));
    const report = await reconcileRegion({ ...base, orgs: clients });
    metrics.addMetric(RECONCILE_METRICS.failed, MetricUnit.Count, report.failures.length);
    metrics.addMetric(
      RECONCILE_METRICS.repaired,
      MetricUnit.Count,
      report.queues.reduce((n, q) => n + q.repaired, 0),
    );
    for (const failure of report.failures)
      logger.warn('capacity reconciliation of a queue failed', { ...failure });
    logger.info('capacity reconciled', { queues: report.queues });
  },
  { logger, metrics },
);
