import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Vote } from '../../../../functions/routing/quorum/types.js';
import {
  applyVote,
  freshness,
  latestVotes,
  tallyVotes,
  type VoteUpdateReason,
  voteKey,
} from '../../../../functions/routing/quorum/votes.js';
import { ballots, OBSERVERS, T0, USE1, USW2, WITNESS } from './fixtures.js';

const stored: Vote = {
  observer: WITNESS,
  targetRegion: USE1,
  healthy: true,
  incarnation: 5,
  seq: 10,
  occurredAtMs: T0,
};

// Stored: incarnation 5, seq 10, cast at T0.
// biome-ignore format: one runbook case per line
const APPLY_CASES: [string, Vote | undefined, Partial<Vote>, boolean, VoteUpdateReason][] = [
  // case                                                             stored   incoming (changes to the stored vote)                replaces  because
  ['a first vote is stored',                                          undefined, {},                                                    true,  'First'],
  ['the next seq replaces',                                           stored, { seq: 11, occurredAtMs: T0 + 1000 },                     true,  'NewerSeq'],
  ['a seq further ahead replaces (votes in between were lost)',       stored, { seq: 40, occurredAtMs: T0 + 30_000 },                   true,  'NewerSeq'],
  ['a redelivery of the stored vote changes nothing',                 stored, {},                                                       false, 'Duplicate'],
  ['a redelivery that claims the opposite changes nothing',           stored, { healthy: false },                                       false, 'Duplicate'],
  ['an older seq arriving late changes nothing',                      stored, { seq: 9, occurredAtMs: T0 - 1000, healthy: false },      false, 'OutOfOrder'],
  ['a restarted observer (larger incarnation) replaces from seq 1',   stored, { incarnation: 6, seq: 1, occurredAtMs: T0 + 2000 },      true,  'NewIncarnation'],
  ['a vote of an earlier incarnation changes nothing',                stored, { incarnation: 4, seq: 99, occurredAtMs: T0 - 5000 },     false, 'OldIncarnation'],
  ['an unannounced restart is taken once it is voteStaleMs newer',    stored, { seq: 1, occurredAtMs: T0 + 15_000 },                    true,  'SilentRestart'],
  ['an unannounced restart within voteStaleMs is not taken yet',      stored, { seq: 1, occurredAtMs: T0 + 14_999 },                    false, 'OutOfOrder'],
  ['a lost incarnation is taken once it is voteStaleMs newer',        stored, { incarnation: 0, seq: 1, occurredAtMs: T0 + 15_000 },    true,  'SilentRestart'],
];

describe('applyVote', () => {
  it.each(APPLY_CASES)('%s', (_case, current, change, replace, reason) => {
    const incoming: Vote = { ...stored, ...change };

    const update = applyVote(current, incoming);

    expect(update).toEqual({ replace, reason, vote: replace ? incoming : current });
  });

  it('takes an unannounced restart after the restartAfterMs it is given', () => {
    const incoming: Vote = { ...stored, seq: 1, occurredAtMs: T0 + 5000 };

    expect(applyVote(stored, incoming, { restartAfterMs: 5000 }).reason).toBe('SilentRestart');
    expect(applyVote(stored, incoming, { restartAfterMs: 5001 }).reason).toBe('OutOfOrder');
  });

  it.each([
    ['another observer', { observer: USE1 }],
    ['another target region', { targetRegion: USW2 }],
  ])('rejects a vote of %s', (_case, change) => {
    expect(() => applyVote(stored, { ...stored, ...change })).toThrow(RangeError);
  });

  it('keeps the latest (incarnation, seq) whatever order the votes arrive in, duplicates included', () => {
    // Observers' clocks move forward with (incarnation, seq); the restart fallback never fires here.
    const counters = fc.uniqueArray(
      fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 50 })),
      {
        minLength: 1,
        maxLength: 30,
        selector: ([incarnation, seq]) => `${incarnation}/${seq}`,
      },
    );
    const deliveries = counters.chain((pairs) => {
      const votes = pairs.map(
        ([incarnation, seq]): Vote => ({
          ...stored,
          incarnation,
          seq,
          healthy: (incarnation + seq) % 2 === 0,
          occurredAtMs: T0 + incarnation * 600_000 + seq * 1000,
        }),
      );
      const withDuplicates = fc
        .array(fc.constantFrom(...votes), { maxLength: 10 })
        .map((d) => [...votes, ...d]);
      return withDuplicates.chain((all) =>
        fc.tuple(
          fc.constant(votes),
          fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
        ),
      );
    });

    fc.assert(
      fc.property(deliveries, ([votes, order]) => {
        let latest: Vote | undefined;
        for (const vote of order) latest = applyVote(latest, vote).vote;

        const expected = votes.reduce((a, b) =>
          a.incarnation > b.incarnation || (a.incarnation === b.incarnation && a.seq > b.seq) ? a : b,
        );
        expect(latest).toEqual(expected);
      }),
    );
  });
});

