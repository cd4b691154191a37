import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed } from '../shared/control-write.js';
import { contextCacheKeys, expiresAtFor, isLive } from '../shared/keys.js';
import { type InteractionContext, interactionContextSchema } from './context-schema.js';

/**
 * ContextCache adapter: the saved transfer contexts of one region's replica.
 *
 * Item: `{ pk, conversationId, version, body, originRegion, savedAt, expiresAt }`. The context is kept
 * as its JSON text (`body`), not as a DynamoDB map: a JSON number such as 1e300 or 5e-324 is valid
 * input but outside DynamoDB's number range (and would fail the write with a 500), and the text is
 * exactly what the size cap measured.
 */

export interface StoredContext {
  readonly conversationId: string;
  /** Optimistic-lock version: 1 for the first save, +1 for each update. */
  readonly version: number;
  readonly context: InteractionContext;
  /** The region whose API saved it. */
  readonly originRegion: string;
  /** ISO-8601 UTC. */
  readonly savedAt: string;
  /** TTL, epoch seconds. */
  readonly expiresAt: number;
}

export interface SaveOptions {
  /** Current time, epoch ms. */
  readonly nowMs: number;
  readonly ttlSeconds: number;
  readonly originRegion: string;
  /**
   * The version the caller last saw (0: it expects no live context). When given and the stored version
   * differs, the save fails with {@link VersionConflictError}. @default - update whatever is stored
   */
  readonly expectedVersion?: number;
}

export interface ContextStore {
  /** The live context of a conversation, or undefined (absent, expired or unreadable). */
  get(conversationId: string, nowMs: number): Promise<StoredContext | undefined>;
  /** Saves a new version; throws {@link VersionConflictError} when another save got there first. */
  save(context: InteractionContext, options: SaveOptions): Promise<StoredContext>;
}

export class VersionConflictError extends Error {
  constructor(
    readonly conversationId: string,
    readonly expected: number | undefined,
    readonly actual: number | undefined,
  ) {
    super(
      `context version conflict on ${conversationId}: expected ${expected}, found ${actual ?? 'unknown'}`,
    );
    this.name = 'VersionConflictError';
  }
}

/** Versions fit the token's u32 field. */
const MAX_VERSION = 0xffff_ffff;

function readItem(item: Record<string, unknown> | undefined, nowMs: number): StoredContext | undefined {
  if (!item || !isLive(item, nowMs)) return undefined;
  const { conversationId, version, body, originRegion, savedAt, expiresAt } = item;
  if (
    typeof conversationId !== 'string' ||
    typeof version !== 'number' ||
    typeof body !== 'string' ||
    typeof originRegion !== 'string' ||
    typeof savedAt !== 'string' ||
    typeof expiresAt !== 'number'
  ) {
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return undefined;
  }
  const context = interactionContextSchema.safeParse(raw);
  if (!context.success || context.data.conversationId !== conversationId) return undefined;
  return { conversationId, version, context: context.data, originRegion, savedAt, expiresAt };
}

/**
 * A ContextStore over one region's ContextCache replica. Reads are strongly consistent within that
 * replica (a save followed by a fetch in the same region always sees the save).
 *
 * Versioning: a save reads the stored version, then writes version + 1 on the condition that the
 * version is still the one read; a concurrent save of the same conversation in this region loses the
 * condition and fails with {@link VersionConflictError} instead of overwriting. (Between regions the
 * table is MREC, last writer wins: a transfer saves in the one region that holds the conversation.)
 *
 * @example
 * const store = dynamoContextStore(dynamoDocClientFor(config), config.tables.contextCache);
 * const saved = await store.save(context, { nowMs, ttlSeconds: 300, originRegion: config.region });
 */
export function dynamoContextStore(
  doc: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
): ContextStore {
  return {
    async get(conversationId, nowMs) {
      const out = await doc.send(
        new GetCommand({
          TableName: tableName,
          Key: contextCacheKeys.context(conversationId),
          ConsistentRead: true,
        }),
      );
      return readItem(out.Item, nowMs);
    },

    async save(context, { nowMs, ttlSeconds, originRegion, expectedVersion }) {
      const key = contextCacheKeys.context(context.conversationId);
      const current = await doc.send(
        new GetCommand({
          TableName: tableName,
          Key: key,
          ConsistentRead: true,
          ProjectionExpression: '#v, expiresAt',
          ExpressionAttributeNames: { '#v': 'version' },
        }),
      );
      const stored = typeof current.Item?.version === 'number' ? current.Item.version : undefined;
      const liveVersion = stored !== undefined && isLive(current.Item, nowMs) ? stored : 0;
      if (expectedVersion !== undefined && expectedVersion !== liveVersion) {
        throw new VersionConflictError(context.conversationId, expectedVersion, liveVersion);
      }
      // Counting on from an expired item's version keeps versions rising while the item exists, so an
      // older token never matches a newer context.
      const version = (stored ?? 0) + 1;
      if (version > MAX_VERSION) throw new RangeError('context version exhausted');
      const item = {
        ...key,
        conversationId: context.conversationId,
        version,
        body: JSON.stringify(context),
        originRegion,
        savedAt: new Date(nowMs).toISOString(),
        expiresAt: expiresAtFor(nowMs, ttlSeconds),
      };
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ...(stored === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: '#v = :read',
                  ExpressionAttributeNames: { '#v': 'version' },
                  ExpressionAttributeValues: { ':read': stored },
                }),
          }),
        );
      } catch (e) {
        if (isConditionFailed(e)) {
          throw new VersionConflictError(context.conversationId, expectedVersion ?? liveVersion, undefined);
        }
        throw e;
      }
      return {
        conversationId: item.conversationId,
        version,
        context,
        originRegion,
        savedAt: item.savedAt,
        expiresAt: item.expiresAt,
      };
    },
  };
}
