import * as z from 'zod/mini';
import '../shared/zod-messages.js';
import { conversationIdSchema } from '../shared/identifiers.js';
import { crmEventKeys, expiresAtFor, isLive } from '../shared/keys.js';
import {
  attributeValueSchema,
  describeIssues,
  ivrSelectionSchema,
  jsonObjectSchema,
  queuePositionSchema,
} from './context-schema.js';

const MIN_OCCURRED_MS = Date.UTC(1970, 0, 1);
const MAX_OCCURRED_MS = Date.UTC(10000, 0, 1) - 1;

/**
 * ISO-8601 with a zone (`Z` or `+hh:mm`), normalised to UTC with milliseconds
 * (`2025-06-15T12:00:00.000Z`). Normalised times sort as text in time order, which the CrmEvents
 * sort key relies on; digits beyond the millisecond are dropped (ties then fall to the event id).
 */
export const occurredAtSchema = z.pipe(
  z
    .pipe(
      z.iso.datetime({
        offset: true,
        error: 'must be an ISO-8601 date-time with a zone, e.g. 2025-06-15T12:00:00Z',
      }),
      z.transform((s: string) => Date.parse(s)),
    )
    .check(
      z.refine(
        (ms: number) => ms >= MIN_OCCURRED_MS && ms <= MAX_OCCURRED_MS,
        'must be between 1970 and 9999 (UTC)',
      ),
    ),
  z.transform((ms: number) => new Date(ms).toISOString()),
);

/** The CRM's own id of an event (not one of our UUID event ids): the idempotency key of the webhook. */
export const crmEventIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -'));

const envelope = {
  eventId: crmEventIdSchema,
  conversationId: conversationIdSchema,
  occurredAt: occurredAtSchema,
};

export const CRM_EVENT_TYPES = [
  'contact.updated',
  'case.updated',
  'ivr.selection',
  'queue.position',
  'attributes.set',
] as const;

/**
 * A CRM webhook event. `data` depends on `type`:
 * - `contact.updated`, `case.updated`: the changed CRM fields (free-form JSON object);
 * - `ivr.selection`: `{ menu, choice }`;
 * - `queue.position`: `{ queue, position, estimatedWaitSeconds? }`;
 * - `attributes.set`: flat scalars; `null` removes an attribute.
 * Unknown keys are rejected, so a changed sender contract fails loudly (400 naming the key) instead of
 * losing data quietly.
 */
export const crmEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...envelope, type: z.literal('contact.updated'), data: jsonObjectSchema }),
  z.strictObject({ ...envelope, type: z.literal('case.updated'), data: jsonObjectSchema }),
  z.strictObject({
    ...envelope,
    type: z.literal('ivr.selection'),
    data: z.omit(ivrSelectionSchema, { at: true }),
  }),
  z.strictObject({ ...envelope, type: z.literal('queue.position'), data: queuePositionSchema }),
  z.strictObject({
    ...envelope,
    type: z.literal('attributes.set'),
    data: z.record(z.string().check(z.minLength(1), z.maxLength(128)), z.nullable(attributeValueSchema)),
  }),
]);

export type CrmEvent = z.output<typeof crmEventSchema>;
export type CrmEventType = CrmEvent['type'];

export type CrmEventParse =
  | { ok: true; event: CrmEvent }
  /** `problems`: one line per bad field; `message`: all of them (for logs and tests). */
  | { ok: false; problems: string[]; message: string };

/**
 * Validates a parsed webhook body. The message names every bad field (`data.position: ...`) and never
 * echoes values, so it can go back to the sender in a 400.
 *
 * @example
 * const parsed = parseCrmEvent(JSON.parse(rawBody));
 * if (!parsed.ok) throw new BadRequest(parsed.message);
 */
function failed(problems: string[]): CrmEventParse {
  return { ok: false, problems, message: problems.join('; ') };
}

export function parseCrmEvent(raw: unknown): CrmEventParse {
  const result = crmEventSchema.safeParse(raw);
  return result.success ? { ok: true, event: result.data } : failed(describeIssues(result.error));
}

/** A CRM event as stored in CrmEvents: the event, its key, when we received it and its TTL. */
export type CrmEventItem = CrmEvent & {
  pk: string;
  sk: string;
  /** When this region accepted the webhook (ISO-8601 UTC). */
  receivedAt: string;
  /** TTL attribute, epoch seconds. */
  expiresAt: number;
};

export interface ItemOptions {
  /** Current time, epoch milliseconds. */
  readonly nowMs: number;
  /** `context.crmEventTtlHours` of the config. */
  readonly ttlHours: number;
}

/**
 * The stored item for an accepted event. The TTL counts from receipt, not from `occurredAt`: a
 * late-delivered event still lives its full period.
 */
export function toCrmEventItem(event: CrmEvent, { nowMs, ttlHours }: ItemOptions): CrmEventItem {
  return {
    ...crmEventKeys.event(event.conversationId, event.occurredAt, event.eventId),
    ...event,
    receivedAt: new Date(nowMs).toISOString(),
    expiresAt: expiresAtFor(nowMs, ttlHours * 3600),
  };
}

export type ItemRead =
  | { ok: true; event: CrmEvent }
  | { ok: false; reason: 'expired' | 'invalid'; message?: string };

/**
 * The event of a stored item. DynamoDB deletes expired items lazily (up to days later), so an item
 * whose `expiresAt` has passed is treated as gone; an item that no longer matches the schema is
 * reported (with the fields at fault) rather than folded into a context.
 */
export function crmEventFromItem(item: Record<string, unknown>, nowMs: number): ItemRead {
  const { pk: _pk, sk: _sk, receivedAt: _receivedAt, expiresAt, ...event } = item;
  if (typeof expiresAt !== 'number') return { ok: false, reason: 'invalid', message: 'expiresAt: missing' };
  if (!isLive({ expiresAt }, nowMs)) return { ok: false, reason: 'expired' };
  const parsed = parseCrmEvent(event);
  return parsed.ok ? parsed : { ok: false, reason: 'invalid', message: parsed.message };
}
