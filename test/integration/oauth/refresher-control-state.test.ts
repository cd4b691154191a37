import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dynamoLeaseStore } from '../../../functions/oauth/lease.js';
import { refreshOrgs } from '../../../functions/oauth/refresher.js';
import { dynamoTokenStore, platformTokenKey } from '../../../functions/oauth/token-store.js';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';
import { OBSERVATIONS_PATH } from '../../../local/platform/server.js';
import { A, B, EAST, type Harness, startHarness } from '../../functions/oauth/harness.js';

/**
 * The refresher on the local ControlState (DynamoDB Local, MRSC semantics): the token item and the lease
 * shared by both regions' refreshers, the replicated token key across regions, and redaction throughout.
 */
describe('oauth refresher on the local ControlState', () => {
  let world: LocalWorld;
  let h: Harness;
  const leaksSeen: string[] = [];
  beforeAll(async () => {
    world = await startLocalWorld({ env: 'dev' });
  });
  afterAll(async () => {
    await world?.stop();
    expect(leaksSeen).toEqual([]);
  });
  const storesIn = (region: string) => {
    const doc = world.region(region).doc;
    const tableName = world.tables.controlState;
    return { store: dynamoTokenStore({ doc, tableName }), leases: dynamoLeaseStore({ doc, tableName }) };
  };
  const startIn = async () => {
    h = await startHarness({ ...storesIn(A) });
    return h;
  };
  afterEach(async () => {
    leaksSeen.push(...h.leaks());
    await h.stop();
    for (const org of ['east', 'west']) await world.control.doc.send(deleteItem(world, org));
  });

  it('refreshes once when both regions race for the same org, and either region reads the token', async () => {
    // Prepare
    await startIn();
    const inA = h.deps(A, 'refresher-a', storesIn(A));
    const inB = h.deps(B, 'refresher-b', storesIn(B));
    // Act
    const [fromA, fromB] = await Promise.all([refreshOrgs(inA, h.clock.t), refreshOrgs(inB, h.clock.t)]);
    const again = await Promise.all([refreshOrgs(inA, h.clock.t + 1000), refreshOrgs(inB, h.clock.t + 1000)]);
    const response = await h.client(EAST, B, storesIn(B)).request('POST', OBSERVATIONS_PATH, {});
    // Assess
    expect(h.platform.tokenRequests('east')).toBe(1);
    expect(h.platform.tokenRequests('west')).toBe(1);
    const results = [...fromA, ...fromB]
      .filter((o) => o.org === 'east')
      .map((o) => o.result)
      .sort();
    expect(results).toEqual(['lease-held', 'refreshed'].sort());
    expect(again.flat().map((o) => o.result)).toEqual(['fresh', 'fresh', 'fresh', 'fresh']);
    expect(response.status).toBe(200); // encrypted by one region's refresher, decrypted in B
    expect(h.publisher.published.filter((e) => e.DetailType === 'PlatformTokenRefreshed')).toHaveLength(2);
  });

  it('replaces a dead holder after its lease lapses, before the token expires', async () => {
    // Prepare: region A's refresher took the lease for east and died holding it
    await startIn();
    const { leases } = storesIn(A);
    const dead = await leases.tryAcquire('oauth-east', 'refresher-a-crashed', h.clock.t, 30_000);
    const inB = h.deps(B, 'refresher-b', storesIn(B));
    // Act
    const whileHeld = await refreshOrgs(inB, h.clock.t + 29_999);
    const afterLapse = await refreshOrgs(inB, h.clock.t + 30_000);
    // Assess
    expect(dead).toEqual({
      name: 'oauth-east',
      holder: 'refresher-a-crashed',
      expiresAt: h.clock.t + 30_000,
    });
    expect(whileHeld.find((o) => o.org === 'east')?.result).toBe('lease-held');
    expect(afterLapse.find((o) => o.org === 'east')?.result).toBe('refreshed');
    expect(h.platform.tokenRequests('east')).toBe(1);
    const stored = await storesIn(A).store.read('east');
    expect(stored?.updatedBy).toBe(B);
    expect(stored?.token?.apiHost).toBe(EAST.apiHost);
  });

  it('keeps a Retry-After back-off in the item, honoured by the other region', async () => {
    // Prepare
    await startIn();
    h.platform.failTokens('east', { status: 429, times: 1, retryAfter: '120' });
    const inA = h.deps(A, 'refresher-a', storesIn(A));
    const inB = h.deps(B, 'refresher-b', storesIn(B));
    // Act
    await refreshOrgs(inA, h.clock.t);
    const inBSoon = await refreshOrgs(inB, h.clock.t + 60_000);
    const inBLater = await refreshOrgs(inB, h.clock.t + 121_000);
    // Assess
    expect(inBSoon.find((o) => o.org === 'east')?.result).toBe('backing-off');
    expect(inBLater.find((o) => o.org === 'east')?.result).toBe('refreshed');
    expect(h.platform.tokenRequests('east')).toBe(2);
  });
});

function deleteItem(world: LocalWorld, org: string) {
  return new DeleteCommand({ TableName: world.tables.controlState, Key: platformTokenKey(org) });
}
