import { parseConfig } from '../../../config/schema.js';
import { loadPrices, type PriceFile, type PriceKey, type UnitPrice } from '../../../lib/cost/prices.js';
import type { CostProfile } from '../../../lib/cost/types.js';

/** A small environment whose bill is computed by hand in model.test.ts: one SIP target per region. */
export const fixtureConfig = parseConfig(
  {
    env: 'costfix',
    regions: { active: ['us-east-1', 'us-west-2'], witness: 'us-east-2' },
    sipTargets: {
      'us-east-1': [{ host: '192.0.2.10' }],
      'us-west-2': [{ host: '192.0.2.20' }],
    },
    health: { probeIntervalMs: 2000, probeTimeoutMs: 500, voteRefreshSeconds: 10 },
    quorum: { evaluationScheduleMinutes: 2 },
    routing: { reconcileSeconds: 120 },
    alarms: { periodSeconds: 10 },
    dns: { zoneName: 'fix.example.com', hostedZoneId: 'Z0FIXTURE0000' },
    platform: { orgs: [{ name: 'east', regionHost: 'mypurecloud.com' }] },
  },
  'fixture',
);

/** The profile spelled out (the same numbers as DEFAULT_PROFILE, but owned by the test). */
export const fixtureProfile: CostProfile = {
  monitorMemoryMb: 256,
  functionMemoryMb: 256,
  architecture: 'arm64',
  monitorTimeoutS: 70,
  monitorDeadlineReserveMs: 1500,
  heartbeatPollMs: 25,
  tracing: true,
  leaseItemKb: 2,
  decisionItemKb: 3,
  quorumEvaluateMs: 40,
  quorumIgnoredMs: 15,
  healthEndpointMs: 10,
  apiFunctionMs: 50,
  scheduledJobMs: 300,
  route53Checkers: 15,
  emfDocBytes: 400,
  platformLogBytes: 300,
  quorumLogBytes: 800,
  accessLogBytes: 400,
  perCall: { resolve: 1.5, contextSave: 0.2, contextRead: 0.3, crmEvents: 2, events: 0.1 },
  contextItemKb: 4,
};

/** Round test prices, distinct per key, so every amount is easy to check by hand. */
export const FIXTURE_USD: Record<PriceKey, [usd: number, per: number]> = {
  'lambda.gbSecond.arm64': [0.00001, 1],
  'lambda.gbSecond.x86_64': [0.00002, 1],
  'lambda.requests': [0.2, 1e6],
  'dynamodb.wru': [0.6, 1e6],
  'dynamodb.rwru': [0.7, 1e6],
  'dynamodb.rru': [0.1, 1e6],
  'dataTransfer.interRegion': [0.02, 1],
  'route53.check.awsEndpoint': [0.5, 1],
  'route53.check.nonAwsEndpoint': [0.75, 1],
  'route53.check.optionAws': [1, 1],
  'route53.check.optionNonAws': [2, 1],
  'route53.check.calculated': [0.4, 1],
  'route53.check.metric': [0.45, 1],
  'route53.queries.latency': [0.6, 1e6],
  'cloudwatch.metric': [0.3, 1],
  'cloudwatch.alarm.standard': [0.1, 1],
  'cloudwatch.alarm.highResolution': [0.3, 1],
  'cloudwatch.dashboard': [3, 1],
  'cloudwatch.logs.ingestion': [0.5, 1],
  'xray.traces': [5, 1e6],
  'eventbridge.customEvents': [1, 1e6],
  'secretsManager.secret': [0.4, 1],
  'secretsManager.apiCalls': [0.05, 1e4],
  'apiGateway.httpRequests': [1, 1e6],
  'kms.key': [1, 1],
};

export function fixturePrices(): PriceFile {
  const real = loadPrices();
  const prices = Object.fromEntries(
    Object.entries(FIXTURE_USD).map(([key, [usd, per]]) => {
      const p: UnitPrice = { ...real.prices[key as PriceKey], usd, per };
      return [key, p];
    }),
  ) as Record<PriceKey, UnitPrice>;
  return { ...real, prices };
}
