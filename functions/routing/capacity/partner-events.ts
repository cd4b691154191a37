import * as z from 'zod/mini';
import { parseEvent, topicIds } from '../../shared/events.js';
import { describeZodIssues } from '../../shared/identifiers.js';

/**
 * The platform's EventBridge partner events capacity ingest reads (docs/research/genesys-routing-facts.md
 * sections 1-2): the envelope `detail` is `{topicName, version, eventBody, metadata, timestamp}`, the
 * concrete topic (ids filled in) is `detail.topicName`, and each topic's `eventBody` has its own
 * documented class. Only the fields named there are read.
 */

/** The topic templates ingest handles, as the integration's topic filter names them. */
export const CAPACITY_TOPICS = {
  membership: 'v2.routing.queues.{id}.users',
  routingStatus: 'v2.users.{id}.routingStatus',
  presence: 'v2.users.{id}.presence',
} as const;

/** `routingStatus.status` values (research 2b, `UserRoutingStatusRoutingStatus` enum). */
export const ROUTING_STATUSES = [
  'OFF_QUEUE',
  'IDLE',
  'INTERACTING',
  'NOT_RESPONDING',
  'COMMUNICATING',
] as const;
export type RoutingStatus = (typeof ROUTING_STATUSES)[number];

export function isRoutingStatus(value: unknown): value is RoutingStatus {
  return typeof value === 'string' && (ROUTING_STATUSES as readonly string[]).includes(value);
}

/**
 * Whether a system presence is On Queue. The notification schema has no enum and REST writes `OnQueue`
 * while analytics writes `ON_QUEUE` (research 2c), so case, spaces and underscores are ignored.
 */
export function isOnQueuePresence(systemPresence: string): boolean {
  return systemPresence.replace(/[\s_]/g, '').toLowerCase() === 'onqueue';
}

interface Common {
  readonly topicName: string;
  /** Epoch ms that orders this fact against others of the same field (see each kind). */
  readonly at: number;
}

/** One user joined (or left) one queue; ordered by `detail.timestamp`. */
export interface MembershipEvent extends Common {
  readonly kind: 'membership';
  readonly queueId: string;
  readonly userId: string;
  readonly joined: boolean;
}

/**
 * A user's routing status; ordered by `routingStatus.startTime` (when the status began, on the
 * platform's clock, the same clock the members API reports it on), else `detail.timestamp`.
 */
export interface RoutingStatusEvent extends Common {
  readonly kind: 'routingStatus';
  readonly userId: string;
  readonly status: RoutingStatus;
}

/** A user's presence; ordered by `detail.timestamp`. */
export interface PresenceEvent extends Common {
  readonly kind: 'presence';
  readonly userId: string;
  readonly systemPresence: string;
  readonly onQueue: boolean;
}

/** A topic ingest does not handle: counted and acknowledged, never stored. */
export interface UnknownTopicEvent {
  readonly kind: 'unknown';
  readonly topicName: string;
  /** The envelope's detail-type (the topic template), for the log line. */
  readonly detailType: string;
}

export type CapacityEvent = MembershipEvent | RoutingStatusEvent | PresenceEvent;
export type PartnerEvent = CapacityEvent | UnknownTopicEvent;

/**
 * A known capacity topic whose event does not have its documented shape. The message names the topic
 * template and the failing fields, never values, so the DLQ record says why without carrying data.
 */
export class PartnerEventError extends Error {
  constructor(
    readonly topic: string,
    readonly problems: readonly string[],
  ) {
    super(`malformed ${topic} event: ${problems.join('; ')}`);
    this.name = 'PartnerEventError';
  }
}

const id = z.string().check(z.minLength(1), z.maxLength(128));
const dateTime = z.iso.datetime({ offset: true });

/** `QueueUserEventTopicQueueMember` (research 2a). */
const membershipBody = z.looseObject({
  id: z.optional(id),
  user: z.optional(z.looseObject({ id })),
  queueId: z.optional(id),
  joined: z.boolean(),
});

/** `UserRoutingStatusUserRoutingStatus` (research 2b). */
const routingStatusBody = z.looseObject({
  id: z.optional(id),
  routingStatus: z.looseObject({
    status: z.enum(ROUTING_STATUSES),
    startTime: z.optional(dateTime),
  }),
});

/** `PresenceEventUserPresence` (research 2c). */
const presenceBody = z.looseObject({
  presenceDefinition: z.looseObject({ systemPresence: z.string().check(z.minLength(1), z.maxLength(64)) }),
});

function body<S extends z.ZodMiniType>(topic: string, schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new PartnerEventError(topic, describeZodIssues(parsed.error, 'eventBody'));
  return parsed.data;
}

function sameId(topic: string, field: string, given: string | undefined, fromTopic: string): void {
  if (given !== undefined && given !== fromTopic) {
    throw new PartnerEventError(topic, [`${field}: differs from the id in detail.topicName`]);
  }
}

/**
 * Parses a partner event as delivered to a Lambda target. A bad envelope throws EventValidationError, a
 * known topic with a bad body or timestamp throws {@link PartnerEventError} (both go to the DLQ with
 * their message); a topic outside {@link CAPACITY_TOPICS} is `{kind: 'unknown'}`.
 *
 * @example
 * const event = parsePartnerEvent(raw);
 * if (event.kind === 'routingStatus') await store.applyRoutingStatus(region, event);
 */
export function parsePartnerEvent(raw: unknown): PartnerEvent {
  const envelope = parseEvent(raw, ['PlatformEvent']);
  const { topicName, eventBody, timestamp } = envelope.detail;
  const match = (Object.entries(CAPACITY_TOPICS) as [keyof typeof CAPACITY_TOPICS, string][])
    .map(([kind, template]) => ({ kind, template, ids: topicIds(template, topicName) }))
    .find((m) => m.ids !== null);
  if (match === undefined) return { kind: 'unknown', topicName, detailType: envelope.detailType };

  const { kind, template } = match;
  const topicId = match.ids?.[0] ?? '';
  if (!id.safeParse(topicId).success) {
    throw new PartnerEventError(template, ['detail.topicName: the id is not 1-128 characters']);
  }
  const sent =
    timestamp === undefined || !dateTime.safeParse(timestamp).success ? null : Date.parse(timestamp);
  if (sent === null) {
    const problem = timestamp === undefined ? 'is missing' : 'is not an ISO-8601 date-time';
    throw new PartnerEventError(template, [`detail.timestamp: ${problem}`]);
  }

  if (kind === 'membership') {
    const b = body(template, membershipBody, eventBody);
    sameId(template, 'eventBody.queueId', b.queueId, topicId);
    const userId = b.user?.id ?? b.id;
    if (userId === undefined) throw new PartnerEventError(template, ['eventBody.user.id: is missing']);
    return { kind, topicName, at: sent, queueId: topicId, userId, joined: b.joined };
  }
  if (kind === 'routingStatus') {
    const b = body(template, routingStatusBody, eventBody);
    sameId(template, 'eventBody.id', b.id, topicId);
    const started = b.routingStatus.startTime;
    const at = started === undefined ? sent : Date.parse(started);
    return { kind, topicName, at, userId: topicId, status: b.routingStatus.status };
  }
  const b = body(template, presenceBody, eventBody);
  const systemPresence = b.presenceDefinition.systemPresence;
  return {
    kind,
    topicName,
    at: sent,
    userId: topicId,
    systemPresence,
    onQueue: isOnQueuePresence(systemPresence),
  };
}
