import { dynamoDocClientFor } from '../shared/clients/dynamodb.js';
import { lazyEventBridgePublisher } from '../shared/clients/eventbridge-lazy.js';
import { parseEvent } from '../shared/events.js';
import { observability } from '../shared/logger.js';
import { eventHandler } from '../shared/middleware.js';
import { runtimeConfig } from '../shared/runtime-config.js';
import { configuredOrgs, rejectionsFrom } from './orgs.js';
import { refreshOrgs } from './refresher.js';
import { platformRuntime } from './runtime.js';

const config = runtimeConfig();
const orgs = configuredOrgs(config.env, config.settings.platform);
const { logger, metrics } = observability('oauth', { persistentKeys: { region: config.region } });

const { refresher: deps } = platformRuntime(config, {
  orgs,
  doc: dynamoDocClientFor(config),
  // It publishes when a token was refreshed or rejected: the SDK loads then, not at every cold start.
  publisher: lazyEventBridgePublisher(config),
  logger,
  metrics,
});

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
