import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';
import { cli } from '../../support/cli.js';
import { A, B, clearControl, SETTINGS, storeFor, W } from './quorum-fixtures.js';

describe('cc-continuity against local ControlState', () => {
  let world: LocalWorld;
  let local: string[];
  beforeAll(async () => {
    world = await startLocalWorld({ env: 'dev' });
    await clearControl(world);
    local = ['--env', 'dev', '--endpoint', world.region(A).endpoint];
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('prints its usage with --help', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('npx cc-continuity drain  --env <env> --region <r> --reason "..."');
  });

  it('rejects a drain without a region, naming what is missing', async () => {
    const { code, err } = await cli(['drain', ...local, '--reason', 'x']);
    expect(code).toBe(2);
    expect(err).toContain('drain needs --region');
  });

  it('fails with the cause when ControlState cannot be reached, not only "quorum lost"', async () => {
    const { code, err } = await cli(['status', '--env', 'dev', '--endpoint', 'http://127.0.0.1:1']);
    expect(code).toBe(1);
    expect(err).toMatch(/quorum lost \(cause: .*ECONNREFUSED/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('shows the rotation, the votes behind it and the lag', async () => {
    // Prepare
    const now = Date.now();
    await storeFor(world, A).putVote(
      { observer: W, targetRegion: B, healthy: true, incarnation: 1, seq: 3, occurredAtMs: now },
      SETTINGS.voteStaleMs,
    );
    await storeFor(world, A).addLagSample(B, { lagMs: 42, atMs: now, eventId: 'lag-1' });
    // Act
    const { code, out } = await cli(['status', ...local]);
    // Assess
    expect(code).toBe(0);
    expect(out).toContain('rotation: no decision stored yet');
    expect(out).toMatch(
      /us-west-2: IN\n {2}vote from us-east-1: no vote\n {2}vote from us-west-2: no vote\n {2}vote from us-east-2: healthy, seq 3/,
    );
    expect(out).toContain('inbound replication lag: 42 ms');
  });

  it('drains a region with who and why, refuses to drain the last one, and resumes', async () => {
    // Act
    const drained = await cli([
      'drain',
      ...local,
      '--region',
      B,
      '--reason',
      'carrier maintenance',
      '--by',
      'ana',
    ]);
    const refused = await cli(['drain', ...local, '--region', A, '--reason', 'oops', '--by', 'bob']);
    const stored = await storeFor(world, B).readDecision();
    const resumed = await cli(['resume', ...local, '--region', A]);
    // Assess
    expect(drained.code).toBe(0);
    expect(drained.out).toContain('rotation changed (epoch 1) [local: event not sent]');
    expect(drained.out).toContain('us-west-2: OUT (Drained)');
    expect(drained.out).toMatch(/override: drain by ana at \S+: carrier maintenance/);
    expect(refused.out).toContain('condition DrainRefused');
    expect(refused.out).toContain('us-east-1: IN (DrainRefused)');
    expect(stored?.decision.inRotation).toEqual([A]);
    expect(resumed.out).toContain('us-east-1: IN (Healthy)');
    expect(resumed.out).toContain('last change: epoch 1');
  });
});
