import { randomUUID } from 'node:crypto';
import type { SynthesizedRule } from '../bus/rules.js';

/**
 * EventBridge schedule rules on one machine: each `rate(...)` rule of the synthesized templates fires
 * its targets with the `Scheduled Event` EventBridge sends, first when the scheduler starts (a new
 * rule's first run comes within one period of its creation), then once per period.
 */

export interface ScheduledFire {
  readonly rule: SynthesizedRule;
  readonly event: ScheduledEvent;
}

export interface ScheduledEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'Scheduled Event';
  readonly source: 'aws.events';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, never>;
}

const UNIT_MS: Readonly<Record<string, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The period of `rate(<n> <unit>)`; a cron expression or anything else is refused with the reason. */
export function ratePeriodMs(expression: string): number {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  const unit = m?.[2]?.replace(/s$/, '');
  const n = Number(m?.[1]);
  if (!m || unit === undefined || !(n >= 1)) {
    throw new Error(
      `schedule ${expression}: the local scheduler runs rate(<n> minute|hour|day) expressions only (EventBridge's own minimum is one minute)`,
    );
  }
  return n * (UNIT_MS[unit] ?? 60_000);
}

export interface Scheduler {
  /** When each rule fired last (epoch ms), by rule path. */
  readonly lastFired: ReadonlyMap<string, number>;
  stop(): void;
}

/**
 * @example
 * const scheduler = startScheduler(rules, ({ rule, event }) => invokeTargets(rule, event));
 * scheduler.stop();
 */
export function startScheduler(
  rules: readonly SynthesizedRule[],
  fire: (f: ScheduledFire) => void,
  options: { readonly account?: string; readonly periodScale?: number } = {},
): Scheduler {
  const timers: NodeJS.Timeout[] = [];
  const lastFired = new Map<string, number>();
  // Every expression is checked before the first fires, so a refused one leaves no timer behind.
  const scheduled = rules
    .filter((r) => r.schedule !== undefined)
    .map((rule) => ({ rule, period: ratePeriodMs(rule.schedule ?? '') * (options.periodScale ?? 1) }));
  for (const { rule, period } of scheduled) {
    const run = () => {
      lastFired.set(rule.path, Date.now());
      fire({
        rule,
        event: {
          version: '0',
          id: randomUUID(),
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: options.account ?? '000000000000',
          time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: rule.region,
          resources: [`arn:aws:events:${rule.region}:${options.account ?? '000000000000'}:rule/${rule.path}`],
          detail: {},
        },
      });
    };
    run();
    timers.push(setInterval(run, period));
  }
  return {
    lastFired,
    stop: () => {
      for (const t of timers) clearInterval(t);
    },
  };
}
