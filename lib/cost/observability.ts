import type { ContinuityConfig } from '../../config/schema.js';
import { failoverTriggers, regionsWithTriggers } from '../../functions/routing/quorum/triggers.js';
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
 * The alarms the app creates per region, by file (test/lib/cost/alarms.test.ts keeps this equal to the
 * synthesized app). `activeFast` are the two at `alarms.periodSeconds` (high resolution below 60 s).
 */
export function alarmCounts(config: ContinuityConfig): {
  activeFast: number;
  activeStandard: number;
  witness: number;
  derivation: string;
} {
  const active = config.regions.active;
  const orgs = config.platform.orgs.length;
  const triggers = failoverTriggers(config.env, active, config.failover);
  const blind = regionsWithTriggers(active, triggers).length;
  const deadLetters = active.length - 1 /* forwarding */ + 4; /* monitor, quorum, oauth, sweep */
  const parts: [number, string][] = [
    [2, 'SIP health standard, replication latency'],
    [3 + 1, 'secret fallback (3 context, resolve)'],
    [4, 'capacity (incl. its dead letters)'],
    [orgs + 1, `${orgs} org credentials + oauth fallback`],
    [deadLetters, 'dead letters (forwarding, monitor, quorum, oauth, sweep)'],
    [blind, 'triggers unreadable'],
  ];
  return {
    activeFast: 2,
    activeStandard: parts.reduce((sum, [count]) => sum + count, 0),
    witness: active.length /* forwarding */ + 1 /* monitor */,
    derivation: parts.map(([count, what]) => `${count} ${what}`).join(', '),
  };
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
  const alarms = alarmCounts(config);
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
      quantity: highRes ? n * alarms.activeFast : 0,
      priceKey: 'cloudwatch.alarm.highResolution',
      derivation: `SIP health and replication lag per active region at alarms.periodSeconds ${config.alarms.periodSeconds}`,
    }),
    priced(prices, {
      area: 'observability',
      item: 'CloudWatch alarms, standard',
      regions: [...active, witness],
      quantity: n * (alarms.activeStandard + (highRes ? 0 : alarms.activeFast)) + alarms.witness,
      priceKey: 'cloudwatch.alarm.standard',
      derivation: `${alarms.activeStandard} per active region (${alarms.derivation}); ${alarms.witness} in the witness (dead letters)`,
    }),
    priced(prices, {
      area: 'observability',
      item: 'KMS keys (alert topics)',
      regions: [...active, witness],
      quantity: n + 1,
      priceKey: 'kms.key',
      derivation:
        'alarm-notifications.ts: one key per region encrypts its alert topic (rotation adds a key-month a year)',
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
