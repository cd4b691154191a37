import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newLease } from '../../../functions/health/lease.js';
import { dynamoMonitorStore, type MonitorStore } from '../../../functions/health/monitor-store.js';
import { isConditionFailed } from '../../../functions/shared/control-write.js';
import { controlKeys } from '../../../functions/shared/keys.js';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';
import { OBSERVER, SETTINGS, T0 } from '../../functions/health/monitor-fixtures.js';
import { describeMonitorLoop } from '../../functions/health/monitor-scenarios.js';

let world: LocalWorld;

beforeAll(async () => {
  world = await startLocalWorld({ env: 'dev' });
});

afterAll(async () => {
  await world?.stop();
});

/** The witness monitor's store: the witness region's own table, through the witness endpoint. */
function witnessStore(): MonitorStore {
  return dynamoMonitorStore(world.region(world.witness).doc, world.tables.witnessState);
}

/** An active region's store: ControlState (MRSC), through that region's endpoint. */
function controlStore(): MonitorStore {
  return dynamoMonitorStore(world.region('us-east-1').doc, world.tables.controlState);
}

async function clearLeases(): Promise<void> {
  const key = controlKeys.monitorLease(OBSERVER);
  await world
    .region(world.witness)
    .doc.send(new DeleteCommand({ TableName: world.tables.witnessState, Key: key }));
  await world.control.doc.send(new DeleteCommand({ TableName: world.tables.controlState, Key: key }));
}

describe('dynamoMonitorStore against DynamoDB Local', () => {
  beforeEach(clearLeases);

  it.each([
    ['the witness table', witnessStore],
    ['ControlState', controlStore],
  ])('keeps the lease in %s and reads back exactly what was written', async (_name, makeStore) => {
    // Prepare
    const store = makeStore();
    const lease = newLease(OBSERVER, 'a', T0, SETTINGS);

    // Act
    await store.create(lease);

    // Assess
    expect(await store.read(OBSERVER)).toEqual(lease);
  });

  it('rejects a second create and a replace from a stale version as lost races', async () => {
    // Prepare
    const store = witnessStore();
    const lease = newLease(OBSERVER, 'a', T0, SETTINGS);
    await store.create(lease);
    await store.replace({ ...lease, holder: 'b', version: 1 }, 0);

    // Act
    const errors = await Promise.all([
      store.create(lease).catch((e: unknown) => e),
      store.replace({ ...lease, holder: 'c', version: 1 }, 0).catch((e: unknown) => e),
    ]);

    // Assess
    expect(errors.map(isConditionFailed)).toEqual([true, true]);
    expect((await store.read(OBSERVER))?.holder).toBe('b');
  });

  it('sees a lease written through one active region when reading through the other (one MRSC store)', async () => {
    // Prepare
    const lease = newLease(OBSERVER, 'a', T0, SETTINGS);
    await controlStore().create(lease);

    // Act
    const read = await dynamoMonitorStore(world.region('us-west-2').doc, world.tables.controlState).read(
      OBSERVER,
    );

    // Assess
    expect(read).toEqual(lease);
  });
});

describe('monitor loop over DynamoDB Local', () => {
  beforeEach(clearLeases);
  describeMonitorLoop('the witness table', witnessStore);
  describeMonitorLoop('ControlState', controlStore);
});
