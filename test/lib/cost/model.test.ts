import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../../lib/cost/model.js';
import type { PriceKey } from '../../../lib/cost/prices.js';
import { FIXTURE_USD, fixtureConfig, fixturePrices, fixtureProfile } from './fixture.js';

// The fixture month: 730 h = 2,628,000 s = 43,800 min = 30.41666... days; 1,000 calls a day.
const S = 2_628_000;
const MIN = 43_800;
const CALLS = (1000 * 730) / 24; // 30,416.67 calls a month

// Rates, by hand (probe interval 2 s, vote refresh 10 s, backstop every 2 min, 2 + 1 observers).
const TICKS = S / 2; // 1,314,000 ticks per observer
const WAIT_READS = Math.ceil((68_500 - 60_000) / 400) + 1; // hand-over polls every 2000/5 ms: 23
const LEASE_WRITES = TICKS + 2 * MIN; // commits + take + release: 1,401,600
const VOTES = 3 * 2 * (S / 10); // 3 observers x 2 regions every 10 s: 1,576,800
const QUORUM_PER_REGION = VOTES + MIN / 2; // 1,598,700
const EVALUATIONS = VOTES + 2 * (MIN / 2); // 1,620,600
const HEALTH_REQ = (S * 15) / 10; // 15 checkers every 10 s: 3,942,000 per region
const API_REQ = CALLS * (1.5 + 0.2 + 0.3 + 2); // 121,666.67
const JOBS = 2 * (MIN + MIN / 2 + MIN / 15); // 137,240
const INVOCATIONS = 3 * MIN + 2 * QUORUM_PER_REGION + 2 * HEALTH_REQ + JOBS + API_REQ;
const CONTROL_WRITES = 2 * LEASE_WRITES * 2 + VOTES + EVALUATIONS * 3 + CALLS * 1.5;
const CACHE_WRITES = 2 * TICKS + CALLS * 0.2 * 4;
const ACTIVE_RATE = (INVOCATIONS - 3 * MIN) / 2 / S + 1 / 60;

/** [item, quantity] for every line, in the bill's order. */
const EXPECTED: [string, number, PriceKey][] = [
  ['health monitor: requests', 3 * MIN, 'lambda.requests'],
  ['health monitor: duration', 3 * MIN * 68.5 * 0.25, 'lambda.gbSecond.arm64'],
  ['quorum: requests', 2 * QUORUM_PER_REGION, 'lambda.requests'],
  [
    'quorum: duration',
    ((EVALUATIONS * 40 + (2 * QUORUM_PER_REGION - EVALUATIONS) * 15) / 1000) * 0.25,
    'lambda.gbSecond.arm64',
  ],
  ['health endpoint: requests', 2 * HEALTH_REQ, 'lambda.requests'],
  ['health endpoint: duration', 2 * HEALTH_REQ * 0.01 * 0.25, 'lambda.gbSecond.arm64'],
  ['scheduled jobs (oauth refresher, capacity reconcile, routing sweep): requests', JOBS, 'lambda.requests'],
  [
    'scheduled jobs (oauth refresher, capacity reconcile, routing sweep): duration',
    JOBS * 0.3 * 0.25,
    'lambda.gbSecond.arm64',
  ],
  ['API functions (resolve, contexts, CRM webhook): requests', API_REQ, 'lambda.requests'],
  [
    'API functions (resolve, contexts, CRM webhook): duration',
    API_REQ * 0.05 * 0.25,
    'lambda.gbSecond.arm64',
  ],
  // lease 2 observers x 2 WRU, votes x 1, decisions x 3 WRU, resolves x 1; two billed replicas
  ['ControlState (MRSC): replicated writes', CONTROL_WRITES * 2, 'dynamodb.rwru'],
  [
    'ControlState (MRSC): strongly consistent reads',
    2 * (TICKS + MIN * WAIT_READS) + 2 * VOTES + EVALUATIONS * 7 + 2 * HEALTH_REQ + CALLS * 1.5 * 3,
    'dynamodb.rru',
  ],
  ['WitnessState: writes', LEASE_WRITES * 2, 'dynamodb.wru'],
  ['WitnessState: reads', MIN * WAIT_READS, 'dynamodb.rru'],
  ['ContextCache (MREC): replicated writes', CACHE_WRITES * 2, 'dynamodb.rwru'],
  [
    'ContextCache (MREC): heartbeat polls and context reads',
    2 * ((S * 1000) / 25) + CALLS * 0.3,
    'dynamodb.rru',
  ],
  ['CrmEvents (MREC): replicated writes', CALLS * 2 * 2, 'dynamodb.rwru'],
  [
    'inter-region transfer of replicated writes',
    (CONTROL_WRITES * 2 + CACHE_WRITES + CALLS * 2) / 1024 / 1024,
    'dataTransfer.interRegion',
  ],
  ['Route 53: HTTPS endpoint checks (AWS endpoint)', 2, 'route53.check.awsEndpoint'],
  ['Route 53: endpoint check options (HTTPS, fast interval)', 4, 'route53.check.optionAws'],
  ['Route 53: CLOUDWATCH_METRIC checks', 2, 'route53.check.metric'],
  ['Route 53: CALCULATED checks', 2, 'route53.check.calculated'],
  ['Route 53: latency-record queries', CALLS * 2, 'route53.queries.latency'],
  ['EventBridge: monitor vote events', VOTES + 2 * CALLS * 0.1, 'eventbridge.customEvents'],
  // active observers' votes once to the peer, the witness's twice, call events once
  [
    'EventBridge: cross-region forwarding',
    2 * (S / 5) + (S / 5) * 2 + CALLS * 0.1,
    'eventbridge.customEvents',
  ],
  ['API Gateway HTTP API requests', API_REQ, 'apiGateway.httpRequests'],
  ['Secrets Manager: secrets and replicas', (3 + 1 + 1) * 2, 'secretsManager.secret'],
  [
    'Secrets Manager: GetSecretValue calls',
    // calls/min per region x share, x secrets read, x 43,800 min x 2 regions; then oauth (1 org + key), reconcile
    ((CALLS / MIN) * (0.2 / 2) * 2 +
      (CALLS / MIN) * (0.3 / 2) * 2 +
      (CALLS / MIN) * (2 / 2) * 1 +
      (CALLS / MIN) * (1.5 / 2) * 1) *
      MIN *
      2 +
      2 * MIN * 2 +
      2 * (MIN / 2),
    'secretsManager.apiCalls',
  ],
  // monitor: 3 x (2 targets x 2 + 2 regions x 2) + 2 lag; quorum 2+6+2+3+2+4+1 = 20 per active region
  ['CloudWatch custom metrics', 3 * (4 + 4) + 2 + 2 * 20, 'cloudwatch.metric'],
  [
    'CloudWatch Logs ingestion (EMF, Lambda, access logs)',
    (TICKS * 400 * (2 * 5 + 4) + INVOCATIONS * 300 + (EVALUATIONS + 2 * HEALTH_REQ) * 800 + API_REQ * 400) /
      1024 ** 3,
    'cloudwatch.logs.ingestion',
  ],
  ['CloudWatch alarms, high resolution (10 s)', 4, 'cloudwatch.alarm.highResolution'],
  // per active region: 2 + 4 fallback + 4 capacity + 1 org + 1 oauth fallback + 5 dead letters + 2 triggers
  // unreadable (the replication-latency backstop gives both regions triggers); witness: 3 dead letters
  ['CloudWatch alarms, standard', 2 * (2 + 3 + 1 + 4 + 1 + 1 + 5 + 2) + 3, 'cloudwatch.alarm.standard'],
  ['KMS keys (alert topics)', 3, 'kms.key'],
  ['CloudWatch dashboards', 2, 'cloudwatch.dashboard'],
  ['X-Ray traces (active tracing)', S * (2 * (1 + 0.05 * (ACTIVE_RATE - 1)) + 1 / 60), 'xray.traces'],
];

