import type { ContinuityConfig } from '../../config/schema.js';
import { type LineSpec, priced } from './line.js';
import type { PriceFile } from './prices.js';
import type { Rates } from './rates.js';
import { type BillLine, type CostProfile, MINUTES_PER_MONTH } from './types.js';

/** Lambda: requests and GB-seconds of every function, at the profile's memory and architecture. */
export function computeLines(
  config: ContinuityConfig,
  profile: CostProfile,
  rates: Rates,
  prices: PriceFile,
): BillLine[] {
  const active = config.regions.active;
  const observers = [...active, config.regions.witness];
  const gbs = `lambda.gbSecond.${profile.architecture}` as const satisfies LineSpec['priceKey'];
  const fnGb = profile.functionMemoryMb / 1024;
  const fn = (item: string, regions: readonly string[], invocations: number, ms: number, why: string) => [
    priced(prices, {
      area: 'compute',
      item: `${item}: requests`,
      regions,
      quantity: invocations,
      priceKey: 'lambda.requests',
      derivation: why,
    }),
    priced(prices, {
      area: 'compute',
      item: `${item}: duration`,
      regions,
      quantity: invocations * (ms / 1000) * fnGb,
      priceKey: gbs,
      derivation: `${why}; ${ms} ms each (assumed) at ${profile.functionMemoryMb} MB ${profile.architecture}`,
    }),
  ];
  const monitorRuns = observers.length * rates.monitorInvocations;
  const scheduled = (minutes: number) => active.length * (MINUTES_PER_MONTH / minutes);
  const reconcileMinutes = Math.ceil(config.routing.reconcileSeconds / 60);
  const callRequests = (n: number) => rates.calls * n;
  const c = profile.perCall;
  return [
    priced(prices, {
      area: 'compute',
      item: 'health monitor: requests',
      regions: observers,
      quantity: monitorRuns,
      priceKey: 'lambda.requests',
      derivation: `every-minute schedule (health-monitor.ts) in ${observers.length} regions: ${observers.length} x ${rates.monitorInvocations}`,
    }),
    priced(prices, {
      area: 'compute',
      item: 'health monitor: duration',
      regions: observers,
      quantity: monitorRuns * rates.monitorBilledSeconds * (profile.monitorMemoryMb / 1024),
      priceKey: gbs,
      derivation: `each run loops until ${profile.monitorTimeoutS} s timeout - ${profile.monitorDeadlineReserveMs} ms reserve (handler.ts) = ${rates.monitorBilledSeconds} s at ${profile.monitorMemoryMb} MB ${profile.architecture}`,
    }),
    ...fn(
      'quorum',
      active,
      active.length * rates.quorumInvocationsPerRegion,
      // Evaluations cost the longer duration; the rest find the vote stored by the other region.
      (rates.evaluations * profile.quorumEvaluateMs +
        (active.length * rates.quorumInvocationsPerRegion - rates.evaluations) * profile.quorumIgnoredMs) /
        (active.length * rates.quorumInvocationsPerRegion),
      `every vote in both active regions (${rates.votesTotal} votes: 3 observers x 2 regions every ${rates.votePeriodMs} ms) + backstop schedule; ${rates.evaluations} evaluate (${profile.quorumEvaluateMs} ms), the rest ${profile.quorumIgnoredMs} ms`,
    ),
    ...fn(
      'health endpoint',
      active,
      active.length * rates.healthEndpointRequests,
      profile.healthEndpointMs,
      `Route 53 HTTPS check every 10 s from ${profile.route53Checkers} checkers (assumed), per active region`,
    ),
    ...fn(
      'scheduled jobs (oauth refresher, capacity reconcile, routing sweep)',
      active,
      scheduled(1) + scheduled(reconcileMinutes) + scheduled(15),
      profile.scheduledJobMs,
      `oauth-refresher.ts every minute, capacity.ts every ${reconcileMinutes} min, routing-resolve.ts sweep every 15 min, per active region`,
    ),
    ...fn(
      'API functions (resolve, contexts, CRM webhook)',
      active,
      callRequests(c.resolve + c.contextSave + c.contextRead + c.crmEvents),
      profile.apiFunctionMs,
      `${rates.calls.toFixed(0)} calls a month x (${c.resolve} resolves + ${c.contextSave} saves + ${c.contextRead} reads + ${c.crmEvents} CRM events) per call (assumed)`,
    ),
  ];
}
