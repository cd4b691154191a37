import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { AlarmState, TriggerReading, TriggerSpec } from './quorum/triggers.js';

/** Reads the current state of the trigger alarms (the one adapter over CloudWatch DescribeAlarms). */
export interface AlarmStateReader {
  /** One reading per trigger, in order. Never throws: an alarm that cannot be read has `state: null`. */
  read(triggers: readonly TriggerSpec[]): Promise<TriggerReading[]>;
}

export interface AlarmStateReaderOptions {
  /** CloudWatch client of a region (make them once, at module scope). */
  readonly clientFor: (region: string) => CloudWatchClient;
  /** Deadline of one read, all regions in parallel. */
  readonly budgetMs: number;
  /** Called once per region whose read failed (throttled, timed out, unreachable), for the log. */
  readonly onError?: (region: string, error: Error) => void;
}

/** DescribeAlarms takes at most 100 names per call. */
const NAMES_PER_CALL = 100;
const STATES: readonly string[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

interface Found {
  readonly state: AlarmState;
  readonly sinceMs: number | null;
}

/**
 * Trigger alarm states from CloudWatch, one DescribeAlarms per alarm region (metric alarms), all
 * within `budgetMs`. A region that does not answer in time gives `state: null` for its
 * alarms (the rule keeps their last verdict); an alarm CloudWatch does not list is `missing`.
 *
 * @example
 * const reader = cloudWatchAlarmReader({ clientFor: (r) => clients.get(r), budgetMs: 300 });
 * const readings = await reader.read(failoverTriggers(env, activeRegions, config.failover));
 */
export function cloudWatchAlarmReader(options: AlarmStateReaderOptions): AlarmStateReader {
  async function describe(region: string, names: readonly string[]): Promise<Map<string, Found>> {
    const found = new Map<string, Found>();
    const signal = AbortSignal.timeout(options.budgetMs);
    for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
      const out = await options.clientFor(region).send(
        new DescribeAlarmsCommand({
          AlarmNames: names.slice(i, i + NAMES_PER_CALL),
          // Metric alarms only: CloudWatch returns composite alarms only to a DescribeAlarms permission
          // scoped to `*` (DescribeAlarms, CloudWatch API Reference), and ours names each trigger alarm.
          AlarmTypes: ['MetricAlarm'],
          MaxRecords: NAMES_PER_CALL,
        }),
        { abortSignal: signal },
      );
      for (const alarm of out.MetricAlarms ?? []) {
        if (alarm.AlarmName === undefined || !STATES.includes(alarm.StateValue ?? '')) continue;
        found.set(alarm.AlarmName, {
          state: alarm.StateValue as AlarmState,
          sinceMs: alarm.StateUpdatedTimestamp?.getTime() ?? null,
        });
      }
    }
    return found;
  }

  return {
    async read(triggers) {
      const byRegion = new Map<string, string[]>();
      for (const t of triggers) {
        const names = byRegion.get(t.alarmRegion) ?? [];
        if (!names.includes(t.alarmName)) names.push(t.alarmName);
        byRegion.set(t.alarmRegion, names);
      }
      const results = new Map<string, Map<string, Found> | null>();
      await Promise.all(
        [...byRegion].map(async ([region, names]) => {
          let timer: NodeJS.Timeout | undefined;
          const deadline = new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(new Error(`DescribeAlarms in ${region} did not answer within ${options.budgetMs} ms`)),
              options.budgetMs,
            );
          });
          try {
            // The abort signal frees the connection; the race holds the deadline whatever the client does.
            results.set(region, await Promise.race([describe(region, names), deadline]));
          } catch (error) {
            results.set(region, null);
            options.onError?.(region, error instanceof Error ? error : new Error(String(error)));
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      return triggers.map((trigger) => {
        const found = results.get(trigger.alarmRegion);
        if (found === null || found === undefined)
          return { trigger, state: null, missing: false, sinceMs: null };
        const alarm = found.get(trigger.alarmName);
        return alarm === undefined
          ? { trigger, state: null, missing: true, sinceMs: null }
          : { trigger, state: alarm.state, missing: false, sinceMs: alarm.sinceMs };
      });
    },
  };
}
