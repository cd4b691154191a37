import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isOnQueuePresence,
  PartnerEventError,
  parsePartnerEvent,
} from '../../../../functions/routing/capacity/partner-events.js';
import { EventValidationError } from '../../../../functions/shared/events.js';
import { FIXTURE_QUEUE, FIXTURE_USER, fixture, type PartnerEventJson } from './fixtures.js';

describe('parsePartnerEvent', () => {
  it('reads a queue membership event: queue from the topic, user from eventBody.user.id, ordered by detail.timestamp', () => {
    expect(parsePartnerEvent(fixture('queue-user-joined'))).toEqual({
      kind: 'membership',
      topicName: `v2.routing.queues.${FIXTURE_QUEUE}.users`,
      queueId: FIXTURE_QUEUE,
      userId: FIXTURE_USER,
      joined: true,
      at: Date.parse('2021-06-25T15:11:50.120Z'),
    });
    expect(parsePartnerEvent(fixture('queue-user-left'))).toMatchObject({
      kind: 'membership',
      joined: false,
    });
  });

  it('reads a routing status event ordered by routingStatus.startTime', () => {
    expect(parsePartnerEvent(fixture('routing-status-idle'))).toEqual({
      kind: 'routingStatus',
      topicName: `v2.users.${FIXTURE_USER}.routingStatus`,
      userId: FIXTURE_USER,
      status: 'IDLE',
      at: Date.parse('2021-06-25T15:11:51.000Z'),
    });
  });

  it('orders a routing status without startTime by detail.timestamp', () => {
    // Prepare
    const event = fixture('routing-status-interacting');
    delete (event.detail.eventBody.routingStatus as { startTime?: string }).startTime;
    // Act + Assess
    expect(parsePartnerEvent(event)).toMatchObject({
      status: 'INTERACTING',
      at: Date.parse(event.detail.timestamp),
    });
  });

  it('reads a presence event: On Queue or not, ordered by detail.timestamp', () => {
    expect(parsePartnerEvent(fixture('presence-on-queue'))).toEqual({
      kind: 'presence',
      topicName: `v2.users.${FIXTURE_USER}.presence`,
      userId: FIXTURE_USER,
      systemPresence: 'OnQueue',
      onQueue: true,
      at: Date.parse('2021-06-25T15:11:49.800Z'),
    });
    expect(parsePartnerEvent(fixture('presence-break'))).toMatchObject({
      systemPresence: 'Break',
      onQueue: false,
    });
  });

  it('answers unknown for a topic capacity does not handle, with its detail-type', () => {
    expect(parsePartnerEvent(fixture('user-activity'))).toEqual({
      kind: 'unknown',
      topicName: `v2.users.${FIXTURE_USER}.activity`,
      detailType: 'v2.users.{id}.activity',
    });
  });

  type Break = [string, () => PartnerEventJson, RegExp];
  const broken: Break[] = [
    [
      'a membership without joined',
      () => edit('queue-user-joined', (e) => delete e.detail.eventBody.joined),
      /v2\.routing\.queues\.\{id\}\.users event: eventBody\.joined/,
    ],
    [
      'a membership without any user id',
      () =>
        edit('queue-user-joined', (e) => {
          delete e.detail.eventBody.user;
          delete e.detail.eventBody.id;
        }),
      /eventBody\.user\.id: is missing/,
    ],
    [
      'a membership whose queueId is not the topic queue',
      () => edit('queue-user-joined', (e) => (e.detail.eventBody.queueId = 'another-queue')),
      /eventBody\.queueId: differs from the id in detail\.topicName/,
    ],
    [
      'a routing status outside the documented enum',
      () =>
        edit(
          'routing-status-idle',
          (e) => ((e.detail.eventBody.routingStatus as { status: string }).status = 'AWAY'),
        ),
      /eventBody\.routingStatus\.status/,
    ],
    [
      'a routing status about another user than its topic',
      () => edit('routing-status-idle', (e) => (e.detail.eventBody.id = 'someone-else')),
      /eventBody\.id: differs from the id in detail\.topicName/,
    ],
    [
      'a routing status whose startTime is not a date-time',
      () =>
        edit(
          'routing-status-idle',
          (e) => ((e.detail.eventBody.routingStatus as { startTime: string }).startTime = 'yesterday'),
        ),
      /eventBody\.routingStatus\.startTime/,
    ],
    [
      'a presence without presenceDefinition.systemPresence',
      () => edit('presence-on-queue', (e) => delete e.detail.eventBody.presenceDefinition),
      /eventBody\.presenceDefinition/,
    ],
    [
      'a capacity event without detail.timestamp',
      () =>
        edit('presence-on-queue', (e) => delete (e.detail as Partial<PartnerEventJson['detail']>).timestamp),
      /detail\.timestamp: is missing/,
    ],
    [
      'a capacity event whose detail.timestamp is not a date-time',
      () => edit('routing-status-idle', (e) => (e.detail.timestamp = '1624633912')),
      /detail\.timestamp: is not an ISO-8601 date-time/,
    ],
  ];

  it.each(broken)('rejects %s with a PartnerEventError naming the field', (_, make, message) => {
    const error = catchError(() => parsePartnerEvent(make()));
    expect(error).toBeInstanceOf(PartnerEventError);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects an event that is not from a partner source, or has no topicName, as an invalid envelope', () => {
    const notPartner = edit('routing-status-idle', (e) => (e.source = 'my.app'));
    const noTopic = edit(
      'routing-status-idle',
      (e) => delete (e.detail as Partial<PartnerEventJson['detail']>).topicName,
    );
    expect(catchError(() => parsePartnerEvent(notPartner))).toBeInstanceOf(EventValidationError);
    expect(catchError(() => parsePartnerEvent(noTopic))).toBeInstanceOf(EventValidationError);
  });

  it('never leaks a value of the event into the error message', () => {
    const secretish = 'CUSTOMER-PHONE-5551230000';
    const event = edit(
      'routing-status-idle',
      (e) => ((e.detail.eventBody.routingStatus as { status: string }).status = secretish),
    );
    expect((catchError(() => parsePartnerEvent(event)) as Error).message).not.toContain(secretish);
  });

  it('fails only with its own error classes, whatever the body of a capacity topic', () => {
    const names = ['queue-user-joined', 'routing-status-idle', 'presence-on-queue'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.jsonValue(), (name, body) => {
        const event = edit(name, (e) => (e.detail.eventBody = body as Record<string, unknown>));
        const error = catchError(() => parsePartnerEvent(event));
        return error === undefined || error instanceof PartnerEventError;
      }),
    );
  });
});

describe('isOnQueuePresence', () => {
  it.each([
    ['OnQueue', true],
    ['ON_QUEUE', true],
    ['onqueue', true],
    ['On_Queue', true],
    ['On Queue', true],
    ['Available', false],
    ['AVAILABLE', false],
    ['Break', false],
    ['Offline', false],
  ])('reads %s as on queue: %s', (presence, expected) => {
    expect(isOnQueuePresence(presence)).toBe(expected);
  });
});

function edit(
  name: Parameters<typeof fixture>[0],
  change: (e: PartnerEventJson) => unknown,
): PartnerEventJson {
  const event = fixture(name);
  change(event);
  return event;
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error;
  }
}
