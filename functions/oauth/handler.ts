import { dynamoDocClientFor, eventBridgeClientFor, secretsManagerClientFor } from '../shared/clients.js';
import { parseEvent } from '../shared/events.js';
import { MetricUnit, observability } from '../shared/logger.js';
import { eventHandler } from '../shared/middleware.js';
import { secretNames } from '../shared/names.js';
import { eventBridgePublisher } from '../shared/publisher.js';
import { runtimeConfig } from '../shared/runtime-config.js';
import { reportFallbacks, secretsReader } from '../shared/secrets.js';
import { secretsManagerCredentials } from './credentials.js';
import { httpsPlatform, type PlatformHttp } from './http.js';
import { dynamoLeaseStore } from './lease.js';
import { configuredOrgs, rejectionsFrom } from './orgs.js';
import { type RefresherDeps, refreshOrgs } from './refresher.js';
import { cipherKeysParser, secretTokenCipher } from './token-cipher.js';
import { dynamoTokenStore } from './token-store.js';

const config = runtimeConfig();
const orgs = configuredOrgs(config.env, config.settings.platform);
const { logger, metrics } = observability('oauth', { persistentKeys: { region: config.region } });

const platformBase = config.endpoints.platform;
const http: PlatformHttp = platformBase
  ? { ...httpsPlatform(), baseUrl: (host) => `${platformBase}/${host}` }
  : httpsPlatform();
const doc = dynamoDocClientFor(config);
const secretsClient = secretsManagerClientFor(config);
const secrets = secretsReader(secretsClient, { onFallback: reportFallbacks(logger, metrics) });
const tokenKey = secretNames(config.env).platformTokenKey;

const deps: Omit<RefresherDeps, 'holderId'> = {
  orgs,
  store: dynamoTokenStore({ doc, tableName: config.tables.controlState }),
  leases: dynamoLeaseStore({ doc, tableName: config.tables.controlState }),
  cipher: secretTokenCipher(() => secrets.parsed(tokenKey, cipherKeysParser)),
  credentials: secretsManagerCredentials(secretsClient),
  http,
  publisher: eventBridgePublisher(eventBridgeClientFor(config)),
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

/**
 * The platform token refresher (DESIGN.md section 6), in each active region: on its schedule and on
 * `PlatformTokenRejected` from either region (then the rejected org's token is replaced at once).
 */
export const handler = eventHandler(
  async (raw, context) => {
    const event = parseEvent(raw, ['Schedule', 'PlatformTokenRejected']);
    const rejected = event.type === 'PlatformTokenRejected' ? rejectionsFrom(event.detail, orgs) : new Map();
    const outcomes = await refreshOrgs({ ...deps, holderId: context.awsRequestId }, Date.now(), rejected);
    logger.info('platform token refresh run', { trigger: event.type, outcomes });
  },
  { logger, metrics },
);
