/**
 * CloudWatch metric alarms on loopback, defined by the synthesized templates and fed with EMF datapoints,
 * each evaluated at the end of its periods by the documented rule (evaluation.ts, with its sources).
 * Not modelled: the real evaluation range's length (undocumented: `extraRangePeriods`, default 0, so a
 * stopped metric shows at once), ingestion delay, percentiles, metric math and anomaly bands.
 */
import { ALARM_DETAIL_TYPE, ALARM_SOURCE } from '../../functions/shared/event-schemas.js';
import type { DeliveredEvent } from '../bus/bus.js';
import type { MetricDatapoint } from './emf.js';
import { type AlarmStateValue, decide, OPERATORS, STATISTICS, TREATMENTS } from './evaluation.js';

export type { AlarmStateValue };

/** One `AWS::CloudWatch::Alarm` on a single metric, as the template declares it. */
export interface AlarmSpec {
  readonly logicalId: string;
  readonly alarmName: string;
  readonly region: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly statistic: keyof typeof STATISTICS;
  readonly threshold: number;
  readonly comparisonOperator: keyof typeof OPERATORS;
  readonly treatMissingData: (typeof TREATMENTS)[number];
}

export interface AlarmChange {
  readonly alarmName: string;
  readonly region: string;
  readonly previous: AlarmStateValue;
  readonly state: AlarmStateValue;
  readonly reason: string;
  /** End of the period whose evaluation changed the state (epoch ms): when CloudWatch evaluates it. */
  readonly at: number;
  readonly previousReason: string;
  readonly previousAt: number;
}

type CfnResource = { readonly Type?: string; readonly Properties?: Record<string, unknown> };
type CfnTemplate = { readonly Resources?: Record<string, CfnResource> };

/**
 * Every `AWS::CloudWatch::Alarm` of a synthesized template on the functions' own metrics (EMF). Alarms
 * on AWS service metrics (`AWS/SQS` queue depth, `AWS/Lambda` errors: a namespace starting `AWS/`) are
 * left out: nothing local emits those metrics. Throws, naming the logical id, for an alarm of ours this
 * emulation cannot evaluate (metric math, percentiles, a value that is not a literal).
 *
 * @example
 * const specs = alarmsFromTemplate(assembly.getStackByName(name).template, 'us-east-1');
 */
export function alarmsFromTemplate(template: CfnTemplate, region: string): AlarmSpec[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
    .filter(([, r]) => !String(r.Properties?.Namespace ?? '').startsWith('AWS/'))
    .map(([logicalId, r]) => {
      const p = r.Properties ?? {};
      const fail = (what: string): never => {
        throw new Error(`local alarms: AWS::CloudWatch::Alarm ${logicalId}: ${what}`);
      };
      const text = (key: string) =>
        typeof p[key] === 'string' ? (p[key] as string) : fail(`${key} must be a literal string`);
      const num = (key: string) => {
        const n = typeof p[key] === 'string' || typeof p[key] === 'number' ? Number(p[key]) : Number.NaN;
        return Number.isFinite(n) ? n : fail(`${key} must be a literal number`);
      };
      if (p.Metrics !== undefined || p.ExtendedStatistic !== undefined)
        fail('metric math and percentiles are not supported');
      const pick = <T extends string>(key: string, allowed: readonly T[], fallback?: T): T => {
        const value = p[key] ?? fallback;
        return allowed.includes(value as T)
          ? (value as T)
          : fail(`${key} ${String(value)} is not one of ${allowed.join(', ')}`);
      };
      const dims = (p.Dimensions ?? []) as { Name?: unknown; Value?: unknown }[];
      if (dims.some((d) => typeof d.Name !== 'string' || typeof d.Value !== 'string'))
        fail('dimensions must be literal strings');
      const evaluationPeriods = num('EvaluationPeriods');
      return {
        logicalId,
        alarmName: text('AlarmName'),
        region,
        namespace: text('Namespace'),
        metricName: text('MetricName'),
        dimensions: Object.fromEntries(dims.map((d) => [d.Name, d.Value])) as Record<string, string>,
        periodSeconds: num('Period'),
        evaluationPeriods,
        datapointsToAlarm: p.DatapointsToAlarm === undefined ? evaluationPeriods : num('DatapointsToAlarm'),
        statistic: pick('Statistic', Object.keys(STATISTICS) as (keyof typeof STATISTICS)[]),
        threshold: num('Threshold'),
        comparisonOperator: pick('ComparisonOperator', Object.keys(OPERATORS) as (keyof typeof OPERATORS)[]),
        treatMissingData: pick('TreatMissingData', TREATMENTS, 'missing'),
      };
    });
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
  readonly spec: AlarmSpec;
  state: AlarmStateValue;
  reason: string;
  updatedAt: number;
  lastBoundary: number | undefined;
}

const metricKey = (namespace: string, name: string, dims: Readonly<Record<string, string>>) =>
  JSON.stringify([namespace, name, Object.entries(dims).sort(([a], [b]) => a.localeCompare(b))]);

/**
 * Metric alarms of several regions, evaluated at the end of each of their periods (a grid aligned to the
 * epoch, as CloudWatch aligns periods to the clock).
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
      const periodMs = alarm.spec.periodSeconds * 1000;
      const range = alarm.spec.evaluationPeriods + (this.options.extraRangePeriods ?? 0);
      const latest = Math.floor((now - (this.options.evaluationDelayMs ?? 0)) / periodMs) * periodMs;
      // After a pause, replaying boundaries older than the range could not change the outcome.
      const first = Math.max((alarm.lastBoundary ?? latest - periodMs) + periodMs, latest - range * periodMs);
      for (let boundary = first; boundary <= latest; boundary += periodMs) {
        const change = this.evaluateAt(alarm, boundary, range);
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
    const alarm = this.alarms.find((a) => a.spec.alarmName === alarmName && a.spec.region === region);
    if (!alarm) throw new Error(`local alarms: no alarm ${alarmName} in ${region}`);
    return alarm.state;
  }

  /**
   * Whether the period still open (since the last evaluation) has data and no breaching datapoint: with
   * the alarm OK now, its next evaluation keeps it OK unless something changes. The drill waits for this
   * so that a one-minute alarm does not flip a scenario's steady state after it started.
   */
  openPeriodClean(alarmName: string, region: string, now: number = this.now()): boolean {
    const alarm = this.alarms.find((a) => a.spec.alarmName === alarmName && a.spec.region === region);
    if (!alarm) throw new Error(`local alarms: no alarm ${alarmName} in ${region}`);
    const { spec } = alarm;
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

  private evaluateAt(alarm: Alarm, boundary: number, range: number): AlarmChange | undefined {
    const { spec } = alarm;
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
