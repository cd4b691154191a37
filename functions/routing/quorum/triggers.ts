import type { FailoverConfig } from '../../../config/failover-schema.js';
import { alarmNames } from '../../shared/names.js';

/** CloudWatch's alarm states (`StateValue`). */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** One CloudWatch alarm that takes an active region out of rotation while it is in ALARM. */
export interface TriggerSpec {
  readonly alarmName: string;
  /** Where the alarm lives (where DescribeAlarms asks and where its state-change event arrives). */
  readonly alarmRegion: string;
  /** The active region it takes out of rotation. */
  readonly region: string;
  /** How long after returning to OK (or INSUFFICIENT_DATA) it still holds the region out. */
  readonly clearAfterMs: number;
  /**
   * Counts only while the excluded region's own monitor has no fresh vote about it: the backstop of
   * the monitor's lag meter (the meter runs in the same loop and goes silent with it).
   */
  readonly onlyWhenMonitorSilent: boolean;
  /** `config` for `failover.triggers`, `backstop` for the project's ReplicationLatency alarms. */
  readonly source: 'config' | 'backstop';
}

/** A trigger alarm's state as read at one evaluation. */
export interface TriggerReading {
  readonly trigger: TriggerSpec;
  /**
   * The alarm's state; null when it could not be read this time (throttled, out of budget, its region
   * unreachable): the trigger's last verdict is kept.
   */
  readonly state: AlarmState | null;
  /** CloudWatch answered and has no such alarm (a typo, or an alarm deleted): it counts as not firing. */
  readonly missing: boolean;
  /** When the alarm entered its state (`StateUpdatedTimestamp`); null when unknown. */
  readonly sinceMs: number | null;
}

/** Every alarm that can take a region out: the configured triggers, then the backstops. */
export function failoverTriggers(
  env: string,
  activeRegions: readonly string[],
  failover: FailoverConfig,
): TriggerSpec[] {
  const configured: TriggerSpec[] = failover.triggers.map((t) => ({
    alarmName: t.alarmName,
    alarmRegion: t.region,
    region: t.region,
    clearAfterMs: t.clearAfterSeconds * 1000,
    onlyWhenMonitorSilent: false,
    source: 'config',
  }));
  if (!failover.replicationLatencyBackstop) return configured;
  // ReplicationLatency of R's replica is measured in R towards the receiving region (the peer).
  const backstops: TriggerSpec[] = activeRegions.map((sender) => ({
    alarmName: alarmNames(env).replicationLatency(sender),
    alarmRegion: sender,
    region: activeRegions.find((r) => r !== sender) ?? sender,
    clearAfterMs: 0,
    onlyWhenMonitorSilent: true,
    source: 'backstop',
  }));
  return [...configured, ...backstops];
}

/** The active regions some trigger can take out: quorum emits TriggerFiring/TriggerUnreadable for these. */
export function regionsWithTriggers(
  activeRegions: readonly string[],
  triggers: readonly Pick<TriggerSpec, 'region'>[],
): string[] {
  return activeRegions.filter((r) => triggers.some((t) => t.region === r));
}

/** What the triggers of one region say at one evaluation. */
export interface TriggerVerdict {
  /** Alarms holding the region out now (in ALARM, within clearAfter, or kept while unreadable). */
  readonly firing: readonly string[];
  /** Alarms whose state could not be read this time. */
  readonly unreadable: readonly string[];
  /** Alarms CloudWatch does not have. */
  readonly missing: readonly string[];
  /** Per alarm, what it is doing, for the explanation and status. */
  readonly detail: readonly TriggerDetail[];
}

export interface TriggerDetail {
  readonly alarmName: string;
  readonly alarmRegion: string;
  readonly state: AlarmState | 'UNREADABLE' | 'MISSING';
  readonly sinceMs: number | null;
  readonly firing: boolean;
  /** Why the trigger does or does not hold the region out, as a phrase. */
  readonly why: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The triggers' verdict about `region`. `previousFiring` (the stored decision's) is what an unreadable
 * alarm keeps; `monitorSilent` arms the backstops. Without readings (an evaluation that does not read
 * alarms) every alarm that was firing is kept: leaving it out would bring the region back.
 */
export function triggerVerdict(
  region: string,
  readings: readonly TriggerReading[] | undefined,
  previousFiring: readonly string[],
  monitorSilent: boolean,
  now: number,
): TriggerVerdict {
  if (readings === undefined) {
    const detail = previousFiring.map((alarmName) => ({
      alarmName,
      alarmRegion: region,
      state: 'UNREADABLE' as const,
      sinceMs: null,
      firing: true,
      why: `alarm ${alarmName} was not read by this evaluation; keeping it firing`,
    }));
    return { firing: [...previousFiring], unreadable: [], missing: [], detail };
  }
  const detail: TriggerDetail[] = [];
  for (const r of readings) {
    if (r.trigger.region !== region) continue;
    const { alarmName, alarmRegion, clearAfterMs, onlyWhenMonitorSilent } = r.trigger;
    const base = { alarmName, alarmRegion, sinceMs: r.sinceMs };
    const since = r.sinceMs === null ? '' : ` since ${iso(r.sinceMs)}`;
    if (r.missing) {
      detail.push({
        ...base,
        state: 'MISSING',
        firing: false,
        why: `alarm ${alarmName} does not exist in ${alarmRegion}`,
      });
    } else if (r.state === null) {
      const kept = previousFiring.includes(alarmName);
      detail.push({
        ...base,
        state: 'UNREADABLE',
        firing: kept,
        why: `alarm ${alarmName} could not be read in ${alarmRegion}; keeping its last verdict (${kept ? 'firing' : 'clear'})`,
      });
    } else if (onlyWhenMonitorSilent && !monitorSilent) {
      detail.push({
        ...base,
        state: r.state,
        firing: false,
        why: `alarm ${alarmName} is ${r.state}${since}, a backstop that counts only while ${region}'s monitor is silent`,
      });
    } else if (r.state === 'ALARM') {
      detail.push({
        ...base,
        state: r.state,
        firing: true,
        why: `alarm ${alarmName} in ${alarmRegion} is ALARM${since}`,
      });
    } else {
      // Only an alarm that was holding the region out holds it on after clearing (an alarm's first OK
      // after INSUFFICIENT_DATA at creation holds nothing).
      const clearsAt = r.sinceMs === null ? now : r.sinceMs + clearAfterMs;
      const holding = clearAfterMs > 0 && previousFiring.includes(alarmName) && now < clearsAt;
      detail.push({
        ...base,
        state: r.state,
        firing: holding,
        why: holding
          ? `alarm ${alarmName} in ${alarmRegion} is ${r.state}${since}, holding until ${iso(clearsAt)} (clearAfterSeconds ${clearAfterMs / 1000})`
          : `alarm ${alarmName} in ${alarmRegion} is ${r.state}${since}`,
      });
    }
  }
  return {
    firing: detail.filter((d) => d.firing).map((d) => d.alarmName),
    unreadable: detail.filter((d) => d.state === 'UNREADABLE').map((d) => d.alarmName),
    missing: detail.filter((d) => d.state === 'MISSING').map((d) => d.alarmName),
    detail,
  };
}
