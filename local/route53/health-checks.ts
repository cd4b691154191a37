/**
 * Route 53 health checks on loopback, run from the Dns stack's own definitions (template.ts).
 *
 * What is emulated, and where Route 53 documents it:
 * - https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
 *   (text read at github.com/awsdocs/amazon-route53-docs doc_source/dns-failover-determining-health-of-endpoints.md):
 *   checkers in several locations each send a request every RequestInterval, without coordinating with
 *   one another; an HTTP(S) checker needs a TCP connection within 4 s and a 2xx/3xx status within 2 s
 *   of connecting; each checker judges the endpoint by FailureThreshold consecutive results; the
 *   endpoint is healthy while MORE than 18% of the checkers report it healthy. A CALCULATED check counts
 *   its healthy children against HealthThreshold. A CLOUDWATCH_METRIC check is healthy on OK, unhealthy
 *   on ALARM, and on insufficient data follows InsufficientDataHealthStatus. The current page adds that
 *   HTTPS checks do not validate the certificate (read in its translation,
 *   https://docs.amazonaws.cn/zh_cn/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.md).
 * - https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/route53/aws.sdk.kotlin.services.route53.model/-health-check-config/insufficient-data-health-status.html:
 *   LastKnownStatus with no known status yet is healthy.
 * - https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/route53/aws.sdk.kotlin.services.route53.model/-update-health-check-request/health-threshold.html:
 *   a HealthThreshold above the number of children is always unhealthy, 0 always healthy.
 * - the guide's earlier wording, quoted in an answer at
 *   https://repost.aws/de/questions/QUGd_BDaurTZ22UGzTTvUZzw/route-53-health-checks-works-once-and-then-switches-to-failed-immediately:
 *   "Route 53 considers a new health check to be healthy until there's enough data to determine the
 *   actual status" (so checks and checkers start healthy).
 *
 * Not emulated: checker locations and network paths (the caller's `connect` may send a checker elsewhere),
 * the delay before Route 53 acts on a status, CloudWatch's metric data stream (the check reads the alarm
 * state, polled each second), TCP and string-matching checks.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { AlarmStateValue } from '../cloudwatch/alarms.js';
import type { CalculatedCheckSpec, EndpointCheckSpec, HealthCheckSpec, MetricCheckSpec } from './template.js';

export type { AlarmStateValue };

export interface HealthCheckChange {
  readonly logicalId: string;
  readonly healthy: boolean;
  /** Epoch ms. */
  readonly at: number;
  /** Why, e.g. `1/8 checkers healthy (last: HTTP 503)`. */
  readonly detail: string;
}

export interface Route53HealthChecksOptions {
  readonly checks: readonly HealthCheckSpec[];
  /** Where checker `checker` (0-based) connects for `fqdn:port`; a stand-in for DNS and the network path. */
  readonly connect: (fqdn: string, port: number, checker: number) => { host: string; port: number };
  /** The state of a CloudWatch alarm (LocalAlarms.state). */
  readonly alarmState: (alarmName: string, region: string) => AlarmStateValue;
  /** Checkers per endpoint check. @default 8 */
  readonly checkers?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

const CONNECT_TIMEOUT_MS = 4_000;
const RESPONSE_TIMEOUT_MS = 2_000;
const HEALTHY_SHARE = 0.18;
const METRIC_POLL_MS = 1_000;

interface Checker {
  healthy: boolean;
  /** Consecutive results that disagree with `healthy`. */
  streak: number;
}

interface Probe {
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Runs every health check of the Dns stack: real HTTP(S) requests for endpoint checks, the alarm state
 * for metric checks, and the children for calculated ones.
 *
 * @example
 * const checks = new Route53HealthChecks({ checks: healthChecks, connect: () => ({ host: '127.0.0.1', port }), alarmState: (n, r) => alarms.state(n, r) });
 * checks.onChange((c) => log(c));
 * checks.start();
 * checks.status('Regionuseast1'); // true while both children are healthy
 * await checks.stop();
 */
export class Route53HealthChecks {
  private readonly specs: ReadonlyMap<string, HealthCheckSpec>;
  private readonly healthy = new Map<string, boolean>();
  private readonly checkers = new Map<string, Checker[]>();
  private readonly lastKnown = new Map<string, boolean>();
  private readonly listeners = new Set<(change: HealthCheckChange) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private abort = new AbortController();
  private running = false;
  private readonly now: () => number;

  constructor(private readonly options: Route53HealthChecksOptions) {
    this.now = options.now ?? Date.now;
    this.specs = new Map(options.checks.map((c) => [c.logicalId, c]));
    const count = options.checkers ?? 8;
    for (const spec of options.checks) {
      if (spec.kind === 'calculated') {
        const unknown = spec.children.find((id) => !this.specs.has(id));
        if (unknown) throw new Error(`health check ${spec.logicalId}: unknown child ${unknown}`);
      }
      if (spec.kind === 'endpoint')
        this.checkers.set(
          spec.logicalId,
          Array.from({ length: count }, () => ({ healthy: true, streak: 0 })),
        );
      this.healthy.set(spec.logicalId, true);
    }
    this.recalculate();
  }

  /** Whether the check is healthy now; throws for an unknown logical id. */
  status(logicalId: string): boolean {
    const healthy = this.healthy.get(logicalId);
    if (healthy === undefined) throw new Error(`no health check ${logicalId}`);
    return healthy;
  }

