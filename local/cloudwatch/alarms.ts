/**
 * CloudWatch metric alarms on loopback, defined by the synthesized templates and fed with EMF datapoints,
 * each evaluated at the end of its periods by the documented rule (evaluation.ts, with its sources);
 * beside them, state-only alarms whose metrics are not ours (a user's alarms named as failover
 * triggers), changed only by `setState`, as CloudWatch's SetAlarmState changes an alarm.
 * Not modelled: the real evaluation range's length (undocumented: `extraRangePeriods`, default 0, so a
 * stopped metric shows at once), ingestion delay, percentiles, metric math and anomaly bands.
 */
import type { AlarmSpec } from './alarm-template.js';
import type { MetricDatapoint } from './emf.js';
import { type AlarmStateValue, decide, OPERATORS, STATISTICS } from './evaluation.js';

export { alarmStateChangeEvent } from './alarm-event.js';
export { type AlarmSpec, alarmsFromTemplate, serviceAlarmNames } from './alarm-template.js';
export type { AlarmStateValue };

/** DescribeAlarms' two kinds of alarm (`AlarmTypes`). */
export type AlarmType = 'MetricAlarm' | 'CompositeAlarm';

/** One alarm as DescribeAlarms tells of it. */
export interface AlarmDescription {
  readonly alarmName: string;
  readonly region: string;
  readonly type: AlarmType;
  readonly state: AlarmStateValue;
  readonly reason: string;
  /** When the state last changed (`StateUpdatedTimestamp`), epoch ms. */
  readonly updatedAt: number;
  /** The metric and its evaluation settings; absent for a state-only alarm. */
  readonly spec?: AlarmSpec;
}

export interface AlarmChange {
  readonly alarmName: string;
  readonly region: string;
  readonly previous: AlarmStateValue;
  readonly state: AlarmStateValue;
  readonly reason: string;
  /**
   * When the state changed (epoch ms): the end of the period whose evaluation changed it, when
   * CloudWatch evaluates it; or the time of the `setState` call.
   */
  readonly at: number;
  readonly previousReason: string;
  readonly previousAt: number;
}

export interface LocalAlarmsOptions {
  /**
   * Periods read before the N evaluated ones (CloudWatch's evaluation range is longer than N by an
   * undocumented amount; the documentation's examples use N + 2).
   * @default 0
   */
  readonly extraRangePeriods?: number;
  /** A period is evaluated this long after it ends, so lines logged just before its end are in. @default 0 */
  readonly evaluationDelayMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

interface Alarm {
  readonly alarmName: string;
  readonly region: string;
  readonly type: AlarmType;
  /** Undefined for a state-only alarm: nothing evaluates it. */
  readonly spec: AlarmSpec | undefined;
  state: AlarmStateValue;
  reason: string;
  updatedAt: number;
  lastBoundary: number | undefined;
}

const metricKey = (namespace: string, name: string, dims: Readonly<Record<string, string>>) =>
  JSON.stringify([namespace, name, Object.entries(dims).sort(([a], [b]) => a.localeCompare(b))]);

/**
 * Metric alarms of several regions, evaluated at the end of each of their periods (a grid aligned to the
 * epoch, as CloudWatch aligns periods to the clock), and state-only alarms ({@link defineExternal}).
 *
 * @example
 * const alarms = new LocalAlarms(alarmsFromTemplate(template, 'us-east-1'));
 * alarms.onChange((c) => void bus.putDefault(c.region, alarmStateChangeEvent(c)));
 * alarms.start();
 * alarms.ingest(parseEmf(line), 'us-east-1');
 */
export class LocalAlarms {
  private readonly alarms: Alarm[];
  private readonly points = new Map<string, { region: string | undefined; dp: MetricDatapoint }[]>();
  private readonly listeners = new Set<(change: AlarmChange) => void>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    specs: readonly AlarmSpec[],
    private readonly options: LocalAlarmsOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    const at = this.now();
    this.alarms = specs.map((spec) => ({
      alarmName: spec.alarmName,
      region: spec.region,
      type: 'MetricAlarm',
      spec,
      state: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
      updatedAt: at,
      lastBoundary: undefined,
    }));
  }

