import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { controlKeys } from '../shared/keys.js';
import { type MonitorLease, monitorLeaseSchema } from './lease.js';

/**
 * Where an observer's lease (with its counters) lives. Every write is conditional: `create` only if no
 * lease exists, `replace` only if the stored version is `expectedVersion`. A lost condition throws an
 * error named `ConditionalCheckFailedException` (see control-write.ts `isConditionFailed`).
 */
export interface MonitorStore {
  /** Strongly consistent read; null when no lease was ever written. */
  read(observer: string): Promise<MonitorLease | null>;
  create(lease: MonitorLease): Promise<void>;
  /** Writes `lease` (whose version must be `expectedVersion + 1`) if the stored version is `expectedVersion`. */
  replace(lease: MonitorLease, expectedVersion: number): Promise<void>;
}

function checkVersion(lease: MonitorLease, expectedVersion: number): void {
  if (lease.version !== expectedVersion + 1) {
    throw new RangeError(
      `lease version ${lease.version} must be expectedVersion + 1 (${expectedVersion + 1})`,
    );
  }
}

/**
 * The lease in a DynamoDB table with `pk`/`sk`: ControlState for an active region (MRSC: strong reads, and
 * a racing write in the other region fails with ReplicatedWriteConflictException), the witness region's
 * own table for the witness.
 *
 * @example
 * const store = dynamoMonitorStore(dynamoDocClientFor(config), config.isWitness ? config.tables.witnessState : config.tables.controlState);
 */
export function dynamoMonitorStore(
  doc: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
): MonitorStore {
  return {
    async read(observer) {
      const out = await doc.send(
        new GetCommand({
          TableName: tableName,
          Key: controlKeys.monitorLease(observer),
          ConsistentRead: true,
        }),
      );
      if (!out.Item) return null;
      const { pk: _pk, sk: _sk, ...rest } = out.Item;
      return monitorLeaseSchema.parse(rest);
    },
    async create(lease) {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...controlKeys.monitorLease(lease.observer), ...lease },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },
    async replace(lease, expectedVersion) {
      checkVersion(lease, expectedVersion);
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...controlKeys.monitorLease(lease.observer), ...lease },
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
    },
  };
}

class ConditionalCheckFailed extends Error {
  constructor() {
    super('The conditional request failed');
    this.name = 'ConditionalCheckFailedException';
  }
}

/**
 * The same contract in memory, for the local drill and the benchmarks (the tests of the hand-over run
 * against DynamoDB Local). Values are copied in and out, as a table would.
 */
export function memoryMonitorStore(): MonitorStore & { readonly items: Map<string, MonitorLease> } {
  const items = new Map<string, MonitorLease>();
  const copy = (lease: MonitorLease): MonitorLease => structuredClone(lease);
  return {
    items,
    async read(observer) {
      const item = items.get(observer);
      return item ? copy(item) : null;
    },
    async create(lease) {
      if (items.has(lease.observer)) throw new ConditionalCheckFailed();
      items.set(lease.observer, copy(lease));
    },
    async replace(lease, expectedVersion) {
      checkVersion(lease, expectedVersion);
      if (items.get(lease.observer)?.version !== expectedVersion) throw new ConditionalCheckFailed();
      items.set(lease.observer, copy(lease));
    },
  };
}
