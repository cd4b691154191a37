import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
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
