import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../../local/bus/pattern.js';

const event = {
  source: 'cc.continuity',
  'detail-type': 'RegionHealthVote',
  detail: {
    originRegion: 'us-east-1',
    observer: 'us-east-1',
    tags: ['a', 'b'],
    alarmName: 'x-sip-health-us-east-1',
  },
};

describe('matchesPattern', () => {
  it.each([
    ['a listed source', { source: ['cc.continuity'] }, true],
    ['another source', { source: ['aws.cloudwatch'] }, false],
    ['one of several detail-types', { 'detail-type': ['ReplicationLagMeasured', 'RegionHealthVote'] }, true],
    ['a nested field', { detail: { originRegion: ['us-east-1'] } }, true],
    ['a nested field with another value', { detail: { originRegion: ['us-west-2'] } }, false],
    ['a field the event lacks', { detail: { missing: ['x'] } }, false],
    ['any element of an array field', { detail: { tags: ['b'] } }, true],
    ['a prefix', { detail: { alarmName: [{ prefix: 'x-sip' }] } }, true],
    ['a prefix that differs', { detail: { alarmName: [{ prefix: 'y-' }] } }, false],
    ['anything-but another value', { detail: { observer: [{ 'anything-but': ['us-east-2'] }] } }, true],
    ['anything-but its own value', { detail: { observer: [{ 'anything-but': 'us-east-1' }] } }, false],
    ['exists true on a present field', { detail: { observer: [{ exists: true }] } }, true],
    ['exists false on a missing field', { detail: { missing: [{ exists: false }] } }, true],
    [
      'every field of the pattern',
      { source: ['cc.continuity'], detail: { originRegion: ['us-west-2'] } },
      false,
    ],
  ])('matches %s: %j -> %s', (_case, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });

  it('rejects a pattern operator it does not know', () => {
    expect(() => matchesPattern({ detail: { observer: [{ numeric: ['>', 1] }] } }, event)).toThrow(
      /unsupported/,
    );
  });
});
