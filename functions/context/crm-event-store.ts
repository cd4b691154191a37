import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandOutput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { crmEventKeys } from '../shared/keys.js';
import { type CrmEvent, crmEventFromItem, toCrmEventItem } from './crm-event.js';

/**
 * CrmEvents adapter. Each accepted webhook writes two items in one transaction: the idempotency marker
 * `CRMEVT#<eventId>` (conditional: only if absent or expired) and the event under its conversation.
 * Either both are written or neither, so an event is stored exactly once per event id and is durable
 * when `accept` returns (the handler answers 202 only after that).
 *
 * Two deliveries of one event racing can make DynamoDB cancel a transaction with `TransactionConflict`
 * instead of failing the marker's condition. The conflict is retried a few times with jitter; if it
 * persists and the marker is then stored, the delivery is the duplicate it is.
 *
 * The event's `data` is stored as JSON text, not a DynamoDB map: valid JSON numbers such as 1e300 are
 * outside DynamoDB's number range and would fail the write; the text round-trips exactly.
 */

export type AcceptResult = 'accepted' | 'duplicate';

export interface AcceptOptions {
  /** Current time, epoch ms. */
  readonly nowMs: number;
  /** `context.crmEventTtlHours`. */
  readonly ttlHours: number;
}

export interface CrmEventStoreOptions {
  /** @default 3 - transaction attempts when DynamoDB cancels it for a conflicting concurrent write */
  readonly conflictAttempts?: number;
  /** @default setTimeout - injectable so tests do not wait */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

export interface ConversationEvents {
  readonly events: CrmEvent[];
  /** Stored items that no longer parse (schema drift): skipped, counted for the log. */
  readonly invalid: number;
  /** True when the conversation had more than the read cap; the oldest events were read. */
  readonly truncated: boolean;
}

export interface CrmEventStore {
  accept(event: CrmEvent, options: AcceptOptions): Promise<AcceptResult>;
  /** The live events of a conversation, in sort-key (time, then event id) order. */
  list(conversationId: string, nowMs: number): Promise<ConversationEvents>;
}

/** Events read for one reconstruction: far above a real conversation, bounded for a hostile one. */
export const MAX_EVENTS_PER_CONVERSATION = 2000;

type Cancellation = 'duplicate' | 'conflict' | 'other';

function cancellation(error: unknown): Cancellation {
  if (typeof error !== 'object' || error === null) return 'other';
  const e = error as { name?: unknown; CancellationReasons?: { Code?: string }[] };
  if (e.name === 'TransactionConflictException') return 'conflict';
  if (e.name !== 'TransactionCanceledException') return 'other';
  const codes = (e.CancellationReasons ?? []).map((r) => r.Code);
  // The marker is the first item of the transaction: its condition failing means "seen before".
  if (codes[0] === 'ConditionalCheckFailed') return 'duplicate';
  // Another transaction on the same items was in progress: two deliveries of one event racing.
  return codes.includes('TransactionConflict') ? 'conflict' : 'other';
}

/** Jittered pause before the next attempt: 25-75 ms, then 50-150 ms (two racing deliveries part ways). */
function conflictDelayMs(attempt: number, random: () => number): number {
  return Math.round(25 * 2 ** (attempt - 1) * (0.5 + random()));
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * @example
 * const crm = dynamoCrmEventStore(dynamoDocClientFor(config), config.tables.crmEvents);
 * if ((await crm.accept(event, { nowMs, ttlHours: 24 })) === 'duplicate') logger.info('duplicate');
 */
export function dynamoCrmEventStore(
  doc: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
  options: CrmEventStoreOptions = {},
): CrmEventStore {
  const attempts = options.conflictAttempts ?? 3;
  const sleep = options.sleep ?? sleepFor;
  const random = options.random ?? Math.random;

  /** Whether a live marker for the event id is stored: the racing delivery that won wrote it. */
  const markerStored = async (eventId: string, nowMs: number): Promise<boolean> => {
    const out = await doc.send(
      new GetCommand({ TableName: tableName, Key: crmEventKeys.idempotency(eventId), ConsistentRead: true }),
    );
    const expiresAt = out.Item?.expiresAt;
    return typeof expiresAt === 'number' && expiresAt > Math.floor(nowMs / 1000);
  };

  return {
    async accept(event, { nowMs, ttlHours }) {
      const item = toCrmEventItem(event, { nowMs, ttlHours });
      const marker = {
        ...crmEventKeys.idempotency(event.eventId),
        conversationId: event.conversationId,
        receivedAt: item.receivedAt,
        expiresAt: item.expiresAt,
      };
      const write = new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: marker,
              // An expired marker (TTL deletes lazily) no longer blocks the id.
              ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :nowS',
              ExpressionAttributeValues: { ':nowS': Math.floor(nowMs / 1000) },
            },
          },
          { Put: { TableName: tableName, Item: { ...item, data: JSON.stringify(event.data) } } },
        ],
      });
      for (let attempt = 1; ; attempt++) {
        try {
          await doc.send(write);
          return 'accepted';
        } catch (e) {
          const why = cancellation(e);
          if (why === 'duplicate') return 'duplicate';
          if (why !== 'conflict') throw e;
          if (attempt >= attempts) {
            // The race went on past our retries: if the other delivery won, this one is its duplicate.
            if (await markerStored(event.eventId, nowMs)) return 'duplicate';
            throw e;
          }
          await sleep(conflictDelayMs(attempt, random));
        }
      }
    },

    async list(conversationId, nowMs) {
      const events: CrmEvent[] = [];
      let invalid = 0;
      let read = 0;
      let start: QueryCommandOutput['LastEvaluatedKey'];
      do {
        const out = await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': crmEventKeys.conversation(conversationId).pk },
            Limit: MAX_EVENTS_PER_CONVERSATION - read,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) {
          read++;
          const parsed = crmEventFromItem(withParsedData(item), nowMs);
          if (parsed.ok) events.push(parsed.event);
          else if (parsed.reason === 'invalid') invalid++;
        }
        start = out.LastEvaluatedKey;
      } while (start && read < MAX_EVENTS_PER_CONVERSATION);
      return { events, invalid, truncated: start !== undefined };
    },
  };
}

function withParsedData(item: Record<string, unknown>): Record<string, unknown> {
  if (typeof item.data !== 'string') return item;
  try {
    return { ...item, data: JSON.parse(item.data) as unknown };
  } catch {
    return { ...item, data: undefined };
  }
}
