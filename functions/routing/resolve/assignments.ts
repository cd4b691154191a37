import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { compareAndSet, isConditionFailed, isWriteConflict } from '../../shared/control-write.js';
import { controlKeys } from '../../shared/keys.js';
import { budgetedSend } from '../budget.js';
import type { OverflowWindow } from './decide.js';
import type { ResolveAnswer } from './types.js';

/**
 * One answer per conversation, in ControlState (strongly consistent in both regions): a resolve records
 * its answer with a conditional put that holds only when no live answer of equal or higher priority is
 * stored, so two regions resolving one conversation at once end with one answer (the loser reads the
 * winner's). ControlState has no TTL: an answer past `expiresAt` counts as absent and a scheduled sweep
 * deletes it. Also the overflow window: per caller region, resolves and overflows per minute.
 */

export interface StoredAssignment {
  readonly answer: ResolveAnswer;
  /** Epoch ms after which the answer no longer holds. */
  readonly expiresAt: number;
}

export interface AssignmentStore {
  /** The live answer for the conversation, or null (none, or expired). */
  read(conversationId: string, now: number): Promise<StoredAssignment | null>;
  /**
   * Records `answer` unless a live answer of equal or higher priority is stored; returns what is stored
   * afterwards (ours, or the one that won).
   */
  record(
    answer: ResolveAnswer,
    expiresAt: number,
    now: number,
  ): Promise<{ stored: StoredAssignment; won: boolean }>;
  /** Adds one resolve (and one overflow when `overflowed`) to the caller region's current minute. */
  countResolve(callerRegion: string, overflowed: boolean, now: number): Promise<void>;
  /** The caller region's resolves and overflows over the last `windowMs`. */
  readOverflow(callerRegion: string, windowMs: number, now: number): Promise<OverflowWindow>;
  /** Deletes answers expired by `now`, at most `limit`; returns how many were deleted. */
  sweep(now: number, limit?: number): Promise<number>;
}

const MINUTE_MS = 60_000;

export function dynamoAssignmentStore(options: {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly budgetMs: number;
}): AssignmentStore {
  const { doc, tableName: TableName, budgetMs } = options;
  const run = budgetedSend(doc, budgetMs);

  const read = async (conversationId: string, now: number): Promise<StoredAssignment | null> => {
    const out = await run<{ Item?: Record<string, unknown> }>(
      'read assignment',
      new GetCommand({ TableName, Key: controlKeys.assignment(conversationId), ConsistentRead: true }),
    );
    const item = out.Item;
    if (item === undefined || typeof item.expiresAt !== 'number' || item.expiresAt <= now) return null;
    return { answer: item.answer as ResolveAnswer, expiresAt: item.expiresAt };
  };

  return {
    read,
    record: (answer, expiresAt, now) =>
      // compareAndSet retries what is still a race (and throttling), with back-off.
      compareAndSet(async () => {
        try {
          await run(
            'write assignment',
            new PutCommand({
              TableName,
              Item: {
                ...controlKeys.assignment(answer.conversationId),
                answer,
                priority: answer.priority,
                expiresAt,
              },
              ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now OR priority < :p',
              ExpressionAttributeValues: { ':now': now, ':p': answer.priority },
            }),
          );
          return { stored: { answer, expiresAt }, won: true };
        } catch (error) {
          if (!isConditionFailed(error) && !isWriteConflict(error)) throw error;
          // Someone recorded first: theirs stands if it is live and not of lower priority. A conflict
          // (concurrent write in the other region) may also mean nobody's landed yet: try again.
          const stored = await read(answer.conversationId, now);
          if (stored !== null && stored.answer.priority >= answer.priority) return { stored, won: false };
          throw error;
        }
      }),
    async countResolve(callerRegion, overflowed, now) {
      const bucket = Math.floor(now / MINUTE_MS) * MINUTE_MS;
      await run(
        'count resolve',
        new UpdateCommand({
          TableName,
          Key: controlKeys.overflowBucket(callerRegion, bucket),
          UpdateExpression: 'ADD resolves :one, overflowed :o SET expiresAt = :exp',
          ExpressionAttributeValues: { ':one': 1, ':o': overflowed ? 1 : 0, ':exp': bucket + 2 * 3_600_000 },
        }),
      );
    },
    async readOverflow(callerRegion, windowMs, now) {
      const from = Math.floor((now - windowMs) / MINUTE_MS) * MINUTE_MS;
      const out = await run<{ Items?: Record<string, unknown>[] }>(
        'read overflow window',
        new QueryCommand({
          TableName,
          ConsistentRead: true,
          KeyConditionExpression: 'pk = :pk AND sk >= :from',
          ExpressionAttributeValues: {
            ':pk': controlKeys.overflowWindow(callerRegion).pk,
            ':from': controlKeys.overflowBucket(callerRegion, Math.max(0, from)).sk,
          },
        }),
      );
      let total = 0;
      let overflowed = 0;
      for (const item of out.Items ?? []) {
        total += Number(item.resolves ?? 0);
        overflowed += Number(item.overflowed ?? 0);
      }
      return { total, overflowed };
    },
    async sweep(now, limit = 1000) {
      let deleted = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const page = await run<{
          Items?: Record<string, unknown>[];
          LastEvaluatedKey?: Record<string, unknown>;
        }>(
          'scan expired',
          new ScanCommand({
            TableName,
            ConsistentRead: true,
            FilterExpression: '(begins_with(pk, :a) OR begins_with(pk, :o)) AND expiresAt <= :now',
            ProjectionExpression: 'pk, sk, expiresAt',
            ExpressionAttributeValues: { ':a': 'ASSIGN#', ':o': 'OVERFLOW#', ':now': now },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          if (deleted >= limit) return deleted;
          try {
            // Only if still the expired one: a resolve may have recorded a fresh answer since the scan.
            await run(
              'delete expired',
              new DeleteCommand({
                TableName,
                Key: { pk: item.pk, sk: item.sk },
                ConditionExpression: 'expiresAt = :seen',
                ExpressionAttributeValues: { ':seen': item.expiresAt },
              }),
            );
            deleted++;
          } catch (error) {
            if (!isConditionFailed(error)) throw error;
          }
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return deleted;
    },
  };
}
