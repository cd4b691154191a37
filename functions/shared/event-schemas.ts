import * as z from 'zod/mini';
import { conversationIdSchema, eventIdSchema, isoTimestampSchema, regionSchema } from './identifiers.js';

/**
 * The event catalogue of DESIGN.md section 3, declared once. Detail objects are read leniently
 * (`z.object` drops fields it does not know), so an older consumer keeps working while a newer producer
 * adds fields; every field the catalogue names is checked.
 */

/** Fields every `cc.continuity` event carries in its detail; {@link buildEvent} fills them in. */
export const envelopeFields = {
  /** Region whose function emitted the event; the forwarding rules key on it (no loops). */
  originRegion: regionSchema,
  /** Our own id, stable across forwarding (EventBridge ids change); consumers deduplicate on it. */
  eventId: eventIdSchema,
  occurredAt: isoTimestampSchema,
} as const;

const count = z.int().check(z.minimum(0));
const reason = z.string().check(z.maxLength(1024));

export const sipTargetHealthChangedBody = z.object({
  /** Region whose monitor probed (an active region or the witness). */
  observer: regionSchema,
  /** Active region the target belongs to. */
  targetRegion: regionSchema,
  target: z.object({
    name: z.string().check(z.minLength(1)),
    host: z.string().check(z.minLength(1)),
    port: z.int().check(z.minimum(1), z.maximum(65535)),
    transport: z.enum(['udp', 'tcp', 'tls']),
  }),
  state: z.enum(['UP', 'DOWN']),
  /** UNKNOWN when the monitor had no evidence yet (first probes after a start). */
  previousState: z.enum(['UNKNOWN', 'UP', 'DOWN']),
  /** Consecutive probes with the new outcome that made the change. */
  consecutive: count,
  /** SIP status of the last probe; null for a timeout, a refused connection or an unparseable answer. */
  lastStatus: z.nullable(z.int().check(z.minimum(100), z.maximum(699))),
  lastReason: reason,
  rttMs: z.nullable(z.number().check(z.minimum(0))),
});

export const regionHealthVoteBody = z
  .object({
    /** Region whose monitor votes: an active region or the witness. */
    observer: regionSchema,
    targetRegion: regionSchema,
    healthy: z.boolean(),
    healthyTargets: count,
    totalTargets: count,
    /**
     * Which run of the observer's vote counter this is: grows when a monitor lost its counter and starts
     * `seq` again (epoch ms at which it started). Votes order by (incarnation, seq).
     */
    incarnation: count,
    /** +1 per vote within an incarnation. */
    seq: count,
    reason,
  })
  .check(
    z.refine((v) => v.healthyTargets <= v.totalTargets, {
      path: ['healthyTargets'],
      message: 'must not exceed totalTargets',
    }),
  );

const lagLevel = z.enum(['ok', 'excluded', 'circuit-open']);

export const replicationLagMeasuredBody = z.object({
  /** Region whose replica received the peer's heartbeat late. */
  measuringRegion: regionSchema,
  /** Region that wrote the heartbeat. */
  sourceRegion: regionSchema,
  lagMs: z.number().check(z.minimum(0)),
  level: lagLevel,
  previousLevel: lagLevel,
  /** The threshold the crossing was measured against (replicationExclusionMs or circuitBreakerMs). */
  thresholdMs: z.number().check(z.minimum(0)),
});

export const regionRotationChangedBody = z.object({
  /** Generation of the rotation set; consumers ignore an epoch lower than one they have seen. */
  epoch: count,
  inRotation: z.array(regionSchema),
  previous: z.array(regionSchema),
  /** Why each active region is in or out (quorum's RegionReason, e.g. `SipUnhealthy`). */
  reasons: z.record(regionSchema, reason),
  /** Region whose quorum function won the compare-and-set. */
  decidedBy: regionSchema,
});

const host = z.string().check(z.minLength(3), z.maxLength(253));

export const platformTokenRefreshedBody = z.object({
  /** API host the token is valid for (its region scope). */
  apiHost: host,
  /** OAuth host that issued it. */
  authHost: host,
  expiresAt: isoTimestampSchema,
  /** Region whose refresher obtained it. Never the token itself. */
  region: regionSchema,
});

export const platformTokenRejectedBody = z.object({
  apiHost: host,
  reason,
  /** HTTP status of the rejection; null when refused before a call (a token of the wrong scope). */
  status: z.nullable(z.int().check(z.minimum(100), z.maximum(599))),
});

export const contextReconstructedBody = z.object({
  conversationId: conversationIdSchema,
  eventsUsed: count,
  /** Some of the context could not be rebuilt from the CRM events. */
  partial: z.boolean(),
});

/** Detail schemas (without the envelope fields) per `cc.continuity` detail-type. */
export const continuityBodies = {
  SipTargetHealthChanged: sipTargetHealthChangedBody,
  RegionHealthVote: regionHealthVoteBody,
  ReplicationLagMeasured: replicationLagMeasuredBody,
  RegionRotationChanged: regionRotationChangedBody,
  PlatformTokenRefreshed: platformTokenRefreshedBody,
  PlatformTokenRejected: platformTokenRejectedBody,
  ContextReconstructed: contextReconstructedBody,
} as const;

export type ContinuityDetailType = keyof typeof continuityBodies;

