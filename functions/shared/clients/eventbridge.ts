import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type EventPublisher, putEventsPublisher } from '../publisher.js';
import type { RuntimeConfig } from '../runtime-config.js';
import { type ClientTuning, clientConfig } from './tuning.js';

export function eventBridgeClient(
  region: string,
  endpoint?: string,
  tuning?: ClientTuning,
): EventBridgeClient {
  return new EventBridgeClient(clientConfig(region, endpoint, tuning));
}

/** This region's EventBridge, with the local endpoint if one is set. */
export function eventBridgeClientFor(config: RuntimeConfig, tuning?: ClientTuning): EventBridgeClient {
  return eventBridgeClient(config.region, config.endpoints.eventBridge, tuning);
}

/**
 * The publisher of a function that publishes all the time (the monitor's votes): PutEvents through
 * `client`, under the rules of {@link putEventsPublisher}. A function that rarely publishes uses
 * `lazyEventBridgePublisher` (eventbridge-lazy.ts) and spares its cold start this SDK client.
 *
 * @example
 * const publisher = eventBridgePublisher(eventBridgeClientFor(config));
 */
export function eventBridgePublisher(
  client: Pick<EventBridgeClient, 'send'>,
  attempts?: number,
): EventPublisher {
  return putEventsPublisher((Entries) => client.send(new PutEventsCommand({ Entries })), attempts);
}