describe('freshness', () => {
  it.each([
    ['cast now', 0, 'fresh'],
    ['cast 14.999 s ago', -14_999, 'fresh'],
    ['cast exactly voteStaleMs ago', -15_000, 'stale'],
    ['cast a minute ago', -60_000, 'stale'],
    ['dated 3 s ahead (ordinary clock skew)', 3000, 'fresh'],
    ['dated 14.999 s ahead', 14_999, 'fresh'],
    ['dated voteStaleMs ahead', 15_000, 'future'],
  ] as const)('says a vote %s is %s', (_case, offsetMs, expected) => {
    const vote: Vote = { ...stored, occurredAtMs: T0 + offsetMs };

    expect(freshness(vote, T0, 15_000)).toBe(expected);
  });
});

describe('latestVotes', () => {
  it('keeps the highest (incarnation, seq) per observer and target', () => {
    const votes: Vote[] = [
      { ...stored, seq: 12, healthy: false },
      { ...stored, incarnation: 4, seq: 90 },
      { ...stored, seq: 11 },
      { ...stored, targetRegion: USW2, seq: 3 },
    ];

    const latest = latestVotes(votes);

    expect(latest.get(voteKey(WITNESS, USE1))).toEqual({ ...stored, seq: 12, healthy: false });
    expect(latest.get(voteKey(WITNESS, USW2))).toEqual({ ...stored, targetRegion: USW2, seq: 3 });
    expect(latest.size).toBe(2);
  });

  it('reads two conflicting votes with the same seq as unhealthy in either order', () => {
    const conflict: Vote[] = [stored, { ...stored, healthy: false }];

    expect(latestVotes(conflict).get(voteKey(WITNESS, USE1))?.healthy).toBe(false);
    expect(latestVotes([...conflict].reverse()).get(voteKey(WITNESS, USE1))?.healthy).toBe(false);
  });
});

describe('tallyVotes', () => {
  it.each([
    ['HHH', true, true],
    ['UUH', false, true],
    ['HUU', false, true],
    ['HUh', null, false],
    ['UUh', false, true],
    ['U--', null, false],
    ['---', null, false],
    ['HH+', true, true],
    ['U++', null, false],
  ] as const)('decides %s as %s (quorum %s)', (marks, verdict, quorum) => {
    const latest = latestVotes(ballots(USE1, marks, T0));

    const tally = tallyVotes(USE1, latest, OBSERVERS, T0, 15_000);

    expect(tally).toMatchObject({ verdict, quorum });
    expect(tally.healthy.length + tally.unhealthy.length + tally.abstained.length).toBe(3);
  });

  it('ignores votes from an observer that is not one of the three', () => {
    const stranger: Vote = { ...stored, observer: 'eu-west-1', healthy: false };
    const latest = latestVotes([
      ...ballots(USE1, 'HU-', T0),
      stranger,
      { ...stranger, observer: 'us-west-1' },
    ]);

    const tally = tallyVotes(USE1, latest, OBSERVERS, T0, 15_000);

    expect(tally).toMatchObject({ verdict: null, quorum: false, unhealthy: [USW2], abstained: [WITNESS] });
  });
});
