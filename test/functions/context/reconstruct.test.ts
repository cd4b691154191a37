import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interactionContextSchema } from '../../../functions/context/context-schema.js';
import { type CrmEvent, parseCrmEvent } from '../../../functions/context/crm-event.js';
import { MAX_IVR_SELECTIONS, reconstructContext } from '../../../functions/context/reconstruct.js';

const CONV = 'conv-42';

function event(
  eventId: string,
  occurredAt: string,
  type: string,
  data: unknown,
  conversationId = CONV,
): CrmEvent {
  const result = parseCrmEvent({ eventId, conversationId, occurredAt, type, data });
  if (!result.ok) throw new Error(`test event is invalid: ${result.message}`);
  return result.event;
}
const at = (second: number) => new Date(Date.UTC(2025, 5, 15, 12, 0, second)).toISOString();

/** Events over few ids, times, fields and values, so ties, overwrites and duplicates are common. */
const eventArb: fc.Arbitrary<CrmEvent> = fc
  .record({
    id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
    second: fc.integer({ min: 0, max: 3 }),
    offset: fc.constantFrom('Z', '+02:00', '-05:00'),
    kind: fc.constantFrom(
      'contact.updated',
      'case.updated',
      'ivr.selection',
      'queue.position',
      'attributes.set',
    ),
    field: fc.constantFrom('name', 'tier', 'lang'),
    value: fc.constantFrom('x', 'y', 'z'),
    position: fc.nat(5),
    conversationId: fc.constantFrom(CONV, CONV, CONV, 'conv-other'),
  })
  .map(({ id, second, offset, kind, field, value, position, conversationId }) => {
    const utc = Date.UTC(2025, 5, 15, 12, 0, second);
    const shift = offset === 'Z' ? 0 : offset === '+02:00' ? 2 : -5;
    const local = new Date(utc + shift * 3_600_000).toISOString().slice(0, 19);
    const data =
      kind === 'ivr.selection'
        ? { menu: field, choice: value }
        : kind === 'queue.position'
          ? { queue: value, position }
          : kind === 'attributes.set'
            ? { [field]: value === 'z' ? null : value }
            : { [field]: value };
    return event(`evt-${id}`, `${local}${offset}`, kind, data, conversationId);
  });

