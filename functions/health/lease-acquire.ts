import { compareAndSet } from '../shared/control-write.js';
import { sleepUntil } from './heartbeat.js';
import {
  expiryAfter,
  finalTickBefore,
  firstTickFor,
  type MonitorLease,
  newLease,
  planStart,
  type StoredEntry,
  withInterval,
} from './lease.js';
import type { MonitorDeps } from './monitor.js';

/** The lease as taken by this invocation, and the ticks it will probe. */
export interface Held {
  readonly lease: MonitorLease;
  readonly firstTick: number;
  readonly finalTick: number;
  readonly resend: readonly StoredEntry[];
  readonly afterCrash: boolean;
}

/**
 * Takes the observer's lease for this invocation (see runMonitor): creates it, takes it when released or
 * expired, or waits (re-reading every `leasePollMs` and at the expiry) while another invocation holds it.
 * The take is a compare-and-set on the version read, so of two invocations that both saw it free one
 * wins and the other goes back to waiting. Null when no tick fits before `deadline`.
 */
export async function acquireLease(deps: MonitorDeps): Promise<Held | null> {
  const { clock, settings, store, observer, invocationId, deadline } = deps;
  const stopMarginMs = settings.stopMarginMs ?? 1000;
  const pollMs = settings.leasePollMs ?? Math.max(1, Math.floor(settings.intervalMs / 5));
  for (;;) {
    if (clock.now() + settings.intervalMs + stopMarginMs > deadline) return null;
    const step = await compareAndSet<Held | { wait: number } | null>(
      async () => {
        const now = clock.now();
        const current = await store.read(observer);
        const plan = planStart(current, now, pollMs);
        if (plan.kind === 'wait') return { wait: plan.untilMs };
        const base =
          current === null
            ? newLease(observer, invocationId, now, settings)
            : withInterval(current, settings.intervalMs, now);
        const firstTick = current === null ? 0 : firstTickFor(base, now);
        const finalTick = finalTickBefore({ ...base, tick: firstTick - 1 }, deadline, stopMarginMs);
        if (finalTick === null) return null;
        const mine: MonitorLease = {
          ...base,
          holder: invocationId,
          version: current === null ? 0 : current.version + 1,
          expiresAt: expiryAfter(base, firstTick - 1, settings),
          finalTick,
        };
        if (current === null) await store.create(mine);
        else await store.replace(mine, current.version);
        const afterCrash = plan.kind === 'take' && plan.afterCrash;
        return { lease: mine, firstTick, finalTick, resend: current?.outbox ?? [], afterCrash };
      },
      { sleep: (ms) => clock.sleep(ms) },
    );
    if (step === null || !('wait' in step)) return step;
    await sleepUntil(clock, step.wait);
  }
}
