import type { PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';

/** PutEvents takes at most ten entries per call. */
const MAX_ENTRIES = 10;

/** Attempts for entries EventBridge reports as failed (throttling, internal errors). */
const DEFAULT_ATTEMPTS = 3;

/** Publishes built events (see `buildEvent`); throws if any entry is still failing after its retries. */
export interface EventPublisher {
  publish(entries: readonly PutEventsRequestEntry[]): Promise<void>;
}

export class PublishError extends Error {
  constructor(
    readonly failed: number,
    readonly codes: readonly string[],
  ) {
    super(`EventBridge rejected ${failed} event(s): ${[...new Set(codes)].join(', ') || 'no error code'}`);
    this.name = 'PublishError';
  }
}

/** One PutEvents call (at most ten entries): what EventBridge answered. */
export type PutEvents = (
  entries: PutEventsRequestEntry[],
) => Promise<{ FailedEntryCount?: number; Entries?: PutEventsResultEntry[] }>;

/**
 * The one owner of PutEvents' rules: batches by ten, re-sends only the entries EventBridge reports as
 * failed (PutEvents is not all-or-nothing), and throws {@link PublishError} when some still fail, so the
 * caller's invocation fails and its own retry (or DLQ) keeps the fact. Entries carry a stable
 * `detail.eventId`, so a re-send is a duplicate that consumers drop, never a second fact. It loads no SDK:
 * `eventBridgePublisher` (clients/eventbridge.ts) and `lazyEventBridgePublisher`
 * (clients/eventbridge-lazy.ts) give it the call.
 *
 * @example
 * const publisher = eventBridgePublisher(eventBridgeClientFor(config));
 * await publisher.publish([buildEvent('RegionHealthVote', vote, { originRegion, now, eventBusName })]);
 */
export function putEventsPublisher(putEvents: PutEvents, attempts = DEFAULT_ATTEMPTS): EventPublisher {
  return {
    async publish(entries) {
      for (let i = 0; i < entries.length; i += MAX_ENTRIES) {
        let pending = entries.slice(i, i + MAX_ENTRIES);
        let codes: string[] = [];
        for (let attempt = 1; pending.length > 0 && attempt <= attempts; attempt++) {
          const out = await putEvents(pending);
          if (!out.FailedEntryCount) {
            pending = [];
            break;
          }
          const results = out.Entries ?? [];
          codes = results.flatMap((r) => (r.ErrorCode ? [r.ErrorCode] : []));
          pending = pending.filter((_, idx) => results[idx]?.ErrorCode !== undefined);
        }
        if (pending.length > 0) throw new PublishError(pending.length, codes);
      }
    },
  };
}

/** Collects published entries in memory: for local runs and the drill, where no EventBridge exists. */
export function memoryPublisher(): EventPublisher & { readonly published: PutEventsRequestEntry[] } {
  const published: PutEventsRequestEntry[] = [];
  return {
    published,
    async publish(entries) {
      published.push(...entries);
    },
  };
}
