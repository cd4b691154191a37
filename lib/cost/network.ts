import type { ContinuityConfig } from '../../config/schema.js';
import { priced } from './line.js';
import type { PriceFile } from './prices.js';
import type { Rates } from './rates.js';
import { type BillLine, type CostProfile, MINUTES_PER_MONTH } from './types.js';

/** Secrets Manager's cache TTL in functions/shared/secrets.ts (DEFAULT_SECRET_TTL_MS). */
const SECRET_TTL_MINUTES = 1;

/**
 * Route 53 (dns-stack.ts: per active region an HTTPS check on the AWS health endpoint, 10 s interval, a
 * CLOUDWATCH_METRIC check and a CALCULATED one; latency records), EventBridge (votes and their forwarding,
 * continuity-bus.ts), API Gateway HTTP API and Secrets Manager (data-stack.ts: every secret replicated to
 * the other active region).
 */
export function networkLines(
  config: ContinuityConfig,
  profile: CostProfile,
  rates: Rates,
  prices: PriceFile,
): BillLine[] {
  const active = config.regions.active;
  const witness = config.regions.witness;
  const n = active.length;
  const c = profile.perCall;
  // The endpoint check's options: HTTPS, and requestInterval 10 (fast interval). No string match, no latency.
  const endpointOptions = 2;
  const apiRequests = rates.calls * (c.resolve + c.contextSave + c.contextRead + c.crmEvents);
  // Votes: an active observer's go to its bus and are forwarded to the peer; the witness's to both.
  const activeVotes = n * rates.votesPerObserver;
  const witnessVotes = rates.votesPerObserver;
  const orgs = config.platform.orgs.length;
  const secrets = 3 /* context-secrets.ts */ + orgs + 1 /* platform-secrets.ts clients + token key */;
  const callsPerMinute = rates.calls / MINUTES_PER_MONTH;
  // A warm container re-reads a secret at most once per TTL, and only when a request comes (assumed one
  // warm container per function and region): API functions by their share of the calls, jobs every run.
  const refreshes = (perMinute: number, secretsRead: number) =>
    Math.min(1 / SECRET_TTL_MINUTES, perMinute / n) * secretsRead * MINUTES_PER_MONTH * n;
  const secretCalls =
    refreshes(callsPerMinute * c.contextSave, 2) +
    refreshes(callsPerMinute * c.contextRead, 2) +
    refreshes(callsPerMinute * c.crmEvents, 1) +
    refreshes(callsPerMinute * c.resolve, 1) +
    n * MINUTES_PER_MONTH * (orgs + 1) +
    n * (MINUTES_PER_MONTH / Math.ceil(config.routing.reconcileSeconds / 60));
  return [
    priced(prices, {
      area: 'network/DNS',
      item: 'Route 53: HTTPS endpoint checks (AWS endpoint)',
      regions: active,
      quantity: n,
      priceKey: 'route53.check.awsEndpoint',
      derivation: 'one per active region on the Lambda function URL (an AWS endpoint)',
    }),
    priced(prices, {
      area: 'network/DNS',
      item: 'Route 53: endpoint check options (HTTPS, fast interval)',
      regions: active,
      quantity: n * endpointOptions,
      priceKey: 'route53.check.optionAws',
      derivation: `type HTTPS + requestInterval 10 s: ${endpointOptions} options x ${n} checks`,
    }),
    priced(prices, {
      area: 'network/DNS',
      item: 'Route 53: CLOUDWATCH_METRIC checks',
      regions: active,
      quantity: n,
      priceKey: 'route53.check.metric',
      derivation: 'one per active region on its standard-resolution SIP-health alarm',
    }),
    priced(prices, {
      area: 'network/DNS',
      item: 'Route 53: CALCULATED checks',
      regions: active,
      quantity: n,
      priceKey: 'route53.check.calculated',
      derivation: 'one per active region over its two children',
    }),
    priced(prices, {
      area: 'network/DNS',
      item: 'Route 53: latency-record queries',
      regions: ['global'],
      quantity: rates.calls * 2,
      priceKey: 'route53.queries.latency',
      derivation: 'sip.<zone> and api.<zone> looked up once per call (assumed; resolver caching ignored)',
    }),
    priced(prices, {
      area: 'network/DNS',
      item: 'EventBridge: monitor vote events',
      regions: [...active, witness],
      quantity: rates.votesTotal + 2 * rates.calls * c.events,
      priceKey: 'eventbridge.customEvents',
      derivation: `${rates.votesTotal} votes put on the observers' buses (monitor-events.ts) + ${c.events} events per call (assumed), lag and SIP-target events only on changes (none counted)`,
    }),
    priced(prices, {
      area: 'network/DNS',
      item: 'EventBridge: cross-region forwarding',
      regions: [...active, witness],
      quantity: activeVotes * (n - 1) + witnessVotes * n + rates.calls * c.events,
      priceKey: 'eventbridge.customEvents',
      derivation: `each active observer's vote to the peer, the witness's to both active regions (continuity-bus.ts forwardTo), and call events to the peer`,
    }),
    priced(prices, {
      area: 'network/DNS',
      item: 'API Gateway HTTP API requests',
      regions: active,
      quantity: apiRequests,
      priceKey: 'apiGateway.httpRequests',
      derivation: `${c.resolve + c.contextSave + c.contextRead + c.crmEvents} requests per call (assumed mix)`,
    }),
    priced(prices, {
      area: 'data',
      item: 'Secrets Manager: secrets and replicas',
      regions: active,
      quantity: secrets * n,
      priceKey: 'secretsManager.secret',
      derivation: `${secrets} secrets (3 context + ${orgs} org clients + platform token key), each with a replica in the other active region`,
    }),
    priced(prices, {
      area: 'data',
      item: 'Secrets Manager: GetSecretValue calls',
      regions: active,
      quantity: secretCalls,
      priceKey: 'secretsManager.apiCalls',
      derivation: `${SECRET_TTL_MINUTES}-minute cache (secrets.ts): API functions re-read when a request comes after the TTL (one warm container each, assumed), the OAuth refresher and reconcile every run`,
    }),
  ];
}
