import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CrmEvent,
  crmEventFromItem,
  parseCrmEvent,
  toCrmEventItem,
} from '../../../functions/context/crm-event.js';

const base = {
  eventId: 'evt-0001',
  conversationId: '3f0c9a52-6b1e-4c2d-9a8f-0e1d2c3b4a59',
  occurredAt: '2025-06-15T12:00:00Z',
};

function parsed(raw: unknown): CrmEvent {
  const result = parseCrmEvent(raw);
  if (!result.ok) throw new Error(`expected a valid event: ${result.message}`);
  return result.event;
}

describe('parseCrmEvent', () => {
  it.each([
    ['contact.updated', { name: 'Ada Lovelace', tier: 'gold', address: { city: 'London' } }],
    ['case.updated', { caseId: 'CS-42', status: 'open', tags: ['billing'] }],
    ['ivr.selection', { menu: 'main', choice: 'billing' }],
    ['queue.position', { queue: 'PRIMARY_SUPPORT_QUEUE', position: 3, estimatedWaitSeconds: 90 }],
    ['attributes.set', { language: 'en', vip: true, score: 7, obsolete: null }],
  ])('accepts a %s event', (type, data) => {
    const result = parseCrmEvent({ ...base, type, data });

    expect(result).toEqual({
      ok: true,
      event: { ...base, occurredAt: '2025-06-15T12:00:00.000Z', type, data },
    });
  });

  it.each([
    ['2025-06-15T14:00:00+02:00', '2025-06-15T12:00:00.000Z'],
    ['2025-06-15T07:30:00.5-04:30', '2025-06-15T12:00:00.500Z'],
    ['2025-06-15T12:00:00.123456Z', '2025-06-15T12:00:00.123Z'],
  ])('normalises occurredAt %s to UTC %s', (occurredAt, utc) => {
    expect(parsed({ ...base, occurredAt, type: 'contact.updated', data: {} }).occurredAt).toBe(utc);
  });

  it.each([
    ['eventId', { eventId: undefined }, 'eventId:'],
    ['eventId', { eventId: 'evt#1' }, 'eventId: must be 1-128 characters'],
    ['conversationId', { conversationId: 'a/b' }, 'conversationId: must be 1-64 characters'],
    ['occurredAt', { occurredAt: '2025-06-15 12:00' }, 'occurredAt: must be an ISO-8601 date-time'],
    ['occurredAt', { occurredAt: '2025-06-15T12:00:00' }, 'occurredAt: must be an ISO-8601 date-time'],
    ['occurredAt', { occurredAt: '2025-02-30T12:00:00Z' }, 'occurredAt: must be an ISO-8601 date-time'],
    ['occurredAt', { occurredAt: '1969-12-31T23:59:59Z' }, 'occurredAt: must be between 1970 and 9999'],
    ['type', { type: 'contact.deleted' }, "type: Invalid discriminator value. Expected 'contact.updated'"],
    ['an extra key', { extra: 1 }, '(body): Unrecognized key: "extra"'],
    ['data', { data: 'name=Ada' }, 'data: Invalid input: expected record'],
    ['a data key', { data: { '': 1 } }, 'data[""]: field names must not be empty'],
    [
      'nested data',
      { data: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } } },
      'data.a.b.c.d.e.f.g.h: must not nest deeper than 8 levels',
    ],
  ])('rejects %s with a message naming the field', (_name, change, message) => {
    const result = parseCrmEvent({ ...base, type: 'contact.updated', data: {}, ...change });

    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toContain(message);
  });

  it.each([
    ['ivr.selection', { menu: 'main' }, 'data.choice'],
    ['ivr.selection', { menu: 'main', choice: 'x', at: '2025-06-15T12:00:00Z' }, 'Unrecognized key: "at"'],
    ['queue.position', { queue: 'Q', position: -1 }, 'data.position: Too small'],
    ['queue.position', { queue: 'Q', position: 1.5 }, 'data.position'],
    ['attributes.set', { nested: { a: 1 } }, 'data.nested'],
    ['attributes.set', { big: 'x'.repeat(4097) }, 'data.big'],
  ])('rejects a %s event whose data is wrong (%j)', (type, data, message) => {
    const result = parseCrmEvent({ ...base, type, data });

    expect(result.ok ? '' : result.message).toContain(message);
  });

  it('rejects a body that is not an object', () => {
    expect(parseCrmEvent('[]')).toEqual({
      ok: false,
      problems: ['(body): Invalid input: expected object, received string'],
      message: '(body): Invalid input: expected object, received string',
    });
  });

  it('names fields without echoing their values', () => {
    const result = parseCrmEvent({
      ...base,
      conversationId: 'card 4111 1111 1111 1111',
      type: 'x',
      data: {},
    });

    expect(result.ok ? '' : result.message).not.toContain('4111');
  });

  it('rejects a hostile deeply nested body without exhausting the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { d: deep };

    const result = parseCrmEvent({ ...base, type: 'contact.updated', data: { deep } });

    expect(result.ok).toBe(false);
  });

  it('never throws, whatever JSON it is given', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything()), (raw) => {
        expect(typeof parseCrmEvent(raw).ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });

  it('gives times that sort as text in the same order as in time, whatever the offset', () => {
    const instant = fc.record({
      ms: fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(9998, 0, 1) }),
      offsetMinutes: fc.integer({ min: -14 * 60, max: 14 * 60 }),
    });
    const asText = ({ ms, offsetMinutes }: { ms: number; offsetMinutes: number }) => {
      const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, -1);
      const sign = offsetMinutes < 0 ? '-' : '+';
      const abs = Math.abs(offsetMinutes);
      const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      return parsed({ ...base, occurredAt: `${local}${zone}`, type: 'case.updated', data: {} }).occurredAt;
    };

    fc.assert(
      fc.property(instant, instant, (a, b) => {
        const [ta, tb] = [asText(a), asText(b)];

        expect(Math.sign(ta < tb ? -1 : ta > tb ? 1 : 0)).toBe(Math.sign(a.ms - b.ms));
      }),
    );
  });
});

