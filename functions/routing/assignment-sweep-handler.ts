import { dynamoDocClientFor } from '../shared/clients/dynamodb.js';
import { MetricUnit, observability } from '../shared/logger.js';
import { eventHandler } from '../shared/middleware.js';
import { runtimeConfig } from '../shared/runtime-config.js';
import { dynamoAssignmentStore } from './resolve/assignments.js';

const config = runtimeConfig();
const { logger, metrics } = observability('assignment-sweep', { persistentKeys: { region: config.region } });
const budgetMs = config.settings.quorum.controlBudgetMs;
const store = dynamoAssignmentStore({
  doc: dynamoDocClientFor(config, config.region, { requestTimeoutMs: budgetMs, maxAttempts: 2 }),
  tableName: config.tables.controlState,
  budgetMs,
});

/**
 * Deletes expired resolve answers and overflow buckets (ControlState has no TTL; reads already treat
 * them as absent). Scheduled in each active region; both sweeping the same item is harmless (the
 * delete is conditional on the expiry it saw).
 */
export const handler = eventHandler(
  async () => {
    const deleted = await store.sweep(Date.now());
    metrics.addMetric('AssignmentsSwept', MetricUnit.Count, deleted);
    if (deleted > 0) logger.info('swept expired routing items', { deleted });
  },
  { logger, metrics },
);