  /** Adds datapoints; with `region`, they count only for that region's alarms (metrics are regional). */
  ingest(datapoints: readonly MetricDatapoint[], region?: string): void {
    for (const dp of datapoints) {
      const key = metricKey(dp.namespace, dp.metricName, dp.dimensions);
      const list = this.points.get(key) ?? [];
      list.push({ region, dp });
      this.points.set(key, list);
    }
  }

  /** Evaluates every period that ended since the last call; returns (and reports) the changes. */
  evaluate(now: number = this.now()): AlarmChange[] {
    const changes: AlarmChange[] = [];
    let keepFrom = now;
    for (const alarm of this.alarms) {
      const { spec } = alarm;
      if (spec === undefined) continue;
      const periodMs = spec.periodSeconds * 1000;
      const range = spec.evaluationPeriods + (this.options.extraRangePeriods ?? 0);
      const latest = Math.floor((now - (this.options.evaluationDelayMs ?? 0)) / periodMs) * periodMs;
      // After a pause, replaying boundaries older than the range could not change the outcome.
      const first = Math.max((alarm.lastBoundary ?? latest - periodMs) + periodMs, latest - range * periodMs);
      for (let boundary = first; boundary <= latest; boundary += periodMs) {
        const change = this.evaluateAt(alarm, spec, boundary, range);
        if (change) changes.push(change);
      }
      alarm.lastBoundary = Math.max(alarm.lastBoundary ?? latest, latest);
      keepFrom = Math.min(keepFrom, latest - 2 * range * periodMs);
    }
    const fresh = (p: { dp: MetricDatapoint }) => p.dp.timestamp >= keepFrom;
    for (const [key, list] of this.points) this.points.set(key, list.filter(fresh));
    for (const change of changes) for (const listener of this.listeners) listener(change);
    return changes;
  }

  state(alarmName: string, region: string): AlarmStateValue {
    return this.find(alarmName, region).state;
  }

  /**
   * Adds an alarm that is in no template and whose metric is not ours (a user's SBC or carrier alarm
   * named in `failover.triggers`, or one of ours on an `AWS/` metric nothing local emits): only
   * {@link setState} changes it. It starts OK ("Unchecked: defined outside the local deployment"),
   * standing for an alarm that exists before the drill and is quiet until a scenario breaks something;
   * CloudWatch starts a new alarm in INSUFFICIENT_DATA, which would make the first state a scenario
   * sets a change out of a state the real alarm is not in. An alarm already known by that name in that
   * region is left as it is: returns false then.
   *
   * @example
   * alarms.defineExternal('sbc-errors-us-east-1', 'us-east-1');
   */
  defineExternal(alarmName: string, region: string, type: AlarmType = 'MetricAlarm'): boolean {
    if (this.alarms.some((a) => a.alarmName === alarmName && a.region === region)) return false;
    this.alarms.push({
      alarmName,
      region,
      type,
      spec: undefined,
      state: 'OK',
      reason: 'Unchecked: defined outside the local deployment',
      updatedAt: this.now(),
      lastBoundary: undefined,
    });
    return true;
  }

  /**
   * Sets an alarm's state as CloudWatch's SetAlarmState does: a different state is recorded with its
   * reason and the time, and reported to the listeners (returned too); the same state only takes the
   * new reason. An alarm the templates define keeps being evaluated: its next period may set it back,
   * as in CloudWatch.
   *
   * @example
   * alarms.setState('sbc-errors-us-east-1', 'us-east-1', 'ALARM', 'drill: SBC error rate');
   */
  setState(
    alarmName: string,
    region: string,
    state: AlarmStateValue,
    reason: string,
    now: number = this.now(),
  ): AlarmChange | undefined {
    const alarm = this.find(alarmName, region);
    if (alarm.state === state) {
      alarm.reason = reason;
      return undefined;
    }
    const change: AlarmChange = {
      alarmName,
      region,
      previous: alarm.state,
      state,
      reason,
      at: now,
      previousReason: alarm.reason,
      previousAt: alarm.updatedAt,
    };
    Object.assign(alarm, { state, reason, updatedAt: now });
    for (const listener of this.listeners) listener(change);
    return change;
  }