  /** Calls `listener` on every status change; returns the function that unsubscribes it. */
  onChange(listener: (change: HealthCheckChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the checkers (phases spread over each check's interval) and the alarm polling. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    const startedAt = Date.now();
    for (const spec of this.specs.values()) {
      if (spec.kind === 'endpoint') {
        const intervalMs = spec.requestIntervalSeconds * 1000;
        const count = this.checkers.get(spec.logicalId)?.length ?? 0;
        for (let i = 0; i < count; i += 1) this.schedule(spec, i, startedAt + (i * intervalMs) / count);
      }
      if (spec.kind === 'metric') this.pollMetric(spec, startedAt);
    }
  }

  /** Stops every timer, aborts the requests in flight and waits until they have settled. */
  async stop(): Promise<void> {
    this.running = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private later(atMs: number, run: () => void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (this.running) run();
      },
      Math.max(0, atMs - Date.now()),
    );
    timer.unref();
    this.timers.add(timer);
  }

  /** One checker's loop on a fixed grid: requests do not wait for the previous one to finish. */
  private schedule(spec: EndpointCheckSpec, checker: number, dueMs: number): void {
    this.later(dueMs, () => {
      const target = this.options.connect(spec.fqdn, spec.port, checker);
      const run = probe(spec, target, checker, this.abort.signal).then((result) => {
        if (this.running) this.record(spec, checker, result);
      });
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
      this.schedule(spec, checker, nextSlot(dueMs, spec.requestIntervalSeconds * 1000));
    });
  }

  private record(spec: EndpointCheckSpec, index: number, result: Probe): void {
    const checkers = this.checkers.get(spec.logicalId) ?? [];
    const checker = checkers[index];
    if (!checker) return;
    checker.streak = result.ok === checker.healthy ? 0 : checker.streak + 1;
    if (checker.streak >= spec.failureThreshold) Object.assign(checker, { healthy: result.ok, streak: 0 });
    const up = checkers.filter((c) => c.healthy).length;
    const detail = `${up}/${checkers.length} checkers healthy (last: ${result.detail})`;
    this.set(spec.logicalId, up / checkers.length > HEALTHY_SHARE, detail);
  }

  private pollMetric(spec: MetricCheckSpec, dueMs: number): void {
    const state = this.options.alarmState(spec.alarmName, spec.alarmRegion);
    const known = this.lastKnown.get(spec.logicalId) ?? true;
    const healthy =
      state === 'OK' ||
      (state === 'INSUFFICIENT_DATA' &&
        (spec.insufficientDataHealthStatus === 'Healthy' ||
          (spec.insufficientDataHealthStatus === 'LastKnownStatus' && known)));
    if (state !== 'INSUFFICIENT_DATA') this.lastKnown.set(spec.logicalId, healthy);
    this.set(spec.logicalId, healthy, `alarm ${spec.alarmName} (${spec.alarmRegion}) is ${state}`);
    const next = nextSlot(dueMs, METRIC_POLL_MS);
    this.later(next, () => this.pollMetric(spec, next));
  }

  private set(logicalId: string, healthy: boolean, detail: string): void {
    if (this.healthy.get(logicalId) === healthy) return;
    this.healthy.set(logicalId, healthy);
    const change = { logicalId, healthy, at: this.now(), detail };
    for (const listener of this.listeners) listener(change);
    this.recalculate();
  }

  private recalculate(): void {
    for (const spec of this.specs.values()) {
      if (spec.kind !== 'calculated') continue;
      const up = spec.children.filter((id) => this.healthy.get(id)).length;
      this.set(spec.logicalId, up >= spec.healthThreshold, calculatedDetail(spec, up));
    }
  }
}

/** The next slot of a fixed grid after `dueMs`; slots missed while the event loop stalled are skipped. */
function nextSlot(dueMs: number, intervalMs: number): number {
  const next = dueMs + intervalMs;
  const behind = Date.now() - next;
  return behind > 0 ? next + Math.ceil(behind / intervalMs) * intervalMs : next;
}

const calculatedDetail = (spec: CalculatedCheckSpec, up: number) =>
  `${up} of ${spec.children.length} children healthy, ${spec.healthThreshold} needed`;

/** One checker's request, judged by the documented timings. Never rejects. */
function probe(
  spec: EndpointCheckSpec,
  target: { host: string; port: number },
  checker: number,
  signal: AbortSignal,
): Promise<Probe> {
  return new Promise((resolve) => {
    const hostHeader = spec.port === 80 || spec.port === 443 ? spec.fqdn : `${spec.fqdn}:${spec.port}`;
    const options = {
      host: target.host,
      port: target.port,
      path: spec.resourcePath,
      method: 'GET',
      // A fresh connection per request, as each check is: the 4 s connect limit applies every time.
      agent: false as const,
      signal,
      headers: {
        Host: hostHeader,
        'User-Agent': `Amazon-Route53-Health-Check-Service (local; checker ${checker})`,
      },
    };
    const request =
      spec.protocol === 'HTTPS'
        ? https.request({
            ...options,
            // Route 53 does not validate the certificate; SNI carries the name when asked to.
            rejectUnauthorized: false,
            ...(spec.enableSni && isIP(spec.fqdn) === 0 ? { servername: spec.fqdn } : {}),
          })
        : http.request(options);
    let timer = setTimeout(() => done(false, 'no TCP connection within 4 s'), CONNECT_TIMEOUT_MS);
    function done(ok: boolean, detail: string): void {
      clearTimeout(timer);
      request.destroy();
      resolve({ ok, detail });
    }
    request.once('socket', (socket) =>
      socket.once('connect', () => {
        clearTimeout(timer);
        timer = setTimeout(() => done(false, 'no HTTP status within 2 s of connecting'), RESPONSE_TIMEOUT_MS);
      }),
    );
    request.once('response', (response) => {
      response.on('error', () => {});
      response.resume();
      const status = response.statusCode ?? 0;
      done(status >= 200 && status < 400, `HTTP ${status}`);
    });
    request.on('error', (error: NodeJS.ErrnoException) => done(false, error.code ?? error.message));
    request.end();
  });
}