describe('reconstructContext', () => {
  it('folds every kind of event into a full context', () => {
    const events = [
      event('e1', at(0), 'ivr.selection', { menu: 'main', choice: 'billing' }),
      event('e2', at(1), 'contact.updated', { name: 'Ada', tier: 'gold' }),
      event('e3', at(2), 'case.updated', { caseId: 'CS-42', status: 'open' }),
      event('e4', at(3), 'queue.position', { queue: 'PRIMARY_SUPPORT_QUEUE', position: 4 }),
      event('e5', at(4), 'attributes.set', { language: 'en', vip: true }),
    ];

    const result = reconstructContext(CONV, events);

    expect(result).toEqual({
      context: {
        conversationId: CONV,
        ivrSelections: [{ menu: 'main', choice: 'billing', at: at(0) }],
        crm: { contact: { name: 'Ada', tier: 'gold' }, case: { caseId: 'CS-42', status: 'open' } },
        queuePosition: { queue: 'PRIMARY_SUPPORT_QUEUE', position: 4 },
        attributes: { language: 'en', vip: true },
      },
      partial: false,
      missing: [],
      eventsUsed: 5,
      lastEventAt: at(4),
    });
  });

  it('gives the same context for every order of the same events', () => {
    const scenario = fc
      .array(eventArb, { minLength: 1, maxLength: 25 })
      .chain((events) =>
        fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length })),
      );

    fc.assert(
      fc.property(scenario, ([events, shuffled]) => {
        const expected = reconstructContext(CONV, events);

        const actual = reconstructContext(CONV, shuffled);

        expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
      }),
      { numRuns: 500 },
    );
  });

  it('always builds a context that the context schema accepts', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 25 }), (events) => {
        const result = reconstructContext(CONV, events);

        if (result) expect(interactionContextSchema.parse(result.context)).toEqual(result.context);
        else expect(events.every((e) => e.conversationId !== CONV)).toBe(true);
      }),
    );
  });

  it('lets the later event win a field, whatever order they arrived in', () => {
    const older = event('evt-z', at(1), 'contact.updated', { tier: 'silver', name: 'Ada' });
    const newer = event('evt-a', at(2), 'contact.updated', { tier: 'gold' });

    const result = reconstructContext(CONV, [newer, older]);

    expect(result?.context.crm.contact).toEqual({ tier: 'gold', name: 'Ada' });
  });

  it('compares times as instants, not as text, when offsets differ', () => {
    const earlier = event('evt-b', '2025-06-15T13:00:00+02:00', 'queue.position', {
      queue: 'Q',
      position: 9,
    });
    const later = event('evt-a', '2025-06-15T11:30:00Z', 'queue.position', { queue: 'Q', position: 1 });

    expect(reconstructContext(CONV, [later, earlier])?.context.queuePosition).toEqual({
      queue: 'Q',
      position: 1,
    });
  });

  it('breaks a tie in time by event id: the greater id is applied last', () => {
    // Values chosen so that ordering by content instead of id would pick the other one.
    const a = event('evt-a', at(5), 'attributes.set', { lang: 'fr' });
    const b = event('evt-b', at(5), 'attributes.set', { lang: 'en' });

    expect(reconstructContext(CONV, [b, a])?.context.attributes).toEqual({ lang: 'en' });
    expect(reconstructContext(CONV, [a, b])?.context.attributes).toEqual({ lang: 'en' });
  });

  it('keeps IVR selections in the order the caller made them', () => {
    const events = [
      event('e3', at(3), 'ivr.selection', { menu: 'billing', choice: 'dispute' }),
      event('e1', at(1), 'ivr.selection', { menu: 'main', choice: 'billing' }),
    ];

    expect(reconstructContext(CONV, events)?.context.ivrSelections.map((s) => s.choice)).toEqual([
      'billing',
      'dispute',
    ]);
  });

  it('removes an attribute set to null and restores it when set again', () => {
    const events = [
      event('e1', at(1), 'attributes.set', { lang: 'en', vip: true }),
      event('e2', at(2), 'attributes.set', { vip: null }),
      event('e3', at(3), 'attributes.set', { lang: null }),
      event('e4', at(4), 'attributes.set', { lang: 'de' }),
    ];

    expect(reconstructContext(CONV, events)?.context.attributes).toEqual({ lang: 'de' });
  });

  it('counts a duplicated event once', () => {
    const e = event('e1', at(1), 'ivr.selection', { menu: 'main', choice: 'billing' });

    const result = reconstructContext(CONV, [e, { ...e }, e]);

    expect(result?.eventsUsed).toBe(1);
    expect(result?.context.ivrSelections).toHaveLength(1);
  });

  it('keeps only the most recent IVR selections beyond the cap', () => {
    const events = Array.from({ length: MAX_IVR_SELECTIONS + 5 }, (_, i) =>
      event(`e${String(i).padStart(4, '0')}`, at(0), 'ivr.selection', { menu: 'm', choice: `c${i}` }),
    );

    const selections = reconstructContext(CONV, events)?.context.ivrSelections ?? [];

    expect(selections).toHaveLength(MAX_IVR_SELECTIONS);
    expect(selections[0]?.choice).toBe('c5');
  });

  it.each([
    [
      'only attributes',
      [event('e1', at(1), 'attributes.set', { lang: 'en' })],
      ['crm', 'ivrSelections', 'queuePosition'],
    ],
    [
      'no CRM data',
      [
        event('e1', at(1), 'ivr.selection', { menu: 'm', choice: 'c' }),
        event('e2', at(2), 'queue.position', { queue: 'Q', position: 0 }),
      ],
      ['crm'],
    ],
    [
      'only a case',
      [event('e1', at(1), 'case.updated', { caseId: 'CS-1' })],
      ['ivrSelections', 'queuePosition'],
    ],
  ])('reports a partial context when there is %s', (_name, events, missing) => {
    const result = reconstructContext(CONV, events);

    expect(result).toMatchObject({ partial: true, missing, eventsUsed: events.length });
  });

  it('returns null when no event belongs to the conversation', () => {
    const other = event('e1', at(1), 'contact.updated', { name: 'Bob' }, 'conv-other');

    expect(reconstructContext(CONV, [])).toBeNull();
    expect(reconstructContext(CONV, [other])).toBeNull();
  });

  it('ignores events of other conversations', () => {
    const mine = event('e1', at(1), 'contact.updated', { name: 'Ada' });
    const theirs = event('e2', at(2), 'contact.updated', { name: 'Bob' }, 'conv-other');

    expect(reconstructContext(CONV, [mine, theirs])).toMatchObject({
      context: { crm: { contact: { name: 'Ada' } } },
      eventsUsed: 1,
    });
  });
});
