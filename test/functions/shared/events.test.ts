import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildEvent,
  CONTINUITY_DETAIL_TYPES,
  type ContinuityDetailType,
  EventValidationError,
  parseEvent,
  topicIds,
} from '../../../functions/shared/events.js';
import { EVENT_SOURCE } from '../../../functions/shared/names.js';
import { ALARM_EVENT, PLATFORM_EVENT, SAMPLE_BODIES } from './event-samples.js';

const NOW = Date.parse('2024-05-01T10:00:00.250Z');
const OPTIONS = { originRegion: 'us-east-1', now: NOW, eventBusName: 'continuity-dev' };
const EVENT_ID = '0b6f9f5e-3c1d-4a8b-9e2f-7d6c5b4a3f21';

/** What EventBridge delivers to a Lambda target for an entry we put. */
function delivered(entry: { Source: string; DetailType: string; Detail: string }) {
  return {
    version: '0',
    id: 'eb-id-1',
    source: entry.Source,
    'detail-type': entry.DetailType,
    account: '123456789012',
    time: '2024-05-01T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: JSON.parse(entry.Detail) as Record<string, unknown>,
  };
}

function validVote(overrides: Record<string, unknown> = {}) {
  const entry = buildEvent('RegionHealthVote', SAMPLE_BODIES.RegionHealthVote, {
    ...OPTIONS,
    eventId: EVENT_ID,
  });
  const event = delivered(entry);
  return { ...event, detail: { ...event.detail, ...overrides } };
}

function problemOf(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    if (error instanceof EventValidationError) return error.message;
    throw error;
  }
  throw new Error('expected an EventValidationError');
}

