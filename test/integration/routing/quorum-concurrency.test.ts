import { describe, expect, it } from 'vitest';
import { handleQuorumEvent, rotationEventId } from '../../../functions/routing/quorum-service.js';
import type { ParsedEvent } from '../../../functions/shared/events.js';
import { memoryPublisher } from '../../../functions/shared/publisher.js';
import type { LocalWorld } from '../../../local/dynamo/world.js';
import {
  A,
  B,
  clearControl,
  depsFor,
  scheduleEvent,
  shuffled,
  storeFor,
  T0,
  useControlWorld,
  votesOn,
} from './quorum-fixtures.js';

/**
 * us-east-1 goes down at T0 (three unhealthy votes), comes back healthy at T0+5 s, and observers
 * re-vote every 10 s; us-west-2 stays healthy. Two changes: A out at T0, A back once the 30 s dwell
 * has passed (the T0+35 s phase). Each phase also redelivers the previous phase's votes.
 */
function phases(): { readonly at: number; readonly events: ParsedEvent[] }[] {
  const out: { at: number; events: ParsedEvent[] }[] = [];
  let previous: ParsedEvent[] = [];
  const times = [0, 5, 15, 25, 35, 45].map((s) => T0 + s * 1000);
  times.forEach((at, i) => {
    const seq = i + 1;
    const fresh = [...votesOn(A, i > 0, seq, at), ...votesOn(B, true, seq, at)];
    out.push({ at, events: [...fresh, ...previous] });
    previous = fresh;
  });
  return out;
}

const TRIALS = 6;

describe('quorum in both regions on local ControlState', () => {
  let world: LocalWorld;
  useControlWorld((w) => {
    world = w;
  });

  it(`converges on one epoch-ordered history and one RegionRotationChanged per change (${TRIALS} trials)`, async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      // Prepare
      await clearControl(world);
      const publishers = { [A]: memoryPublisher(), [B]: memoryPublisher() };
      const deps = new Map([
        [A, depsFor(world, A, publishers[A])],
        [B, depsFor(world, B, publishers[B])],
      ]);
      // Act: each phase, both regions get every event, each in its own order, at the same time.
      for (const [p, phase] of phases().entries()) {
        await Promise.all(
          [A, B].map(async (region, r) => {
            const skew = r * 250; // the peer's clock is a little ahead
            for (const event of shuffled(phase.events, trial * 1000 + p * 10 + r)) {
              await handleQuorumEvent(deps.get(region) ?? depsFor(world, region), event, phase.at + skew);
            }
          }),
        );
      }
      await Promise.all(
        [A, B].map((r) => handleQuorumEvent(deps.get(r) ?? depsFor(world, r), scheduleEvent(), T0 + 60_000)),
      );

      // Assess
      const store = storeFor(world, A);
      const history = await store.readHistory();
      const published = [...publishers[A].published, ...publishers[B].published].map((e) =>
        JSON.parse(e.Detail ?? '{}'),
      );
      const context = `trial ${trial}`;
      expect(
        history.map((h) => [h.epoch, h.decision.inRotation]),
        context,
      ).toEqual([
        [1, [B]],
        [2, [A, B]],
      ]);
      expect(published.map((d) => [d.epoch, d.inRotation, d.previous, d.eventId]).sort(), context).toEqual([
        [1, [B], [A, B], rotationEventId(1)],
        [2, [A, B], [B], rotationEventId(2)],
      ]);
      const current = await store.readDecision();
      expect(current?.decision.epoch, context).toBe(2);
      expect(current?.pending, context).toEqual({});
    }
  });

  it('announces a change whose writer failed to publish once, from a later evaluation after the grace', async () => {
    // Prepare: us-east-1's first publish fails (PutEvents down, or the function died before it)
    let failures = 1;
    const flaky = memoryPublisher();
    const a = depsFor(world, A, {
      async publish(entries) {
        if (failures-- > 0) throw new Error('PutEvents failed');
        await flaky.publish(entries);
      },
    });
    const b = depsFor(world, B, memoryPublisher());
    const peer = b.publisher as ReturnType<typeof memoryPublisher>;
    const down = [...votesOn(A, false, 1, T0), ...votesOn(B, true, 1, T0)];

    // Act
    let failed: unknown;
    for (const event of down) await handleQuorumEvent(a, event, T0).catch((e: unknown) => (failed = e));
    const beforeGrace = await handleQuorumEvent(b, scheduleEvent(), T0 + 1000);
    const afterGrace = await handleQuorumEvent(b, scheduleEvent(), T0 + a.announceGraceMs);
    const later = await handleQuorumEvent(a, scheduleEvent(), T0 + 2 * a.announceGraceMs);

    // Assess
    expect(failed).toMatchObject({ message: 'PutEvents failed' });
    const announced = (r: typeof beforeGrace) => (r.kind === 'evaluated' ? r.evaluation.announced : null);
    expect([announced(beforeGrace), announced(afterGrace), announced(later)]).toEqual([[], [1], []]);
    expect(peer.published.map((e) => JSON.parse(e.Detail ?? '{}').eventId)).toEqual([rotationEventId(1)]);
    expect(flaky.published).toEqual([]);
    const store = storeFor(world, A);
    expect((await store.readHistory()).map((h) => h.decision.inRotation)).toEqual([[B]]);
    expect((await store.readDecision())?.pending).toEqual({});
  });
});
