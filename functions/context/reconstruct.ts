import type { AttributeValue, InteractionContext, IvrSelection, JsonObject } from './context-schema.js';
import type { CrmEvent } from './crm-event.js';

/** Parts a full transfer context has; a rebuilt context without one of them is `partial`. */
export type ContextPart = 'crm' | 'ivrSelections' | 'queuePosition';

export interface Reconstruction {
  context: InteractionContext;
  /** True when an expected part had no event, so the receiving agent knows the context may be thin. */
  partial: boolean;
  /** The expected parts that had no event, in a fixed order. */
  missing: ContextPart[];
  /** Distinct events folded in (duplicates and other conversations' events are not counted). */
  eventsUsed: number;
  /** `occurredAt` of the latest event folded in. */
  lastEventAt: string;
}

/** Most recent IVR selections kept, matching the cap of the context schema. */
export const MAX_IVR_SELECTIONS = 200;

/** JSON with object keys sorted: a content-based tie-break independent of key insertion order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function compareText(a: string, b: string): number {
  // Code-unit order, not localeCompare: the result must not depend on the Lambda's locale.
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Total order over events: time, then event id, then content. The last key only matters for two
 * different bodies under one event id (a sender bug); it keeps even that case independent of the
 * order in which the events arrived.
 */
export function compareEvents(a: CrmEvent, b: CrmEvent): number {
  return (
    Date.parse(a.occurredAt) - Date.parse(b.occurredAt) ||
    compareText(a.eventId, b.eventId) ||
    compareText(canonical(a), canonical(b))
  );
}

function merge(target: JsonObject | undefined, fields: JsonObject): JsonObject {
  return { ...target, ...fields };
}

/**
 * Rebuilds a conversation's interaction context from its CRM events, for a transfer whose saved
 * context has expired (or never replicated). Events are folded in (occurredAt, eventId) order, so the
 * result is the same whatever order they arrived or were read in; within that order later values win
 * field by field. An event id seen twice counts once (its first occurrence in that order).
 * Returns null when no event belongs to the conversation: the caller answers 404.
 *
 * @example
 * const rebuilt = reconstructContext(claims.conversationId, events);
 * if (!rebuilt) throw new NotFound('no context and no CRM events for this conversation');
 * return { source: 'crm', ...rebuilt };
 */
export function reconstructContext(
  conversationId: string,
  events: readonly CrmEvent[],
): Reconstruction | null {
  const ordered = events.filter((e) => e.conversationId === conversationId).toSorted(compareEvents);
  const seen = new Set<string>();
  let contact: JsonObject | undefined;
  let crmCase: JsonObject | undefined;
  let ivrSelections: IvrSelection[] = [];
  let queuePosition: InteractionContext['queuePosition'] = null;
  const attributes = new Map<string, AttributeValue>();
  let lastEventAt = '';

  for (const event of ordered) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    lastEventAt = event.occurredAt;
    switch (event.type) {
      case 'contact.updated':
        contact = merge(contact, event.data);
        break;
      case 'case.updated':
        crmCase = merge(crmCase, event.data);
        break;
      case 'ivr.selection':
        ivrSelections.push({ ...event.data, at: event.occurredAt });
        break;
      case 'queue.position':
        queuePosition = { ...event.data };
        break;
      case 'attributes.set':
        for (const [name, value] of Object.entries(event.data)) {
          // null clears an attribute; delete-then-set keeps insertion order tied to the latest write.
          attributes.delete(name);
          if (value !== null) attributes.set(name, value);
        }
        break;
    }
  }
  if (seen.size === 0) return null;
  ivrSelections = ivrSelections.slice(-MAX_IVR_SELECTIONS);

  const crm: InteractionContext['crm'] = {
    ...(contact && { contact }),
    ...(crmCase && { case: crmCase }),
  };
  const missing: ContextPart[] = [];
  if (!contact && !crmCase) missing.push('crm');
  if (ivrSelections.length === 0) missing.push('ivrSelections');
  if (!queuePosition) missing.push('queuePosition');
  return {
    context: {
      conversationId,
      ivrSelections,
      crm,
      queuePosition,
      attributes: Object.fromEntries(attributes),
    },
    partial: missing.length > 0,
    missing,
    eventsUsed: seen.size,
    lastEventAt,
  };
}
