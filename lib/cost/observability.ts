import type { ContinuityConfig } from '../../config/schema.js';
import { priced } from './line.js';
import type { PriceFile } from './prices.js';
import type { Rates } from './rates.js';
import { type BillLine, type CostProfile, MINUTES_PER_MONTH, SECONDS_PER_MONTH } from './types.js';

/** Metric names x dimensions quorum emits per active region (quorum-metrics.ts, as quorum-dashboard.ts graphs them). */
function quorumMetrics(active: number, observers: number): number {
  return (
    active /* inRotation */ +
    active * observers /* vote */ +
    active /* lag */ +
    3 /* epoch, changed, fenced */ +
    active /* quorumLost */ +
    2 * active /* triggerFiring, triggerUnreadable */ +
    1 /* health endpoint */
  );
}

/**
 * X-Ray's default sampling (assumed to hold per region): the first request each second and 5% of the rest.
 * Lambda active tracing (continuity-function.ts) records that many traces.
 */
export function sampledPerSecond(requestsPerSecond: number): number {
  return Math.min(requestsPerSecond, 1) + 0.05 * Math.max(requestsPerSecond - 1, 0);
}

/** CloudWatch metrics (EMF), logs, alarms and dashboards, and X-Ray traces. */
export function observabilityLines(
  config: ContinuityConfig,
  profile: CostProfile,
  rates: Rates,
  prices: PriceFile,
): BillLine[] {
  const active = config.regions.active;
  const witness = config.regions.witness;
  const n = active.length;
  const observers = n + 1;
  const targets = Object.values(config.sipTargets).flat().length;
  // metrics.ts: per target SipTargetUp + SipProbeRtt, per target region healthy + standard, lag (active only).
  const monitorDocsPerTick = { active: targets + n + 1, witness: targets + n };
  const monitorMetrics = observers * (2 * targets + 2 * n) + n;
  const highRes = config.alarms.periodSeconds < 60;
  const orgs = config.platform.orgs.length;
  // health-monitor.ts 4 (sipHealth, lag at alarms.periodSeconds; standard, latency at 60 s), context-api.ts 3
  // secret fallback, routing-resolve.ts 1, capacity.ts 4, oauth-refresher.ts one per org + 1.
  const perRegion = { fast: 2, standard: 2 + 3 + 1 + 4 + orgs + 1 };
  const c = profile.perCall;
  const apiRequests = rates.calls * (c.resolve + c.contextSave + c.contextRead + c.crmEvents);
  const reconcileMinutes = Math.ceil(config.routing.reconcileSeconds / 60);
  const jobs = n * (MINUTES_PER_MONTH + MINUTES_PER_MONTH / reconcileMinutes + MINUTES_PER_MONTH / 15);
  const invocations =
    observers * rates.monitorInvocations +
    n * rates.quorumInvocationsPerRegion +
    n * rates.healthEndpointRequests +
    jobs +
    apiRequests;
  const logBytes =
    rates.ticks * profile.emfDocBytes * (n * monitorDocsPerTick.active + monitorDocsPerTick.witness) +
    invocations * profile.platformLogBytes +
    (rates.evaluations + n * rates.healthEndpointRequests) * profile.quorumLogBytes +
    apiRequests * profile.accessLogBytes;
  // Requests per second in one active region, and in the witness, for the sampler.
  const activeRate = (invocations - observers * rates.monitorInvocations) / n / SECONDS_PER_MONTH + 1 / 60;
  const lines = [
    priced(prices, {
      area: 'observability',
      item: 'CloudWatch custom metrics',
      regions: [...active, witness],
      quantity: monitorMetrics + n * quorumMetrics(n, observers),
      priceKey: 'cloudwatch.metric',
      derivation: `monitor (metrics.ts): ${observers} observers x (${targets} targets x 2 + ${n} regions x 2) + ${n} lag; quorum and health endpoint ${quorumMetrics(n, observers)} per active region`,
    }),
    priced(prices, {
      area: 'observability',
      item: 'CloudWatch Logs ingestion (EMF, Lambda, access logs)',
      regions: [...active, witness],
      quantity: logBytes / 1024 ** 3,
      priceKey: 'cloudwatch.logs.ingestion',
      derivation: `monitor EMF every tick: ${monitorDocsPerTick.active} docs (active) / ${monitorDocsPerTick.witness} (witness) x ${profile.emfDocBytes} B; ${profile.platformLogBytes} B per invocation; ${profile.quorumLogBytes} B per quorum evaluation and health answer; ${profile.accessLogBytes} B per API request (sizes assumed)`,
    }),
    priced(prices, {
      area: 'observability',
      item: `CloudWatch alarms, high resolution (${config.alarms.periodSeconds} s)`,
      regions: active,
      quantity: highRes ? n * perRegion.fast : 0,
      priceKey: 'cloudwatch.alarm.highResolution',
      derivation: `SIP health and replication lag per active region at alarms.periodSeconds ${config.alarms.periodSeconds}`,
    }),
    priced(prices, {
      area: 'observability',
      item: 'CloudWatch alarms, standard',
      regions: active,
      quantity: n * (perRegion.standard + (highRes ? 0 : perRegion.fast)),
      priceKey: 'cloudwatch.alarm.standard',
      derivation: `per active region: SIP health standard, replication latency, 3 + 1 secret fallback, 4 capacity, ${orgs} org credentials + 1 oauth fallback`,
    }),
    priced(prices, {
      area: 'observability',
      item: 'CloudWatch dashboards',
      regions: active,
      quantity: n,
      priceKey: 'cloudwatch.dashboard',
      derivation: 'quorum-dashboard.ts: one per active region',
    }),
  ];
  if (!profile.tracing) return lines;
  return [
    ...lines,
    priced(prices, {
      area: 'observability',
      item: 'X-Ray traces (active tracing)',
      regions: [...active, witness],
      quantity: SECONDS_PER_MONTH * (n * sampledPerSecond(activeRate) + sampledPerSecond(1 / 60)),
      priceKey: 'xray.traces',
      derivation: `default sampling, 1/s + 5% of the rest, per region (assumed): ${activeRate.toFixed(2)} invocations/s per active region, 1/min in the witness`,
    }),
  ];
}
