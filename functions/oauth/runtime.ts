import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { secretsManagerClientFor } from '../shared/clients/secrets-manager.js';
import { type Logger, type Metrics, MetricUnit } from '../shared/logger.js';
import { secretNames } from '../shared/names.js';
import type { EventPublisher } from '../shared/publisher.js';
import type { RuntimeConfig } from '../shared/runtime-config.js';
import { reportFallbacks, secretsReader } from '../shared/secrets.js';
import { secretsManagerCredentials } from './credentials.js';
import { httpsPlatform, type PlatformHttp } from './http.js';
import { dynamoLeaseStore } from './lease.js';
import type { OrgConfig, RefresherDeps } from './refresher-types.js';
import { cipherKeysParser, secretTokenCipher } from './token-cipher.js';
import { dynamoTokenStore } from './token-store.js';

/**
 * What every function that holds platform tokens builds from its runtime config (the refresher, and any
 * function that calls the platform through `platformClient`): the HTTP transport (the stand-in's base
 * URL when `PLATFORM_BASE_URL` is set), the token store and lease in ControlState, the token cipher and
 * the client credentials from Secrets Manager, metrics per org. One builder, so they cannot drift.
 */
export function platformRuntime(
  config: RuntimeConfig,
  options: {
    readonly orgs: readonly OrgConfig[];
    readonly doc: Pick<DynamoDBDocumentClient, 'send'>;
    readonly publisher: EventPublisher;
    readonly logger: Logger;
    readonly metrics: Metrics;
  },
): { readonly http: PlatformHttp; readonly refresher: Omit<RefresherDeps, 'holderId'> } {
  const { doc, logger, metrics } = options;
  const platformBase = config.endpoints.platform;
  const http: PlatformHttp = platformBase
    ? { ...httpsPlatform(), baseUrl: (host) => `${platformBase}/${host}` }
    : httpsPlatform();
  const secretsClient = secretsManagerClientFor(config);
  const secrets = secretsReader(secretsClient, { onFallback: reportFallbacks(logger, metrics) });
  const tokenKey = secretNames(config.env).platformTokenKey;
  const tableName = config.tables.controlState;
  return {
    http,
    refresher: {
      orgs: options.orgs,
      store: dynamoTokenStore({ doc, tableName }),
      leases: dynamoLeaseStore({ doc, tableName }),
      cipher: secretTokenCipher(() => secrets.parsed(tokenKey, cipherKeysParser)),
      credentials: secretsManagerCredentials(secretsClient),
      http,
      publisher: options.publisher,
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
    },
  };
}