/** Every `cc.continuity` detail-type, in catalogue order. */
export const CONTINUITY_DETAIL_TYPES = Object.keys(continuityBodies) as ContinuityDetailType[];

/** What a producer supplies: the detail without originRegion, eventId and occurredAt. */
export type DetailBody<T extends ContinuityDetailType> = z.input<(typeof continuityBodies)[T]>;

/** A full detail as consumers see it. */
export type Detail<T extends ContinuityDetailType> = z.output<(typeof continuityBodies)[T]> & {
  originRegion: string;
  eventId: string;
  occurredAt: string;
};

export type SipTargetHealthChanged = Detail<'SipTargetHealthChanged'>;
export type RegionHealthVote = Detail<'RegionHealthVote'>;
export type ReplicationLagMeasured = Detail<'ReplicationLagMeasured'>;
export type RegionRotationChanged = Detail<'RegionRotationChanged'>;
export type PlatformTokenRefreshed = Detail<'PlatformTokenRefreshed'>;
export type PlatformTokenRejected = Detail<'PlatformTokenRejected'>;
export type ContextReconstructed = Detail<'ContextReconstructed'>;
export type ReplicationLagLevel = z.output<typeof lagLevel>;

/**
 * Full detail schema (envelope fields + body) per `cc.continuity` detail-type: the map that
 * {@link parseEvent} validates against.
 */
export const continuityDetailSchemas: { readonly [T in ContinuityDetailType]: z.ZodMiniType<Detail<T>> } = {
  SipTargetHealthChanged: z.extend(sipTargetHealthChangedBody, envelopeFields),
  RegionHealthVote: z.safeExtend(regionHealthVoteBody, envelopeFields),
  ReplicationLagMeasured: z.extend(replicationLagMeasuredBody, envelopeFields),
  RegionRotationChanged: z.extend(regionRotationChangedBody, envelopeFields),
  PlatformTokenRefreshed: z.extend(platformTokenRefreshedBody, envelopeFields),
  PlatformTokenRejected: z.extend(platformTokenRejectedBody, envelopeFields),
  ContextReconstructed: z.extend(contextReconstructedBody, envelopeFields),
};

// ---- events we consume but do not emit ----

export const ALARM_SOURCE = 'aws.cloudwatch';
export const ALARM_DETAIL_TYPE = 'CloudWatch Alarm State Change';

const alarmState = z.object({
  value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  reason: z.optional(z.string()),
  /** JSON text with the evaluated datapoints; absent on some composite alarms. */
  reasonData: z.optional(z.string()),
  timestamp: z.optional(z.string()),
});

/** Detail of CloudWatch's `CloudWatch Alarm State Change` (delivered on the default bus). */
export const alarmStateChangeDetailSchema = z.object({
  alarmName: z.string().check(z.minLength(1)),
  state: alarmState,
  previousState: alarmState,
  /** Metrics, description, ...: kept as sent; quorum only needs the name and the states. */
  configuration: z.optional(z.unknown()),
});

export type AlarmStateChange = z.output<typeof alarmStateChangeDetailSchema>;

/** An EventBridge rule's schedule (`Schedule.rate(...)`): `aws.events` / `Scheduled Event`, detail `{}`. */
export const SCHEDULE_SOURCE = 'aws.events';
export const SCHEDULE_DETAIL_TYPE = 'Scheduled Event';
export const scheduleDetailSchema = z.looseObject({});
export type ScheduleDetail = z.output<typeof scheduleDetailSchema>;

/**
 * Source prefix of the platform's partner events: `aws.partner/genesys.com/cloud/<orgId>/<suffix>`.
 * Their detail-type is the topic pattern (`v2.routing.queues.{id}.users`); the resolved topic with the
 * real ids is `detail.topicName`.
 */
export const PLATFORM_SOURCE_PREFIX = 'aws.partner/genesys.com/';

/**
 * Detail of a Genesys Cloud EventBridge event: `{ topicName, version, eventBody, metadata }`. The body
 * differs per topic and is left to the consumer (routing's capacity ingest) to validate.
 */
export const platformEventDetailSchema = z.object({
  topicName: z.string().check(z.minLength(1)),
  /** The notification schema version ("2"); some producers send it as a number. */
  version: z.pipe(z.union([z.string(), z.number()]), z.transform(String)),
  eventBody: z.unknown(),
  metadata: z.optional(z.looseObject({ CorrelationId: z.optional(z.string()) })),
  /** Not always present; EventBridge's own `time` is the fallback. */
  timestamp: z.optional(z.string()),
});

export type PlatformEventDetail = z.output<typeof platformEventDetailSchema>;

/**
 * The ids in a resolved platform topic, or null if it does not fit the pattern.
 *
 * @example
 * topicIds('v2.routing.queues.{id}.users', 'v2.routing.queues.q-1.users') // ['q-1']
 */
export function topicIds(pattern: string, topicName: string): string[] | null {
  const patternParts = pattern.split('.');
  const topicParts = topicName.split('.');
  if (patternParts.length !== topicParts.length) return null;
  const ids: string[] = [];
  for (const [i, part] of patternParts.entries()) {
    const actual = topicParts[i] ?? '';
    if (part === '{id}') {
      if (actual === '') return null;
      ids.push(actual);
    } else if (part !== actual) {
      return null;
    }
  }
  return ids;
}
