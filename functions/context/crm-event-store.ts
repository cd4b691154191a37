import {
  type DynamoDBDocumentClient,
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

function isDuplicate(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; CancellationReasons?: { Code?: string }[] };
  // The marker is the first item of the transaction: its condition failing means "seen before".
  return (
    e.name === 'TransactionCanceledException' && e.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
  );
}

/**
 * @example
 * const crm = dynamoCrmEventStore(dynamoDocClientFor(config), config.tables.crmEvents);
 * if ((await crm.accept(event, { nowMs, ttlHours: 24 })) === 'duplicate') logger.info('duplicate');
 */
export function dynamoCrmEventStore(
  doc: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
): CrmEventStore {
  return {
    async accept(event, { nowMs, ttlHours }) {
      const item = toCrmEventItem(event, { nowMs, ttlHours });
      const marker = {
        ...crmEventKeys.idempotency(event.eventId),
        conversationId: event.conversationId,
        receivedAt: item.receivedAt,
        expiresAt: item.expiresAt,
      };
      try {
        await doc.send(
          new TransactWriteCommand({
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
          }),
        );
      } catch (e) {
        if (isDuplicate(e)) return 'duplicate';
        throw e;
      }
      return 'accepted';
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
