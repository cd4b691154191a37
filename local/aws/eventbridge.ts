import { randomUUID } from 'node:crypto';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { LocalBus } from '../bus/bus.js';
import { type JsonService, startJsonService } from './json-service.js';

/**
 * EventBridge's PutEvents on loopback, in front of the local bus: it accepts entries for the project's
 * bus, answers at once (as EventBridge does, before delivery) and delivers through the bus's
 * synthesized rules. Faults for the drill's noise: every event delivered twice, and each delivery
 * delayed at random so events arrive out of order.
 */

export interface EventFaults {
  /** Deliver every event twice. */
  readonly duplicate?: boolean;
  /** Delay each delivery by a random 0..maxDelayMs (re-ordering). */
  readonly maxDelayMs?: number;
}

export interface PutRecord {
  readonly region: string;
  readonly entry: PutEventsRequestEntry;
  readonly at: number;
}

export interface LocalEventBridge extends JsonService {
  setFaults(faults: EventFaults): void;
  /** Called for every accepted entry, before delivery. */
  onPut(listener: (record: PutRecord) => void): void;
  /** Deliveries that failed in a target (the error message), for the report. */
  readonly deliveryErrors: string[];
  /** Resolves when every delivery started so far has finished. */
  idle(): Promise<void>;
}

/**
 * @example
 * const events = await startLocalEventBridge(bus, busName('dev'));
 * // functions get EVENTBRIDGE_ENDPOINT=events.endpoint
 */
export async function startLocalEventBridge(bus: LocalBus, eventBusName: string): Promise<LocalEventBridge> {
  let faults: EventFaults = {};
  const listeners: ((record: PutRecord) => void)[] = [];
  const deliveryErrors: string[] = [];
  const inFlight = new Set<Promise<void>>();

  const deliver = (region: string, entry: PutEventsRequestEntry, delayMs: number) => {
    const run = (async () => {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      await bus.putEvents(region, [entry]);
    })().catch((e: unknown) => {
      deliveryErrors.push((e as Error).message);
    });
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  };

  const isOurBus = (name: unknown) =>
    typeof name === 'string' && (name === eventBusName || name.endsWith(`:event-bus/${eventBusName}`));

  const service = await startJsonService('AWSEvents', {
    PutEvents: (input, region) => {
      const entries = (input.Entries ?? []) as PutEventsRequestEntry[];
      let failed = 0;
      const results = entries.map((entry) => {
        const problem = !isOurBus(entry.EventBusName)
          ? ['NotAuthorizedForSourceException', `no bus ${String(entry.EventBusName)} in ${region}`]
          : !entry.Source || !entry.DetailType || !entry.Detail
            ? ['MalformedDetail', 'Source, DetailType and Detail are required']
            : undefined;
        if (problem) {
          failed += 1;
          return { ErrorCode: problem[0], ErrorMessage: problem[1] };
        }
        const normalized = { ...entry, Time: timeOf(entry.Time) };
        for (const listener of listeners) listener({ region, entry: normalized, at: Date.now() });
        const copies = faults.duplicate ? 2 : 1;
        for (let i = 0; i < copies; i++)
          deliver(region, normalized, Math.random() * (faults.maxDelayMs ?? 0));
        return { EventId: randomUUID() };
      });
      return { FailedEntryCount: failed, Entries: results };
    },
  });
  return {
    ...service,
    setFaults: (f) => {
      faults = f;
    },
    onPut: (listener) => {
      listeners.push(listener);
    },
    deliveryErrors,
    idle: async () => {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}

/** PutEvents carries `Time` as epoch seconds on the wire (AWS JSON 1.1 timestamps); absent means now. */
function timeOf(value: unknown): Date {
  if (typeof value === 'number') return new Date(value * 1000);
  if (typeof value === 'string' || value instanceof Date) return new Date(value);
  return new Date();
}
