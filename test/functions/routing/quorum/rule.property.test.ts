import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../../../functions/routing/quorum/rule.js';
import type {
  Decision,
  LagSample,
  Override,
  QuorumInput,
  RegionReason,
  RegionState,
  Vote,
} from '../../../../functions/routing/quorum/types.js';
import { SETTINGS, T0, USE1, USW2, WITNESS } from './fixtures.js';

const ACTIVE = [USE1, USW2];
const REASONS: RegionReason[] = [
  'Healthy',
  'Pinned',
  'MinRegionsKept',
  'DrainRefused',
  'Drained',
  'SipUnhealthy',
  'ReplicationLag',
  'FailbackDwell',
];

// A stranger observer and target are in the mix: the rule must ignore them, in any order.
const voteArb: fc.Arbitrary<Vote> = fc.record({
  observer: fc.constantFrom(USE1, USW2, WITNESS, 'eu-west-1'),
  targetRegion: fc.constantFrom(USE1, USW2, 'eu-west-1'),
  healthy: fc.boolean(),
  incarnation: fc.integer({ min: 0, max: 2 }),
  seq: fc.integer({ min: 0, max: 5 }),
  occurredAtMs: fc.integer({ min: T0 - 40_000, max: T0 + 40_000 }),
});

const samplesArb: fc.Arbitrary<LagSample[]> = fc.array(
  fc.record({ lagMs: fc.integer({ min: 0, max: 500 }), atMs: fc.integer({ min: T0 - 20_000, max: T0 }) }),
  { maxLength: 8 },
);

const overrideArb: fc.Arbitrary<Override> = fc.record(
  {
    mode: fc.constantFrom('drain' as const, 'pin' as const),
    by: fc.constantFrom('alice', 'bob'),
    reason: fc.constant('drill'),
    atMs: fc.integer({ min: T0 - 60_000, max: T0 }),
    force: fc.boolean(),
  },
  { requiredKeys: ['mode', 'by', 'reason', 'atMs'] },
);

const regionStateArb: fc.Arbitrary<RegionState> = fc.record({
  inRotation: fc.boolean(),
  reason: fc.constantFrom(...REASONS),
  sipHealthy: fc.boolean(),
  lagExcluded: fc.boolean(),
  healthySinceMs: fc.option(fc.integer({ min: T0 - 60_000, max: T0 }), { nil: null }),
});

const previousArb: fc.Arbitrary<Decision | null> = fc.option(
  fc
    .record({
      epoch: fc.integer({ min: 0, max: 1000 }),
      revision: fc.integer({ min: 0, max: 10_000 }),
      use1: regionStateArb,
      usw2: regionStateArb,
      decidedAtMs: fc.integer({ min: T0 - 60_000, max: T0 }),
    })
    .map(({ use1, usw2, ...rest }) => ({
      ...rest,
      inRotation: ACTIVE.filter((_, i) => [use1, usw2][i]?.inRotation),
      regions: { [USE1]: use1, [USW2]: usw2 },
    })),
  { nil: null },
);

const inputArb: fc.Arbitrary<QuorumInput> = fc.record({
  votes: fc.array(voteArb, { maxLength: 14 }),
  lag: fc.record({ [USE1]: samplesArb, [USW2]: samplesArb }, { requiredKeys: [] }),
  overrides: fc.record({ [USE1]: overrideArb, [USW2]: overrideArb }, { requiredKeys: [] }),
  previous: previousArb,
  settings: fc
    .record({
      minRegionsInRotation: fc.integer({ min: 1, max: 2 }),
      lagSamples: fc.integer({ min: 1, max: 4 }),
      failbackDwellSeconds: fc.integer({ min: 0, max: 60 }),
    })
    .map((s) => ({ ...SETTINGS, ...s })),
});

function permuted<T>(items: readonly T[]): fc.Arbitrary<T[]> {
  return fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });
}

describe('decide (properties)', () => {
  it('gives the same outcome whatever the order of the votes and lag samples', () => {
    const pairs = inputArb.chain((original) =>
      fc.tuple(
        fc.constant(original),
        fc.record({
          votes: permuted(original.votes),
          use1: permuted(original.lag[USE1] ?? []),
          usw2: permuted(original.lag[USW2] ?? []),
        }),
      ),
    );

    fc.assert(
      fc.property(pairs, ([original, order]) => {
        const reordered: QuorumInput = {
          ...original,
          votes: order.votes,
          lag: { ...original.lag, [USE1]: order.use1, [USW2]: order.usw2 },
        };

        expect(decide(reordered, T0)).toEqual(decide(original, T0));
      }),
      { numRuns: 500 },
    );
  });

  it('moves the epoch exactly when the rotation set changes, and the revision every time', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const before = input.previous ?? { epoch: 0, revision: 0, inRotation: ACTIVE };

        const { decision, changed } = decide(input, T0);

        const same =
          decision.inRotation.length === before.inRotation.length &&
          decision.inRotation.every((r) => before.inRotation.includes(r));
        expect(changed).toBe(!same);
        expect(decision.epoch).toBe(before.epoch + (changed ? 1 : 0));
        expect(decision.revision).toBe(before.revision + 1);
        expect(decision.inRotation).toEqual(ACTIVE.filter((r) => decision.regions[r]?.inRotation));
      }),
      { numRuns: 500 },
    );
  });

  it('never goes below minRegionsInRotation unless drains are forced, and says so when it does', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { decision, conditions } = decide(input, T0);

        const below = decision.inRotation.length < input.settings.minRegionsInRotation;
        const forced = ACTIVE.filter(
          (r) => input.overrides[r]?.mode === 'drain' && input.overrides[r]?.force,
        );
        expect(!below || forced.length > 0).toBe(true);
        expect(conditions.some((c) => c.type === 'BelowMinRegions')).toBe(below);
      }),
      { numRuns: 500 },
    );
  });

  it('honours pins always, and drains unless the minimum needs the region', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { decision } = decide(input, T0);

        for (const region of ACTIVE) {
          const override = input.overrides[region];
          const state = decision.regions[region];
          if (override?.mode === 'pin') expect(state).toMatchObject({ inRotation: true, reason: 'Pinned' });
          if (override?.mode === 'drain' && override.force) {
            expect(state).toMatchObject({ inRotation: false, reason: 'Drained' });
          }
          if (override?.mode === 'drain' && !override.force)
            expect(['Drained', 'DrainRefused']).toContain(state?.reason);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('lets a region that was out back in only after the dwell, by a pin, or to keep the minimum', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const before = input.previous?.inRotation ?? ACTIVE;

        const { decision } = decide(input, T0);

        for (const region of ACTIVE) {
          const state = decision.regions[region];
          if (before.includes(region) || !state?.inRotation) continue;
          const dwellServed =
            state.healthySinceMs !== null &&
            T0 - state.healthySinceMs >= input.settings.failbackDwellSeconds * 1000;
          expect(dwellServed || ['Pinned', 'MinRegionsKept', 'DrainRefused'].includes(state.reason)).toBe(
            true,
          );
        }
      }),
      { numRuns: 500 },
    );
  });
});
