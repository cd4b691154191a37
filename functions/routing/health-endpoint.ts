import { dynamoDocClientFor } from '../shared/clients/dynamodb.js';
import { MetricUnit, observability } from '../shared/logger.js';
import { httpHandler, json } from '../shared/middleware.js';
import { runtimeConfig } from '../shared/runtime-config.js';
import { dynamoControlStore } from './control-store.js';
import { healthCheck } from './health-check.js';
import { QUORUM_METRICS } from './quorum-metrics.js';

const config = runtimeConfig();
const { logger, metrics } = observability('health-endpoint', { persistentKeys: { region: config.region } });
const budgetMs = config.settings.quorum.controlBudgetMs;
const store = dynamoControlStore({
  // One attempt: Route 53 waits 4 s at most, and a retry past the budget would only hide a partition.
  doc: dynamoDocClientFor(config, config.region, { requestTimeoutMs: budgetMs, maxAttempts: 1 }),
  tableName: config.tables.controlState,
  budgetMs,
});

/**
 * Lambda function URL checked by Route 53 (DESIGN.md section 4): 200 in rotation with quorum, else 503.
 * The request is not read at all (Route 53 sends no body): whatever body, media type or size arrives,
 * the answer is the health body and nothing else.
 */
export const handler = httpHandler(
  async () => {
    const { status, body } = await healthCheck(store, config.region);
    metrics.addMetric(QUORUM_METRICS.healthy, MetricUnit.Count, status === 200 ? 1 : 0);
    if (status !== 200) logger.info('answering unhealthy', { ...body });
    return json(status, body);
  },
  { logger, metrics, jsonBody: false },
);
