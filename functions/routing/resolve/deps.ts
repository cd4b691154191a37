import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseApiKeys } from '../../shared/api-keys.js';
import { dynamoDocClientFor } from '../../shared/clients/dynamodb.js';
import { secretsManagerClientFor } from '../../shared/clients/secrets-manager.js';
import { observability } from '../../shared/logger.js';
import { secretNames } from '../../shared/names.js';
import type { RuntimeConfig } from '../../shared/runtime-config.js';
import { reportFallbacks, type SecretsReader, secretsReader } from '../../shared/secrets.js';
import { dynamoCapacityReader } from '../capacity/reader.js';
import { dynamoControlStore } from '../control-store.js';
import { dynamoDirectoryStore } from '../directory/store.js';
import { dynamoAssignmentStore } from './assignments.js';
import type { ResolveRouteDeps } from './route.js';

export interface ResolveDepsOverrides {
  readonly secrets?: SecretsReader;
  readonly secretsClient?: Pick<SecretsManagerClient, 'send'>;
  readonly now?: () => number;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
}

/**
 * The resolve route's dependencies from the runtime config: every ControlState call strongly
 * consistent, one attempt, under `quorum.controlBudgetMs` (over it this region is fenced and answers
 * 503); the API keys from Secrets Manager with the last good value kept.
 */
export function resolveRouteDeps(
  config: RuntimeConfig,
  overrides: ResolveDepsOverrides = {},
): ResolveRouteDeps {
  const { logger, metrics } = observability('routing-resolve', {
    persistentKeys: { region: config.region },
    ...(overrides.logLevel ? { logLevel: overrides.logLevel } : {}),
  });
  const secrets =
    overrides.secrets ??
    secretsReader(overrides.secretsClient ?? secretsManagerClientFor(config), {
      ...(overrides.now ? { now: overrides.now } : {}),
      onFallback: reportFallbacks(logger, metrics),
    });
  const budgetMs = config.settings.quorum.controlBudgetMs;
  // The budget bounds each call as a whole (withinBudget); connecting is part of it.
  const doc = dynamoDocClientFor(config, config.region, {
    requestTimeoutMs: budgetMs,
    connectionTimeoutMs: budgetMs,
    maxAttempts: 1,
  });
  const tableName = config.tables.controlState;
  const store = { doc, tableName, budgetMs };
  return {
    control: dynamoControlStore(store),
    directory: dynamoDirectoryStore(store),
    capacity: dynamoCapacityReader(store),
    assignments: dynamoAssignmentStore(store),
    settings: {
      activeRegions: [...config.activeRegions],
      circuitBreakerMs: config.settings.replication.circuitBreakerMs,
      routing: config.settings.routing,
    },
    region: config.region,
    apiKeys: () => secrets.parsed(secretNames(config.env).apiKeys, parseApiKeys),
    logger,
    metrics,
    ...(overrides.now ? { now: overrides.now } : {}),
  };
}
