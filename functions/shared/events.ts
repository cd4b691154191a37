import { randomUUID } from 'node:crypto';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import * as z from 'zod/mini';
import {
  ALARM_DETAIL_TYPE,
  ALARM_SOURCE,
  type AlarmStateChange,
  alarmStateChangeDetailSchema,
  CONTINUITY_DETAIL_TYPES,
  type ContinuityDetailType,
  continuityBodies,
  continuityDetailSchemas,
  type Detail,
  type DetailBody,
  PLATFORM_SOURCE_PREFIX,
  type PlatformEventDetail,
  platformEventDetailSchema,
  SCHEDULE_DETAIL_TYPE,
  SCHEDULE_SOURCE,
  type ScheduleDetail,
  scheduleDetailSchema,
} from './event-schemas.js';
import { describeZodIssues } from './identifiers.js';
import { EVENT_SOURCE } from './names.js';

export * from './event-schemas.js';

/**
 * A `cc.continuity` event failed its schema (built or received). `problems` name the failing fields
 * (`detail.seq: expected number, received string`); values never appear.
 */
export class EventValidationError extends Error {
  constructor(
    readonly detailType: string | undefined,
    readonly problems: readonly string[],
  ) {
    super(`invalid ${detailType ?? 'event'}: ${problems.join('; ')}`);
    this.name = 'EventValidationError';
  }
}

export interface BuildEventOptions {
  /** The region this function runs in (`runtimeConfig().region`). */
  readonly originRegion: string;
  /** Epoch ms of the fact; becomes `occurredAt` and the entry's `Time`. */
  readonly now: number;
  /** Bus to put the event on (`runtimeConfig().eventBusName`). */
  readonly eventBusName: string;
  /**
   * Our event id. Pass a {@link stableEventId} of the fact's identity when a retry may publish the
   * same fact again, so consumers see a duplicate and not a second fact. @default a random UUID
   */
  readonly eventId?: string;
}

/**
 * A PutEvents entry for one catalogue event: validates the detail, adds originRegion, eventId and
 * occurredAt, and throws {@link EventValidationError} on a bad detail (a producer bug, never sent).
 *
 * @example
 * const entry = buildEvent('RegionHealthVote', { observer, targetRegion, healthy, ... }, {
 *   originRegion: config.region, now, eventBusName: config.eventBusName,
 *   eventId: stableEventId('vote', observer, targetRegion, incarnation, seq),
 * });
 * await publisher.publish([entry]); // putEventsPublisher (publisher.ts): the one owner of PutEvents
 */
export function buildEvent<T extends ContinuityDetailType>(
  detailType: T,
  detail: DetailBody<T>,
  options: BuildEventOptions,
): PutEventsRequestEntry & { Source: string; DetailType: T; Detail: string; EventBusName: string } {
  if (!Number.isFinite(options.now)) throw new RangeError(`now is ${options.now}; pass epoch milliseconds`);
  const occurredAt = new Date(options.now).toISOString();
  const full = {
    ...detail,
    originRegion: options.originRegion,
    eventId: options.eventId ?? randomUUID(),
    occurredAt,
  };
  const parsed = validateDetail(detailType, full);
  return {
    Source: EVENT_SOURCE,
    DetailType: detailType,
    Detail: JSON.stringify(parsed),
    EventBusName: options.eventBusName,
    Time: new Date(options.now),
  };
}

/** Envelope fields EventBridge adds on delivery; optional so that local buses and tests may omit them. */
interface Delivery {
  readonly source: string;
  /** The raw detail-type (for platform events, the topic pattern). */
  readonly detailType: string;
  /** EventBridge's id; changes on forwarding, so deduplicate on `detail.eventId` for our own events. */
  readonly id?: string;
  readonly time?: string;
  readonly region?: string;
  readonly account?: string;
  readonly resources?: readonly string[];
}

type ContinuityEventOf<T extends ContinuityDetailType> = Delivery & {
  readonly type: T;
  readonly detailType: T;
  readonly detail: Detail<T>;
};

export type ContinuityEvent = { [T in ContinuityDetailType]: ContinuityEventOf<T> }[ContinuityDetailType];
export type AlarmEvent = Delivery & { readonly type: 'AlarmStateChange'; readonly detail: AlarmStateChange };
export type PlatformEvent = Delivery & {
  readonly type: 'PlatformEvent';
  readonly detail: PlatformEventDetail;
};
export type ScheduleEvent = Delivery & { readonly type: 'Schedule'; readonly detail: ScheduleDetail };

