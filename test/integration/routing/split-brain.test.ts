import { describe, expect, it } from 'vitest';
import { healthCheck } from '../../../functions/routing/health-check.js';
import { handleQuorumEvent, type QuorumDeps } from '../../../functions/routing/quorum-service.js';
import { buildEvent } from '../../../functions/shared/events.js';
import { stableEventId } from '../../../functions/shared/identifiers.js';
import { busName } from '../../../functions/shared/names.js';
import type { LocalWorld } from '../../../local/dynamo/world.js';
import {
  A,
  B,
  delivered,
  depsFor,
  scheduleEvent,
  storeFor,
  T0,
  useControlWorld,
  votesOn,
} from './quorum-fixtures.js';

function lagEvent(lagMs: number, at: number) {
  return delivered(
    buildEvent(
      'ReplicationLagMeasured',
      {
        measuringRegion: B,
        sourceRegion: A,
        lagMs,
        level: lagMs > 200 ? 'excluded' : 'ok',
        previousLevel: lagMs > 200 ? 'ok' : 'excluded',
        thresholdMs: 200,
      },
      { originRegion: B, now: at, eventBusName: busName('dev'), eventId: stableEventId('lag', B, at) },
    ),
  );
}

describe('split brain: us-west-2 loses ControlState while both SIP edges stay healthy', () => {
  let world: LocalWorld;
  let seq = 0;
  useControlWorld((w) => {
    world = w;
  });

  /** Every observer re-votes both regions healthy at `at` (the monitors keep voting throughout). */
  async function healthyVotes(deps: QuorumDeps, at: number) {
    seq += 1;
    for (const event of [...votesOn(A, true, seq, at), ...votesOn(B, true, seq, at)]) {
      await handleQuorumEvent(deps, event, at);
    }
  }

  it('fences B at once, keeps A in rotation, and brings B back only after the dwell once healed', async () => {
    // Prepare: both regions healthy and in rotation.
    const a = depsFor(world, A);
    const b = depsFor(world, B);
    await healthyVotes(a, T0);
    expect((await healthCheck(storeFor(world, A), A)).status).toBe(200);
    expect((await healthCheck(storeFor(world, B), B)).status).toBe(200);

    // Act 1: B is cut off: no ControlState quorum, no replication.
    world.partition(B);
    world.replication.cut(A, B);
    world.replication.cut(B, A);
    const fenced = await handleQuorumEvent(b, scheduleEvent(), T0 + 1000);
    const bDuring = await healthCheck(storeFor(world, B), B);
    // A still decides: B's inbound lag climbs past the exclusion threshold (3 samples).
    for (const [i, lag] of [900, 1900, 2900].entries()) {
      await handleQuorumEvent(a, lagEvent(lag, T0 + 1000 * (i + 1)), T0 + 1000 * (i + 1));
    }
    await healthyVotes(a, T0 + 4000);

    // Assess 1
    expect(fenced.kind).toBe('fenced');
    expect(bDuring).toEqual({ status: 503, body: { region: B, inRotation: false, reason: 'QuorumLost' } });
    expect(await healthCheck(storeFor(world, A), A)).toEqual({
      status: 200,
      body: { region: A, inRotation: true, reason: 'Healthy' },
    });
    const during = await storeFor(world, A).readDecision();
    expect(during?.decision.inRotation).toEqual([A]);
    expect(during?.decision.regions[B]?.reason).toBe('ReplicationLag');

    // Act 2: healed; lag back under the threshold from T1 on.
    world.heal(B);
    world.replication.restore(A, B);
    world.replication.restore(B, A);
    const T1 = T0 + 10_000;
    for (const [i, lag] of [40, 35, 30].entries()) {
      await handleQuorumEvent(b, lagEvent(lag, T1 + 1000 * i), T1 + 1000 * i);
    }
    await healthyVotes(b, T1 + 2000);
    const inDwell: number[] = [];
    for (let t = T1 + 10_000; t < T1 + 2000 + 30_000; t += 10_000) {
      await healthyVotes(b, t);
      inDwell.push((await healthCheck(storeFor(world, B), B)).status);
    }
    await healthyVotes(b, T1 + 2000 + 30_000);

    // Assess 2: 503 (FailbackDwell) through the dwell, 200 after it.
    expect(inDwell).toEqual([503, 503, 503]);
    expect(await healthCheck(storeFor(world, B), B)).toEqual({
      status: 200,
      body: { region: B, inRotation: true, reason: 'Healthy' },
    });
    const history = await storeFor(world, B).readHistory();
    expect(history.map((h) => h.decision.inRotation)).toEqual([[A], [A, B]]);
  });

  it('answers 503 within the budget when ControlState stops answering', { timeout: 20_000 }, async () => {
    // Prepare: the decision has B in rotation, then B's ControlState calls hang for 15 s.
    await healthyVotes(depsFor(world, A), T0);
    world.region(B).setFaults({ latencyMs: 15_000 });
    try {
      // Act: without the budget this would outlast the test's timeout.
      const answer = await healthCheck(storeFor(world, B, 300), B);
      // Assess
      expect(answer).toEqual({ status: 503, body: { region: B, inRotation: false, reason: 'QuorumLost' } });
    } finally {
      world.region(B).setFaults({});
    }
  });
});
