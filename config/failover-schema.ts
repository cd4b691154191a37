import '../functions/shared/zod-messages.js';
import * as z from 'zod/mini';
import { alarmNames } from '../functions/shared/names.js';

/**
 * `failover`: CloudWatch alarms the user already has (their SBC or carrier metrics, the platform's edge
 * metrics, API 5xx) as inputs to the quorum rule. An alarm in ALARM takes its region out of rotation like
 * a drain nobody typed, subject to `quorum.minRegionsInRotation`; the region comes back once the alarm
 * has been OK for `clearAfterSeconds` and then healthy for `quorum.failbackDwellSeconds`.
 */
export const failoverTriggerSchema = z.strictObject({
  /**
   * The name of a CloudWatch metric alarm, exactly as CloudWatch has it. Not a composite alarm:
   * DescribeAlarms returns those only to a permission scoped to `*`, and quorum's names each trigger.
   */
  alarmName: z
    .string()
    .check(
      z.minLength(1, 'must name a CloudWatch alarm'),
      z.maxLength(255, 'must be at most 255 characters (CloudWatch alarm names)'),
      z.regex(/^[^\p{Cc}]+$/u, 'must not contain control characters'),
    ),
  /** The active region the alarm lives in and takes out of rotation. */
  region: z
    .string()
    .check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name such as us-east-1')),
  /** What the alarm does in ALARM: `exclude` takes the region out of rotation (the only effect). */
  effect: z.literal('exclude', { error: 'must be "exclude" (the only effect a trigger has)' }),
  /** How long the alarm must be back in OK before the region may return (then the failback dwell). @default 0 */
  clearAfterSeconds: z._default(
    z.int().check(z.minimum(0, 'must be 0-3600'), z.maximum(3600, 'must be 0-3600')),
    0,
  ),
});

export const failoverSchema = z.strictObject({
  triggers: z._default(z.array(failoverTriggerSchema).check(z.maxLength(50, 'at most 50 triggers')), []),
  /**
   * The project's own DynamoDB `ReplicationLatency` alarms (ContextCache, per sending region) as
   * backstop triggers: each excludes the receiving region, but only while that region's own monitor
   * (and with it the heartbeat lag meter) is silent. @default true
   */
  replicationLatencyBackstop: z._default(z.boolean(), true),
});

export type FailoverConfig = z.output<typeof failoverSchema>;
export type FailoverTriggerConfig = z.output<typeof failoverTriggerSchema>;

/**
 * Cross-field rules of `failover` (called from the config schema's superRefine): each trigger's region
 * is active, no alarm is named twice for a region, and the project's own SIP-health and heartbeat-lag
 * alarms are refused (the votes and lag samples already carry them).
 */
export function checkFailover(
  failover: FailoverConfig,
  active: readonly string[],
  ownAlarms: ReadonlyMap<string, string>,
  ctx: z.core.$RefinementCtx,
): void {
  const seen = new Set<string>();
  failover.triggers.forEach((t, i) => {
    if (!active.includes(t.region)) {
      ctx.addIssue({
        code: 'custom',
        path: ['failover', 'triggers', i, 'region'],
        message: `${t.region} is not an active region (${active.join(', ')}); a trigger takes its own region out`,
      });
    }
    const key = `${t.region}\u0000${t.alarmName}`;
    if (seen.has(key)) {
      ctx.addIssue({
        code: 'custom',
        path: ['failover', 'triggers', i, 'alarmName'],
        message: `${t.alarmName} in ${t.region} is already a trigger; name each alarm once`,
      });
    }
    seen.add(key);
    const why = ownAlarms.get(t.alarmName);
    if (why !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['failover', 'triggers', i, 'alarmName'],
        message: `${t.alarmName} is this project's own alarm: ${why}`,
      });
    }
  });
}

/** This project's alarms that cannot be triggers, each with the reason the check gives. */
export function ownAlarmsRefused(env: string, active: readonly string[]): ReadonlyMap<string, string> {
  const names = alarmNames(env);
  const refused = new Map<string, string>();
  for (const r of active) {
    const votes = "the observers' votes already carry SIP health into the rule (2 of 3)";
    refused.set(names.sipHealth(r), votes);
    refused.set(names.sipHealthStandard(r), votes);
    refused.set(
      names.replicationLag(r),
      "the monitors' lag samples already feed the rule (replication.replicationExclusionMs)",
    );
    refused.set(
      names.replicationLatency(r),
      'it is the backstop trigger of failover.replicationLatencyBackstop, which takes out the receiving region, not its own',
    );
  }
  return refused;
}