  /** Every alarm of `region`, in name order (DescribeAlarms' order). */
  describe(region: string): AlarmDescription[] {
    return this.alarms
      .filter((a) => a.region === region)
      .map(({ alarmName, type, spec, state, reason, updatedAt }) => ({
        alarmName,
        region,
        type,
        state,
        reason,
        updatedAt,
        ...(spec === undefined ? {} : { spec }),
      }))
      .sort((x, y) => (x.alarmName < y.alarmName ? -1 : x.alarmName > y.alarmName ? 1 : 0));
  }

  /**
   * Whether the period still open (since the last evaluation) has data and no breaching datapoint: with
   * the alarm OK now, its next evaluation keeps it OK unless something changes. The drill waits for this
   * so that a one-minute alarm does not flip a scenario's steady state after it started.
   */
  openPeriodClean(alarmName: string, region: string, now: number = this.now()): boolean {
    const alarm = this.find(alarmName, region);
    const { spec } = alarm;
    if (spec === undefined) throw new Error(`local alarms: ${alarmName} in ${region} has no metric here`);
    const periodMs = spec.periodSeconds * 1000;
    const start = alarm.lastBoundary ?? Math.floor(now / periodMs) * periodMs;
    const values = (this.points.get(metricKey(spec.namespace, spec.metricName, spec.dimensions)) ?? [])
      .filter(
        (p) => (p.region ?? spec.region) === spec.region && p.dp.timestamp >= start && p.dp.timestamp <= now,
      )
      .map((p) => p.dp.value);
    const breaches = OPERATORS[spec.comparisonOperator];
    return values.length > 0 && !values.some((v) => breaches(v, spec.threshold));
  }

  /** Calls `listener` on every state change; returns the function that unsubscribes it. */
  onChange(listener: (change: AlarmChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Evaluates every `intervalMs` on a timer that does not keep the process alive. */
  start(intervalMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.evaluate(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private find(alarmName: string, region: string): Alarm {
    const alarm = this.alarms.find((a) => a.alarmName === alarmName && a.region === region);
    if (!alarm) throw new Error(`local alarms: no alarm ${alarmName} in ${region}`);
    return alarm;
  }

  private evaluateAt(
    alarm: Alarm,
    spec: AlarmSpec,
    boundary: number,
    range: number,
  ): AlarmChange | undefined {
    const periodMs = spec.periodSeconds * 1000;
    const series = this.points.get(metricKey(spec.namespace, spec.metricName, spec.dimensions)) ?? [];
    const datapoints: (number | undefined)[] = []; // oldest first
    for (let k = range; k >= 1; k -= 1) {
      const start = boundary - k * periodMs;
      const inPeriod = (p: (typeof series)[number]) =>
        (p.region ?? spec.region) === spec.region &&
        p.dp.timestamp >= start &&
        p.dp.timestamp < start + periodMs;
      const values = series.filter(inPeriod).map((p) => p.dp.value);
      datapoints.push(values.length === 0 ? undefined : STATISTICS[spec.statistic](values));
    }
    const outcome = decide(spec, datapoints, alarm.state);
    if (outcome.state === alarm.state) return undefined;
    const change: AlarmChange = {
      alarmName: spec.alarmName,
      region: spec.region,
      previous: alarm.state,
      state: outcome.state,
      reason: outcome.reason,
      at: boundary,
      previousReason: alarm.reason,
      previousAt: alarm.updatedAt,
    };
    Object.assign(alarm, { state: outcome.state, reason: outcome.reason, updatedAt: boundary });
    return change;
  }
}
