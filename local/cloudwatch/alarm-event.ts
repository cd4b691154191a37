import { ALARM_DETAIL_TYPE, ALARM_SOURCE } from '../../functions/shared/event-schemas.js';
import type { DeliveredEvent } from '../bus/bus.js';
import type { AlarmChange, AlarmStateValue } from './alarms.js';

/**
 * The EventBridge event CloudWatch puts on the region's default bus for `change`; it parses with
 * `parseEvent` (functions/shared/events.ts) as an `AlarmStateChange`.
 *
 * @example
 * alarms.onChange((c) => void bus.putDefault(c.region, alarmStateChangeEvent(c)));
 */
export function alarmStateChangeEvent(
  change: AlarmChange,
  options: { readonly account?: string } = {},
): Omit<DeliveredEvent, 'id'> {
  const account = options.account ?? '000000000000';
  const iso = (ms: number) => new Date(ms).toISOString();
  const state = (value: AlarmStateValue, reason: string, at: number) => ({
    value,
    reason,
    timestamp: iso(at),
  });
  return {
    source: ALARM_SOURCE,
    'detail-type': ALARM_DETAIL_TYPE,
    time: iso(change.at),
    region: change.region,
    account,
    resources: [`arn:aws:cloudwatch:${change.region}:${account}:alarm:${change.alarmName}`],
    detail: {
      alarmName: change.alarmName,
      state: state(change.state, change.reason, change.at),
      previousState: state(change.previous, change.previousReason, change.previousAt),
    },
  };
}