describe('buildEvent / parseEvent', () => {
  it.each(CONTINUITY_DETAIL_TYPES)(
    'round-trips a %s through its schema',
    (detailType: ContinuityDetailType) => {
      // Prepare
      const body = SAMPLE_BODIES[detailType];

      // Act
      const entry = buildEvent(detailType, body, { ...OPTIONS, eventId: EVENT_ID });
      const event = parseEvent(delivered(entry));

      // Assess
      expect(entry).toMatchObject({
        Source: EVENT_SOURCE,
        DetailType: detailType,
        EventBusName: 'continuity-dev',
      });
      expect(event.type).toBe(detailType);
      expect(event.detail).toEqual({
        ...body,
        originRegion: 'us-east-1',
        eventId: EVENT_ID,
        occurredAt: '2024-05-01T10:00:00.250Z',
      });
    },
  );

  it('stamps occurredAt and Time from now and a fresh UUID when no eventId is given', () => {
    // Act
    const first = buildEvent('ContextReconstructed', SAMPLE_BODIES.ContextReconstructed, OPTIONS);
    const second = buildEvent('ContextReconstructed', SAMPLE_BODIES.ContextReconstructed, OPTIONS);

    // Assess
    const a = JSON.parse(first.Detail) as { eventId: string; occurredAt: string };
    const b = JSON.parse(second.Detail) as { eventId: string };
    expect(a.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.eventId).not.toBe(b.eventId);
    expect(a.occurredAt).toBe('2024-05-01T10:00:00.250Z');
    expect(first.Time).toEqual(new Date(NOW));
  });

  it('rejects a detail that breaks its schema before anything is sent', () => {
    // Act
    const message = problemOf(() =>
      buildEvent('RegionHealthVote', { ...SAMPLE_BODIES.RegionHealthVote, seq: -1 }, OPTIONS),
    );

    // Assess
    expect(message).toContain('detail.seq');
  });

  it('rejects a bad originRegion passed by the producer', () => {
    // Act
    const message = problemOf(() =>
      buildEvent('ContextReconstructed', SAMPLE_BODIES.ContextReconstructed, {
        ...OPTIONS,
        originRegion: 'east',
      }),
    );

    // Assess
    expect(message).toContain('detail.originRegion');
  });

  it('drops detail fields it does not know, so newer producers do not break older consumers', () => {
    // Act
    const event = parseEvent(validVote({ addedLater: 'x' }));

    // Assess
    expect(event.detail).not.toHaveProperty('addedLater');
  });

  it.each([
    ['a string seq', { seq: 'x' }, 'detail.seq: expected number'],
    ['a missing seq', { seq: undefined }, 'detail.seq'],
    ['a negative seq', { seq: -1 }, 'detail.seq'],
    ['a fractional incarnation', { incarnation: 1.5 }, 'detail.incarnation'],
    ['an observer that is no region', { observer: 'witness' }, 'detail.observer'],
    ['a healthy flag that is a string', { healthy: 'true' }, 'detail.healthy: expected boolean'],
    ['more healthy targets than targets', { healthyTargets: 3, totalTargets: 2 }, 'detail.healthyTargets'],
    ['an eventId that is no UUID', { eventId: 'abc' }, 'detail.eventId'],
    ['an occurredAt that is no ISO timestamp', { occurredAt: 'yesterday' }, 'detail.occurredAt'],
    ['a missing originRegion', { originRegion: undefined }, 'detail.originRegion'],
  ])('rejects a vote with %s, naming the field', (_case, overrides, expected) => {
    // Act
    const message = problemOf(() => parseEvent(validVote(overrides)));

    // Assess
    expect(message).toContain(expected);
  });

  it.each([
    ['an unknown detail-type', { ...validVote(), 'detail-type': 'RegionExploded' }, 'detail-type'],
    ['an unknown source', { ...validVote(), source: 'com.example' }, 'source'],
    ['no detail', { ...validVote(), detail: undefined }, 'detail'],
    ['a detail that is an array', { ...validVote(), detail: [] }, 'detail'],
    ['no detail-type', { ...validVote(), 'detail-type': undefined }, 'detail-type'],
    [
      'an alarm with an unknown state',
      withDetail(ALARM_EVENT, { state: { value: 'MAYBE' } }),
      'detail.state.value',
    ],
    [
      'an alarm of another detail-type',
      { ...ALARM_EVENT, 'detail-type': 'CloudWatch Alarm Configuration Change' },
      'detail-type',
    ],
    [
      'a platform event without topicName',
      withDetail(PLATFORM_EVENT, { topicName: undefined }),
      'detail.topicName',
    ],
    [
      'a rotation change with a non-region in rotation',
      {
        ...delivered(buildEvent('RegionRotationChanged', SAMPLE_BODIES.RegionRotationChanged, OPTIONS)),
        detail: {
          ...JSON.parse(
            buildEvent('RegionRotationChanged', SAMPLE_BODIES.RegionRotationChanged, OPTIONS).Detail,
          ),
          inRotation: ['nowhere'],
        },
      },
      'detail.inRotation.0',
    ],
  ])('rejects %s, naming the field', (_case, raw, expected) => {
    // Act
    const message = problemOf(() => parseEvent(raw));

    // Assess
    expect(message).toContain(expected);
  });

  it('parses a CloudWatch alarm state change', () => {
    // Act
    const event = parseEvent(ALARM_EVENT, ['AlarmStateChange']);

    // Assess
    expect(event.detail.alarmName).toBe('continuity-dev-sip-probe-us-east-1');
    expect(event.detail.state.value).toBe('ALARM');
    expect(event.detail.previousState.value).toBe('OK');
    expect(event.id).toBe(ALARM_EVENT.id);
  });

  it('parses a platform partner event and keeps its topic pattern and body', () => {
    // Act
    const event = parseEvent(PLATFORM_EVENT, ['PlatformEvent']);

    // Assess
    expect(event.detailType).toBe('v2.routing.queues.{id}.users');
    expect(event.detail.version).toBe('2');
    expect(event.detail.eventBody).toEqual(PLATFORM_EVENT.detail.eventBody);
    expect(topicIds(event.detailType, event.detail.topicName)).toEqual([
      '7a1b2c3d-0000-4000-8000-000000000001',
    ]);
  });

  it('parses a rule schedule', () => {
    // Prepare
    const raw = { ...ALARM_EVENT, source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

    // Act
    const event = parseEvent(raw, ['Schedule']);

    // Assess
    expect(event.type).toBe('Schedule');
  });

  it('rejects an event type the handler does not expect', () => {
    // Act
    const message = problemOf(() => parseEvent(ALARM_EVENT, ['RegionHealthVote', 'ReplicationLagMeasured']));

    // Assess
    expect(message).toContain('detail-type: AlarmStateChange is not handled here');
  });

  it('never throws anything but an EventValidationError, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record({
            source: fc.constantFrom(EVENT_SOURCE, 'aws.cloudwatch', 'aws.partner/genesys.com/cloud/x/y'),
            'detail-type': fc.constantFrom(
              ...CONTINUITY_DETAIL_TYPES,
              'CloudWatch Alarm State Change',
              'v2.x',
            ),
            detail: fc.dictionary(fc.string(), fc.jsonValue()),
          }),
        ),
        (raw) => {
          try {
            parseEvent(raw);
          } catch (error) {
            expect(error).toBeInstanceOf(EventValidationError);
          }
        },
      ),
    );
  });
});

describe('topicIds', () => {
  it.each([
    ['v2.users.{id}.presence', 'v2.users.u-1.presence', ['u-1']],
    ['v2.routing.queues.{id}.users', 'v2.routing.queues.q-1.users', ['q-1']],
    ['v2.routing.queues.{id}.users', 'v2.routing.queues.q-1.conversations', null],
    ['v2.users.{id}.presence', 'v2.users..presence', null],
    ['v2.users.{id}.presence', 'v2.users.u-1.presence.extra', null],
  ])('matches %s against %s', (pattern, topic, expected) => {
    expect(topicIds(pattern, topic)).toEqual(expected);
  });
});

function withDetail<E extends { detail: object }>(event: E, overrides: Record<string, unknown>) {
  return { ...event, detail: { ...event.detail, ...overrides } };
}
