import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { controlKeys } from '../../shared/keys.js';
import { withinBudget } from '../budget.js';
import type { AgentCapacity, CapacityReader, QueueSnapshot } from './types.js';

/**
 * Reads a queue's capacity snapshot in one region from ControlState: one strongly consistent Query of
 * the `capacityOf` partition (its `MEMBER#` items and the `OBSERVED` item, paged only past 1 MB), each
 * page under the control budget (over it or failing: ControlUnavailable, the fencing signal).
 */

export interface DynamoCapacityReaderOptions {
  readonly doc: Pick<DynamoDBDocumentClient, 'send'>;
  readonly tableName: string;
  /** quorum.controlBudgetMs */
  readonly budgetMs: number;
}

type Item = Record<string, unknown>;

const MEMBER_PREFIX = controlKeys.capacityMember('r', 'q', 'u').sk.slice(0, -'u'.length);
const OBSERVED_SK = controlKeys.capacityObserved('r', 'q').sk;

/**
 * @example
 * const capacity = dynamoCapacityReader({ doc, tableName: config.tables.controlState, budgetMs: 1000 });
 * const snapshot = await capacity.read('us-west-2', queueId);
 */
export function dynamoCapacityReader(options: DynamoCapacityReaderOptions): CapacityReader {
  const { doc, tableName: TableName, budgetMs } = options;
  return {
    async read(region, queueId) {
      const items: Item[] = [];
      let start: Item | undefined;
      do {
        const out = await withinBudget(
          budgetMs,
          'read capacity snapshot',
          (abortSignal) =>
            doc.send(
              new QueryCommand({
                TableName,
                ConsistentRead: true,
                KeyConditionExpression: 'pk = :pk',
                ExpressionAttributeValues: { ':pk': controlKeys.capacityOf(region, queueId).pk },
                ExclusiveStartKey: start,
              }),
              { abortSignal },
            ) as Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>,
        );
        items.push(...(out.Items ?? []));
        start = out.LastEvaluatedKey;
      } while (start);
      return snapshotOf(region, queueId, items);
    },
  };
}

/**
 * The snapshot the items of one `capacityOf` partition describe: members joined now (sorted by user
 * id), and the last observation. Pure, so the shape rules are tested without a table.
 */
export function snapshotOf(region: string, queueId: string, items: readonly Item[]): QueueSnapshot {
  const members: AgentCapacity[] = [];
  let observed: Item | undefined;
  for (const item of items) {
    if (item.sk === OBSERVED_SK) observed = item;
    else if (typeof item.sk === 'string' && item.sk.startsWith(MEMBER_PREFIX) && item.joined === true) {
      members.push(memberOf(item));
    }
  }
  members.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  return {
    region,
    queueId,
    members,
    waiting: numberOrNull(observed?.waiting),
    handleTimeMs: numberOrNull(observed?.handleTimeMs),
    observedAt: numberOrNull(observed?.observedAt),
  };
}

function memberOf(item: Item): AgentCapacity {
  const skills: Record<string, number> = {};
  const stored = item.skills;
  if (typeof stored === 'object' && stored !== null) {
    for (const [name, proficiency] of Object.entries(stored)) {
      if (typeof proficiency === 'number' && Number.isFinite(proficiency)) skills[name] = proficiency;
    }
  }
  return {
    userId: String(item.userId ?? (item.sk as string).slice(MEMBER_PREFIX.length)),
    routingStatus: typeof item.routingStatus === 'string' ? item.routingStatus : null,
    onQueue: typeof item.onQueue === 'boolean' ? item.onQueue : null,
    skills,
  };
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