describe('toCrmEventItem / crmEventFromItem', () => {
  const event = parsed({ ...base, type: 'queue.position', data: { queue: 'Q', position: 2 } });
  const nowMs = Date.UTC(2025, 5, 15, 12, 0, 5);

  it('keys the item by conversation, then time and event id, with a TTL from receipt', () => {
    const item = toCrmEventItem(event, { nowMs, ttlHours: 24 });

    expect(item).toEqual({
      ...event,
      pk: `CONV#${base.conversationId}`,
      sk: '2025-06-15T12:00:00.000Z#evt-0001',
      receivedAt: '2025-06-15T12:00:05.000Z',
      expiresAt: nowMs / 1000 + 24 * 3600,
    });
  });

  it('reads back the event it stored', () => {
    const item = toCrmEventItem(event, { nowMs, ttlHours: 1 });

    expect(crmEventFromItem(item, nowMs + 3599_999)).toEqual({ ok: true, event });
  });

  it('treats an item as gone from exactly its expiresAt, as DynamoDB TTL deletes lazily', () => {
    const item = toCrmEventItem(event, { nowMs, ttlHours: 1 });

    expect(crmEventFromItem(item, item.expiresAt * 1000)).toEqual({ ok: false, reason: 'expired' });
  });

  it.each([
    ['without expiresAt', { expiresAt: undefined }, 'expiresAt: missing'],
    ['whose event no longer matches the schema', { type: 'queue.moved' }, 'type:'],
  ])('rejects an item %s as invalid', (_name, change, message) => {
    const item = { ...toCrmEventItem(event, { nowMs, ttlHours: 1 }), ...change };

    const read = crmEventFromItem(item, nowMs);

    expect(read).toMatchObject({ ok: false, reason: 'invalid' });
    expect(read.ok ? '' : read.message).toContain(message);
  });
});
