import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoCapacityReader } from '../../../functions/routing/capacity/reader.js';
import { dynamoCapacityWriter } from '../../../functions/routing/capacity/store.js';
import type { CapacityReader } from '../../../functions/routing/capacity/types.js';
import { dynamoDocClient } from '../../../functions/shared/clients.js';
import type { LocalWorld } from '../../../local/dynamo/world.js';
import { BUDGET_MS } from './quorum-fixtures.js';

/** Capacity adapters for `region` as its functions make them: one attempt per call, the control budget. */
export function capacityFor(world: LocalWorld, region: string) {
  const doc = dynamoDocClient(region, world.region(region).endpoint, {
    maxAttempts: 1,
    requestTimeoutMs: BUDGET_MS,
  });
  const tableName = world.tables.controlState;
  return {
    doc,
    writer: dynamoCapacityWriter({
      doc,
      tableName,
      budgetMs: BUDGET_MS,
      cas: { sleep: async () => undefined },
    }),
    reader: dynamoCapacityReader({ doc, tableName, budgetMs: BUDGET_MS }) as CapacityReader,
  };
}

/** Every ControlState item (read past every proxy), to assert that nothing was written. */
export async function controlItems(world: LocalWorld): Promise<Record<string, unknown>[]> {
  const out = await world.control.doc.send(new ScanCommand({ TableName: world.tables.controlState }));
  return out.Items ?? [];
}

/** A seeded shuffle (mulberry32), so a failing order can be replayed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
