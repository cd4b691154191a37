import { dynamoDocClientFor } from '../../shared/clients.js';
import { MetricUnit, observability } from '../../shared/logger.js';
import { eventHandler } from '../../shared/middleware.js';
import { runtimeConfig } from '../../shared/runtime-config.js';
import { type IngestDeps, ingestPartnerEvent } from './ingest.js';
import { dynamoCapacityWriter } from './store.js';

const config = runtimeConfig();
const { logger, metrics } = observability('capacity-ingest', { persistentKeys: { region: config.region } });
const budgetMs = config.settings.quorum.controlBudgetMs;

const deps: IngestDeps = {
  region: config.region,
  // One attempt per call: the control budget is the deadline; a lost region fails the invocation, and
  // Lambda's retries (then the failure destination) keep the event.
  writer: dynamoCapacityWriter({
    doc: dynamoDocClientFor(config, config.region, { requestTimeoutMs: budgetMs, maxAttempts: 1 }),
    tableName: config.tables.controlState,
    budgetMs,
  }),
  count: (metric) => metrics.addMetric(metric, MetricUnit.Count, 1),
};

/**
 * Capacity ingest: the platform's partner events (queue membership, routing status, presence) from this
 * region's partner event bus. A malformed event throws: after Lambda's retries the failure destination
 * (the capacity DLQ) keeps it with the error message that names the problem.
 */
export const handler = eventHandler(
  async (raw) => {
    const outcome = await ingestPartnerEvent(raw, deps);
    if (outcome.kind === 'unknown') {
      logger.info('partner event of a topic capacity does not handle dropped', {
        detailType: outcome.detailType,
      });
    }
  },
  { logger, metrics },
);
