import { EventBridgeClient, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import type { MonitorDeps, MonitorSettings } from '../../../functions/health/monitor.js';
import type { MonitorStore } from '../../../functions/health/monitor-store.js';
import type { MonitoredTarget } from '../../../functions/health/tick.js';
import { eventBridgePublisher } from '../../../functions/shared/clients/eventbridge.js';
import type { VirtualClock } from './virtual-clock.js';

export const T0 = Date.parse('2026-01-01T00:00:00.000Z');
export const OBSERVER = 'us-east-2';
export const ACTIVE = ['us-east-1', 'us-west-2'] as const;
export const BUS = 'continuity-test';

export const TARGETS: MonitoredTarget[] = [
  { id: 'us-east-1/e1', name: 'e1', region: 'us-east-1', host: '127.0.0.1', port: 5060, transport: 'udp' },
  { id: 'us-west-2/w1', name: 'w1', region: 'us-west-2', host: '127.0.0.1', port: 5062, transport: 'udp' },
];

export const SETTINGS: MonitorSettings = {
  thresholds: { failureThreshold: 2, recoveryThreshold: 3 },
  minHealthyTargets: 1,
  voteRefreshMs: 5000,
  intervalMs: 1000,
  probeTimeoutMs: 500,
  lag: { replicationExclusionMs: 200, circuitBreakerMs: 300 },
};

/**
 * The tick a virtual time falls in (the grid starts at T0 when the first invocation creates the lease);
 * a suspect round between two slots belongs to the earlier one.
 */
export const tickAt = (now: number) => Math.floor((now - T0) / SETTINGS.intervalMs);

export interface ProbeCall {
  readonly invocation: string;
  readonly target: string;
  readonly tick: number;
  /** Virtual ms since T0 the probe started (a suspect round falls between two ticks). */
  readonly at: number;
  readonly timeoutMs: number;
}

/**
 * A prober whose answers follow `script(targetId, tick)` and which records every call; `crashAt` makes it
 * throw at that tick, which is how a test crashes an invocation mid-loop.
 */
export function scriptedProbe(
  clock: VirtualClock,
  invocation: string,
  calls: ProbeCall[],
  script: (target: string, tick: number) => boolean,
  crashAt?: number,
): MonitorDeps['probe'] {
  return async (target, timeoutMs) => {
    const tick = tickAt(clock.now());
    if (tick === crashAt) throw new Error(`invocation ${invocation} crashed at tick ${tick}`);
    calls.push({ invocation, target: target.id, tick, at: clock.now() - T0, timeoutMs });
    const up = script(target.id, tick);
    return up ? { up, status: 200, reason: 'ok', rttMs: 1 } : { up, status: 503, reason: 'status', rttMs: 1 };
  };
}

export function monitorDeps(
  clock: VirtualClock,
  store: MonitorStore,
  invocationId: string,
  deadline: number,
  probe: MonitorDeps['probe'],
): MonitorDeps {
  return {
    observer: OBSERVER,
    invocationId,
    activeRegions: ACTIVE,
    targets: TARGETS,
    settings: SETTINGS,
    clock,
    deadline,
    store,
    probe,
    publisher: eventBridgePublisher(new EventBridgeClient({ region: OBSERVER })),
    eventBusName: BUS,
  };
}

export interface SentEvent {
  readonly detailType: string;
  readonly detail: Record<string, unknown> & { eventId: string; occurredAt: string };
}

/** Every entry of the given PutEvents inputs (`eb.commandCalls(PutEventsCommand)`), in order. */
export function sentEvents(inputs: readonly PutEventsCommandInput[]): SentEvent[] {
  return inputs.flatMap((input) =>
    (input.Entries ?? []).map((e) => ({
      detailType: String(e.DetailType),
      detail: JSON.parse(String(e.Detail)) as SentEvent['detail'],
    })),
  );
}

/** Tick of an event, from its occurredAt. */
export const eventTick = (e: SentEvent) => tickAt(Date.parse(e.detail.occurredAt));

/** `from`, `from + step`, ... up to `to` inclusive. */
export function every(step: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let n = from; n <= to; n += step) out.push(n);
  return out;
}
