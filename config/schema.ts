import '../functions/shared/zod-messages.js';
import * as z from 'zod/mini';
import { checkFailover, failoverSchema, ownAlarmsRefused } from './failover-schema.js';
import { checkHealth, healthSchema } from './health-schema.js';
import { checkPlatformOrgs, platformSchema } from './platform-schema.js';
import { routingSchema } from './routing-schema.js';

/**
 * DynamoDB multi-Region strong consistency (MRSC) is offered only inside these
 * region sets; the two active regions and the witness must all come from one.
 */
export const MRSC_REGION_SETS: Readonly<Record<string, readonly string[]>> = {
  US: ['us-east-1', 'us-east-2', 'us-west-2'],
  EU: ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1'],
  AP: ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
};

const region = z
  .string()
  .check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name such as us-east-1'));

export const sipTargetSchema = z.strictObject({
  /** A stable name for dashboards and events; defaults to host:port/transport. */
  name: z.optional(z.string().check(z.minLength(1))),
  host: z.string().check(z.minLength(1)),
  port: z._default(z.int().check(z.minimum(1), z.maximum(65535)), 5060),
  transport: z._default(z.enum(['udp', 'tcp', 'tls']), 'udp'),
});

export const replicationSchema = z.strictObject({
  replicationExclusionMs: z._default(z.int().check(z.positive()), 200),
  circuitBreakerMs: z._default(z.int().check(z.positive()), 300),
  lagSamples: z._default(z.int().check(z.minimum(1), z.maximum(60)), 3),
});

export const quorumSchema = z.strictObject({
  voteStaleMs: z._default(z.int().check(z.minimum(1000)), 15_000),
  minRegionsInRotation: z._default(z.int().check(z.minimum(1), z.maximum(2)), 1),
  failbackDwellSeconds: z._default(z.int().check(z.minimum(0)), 30),
  /** Budget for one strongly consistent read or write to ControlState; over it the region fences itself. */
  controlBudgetMs: z._default(z.int().check(z.minimum(50), z.maximum(10_000)), 1000),
  evaluationScheduleMinutes: z._default(z.int().check(z.minimum(1)), 1),
});

export const contextSchema = z.strictObject({
  contextTtlSeconds: z._default(
    z.int().check(z.minimum(60, 'must be 60-3600 s'), z.maximum(3600, 'must be 60-3600 s')),
    300,
  ),
  maxContextBytes: z._default(z.int().check(z.minimum(1024), z.maximum(350_000)), 32_768),
  /** A token younger than this may find its context only in the origin replica (replication in flight). */
  replicationBudgetMs: z._default(z.int().check(z.minimum(100)), 5000),
  originReadTimeoutMs: z._default(z.int().check(z.minimum(20), z.maximum(5000)), 300),
  /**
   * Per-attempt timeout of this region's replica reads in `GET /contexts/{token}` (two attempts at most);
   * when both fail the other region's replica and then the CRM events are tried.
   */
  localReadTimeoutMs: z._default(z.int().check(z.minimum(50), z.maximum(3000)), 500),
  crmEventTtlHours: z._default(z.int().check(z.minimum(1), z.maximum(24 * 14)), 24),
  webhookReplayWindowSeconds: z._default(z.int().check(z.minimum(30), z.maximum(3600)), 300),
  maxWebhookBytes: z._default(z.int().check(z.minimum(1024), z.maximum(1_000_000)), 65_536),
});

