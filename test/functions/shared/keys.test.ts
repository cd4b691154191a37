import { describe, expect, it } from 'vitest';
import {
  contextCacheKeys,
  controlKeys,
  crmEventKeys,
  expiresAtFor,
  isLive,
  liveOrUndefined,
} from '../../../functions/shared/keys.js';

describe('key shapes', () => {
  it.each([
    ['context', contextCacheKeys.context('c-1'), { pk: 'CTX#c-1' }],
    ['heartbeat', contextCacheKeys.heartbeat('us-west-2'), { pk: 'HB#us-west-2' }],
    ['CRM conversation', crmEventKeys.conversation('c-1'), { pk: 'CONV#c-1' }],
    [
      'CRM event',
      crmEventKeys.event('c-1', '2024-05-01T10:00:00.250Z', 'e-9'),
      { pk: 'CONV#c-1', sk: '2024-05-01T10:00:00.250Z#e-9' },
    ],
    ['CRM idempotency marker', crmEventKeys.idempotency('e-9'), { pk: 'CRMEVT#e-9', sk: 'ID' }],
    ['votes about a region', controlKeys.votesAbout('us-east-1'), { pk: 'VOTE#us-east-1' }],
    ['vote', controlKeys.vote('us-east-1', 'us-east-2'), { pk: 'VOTE#us-east-1', sk: 'us-east-2' }],
    ['rotation', controlKeys.rotation(), { pk: 'ROTATION', sk: 'CURRENT' }],
    ['rotation history', controlKeys.rotationHistory(42), { pk: 'ROTATION', sk: 'EPOCH#000000000042' }],
    ['monitor lease', controlKeys.monitorLease('us-east-2'), { pk: 'MONITOR#us-east-2', sk: 'LEASE' }],
    [
      'monitor counters',
      controlKeys.monitorCounters('us-east-2'),
      { pk: 'MONITOR#us-east-2', sk: 'COUNTERS' },
    ],
    ['override', controlKeys.override('us-east-1'), { pk: 'OVERRIDE#us-east-1', sk: 'CURRENT' }],
    ['lag', controlKeys.lag('us-east-1'), { pk: 'LAG#us-east-1', sk: 'CURRENT' }],
    ['capacity partition', controlKeys.capacityOf('us-west-2', 'q-1'), { pk: 'CAPACITY#us-west-2#q-1' }],
    [
      'capacity member',
      controlKeys.capacityMember('us-west-2', 'q-1', 'u-1'),
      { pk: 'CAPACITY#us-west-2#q-1', sk: 'MEMBER#u-1' },
    ],
    [
      'capacity observed',
      controlKeys.capacityObserved('us-west-2', 'q-1'),
      { pk: 'CAPACITY#us-west-2#q-1', sk: 'OBSERVED' },
    ],
    [
      'capacity agent',
      controlKeys.capacityAgent('us-west-2', 'u-1'),
      { pk: 'AGENT#us-west-2#u-1', sk: 'CURRENT' },
    ],
    ['directory partition', controlKeys.directory(), { pk: 'DIRECTORY' }],
    ['directory entry', controlKeys.directoryEntry('SUPPORT'), { pk: 'DIRECTORY', sk: 'QUEUE#SUPPORT' }],
    ['overflow window', controlKeys.overflowWindow('us-east-1'), { pk: 'OVERFLOW#us-east-1' }],
    [
      'overflow bucket',
      controlKeys.overflowBucket('us-east-1', 1_714_557_600_000),
      { pk: 'OVERFLOW#us-east-1', sk: '001714557600000' },
    ],
    ['assignment', controlKeys.assignment('c-1'), { pk: 'ASSIGN#c-1', sk: 'CURRENT' }],
    ['lease', controlKeys.lease('oauth-refresh'), { pk: 'LEASE#oauth-refresh', sk: 'CURRENT' }],
  ])('builds the %s key', (_name, key, expected) => {
    expect(key).toEqual(expected);
  });

  it('normalises CRM event times to UTC so a conversation sorts in time order', () => {
    // Act
    const earlier = crmEventKeys.event('c-1', '2024-05-01T11:59:00+02:00', 'e-2').sk;
    const later = crmEventKeys.event('c-1', '2024-05-01T10:00:00.000Z', 'e-1').sk;

    // Assess
    expect(earlier).toBe('2024-05-01T09:59:00.000Z#e-2');
    expect(earlier < later).toBe(true);
  });

  it('sorts rotation history by epoch as strings', () => {
    expect(controlKeys.rotationHistory(9).sk < controlKeys.rotationHistory(10).sk).toBe(true);
  });

  it.each([
    ['a part containing #', () => contextCacheKeys.context('a#b'), 'conversationId'],
    ['an empty part', () => controlKeys.vote('us-east-1', ''), 'observer'],
    ['a negative epoch', () => controlKeys.rotationHistory(-1), 'epoch'],
    ['a fractional epoch', () => controlKeys.rotationHistory(1.5), 'epoch'],
    ['an epoch beyond 12 digits', () => controlKeys.rotationHistory(10 ** 12), 'epoch'],
    ['an invalid CRM timestamp', () => crmEventKeys.event('c-1', 'soon', 'e-1'), 'occurredAt'],
  ])('fails on %s, naming it', (_case, act, name) => {
    expect(act).toThrow(name);
  });
});

describe('expiresAtFor', () => {
  it('rounds up so the item lives at least the TTL', () => {
    expect(expiresAtFor(Date.parse('2024-05-01T10:00:00.250Z'), 300)).toBe(
      Date.parse('2024-05-01T10:05:01Z') / 1000,
    );
  });

  it('adds exactly the TTL on a whole second', () => {
    expect(expiresAtFor(1_000_000, 300)).toBe(1300);
  });

  it.each([
    ['a zero TTL', 1000, 0],
    ['a fractional TTL', 1000, 1.5],
    ['a NaN now', Number.NaN, 300],
  ])('fails on %s', (_case, now, ttl) => {
    expect(() => expiresAtFor(now, ttl)).toThrow(RangeError);
  });
});

describe('isLive / liveOrUndefined', () => {
  it.each([
    ['one ms before expiresAt', 99_999, true],
    ['exactly at expiresAt', 100_000, false],
    ['after expiresAt', 100_001, false],
  ])('treats an item %s as %s', (_case, now, live) => {
    // Prepare
    const item = { pk: 'CTX#c-1', expiresAt: 100 };

    // Act / Assess
    expect(isLive(item, now)).toBe(live);
    expect(liveOrUndefined(item, now)).toBe(live ? item : undefined);
  });

  it('treats a missing item as absent', () => {
    expect(isLive(undefined, 0)).toBe(false);
    expect(liveOrUndefined(undefined, 0)).toBeUndefined();
  });

  it('treats an item without a numeric expiresAt as live, as DynamoDB TTL never deletes it', () => {
    // Prepare
    const withoutTtl = { pk: 'HB#us-east-1' };
    const stringTtl = { pk: 'HB#us-east-1', expiresAt: '100' };

    // Act / Assess
    expect(isLive(withoutTtl, Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(isLive(stringTtl, 200_000)).toBe(true);
  });
});
