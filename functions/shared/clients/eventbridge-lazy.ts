import { type EventPublisher, putEventsPublisher } from '../publisher.js';
import type { RuntimeConfig } from '../runtime-config.js';
import { type ClientTuning, clientConfig } from './tuning.js';

/**
 * The publisher of a function that rarely publishes (the context API: a CRM rebuild; the OAuth refresher
 * and capacity reconciliation: a new token or a 401; quorum: a rotation change): the EventBridge SDK is imported on the first publish,
 * not at cold start (about 19 ms of module load, bench bundles). The import is a dynamic `import()` of the
 * package itself: esbuild keeps it lazy only so (a static import anywhere in the bundle loads it at start).
 * A failed load is not kept: the next publish tries again.
 *
 * @example
 * const publisher = lazyEventBridgePublisher(config);
 * await publisher.publish([entry]); // loads @aws-sdk/client-eventbridge now, once
 */
export function lazyEventBridgePublisher(
  config: Pick<RuntimeConfig, 'region' | 'endpoints'>,
  tuning?: ClientTuning,
): EventPublisher {
  let ready: Promise<EventPublisher> | undefined;
  const load = async (): Promise<EventPublisher> => {
    const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const client = new EventBridgeClient(clientConfig(config.region, config.endpoints.eventBridge, tuning));
    return putEventsPublisher((Entries) => client.send(new PutEventsCommand({ Entries })));
  };
  return {
    async publish(entries) {
      ready ??= load().catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
      return (await ready).publish(entries);
    },
  };
}
