import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseApiKeys } from '../shared/api-keys.js';
import { dynamoDocClientFor } from '../shared/clients/dynamodb.js';
import { lazyEventBridgePublisher } from '../shared/clients/eventbridge-lazy.js';
import { secretsManagerClientFor } from '../shared/clients/secrets-manager.js';
import { observability } from '../shared/logger.js';
import { secretNames } from '../shared/names.js';
import type { EventPublisher } from '../shared/publisher.js';
import type { RuntimeConfig } from '../shared/runtime-config.js';
import { keyListParser, reportFallbacks, type SecretsReader, secretsReader } from '../shared/secrets.js';
import { type ContextStore, dynamoContextStore } from './context-store.js';
import { dynamoCrmEventStore } from './crm-event-store.js';
import type { ContextRouteDeps, WebhookRouteDeps } from './routes.js';
import { type TokenKeyring, tokenKeyring } from './token-keys.js';

/**
 * Builds the routes' dependencies from the runtime config: SDK clients, stores and the cached secrets.
 * Called once per container at module scope by the entry files; tests and the benchmark call it with
 * a config pointing at DynamoDB Local and their own secrets and clock.
 */

export interface DepsOverrides {
  /** @default a cached reader over Secrets Manager */
  readonly secrets?: SecretsReader;
  readonly secretsClient?: Pick<SecretsManagerClient, 'send'>;
  /** @default PutEvents on this region's bus */
  readonly publisher?: EventPublisher;
  readonly now?: () => number;
  /** @default INFO (POWERTOOLS_LOG_LEVEL) */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
}

/**
 * The cached secrets of one function. A value that does not parse (or a Secrets Manager that cannot be
 * read) is reported here, by secret name and problem, never by value: a warning and the metric the
 * stacks alarm on; the function keeps serving with the last good value.
 */
function readerFor(
  config: RuntimeConfig,
  overrides: DepsOverrides,
  { logger, metrics }: Pick<ContextRouteDeps, 'logger' | 'metrics'>,
): SecretsReader {
  if (overrides.secrets) return overrides.secrets;
  return secretsReader(overrides.secretsClient ?? secretsManagerClientFor(config), {
    ...(overrides.now ? { now: overrides.now } : {}),
    onFallback: reportFallbacks(logger, metrics),
  });
}

/** The token keyring: HKDF runs once per secret value, and a key too short to use keeps the last good ring. */
const tokenKeyringParser = (text: string): TokenKeyring => tokenKeyring(keyListParser(text));

export function contextRouteDeps(
  config: RuntimeConfig,
  service: string,
  overrides: DepsOverrides = {},
): ContextRouteDeps {
  const settings = config.settings.context;
  const names = secretNames(config.env);
  const { logger, metrics } = observability(service, {
    persistentKeys: { region: config.region },
    ...(overrides.logLevel ? { logLevel: overrides.logLevel } : {}),
  });
  const secrets = readerFor(config, overrides, { logger, metrics });
  // This region's replica: saves keep the SDK's default tuning (accepted data must land, retries and
  // all); the GET path's reads (the context and the CRM query) get the read budget, so a hung replica
  // costs at most two short attempts before the other sources are tried.
  const doc = dynamoDocClientFor(config);
  const readDoc = dynamoDocClientFor(config, config.region, {
    requestTimeoutMs: settings.localReadTimeoutMs,
    connectionTimeoutMs: settings.localReadTimeoutMs,
    maxAttempts: 2,
  });
  const reads = dynamoContextStore(readDoc, config.tables.contextCache);
  const writes = dynamoContextStore(doc, config.tables.contextCache);
  const local: ContextStore = { get: reads.get, save: writes.save };
  // One attempt with the tight timeout: a second try would double the wait of a transfer in progress.
  const peer = config.peerRegion
    ? dynamoContextStore(
        dynamoDocClientFor(config, config.peerRegion, {
          requestTimeoutMs: settings.originReadTimeoutMs,
          connectionTimeoutMs: settings.originReadTimeoutMs,
          maxAttempts: 1,
        }),
        config.tables.contextCache,
      )
    : undefined;
  return {
    env: config.env,
    region: config.region,
    settings,
    tokenKeys: () => secrets.parsed(names.tokenKey, tokenKeyringParser),
    apiKeys: () => secrets.parsed(names.apiKeys, parseApiKeys),
    local,
    origin: (region) => (region === config.peerRegion ? peer : undefined),
    ...(config.peerRegion ? { peerRegion: config.peerRegion } : {}),
    crm: dynamoCrmEventStore(readDoc, config.tables.crmEvents),
    // Only a CRM rebuild publishes (ContextReconstructed): the SDK loads then, not at every cold start.
    publisher: overrides.publisher ?? lazyEventBridgePublisher(config),
    eventBusName: config.eventBusName,
    logger,
    metrics,
    ...(overrides.now ? { now: overrides.now } : {}),
  };
}

export function webhookRouteDeps(
  config: RuntimeConfig,
  service: string,
  overrides: DepsOverrides = {},
): WebhookRouteDeps {
  const { logger, metrics } = observability(service, {
    persistentKeys: { region: config.region },
    ...(overrides.logLevel ? { logLevel: overrides.logLevel } : {}),
  });
  const secrets = readerFor(config, overrides, { logger, metrics });
  return {
    settings: config.settings.context,
    secrets: () => secrets.keys(secretNames(config.env).crmWebhook),
    store: dynamoCrmEventStore(dynamoDocClientFor(config), config.tables.crmEvents),
    logger,
    metrics,
    ...(overrides.now ? { now: overrides.now } : {}),
  };
}
