import { randomUUID } from 'node:crypto';
import { DynamoDBClient, InternalServerError } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { contextCacheKeys, controlKeys } from '../../../functions/shared/keys.js';
import { LOCAL_CREDENTIALS } from '../../../local/dynamo/launcher.js';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';

const A = 'us-east-1';
const B = 'us-west-2';

describe('local ControlState (MRSC) and region partitions', () => {
  let world: LocalWorld;
  beforeAll(async () => {
    world = await startLocalWorld({ env: 'dev' });
  });
  afterAll(async () => {
    await world?.stop();
  });
  afterEach(() => {
    for (const region of world.regions) {
      world.heal(region);
      world.region(region).setFaults({});
    }
  });

  const doc = (region: string) => world.region(region).doc;
  const put = (region: string, Item: Record<string, unknown>) =>
    doc(region).send(new PutCommand({ TableName: world.tables.controlState, Item }));
  const get = (region: string, Key: object, ConsistentRead: boolean) =>
    doc(region).send(new GetCommand({ TableName: world.tables.controlState, Key, ConsistentRead }));
  const lease = () => controlKeys.lease(`lease-${randomUUID()}`);

  it('is one store: a write in one region is read strongly in the other at once', async () => {
    // Prepare
    const key = lease();
    // Act
    await put(A, { ...key, holder: A });
    const read = await get(B, key, true);
    // Assess
    expect(read.Item).toEqual({ ...key, holder: A });
  });

  it('fails strongly consistent reads and writes in a partitioned region like MRSC without quorum', async () => {
    // Prepare
    const key = lease();
    await put(A, { ...key, holder: A });
    // Act
    world.partition(B);
    const [strongRead, write, strongQuery] = await Promise.allSettled([
      get(B, key, true),
      put(B, { ...key, holder: B }),
      doc(B).send(
        new QueryCommand({
          TableName: world.tables.controlState,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': key.pk },
          ConsistentRead: true,
        }),
      ),
    ]);
    // Assess
    const quorumLost = { status: 'rejected', reason: expect.any(InternalServerError) };
    expect(strongRead).toMatchObject(quorumLost);
    expect(write).toMatchObject(quorumLost);
    expect(strongQuery).toMatchObject({
      status: 'rejected',
      reason: { name: 'InternalServerError', $fault: 'server' },
    });
    expect((await get(A, key, true)).Item?.holder).toBe(A);
  });

  it('still answers eventually consistent reads in a partitioned region', async () => {
    // Prepare
    const key = lease();
    await put(A, { ...key, holder: A });
    world.partition(B);
    // Act
    const read = await get(B, key, false);
    // Assess
    expect(read.Item).toEqual({ ...key, holder: A });
  });

  it('leaves the other region and the MREC tables of the partitioned one working', async () => {
    // Prepare
    const key = lease();
    const ctx = { ...contextCacheKeys.context(`conv-${randomUUID()}`), expiresAt: 4_000_000_000 };
    world.partition(B);
    // Act
    await put(A, { ...key, holder: A });
    await doc(B).send(new PutCommand({ TableName: world.tables.contextCache, Item: ctx }));
    // Assess
    expect((await get(A, key, true)).Item?.holder).toBe(A);
    expect(
      (await doc(B).send(new GetCommand({ TableName: world.tables.contextCache, Key: { pk: ctx.pk } }))).Item,
    ).toEqual(ctx);
  });

  it('serves strong reads and writes again once the region heals, with the writes made meanwhile', async () => {
    // Prepare
    const key = lease();
    world.partition(B);
    await put(A, { ...key, holder: A });
    // Act
    world.heal(B);
    const seen = await get(B, key, true);
    await put(B, { ...key, holder: B });
    // Assess
    expect(seen.Item?.holder).toBe(A);
    expect((await get(A, key, true)).Item?.holder).toBe(B);
    expect(world.isPartitioned(B)).toBe(false);
  });

  it('rejects transactions on ControlState (MRSC tables have none)', async () => {
    // Act
    const tx = doc(A).send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: world.tables.controlState, Item: lease() } }],
      }),
    );
    // Assess
    await expect(tx).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('rejects partitioning the witness region, which holds no ControlState replica', () => {
    expect(() => world.partition(world.witness)).toThrow(/not an active region/);
  });

  it('throttles a region on demand with ProvisionedThroughputExceededException', async () => {
    // Prepare: one attempt, so the SDK's throttling back-off does not hide the error.
    const client = new DynamoDBClient({
      region: A,
      endpoint: world.region(A).endpoint,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    const once = DynamoDBDocumentClient.from(client);
    const key = lease();
    world.region(A).setFaults({ throttle: true, throttleTables: [world.tables.controlState] });
    // Act
    const throttled = once.send(new PutCommand({ TableName: world.tables.controlState, Item: key }));
    const other = once.send(
      new GetCommand({ TableName: world.tables.contextCache, Key: contextCacheKeys.context('none') }),
    );
    // Assess
    await expect(throttled).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    await expect(other).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    client.destroy();
  });
});
