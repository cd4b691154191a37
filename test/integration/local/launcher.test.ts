import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { type DynamoLocal, LOCAL_CREDENTIALS, startDynamoLocal } from '../../../local/dynamo/launcher.js';
import { isRunning, runTs, waitUntilGone } from './process-helpers.js';

const ORPHAN = fileURLToPath(new URL('./fixtures/orphan-jvm.ts', import.meta.url));
// Generous: the watchdog checks once a second; this bounds a hang, it does not time anything.
const REAP_WITHIN_MS = 20_000;

describe('startDynamoLocal', () => {
  const started: DynamoLocal[] = [];
  afterAll(async () => {
    await Promise.all(started.map((d) => d.stop()));
  });

  it('answers on a loopback endpoint and is gone after stop()', async () => {
    // Prepare
    const ddb = await startDynamoLocal();
    started.push(ddb);
    const client = new DynamoDBClient({
      endpoint: ddb.endpoint,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
    });
    // Act
    const tables = await client.send(new ListTablesCommand({}));
    await ddb.stop();
    client.destroy();
    // Assess
    expect(ddb.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(tables.TableNames).toEqual([]);
    expect(isRunning(ddb.pid)).toBe(false);
  });

  it('stops twice without failing', async () => {
    // Prepare
    const ddb = await startDynamoLocal();
    started.push(ddb);
    // Act
    await Promise.all([ddb.stop(), ddb.stop()]);
    // Assess
    await expect(ddb.stop()).resolves.toBeUndefined();
    expect(isRunning(ddb.pid)).toBe(false);
  });

  it.each([
    ['exits normally', 'exit'],
    ['is killed with SIGKILL', 'crash'],
  ])('kills the JVM when the process that started it %s without stop()', async (_, mode) => {
    // Act
    const out = await runTs(ORPHAN, [mode]);
    const pid = Number.parseInt(out.trim(), 10);
    // Assess
    expect(pid).toBeGreaterThan(0);
    expect(await waitUntilGone(pid, REAP_WITHIN_MS)).toBe(true);
  });
});
