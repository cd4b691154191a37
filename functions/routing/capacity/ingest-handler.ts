import { dynamoDocClientFor } from '../../shared/clients/dynamodb.js';
import { MetricUnit, observability } from '../../shared/logger.js';
import { eventHandler } from '../../shared/middleware.js';
import { runtimeConfig } from '../../shared/runtime-config.js';
import { type IngestDeps, ingestPartnerEvent } from './ingest.js';
import { dynamoCapacityWriter } from './store.js';

const config = runtimeConfig();
const { logger, metrics } = observability('capacity-ingest', { persistentKeys: { region: config.region } });
// Capacity is advisory, not a fencing decision: a write that is merely slow (a cold start, a busy
// moment) should land rather than wait a minute for Lambda's retry, so ingest gets three control budgets
// and two attempts. A region truly without quorum still fails the invocation, and the retries keep the event.
const budgetMs = 3 * config.settings.quorum.controlBudgetMs;

const deps: IngestDeps = {
  region: config.region,
  writer: dynamoCapacityWriter({
    doc: dynamoDocClientFor(config, config.region, {
      requestTimeoutMs: budgetMs / 2,
      connectionTimeoutMs: budgetMs / 2,
      maxAttempts: 2,
    }),
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
