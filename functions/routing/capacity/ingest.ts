import { INGEST_METRICS } from './metrics.js';
import { type CapacityEvent, type PartnerEvent, parsePartnerEvent } from './partner-events.js';
import type { CapacityWriter } from './store.js';

/**
 * Capacity ingest (README "Region-agnostic routing", Capacity): one partner event from the region's
 * partner event bus updates the region's snapshots. A malformed event throws (the handler rethrows, so
 * Lambda retries and then its failure destination keeps the event with the error message); a topic
 * ingest does not handle is counted and acknowledged.
 */

export interface IngestDeps {
  /** The AWS region whose snapshots the events feed (the function's own). */
  readonly region: string;
  readonly writer: CapacityWriter;
  /** One count of a metric of {@link INGEST_METRICS}. */
  readonly count: (metric: (typeof INGEST_METRICS)[keyof typeof INGEST_METRICS]) => void;
}

export type IngestOutcome =
  | { readonly kind: CapacityEvent['kind']; readonly applied: boolean }
  | { readonly kind: 'unknown'; readonly topicName: string; readonly detailType: string };

/**
 * @example
 * const outcome = await ingestPartnerEvent(raw, { region, writer, count: (m) => metrics.addMetric(m, MetricUnit.Count, 1) });
 */
export async function ingestPartnerEvent(raw: unknown, deps: IngestDeps): Promise<IngestOutcome> {
  const event: PartnerEvent = parsePartnerEvent(raw);
  if (event.kind === 'unknown') {
    deps.count(INGEST_METRICS.dropped);
    return event;
  }
  const applied = await apply(event, deps);
  deps.count(applied ? INGEST_METRICS.applied : INGEST_METRICS.stale);
  return { kind: event.kind, applied };
}

function apply(event: CapacityEvent, { region, writer }: IngestDeps): Promise<boolean> {
  switch (event.kind) {
    case 'membership':
      return writer.applyMembership(region, event);
    case 'routingStatus':
      return writer.applyRoutingStatus(region, event);
    case 'presence':
      return writer.applyPresence(region, event);
  }
}