export const dnsSchema = z.strictObject({
  zoneName: z
    .string()
    .check(z.regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a DNS zone name such as cc.example.com')),
  hostedZoneId: z
    .string()
    .check(z.regex(/^Z[A-Z0-9]{4,32}$/, 'must be a Route 53 hosted zone id such as Z0123456789ABC')),
  recordTtlSeconds: z._default(z.int().check(z.minimum(1), z.maximum(300)), 10),
});

/** Steady rate (requests per second) and burst of one HTTP API route; the burst must be at least the rate. */
export const routeThrottleSchema = z.strictObject({
  rateLimit: z.int().check(z.minimum(1), z.maximum(10_000)),
  burstLimit: z.int().check(z.minimum(1), z.maximum(5_000)),
});

/**
 * Throttling of the context API. API Gateway applies a route's own limit where it has one, the stage's
 * default route limit otherwise, and the account's regional limit above both. Each route has its own, so
 * a flood on one (rejected requests count too) cannot push another into 429.
 */
export const apiSchema = z.strictObject({
  /** Default route limit: any route without an entry in `routes`. */
  throttleRateLimit: z._default(z.int().check(z.minimum(1)), 200),
  throttleBurstLimit: z._default(z.int().check(z.minimum(1)), 400),
  /** Per-route limits; lib/constructs/api-routes.ts names the route of each. */
  routes: z.prefault(
    z.strictObject({
      /** `POST /contexts`: one save per transfer. @default 50 rps, burst 100 */
      contextsSave: z.prefault(routeThrottleSchema, { rateLimit: 50, burstLimit: 100 }),
      /** `GET /contexts/{token}`: one or more reads per transfer. @default 100 rps, burst 200 */
      contextsRead: z.prefault(routeThrottleSchema, { rateLimit: 100, burstLimit: 200 }),
      /** `POST /webhooks/crm`: several events per conversation, in bursts. @default 100 rps, burst 200 */
      crmWebhook: z.prefault(routeThrottleSchema, { rateLimit: 100, burstLimit: 200 }),
      /** `POST /routing/resolve`: one or two per inbound call. @default 100 rps, burst 200 */
      routingResolve: z.prefault(routeThrottleSchema, { rateLimit: 100, burstLimit: 200 }),
    }),
    {},
  ),
});

const between = (min: number, max: number, why = '') =>
  z.int().check(z.minimum(min, `must be ${min}-${max}${why}`), z.maximum(max, `must be ${min}-${max}${why}`));

/**
 * Reserved concurrency per region of the functions that decide failover: guaranteed however busy the
 * account is, and a cap as well. AWS keeps 100 of an account's regional concurrency unreserved, so all
 * reservations of a region (23 by default) must fit in the account quota minus 100.
 */
export const concurrencySchema = z.strictObject({
  /**
   * Cap of the public health endpoint (function URL, no auth): a flood takes at most this much of the
   * account. Route 53's checks are a few a second of a few ms each; over the cap they get 429, which
   * Route 53 counts as unhealthy. @default 10
   */
  healthEndpoint: z._default(between(2, 100), 10),
  /** The SIP health monitor: two runs overlap at each one-minute hand-over, plus a spare. @default 3 */
  monitor: z._default(between(2, 20, ' (two overlap at a hand-over)'), 3),
  /**
   * Quorum, invoked asynchronously a few times a second for at most a few `quorum.controlBudgetMs`
   * each; invocations over it wait in Lambda's async queue and are retried, not lost. @default 10
   */
  quorum: z._default(between(2, 100), 10),
});

export const alarmsSchema = z.strictObject({
  periodSeconds: z._default(z.union([z.literal(10), z.literal(30), z.literal(60)]), 10),
  evaluationPeriods: z._default(z.int().check(z.minimum(1), z.maximum(10)), 2),
  replicationLatencyThresholdMs: z._default(z.int().check(z.positive()), 1000),
  /**
   * Subscribed by email to each region's alert topic (`continuity-<env>-alerts`), which every alarm of
   * the app notifies on ALARM and on OK. Each address confirms its subscription once. @default []
   */
  notifyEmails: z._default(
    z.array(z.string().check(z.regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an email address'))),
    [],
  ),
});

export const configSchema = z
  .strictObject({
    env: z.string().check(z.regex(/^[a-z][a-z0-9-]{1,20}$/, 'must be lower-case letters, digits and dashes')),
    /** AWS account to deploy to; omitted for an environment that only synthesizes (dev). */
    account: z.optional(z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id'))),
    regions: z.strictObject({ active: z.tuple([region, region]), witness: region }),
    sipTargets: z.record(
      region,
      z.array(sipTargetSchema).check(z.minLength(1, 'each active region needs at least one SIP target')),
    ),
    health: z.prefault(healthSchema, {}),
    replication: z.prefault(replicationSchema, {}),
    quorum: z.prefault(quorumSchema, {}),
    context: z.prefault(contextSchema, {}),
    routing: z.prefault(routingSchema, {}),
    dns: dnsSchema,
    platform: platformSchema,
    api: z.prefault(apiSchema, {}),
    concurrency: z.prefault(concurrencySchema, {}),
    alarms: z.prefault(alarmsSchema, {}),
    failover: z.prefault(failoverSchema, {}),
  })
  .check(
    z.superRefine((c, ctx) => {
      const [a, b] = c.regions.active;
      if (a === b) {
        ctx.addIssue({
          code: 'custom',
          path: ['regions', 'active'],
          message: `both active regions are ${a}; name two different regions`,
        });
      }
      const all = [a, b, c.regions.witness];
      if (new Set(all).size === 3) {
        const set = Object.entries(MRSC_REGION_SETS).find(([, regions]) =>
          all.every((r) => regions.includes(r)),
        );
        if (!set) {
          ctx.addIssue({
            code: 'custom',
            path: ['regions'],
            message: `${all.join(', ')} are not one DynamoDB MRSC region set; pick all three from one set: ${Object.entries(
              MRSC_REGION_SETS,
            )
              .map(([k, v]) => `${k} (${v.join(', ')})`)
              .join('; ')}`,
          });
        }
      } else if (a !== b) {
        ctx.addIssue({
          code: 'custom',
          path: ['regions', 'witness'],
          message: `witness ${c.regions.witness} is also an active region; the witness must be a third region`,
        });
      }
      for (const r of [a, b]) {
        if (!c.sipTargets[r]) {
          ctx.addIssue({
            code: 'custom',
            path: ['sipTargets', r],
            message: `no SIP targets for active region ${r}; add at least one { host, port, transport }`,
          });
        }
      }
      for (const r of Object.keys(c.sipTargets)) {
        if (r !== a && r !== b) {
          ctx.addIssue({
            code: 'custom',
            path: ['sipTargets', r],
            message: `${r} is not an active region (${a}, ${b}); remove it or make it active`,
          });
        }
      }
      checkHealth(c.health, ctx);
      if (c.replication.replicationExclusionMs >= c.replication.circuitBreakerMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['replication', 'replicationExclusionMs'],
          message: `${c.replication.replicationExclusionMs} ms is not below circuitBreakerMs (${c.replication.circuitBreakerMs} ms); exclusion must trip before the circuit breaker`,
        });
      }
      if (c.api.throttleBurstLimit < c.api.throttleRateLimit) {
        ctx.addIssue({
          code: 'custom',
          path: ['api', 'throttleBurstLimit'],
          message: `${c.api.throttleBurstLimit} is below throttleRateLimit (${c.api.throttleRateLimit}); the burst must be at least the rate`,
        });
      }
      checkPlatformOrgs(c.platform, c.regions.active, ctx);
      checkFailover(c.failover, c.regions.active, ownAlarmsRefused(c.env, c.regions.active), ctx);
      for (const [route, limits] of Object.entries(c.api.routes)) {
        if (limits.burstLimit < limits.rateLimit) {
          ctx.addIssue({
            code: 'custom',
            path: ['api', 'routes', route, 'burstLimit'],
            message: `${limits.burstLimit} is below rateLimit (${limits.rateLimit}); the burst must be at least the rate`,
          });
        }
      }
    }),
  );

export type { FailoverConfig, FailoverTriggerConfig } from './failover-schema.js';
export { failoverSchema } from './failover-schema.js';
export { healthSchema } from './health-schema.js';
export type { PlatformConfig, PlatformOrgConfig } from './platform-schema.js';
export { platformSchema } from './platform-schema.js';
export type { RoutingConfig } from './routing-schema.js';
export { routingSchema } from './routing-schema.js';
export type ContinuityConfig = z.infer<typeof configSchema>;
export type SipTargetConfig = z.infer<typeof sipTargetSchema>;
export type ReplicationConfig = z.infer<typeof replicationSchema>;
export type QuorumConfig = z.infer<typeof quorumSchema>;
export type ContextConfig = z.infer<typeof contextSchema>;
export type HealthConfig = z.infer<typeof healthSchema>;

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/**
 * Validates a raw environment config and fills in every default.
 * Each problem names the field, the value found and what to do about it.
 *
 * @example
 * const config = parseConfig(JSON.parse(readFileSync('config/dev.json', 'utf8')), 'config/dev.json');
 */
export function parseConfig(raw: unknown, source: string): ContinuityConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '(root)';
    const value = valueAt(raw, issue.path);
    const shown = value === undefined ? 'missing' : JSON.stringify(value);
    return `${field} = ${shown}: ${issue.message}`;
  });
  throw new ConfigError(source, problems);
}