/** Everything {@link parseEvent} accepts; narrow on `type`. */
export type ParsedEvent = ContinuityEvent | AlarmEvent | PlatformEvent | ScheduleEvent;
export type ParsedEventType = ParsedEvent['type'];

const deliverySchema = z.object({
  source: z.string().check(z.minLength(1)),
  'detail-type': z.string().check(z.minLength(1)),
  detail: z.looseObject({}),
  id: z.optional(z.string()),
  time: z.optional(z.string()),
  region: z.optional(z.string()),
  account: z.optional(z.string()),
  resources: z.optional(z.array(z.string())),
});

/**
 * Validates an EventBridge event as delivered to a Lambda target against the catalogue: our own
 * `cc.continuity` events, CloudWatch alarm state changes, rule schedules and the platform's partner events. Throws
 * {@link EventValidationError} naming the failing field; pass `expected` to also reject event types the
 * handler is not meant to receive (a rule that matches too much).
 *
 * @example
 * const event = parseEvent(raw, ['RegionHealthVote', 'AlarmStateChange']);
 * if (event.type === 'RegionHealthVote') await onVote(event.detail);
 */
export function parseEvent(raw: unknown): ParsedEvent;
export function parseEvent<T extends ParsedEventType>(
  raw: unknown,
  expected: readonly T[],
): Extract<ParsedEvent, { type: T }>;
export function parseEvent(raw: unknown, expected?: readonly ParsedEventType[]): ParsedEvent {
  const envelope = deliverySchema.safeParse(raw);
  if (!envelope.success) throw new EventValidationError(undefined, describeZodIssues(envelope.error));
  const { source, 'detail-type': detailType, detail, ...rest } = envelope.data;
  const delivery: Delivery = { ...rest, source, detailType };
  const event = classify(source, detailType, detail, delivery);
  if (expected && !expected.includes(event.type)) {
    throw new EventValidationError(detailType, [
      `detail-type: ${event.type} is not handled here; expected ${expected.join(' or ')}`,
    ]);
  }
  return event;
}

function classify(
  source: string,
  detailType: string,
  detail: Record<string, unknown>,
  delivery: Delivery,
): ParsedEvent {
  if (source === EVENT_SOURCE) {
    if (!isContinuityDetailType(detailType)) {
      throw new EventValidationError(detailType, [
        `detail-type: unknown ${EVENT_SOURCE} detail-type; expected one of ${CONTINUITY_DETAIL_TYPES.join(', ')}`,
      ]);
    }
    return {
      ...delivery,
      type: detailType,
      detailType,
      detail: validateDetail(detailType, detail),
    } as ParsedEvent;
  }
  if (source === ALARM_SOURCE) {
    if (detailType !== ALARM_DETAIL_TYPE) {
      throw new EventValidationError(detailType, [`detail-type: expected "${ALARM_DETAIL_TYPE}"`]);
    }
    return {
      ...delivery,
      type: 'AlarmStateChange',
      detail: check(alarmStateChangeDetailSchema, detailType, detail),
    };
  }
  if (source === SCHEDULE_SOURCE && detailType === SCHEDULE_DETAIL_TYPE) {
    return { ...delivery, type: 'Schedule', detail: check(scheduleDetailSchema, detailType, detail) };
  }
  if (source.startsWith(PLATFORM_SOURCE_PREFIX)) {
    return {
      ...delivery,
      type: 'PlatformEvent',
      detail: check(platformEventDetailSchema, detailType, detail),
    };
  }
  throw new EventValidationError(detailType, [
    `source: unknown source; expected ${EVENT_SOURCE}, ${ALARM_SOURCE}, ${SCHEDULE_SOURCE} (schedule) or ${PLATFORM_SOURCE_PREFIX}...`,
  ]);
}

export function isContinuityDetailType(value: string): value is ContinuityDetailType {
  return Object.hasOwn(continuityBodies, value);
}

function validateDetail<T extends ContinuityDetailType>(detailType: T, detail: unknown): Detail<T> {
  return check(continuityDetailSchemas[detailType], detailType, detail);
}

function check<S extends z.ZodMiniType>(schema: S, detailType: string, detail: unknown): z.output<S> {
  const result = schema.safeParse(detail);
  if (!result.success) throw new EventValidationError(detailType, describeZodIssues(result.error, 'detail'));
  return result.data;
}
