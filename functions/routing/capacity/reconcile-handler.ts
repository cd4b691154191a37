import { configuredOrgs } from '../../oauth/orgs.js';
import { platformClient } from '../../oauth/platform-client.js';
import { platformRuntime } from '../../oauth/runtime.js';
import { storedTokenSource } from '../../oauth/token-source.js';
import { dynamoDocClientFor } from '../../shared/clients/dynamodb.js';
import { lazyEventBridgePublisher } from '../../shared/clients/eventbridge-lazy.js';
import { parseEvent } from '../../shared/events.js';
import { MetricUnit, observability } from '../../shared/logger.js';
import { eventHandler } from '../../shared/middleware.js';
import { runtimeConfig } from '../../shared/runtime-config.js';
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

const orgs = configuredOrgs(config.env, config.settings.platform).filter((o) =>
  config.settings.platform?.orgs.some((p) => p.name === o.name && p.region === config.region),
);
// A 401 from the platform is announced (PlatformTokenRejected) like any platformClient's: the
// refreshers of both regions replace the token at once.
// It publishes only a platform 401 (PlatformTokenRejected): the SDK loads then, not at every cold start.
const publisher = lazyEventBridgePublisher(config);
const { http, refresher } = platformRuntime(config, { orgs, doc, publisher, logger, metrics });

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
        publisher,
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
