import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { dynamoDocClientFor, eventBridgeClientFor, secretsManagerClientFor } from '../shared/clients.js';
import { observability } from '../shared/logger.js';
import { secretNames } from '../shared/names.js';
import { type EventPublisher, eventBridgePublisher } from '../shared/publisher.js';
import type { RuntimeConfig } from '../shared/runtime-config.js';
import { type SecretsReader, secretsReader } from '../shared/secrets.js';
import { dynamoContextStore } from './context-store.js';
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

function readerFor(config: RuntimeConfig, overrides: DepsOverrides): SecretsReader {
  return overrides.secrets ?? secretsReader(overrides.secretsClient ?? secretsManagerClientFor(config));
}

/** The token keyring, rebuilt only when the secret's text changes (HKDF per request would be waste). */
function keyringFrom(secrets: SecretsReader, name: string): () => Promise<TokenKeyring> {
  let cached: { text: string; ring: TokenKeyring } | undefined;
  return async () => {
    const text = await secrets.text(name);
    if (cached?.text !== text) cached = { text, ring: tokenKeyring(await secrets.keys(name)) };
    return cached.ring;
  };
}

export function contextRouteDeps(
  config: RuntimeConfig,
  service: string,
  overrides: DepsOverrides = {},
): ContextRouteDeps {
  const settings = config.settings.context;
  const names = secretNames(config.env);
  const secrets = readerFor(config, overrides);
  // One client (one connection pool) for this region's replica: the cache read and the CRM query share it.
  const doc = dynamoDocClientFor(config);
  const local = dynamoContextStore(doc, config.tables.contextCache);
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
  const { logger, metrics } = observability(service, {
    persistentKeys: { region: config.region },
    ...(overrides.logLevel ? { logLevel: overrides.logLevel } : {}),
  });
  return {
    env: config.env,
    region: config.region,
    settings,
    tokenKeys: keyringFrom(secrets, names.tokenKey),
    apiKeys: () => secrets.keys(names.apiKeys),
    local,
    origin: (region) => (region === config.peerRegion ? peer : undefined),
    crm: dynamoCrmEventStore(doc, config.tables.crmEvents),
    publisher: overrides.publisher ?? eventBridgePublisher(eventBridgeClientFor(config)),
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
  const secrets = readerFor(config, overrides);
  const { logger, metrics } = observability(service, {
    persistentKeys: { region: config.region },
    ...(overrides.logLevel ? { logLevel: overrides.logLevel } : {}),
  });
  return {
    settings: config.settings.context,
    secrets: () => secrets.keys(secretNames(config.env).crmWebhook),
    store: dynamoCrmEventStore(dynamoDocClientFor(config), config.tables.crmEvents),
    logger,
    metrics,
    ...(overrides.now ? { now: overrides.now } : {}),
  };
}