const near = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * 1e-9 + 1e-9);

describe('estimateCost on the hand-computed fixture environment', () => {
  // Prepare / Act
  const bill = estimateCost(fixtureConfig, {
    prices: fixturePrices(),
    profile: fixtureProfile,
    callsPerDay: 1000,
  });

  it('has exactly the hand-computed lines, in order', () => {
    expect(bill.lines.map((l) => l.item)).toEqual(EXPECTED.map(([item]) => item));
  });

  it.each(EXPECTED)('prices %s from its hand-computed quantity', (item, quantity, key) => {
    const line = bill.lines.find((l) => l.item === item);
    const [usd, per] = FIXTURE_USD[key];
    expect(line?.priceKey).toBe(key);
    near(line?.quantity ?? Number.NaN, quantity);
    near(line?.monthlyUsd ?? Number.NaN, (quantity / per) * usd);
  });

  it('totals the lines', () => {
    const total = EXPECTED.reduce(
      (sum, [, q, key]) => sum + (q / FIXTURE_USD[key][1]) * FIXTURE_USD[key][0],
      0,
    );
    near(bill.totalUsd, total);
  });

  it('spot-checks two amounts written out in full', () => {
    // monitor duration: 131,400 runs x 68.5 s x 0.25 GB = 2,250,225 GB-s x $0.00001
    near(bill.lines[1]?.monthlyUsd ?? 0, 22.50225);
    // heartbeat polls: 2 x 105,120,000 + 9,125 context reads = 210,249,125 RRU x $0.10 / 1e6
    near(bill.lines[15]?.monthlyUsd ?? 0, 21.0249125);
  });

  it('drops the X-Ray line when tracing is off and moves alarms to standard at a 60 s period', () => {
    const off = estimateCost(
      { ...fixtureConfig, alarms: { ...fixtureConfig.alarms, periodSeconds: 60 } },
      { prices: fixturePrices(), profile: { ...fixtureProfile, tracing: false }, callsPerDay: 1000 },
    );
    expect(off.lines.some((l) => l.priceKey === 'xray.traces')).toBe(false);
    expect(off.lines.find((l) => l.priceKey === 'cloudwatch.alarm.highResolution')?.quantity).toBe(0);
    expect(off.lines.find((l) => l.priceKey === 'cloudwatch.alarm.standard')?.quantity).toBe(
      2 * (19 + 2) + 3,
    );
  });

  it('rejects a negative call volume', () => {
    expect(() => estimateCost(fixtureConfig, { prices: fixturePrices(), callsPerDay: -1 })).toThrow(
      RangeError,
    );
  });
});
