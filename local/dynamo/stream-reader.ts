import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';

interface ShardCursor {
  readonly parentId: string | undefined;
  iterator: string | undefined;
  lastSequence: string | undefined;
  done: boolean;
}

const SHARD_REFRESH_MS = 1_000;
const RECOVERABLE = new Set(['TrimmedDataAccessException', 'ExpiredIteratorException']);

/**
 * Reads every record of one table's stream in order, shard by shard: a child shard is read
 * only once its parent is drained, which keeps each item's changes in write order.
 * Starts at TRIM_HORIZON (the replicator starts with the tables, before any write).
 */
export class StreamReader {
  private readonly shards = new Map<string, ShardCursor>();
  private refreshedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly client: DynamoDBStreamsClient,
    readonly streamArn: string,
  ) {}

  /** Reads what is there now from every readable shard; hands the records to `onRecord` in order. */
  async poll(now: number, onRecord: (record: StreamRecord) => void): Promise<number> {
    if (now - this.refreshedAt >= SHARD_REFRESH_MS) {
      await this.refreshShards();
      this.refreshedAt = now;
    }
    let count = 0;
    let finishedOne = false;
    for (const [shardId, cursor] of this.shards) {
      if (cursor.done || !this.readable(cursor)) continue;
      const page = await this.readPage(shardId, cursor);
      for (const record of page.Records ?? []) {
        onRecord(record);
        cursor.lastSequence = record.dynamodb?.SequenceNumber ?? cursor.lastSequence;
        count++;
      }
      cursor.iterator = page.NextShardIterator;
      if (cursor.iterator === undefined) {
        cursor.done = true;
        finishedOne = true;
      }
    }
    // A drained parent may have a child waiting: look for it on the next poll.
    if (finishedOne) this.refreshedAt = Number.NEGATIVE_INFINITY;
    return count;
  }

  private async readPage(shardId: string, cursor: ShardCursor) {
    cursor.iterator ??= await this.iterator(shardId, cursor);
    try {
      return await this.client.send(new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: 1000 }));
    } catch (e) {
      // DynamoDB Local at times answers TrimmedDataAccessException to a TRIM_HORIZON iterator taken
      // while the shard was still empty (seen on the first replicated write); iterators also expire
      // after 15 minutes.
      // Both only mean "take a fresh iterator from where you were": nothing is skipped or repeated.
      if (!RECOVERABLE.has((e as Error).name)) throw e;
      cursor.iterator = await this.iterator(shardId, cursor);
      return await this.client.send(new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: 1000 }));
    }
  }

  private readable(cursor: ShardCursor): boolean {
    if (cursor.parentId === undefined) return true;
    const parent = this.shards.get(cursor.parentId);
    return parent === undefined || parent.done;
  }

  private async iterator(shardId: string, cursor: ShardCursor): Promise<string> {
    const out = await this.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ...(cursor.lastSequence === undefined
          ? { ShardIteratorType: 'TRIM_HORIZON' }
          : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: cursor.lastSequence }),
      }),
    );
    if (out.ShardIterator === undefined)
      throw new Error(`no iterator for ${this.streamArn} shard ${shardId}`);
    return out.ShardIterator;
  }

  /** Drops a cursor's iterator so the next poll re-acquires it (after an expired iterator). */
  resetIterators(): void {
    for (const cursor of this.shards.values()) cursor.iterator = undefined;
  }

  private async refreshShards(): Promise<void> {
    let exclusiveStart: string | undefined;
    do {
      const out = await this.client.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: exclusiveStart }),
      );
      for (const shard of out.StreamDescription?.Shards ?? []) {
        if (shard.ShardId === undefined || this.shards.has(shard.ShardId)) continue;
        this.shards.set(shard.ShardId, {
          parentId: shard.ParentShardId,
          iterator: undefined,
          lastSequence: undefined,
          done: false,
        });
      }
      exclusiveStart = out.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStart !== undefined);
  }
}
