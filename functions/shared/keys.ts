/**
 * Every DynamoDB key of the project is built here (DESIGN.md section 2): no handler or adapter writes a
 * key string by hand, so the layout can be read (and changed) in one place.
 *
 * | table | item | pk | sk |
 * |---|---|---|---|
 * | ContextCache | context | `CTX#<conversationId>` | |
 * | ContextCache | heartbeat | `HB#<region>` | |
 * | CrmEvents | event | `CONV#<conversationId>` | `<occurredAt ISO>#<eventId>` |
 * | CrmEvents | webhook idempotency marker | `CRMEVT#<eventId>` | `ID` |
 * | ControlState | vote | `VOTE#<targetRegion>` | `<observer>` |
 * | ControlState | rotation decision | `ROTATION` | `CURRENT` |
 * | ControlState | rotation history | `ROTATION` | `EPOCH#<epoch, 12 digits>` |
 * | ControlState (or witness table) | monitor lease / counters | `MONITOR#<observer>` | `LEASE` / `COUNTERS` |
 * | ControlState | operator override | `OVERRIDE#<region>` | `CURRENT` |
 * | ControlState | lag samples | `LAG#<region>` | `CURRENT` |
 * | ControlState | capacity: a queue member / what reconciliation observed | `CAPACITY#<region>#<queueId>` | `MEMBER#<userId>` / `OBSERVED` |
 * | ControlState | capacity: an agent's status, presence and queues | `AGENT#<region>#<userId>` | `CURRENT` |
 * | ControlState | directory entry | `DIRECTORY` | `QUEUE#<logicalQueue>` |
 * | ControlState | routing assignment (one answer per conversation) | `ASSIGN#<conversationId>` | `CURRENT` |
 * | ControlState | overflow window: resolves per minute | `OVERFLOW#<callerRegion>` | `<minute start, epoch ms>` |
 * | ControlState | named lease | `LEASE#<name>` | `CURRENT` |
 */

/** Key of a table with a partition key only (ContextCache), or a partition to query. */
export interface PartitionKey {
  readonly pk: string;
}

/** Key of a table with partition and sort key (CrmEvents, ControlState, witness table). */
export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** Name of the TTL attribute (epoch seconds) on ContextCache and CrmEvents. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Sort-key prefix of the rotation history items (query `pk = ROTATION AND begins_with(sk, ...)`). */
export const ROTATION_HISTORY_PREFIX = 'EPOCH#';

/** Width of the zero-padded epoch in history sort keys: string order equals number order. */
const EPOCH_DIGITS = 12;

/**
 * One part of a key. `#` separates parts, so a part containing it could impersonate another key;
 * empty parts would collapse two keys into one.
 */
function part(name: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512 || value.includes('#')) {
    throw new RangeError(`${name} must be 1-512 characters without '#' to be part of a table key`);
  }
  return value;
}

/**
 * Normalises a timestamp to `Date.prototype.toISOString` form (UTC, milliseconds), so CrmEvents sort
 * keys of one conversation sort in time order whatever offset the producer used.
 */
function isoUtc(name: string, value: string | number): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`${name} is not a valid timestamp`);
  return date.toISOString();
}

/**
 * ContextCache keys.
 *
 * @example
 * await doc.send(new GetCommand({ TableName: config.tables.contextCache, Key: contextCacheKeys.context(id) }));
 */
export const contextCacheKeys = {
  context: (conversationId: string): PartitionKey => ({
    pk: `CTX#${part('conversationId', conversationId)}`,
  }),
  heartbeat: (region: string): PartitionKey => ({ pk: `HB#${part('region', region)}` }),
} as const;

/**
 * CrmEvents keys. One partition per conversation, sorted by time then event id.
 *
 * @example
 * crmEventKeys.event('c-1', '2024-05-01T10:00:00+02:00', 'e-9')
 * // { pk: 'CONV#c-1', sk: '2024-05-01T08:00:00.000Z#e-9' }
 */
export const crmEventKeys = {
  /** The partition of one conversation (query it for reconstruction). */
  conversation: (conversationId: string): PartitionKey => ({
    pk: `CONV#${part('conversationId', conversationId)}`,
  }),
  event: (conversationId: string, occurredAt: string | number, eventId: string): ItemKey => ({
    pk: `CONV#${part('conversationId', conversationId)}`,
    sk: `${isoUtc('occurredAt', occurredAt)}#${part('eventId', eventId)}`,
  }),
  /** Marker written with `attribute_not_exists(pk)`: a webhook event id is accepted once. */
  idempotency: (eventId: string): ItemKey => ({ pk: `CRMEVT#${part('eventId', eventId)}`, sk: 'ID' }),
} as const;

/**
 * ControlState keys (the witness region's own table uses the `monitor` keys too).
 *
 * @example
 * // all votes about us-east-1: Query pk = controlKeys.votesAbout('us-east-1').pk
 * controlKeys.vote('us-east-1', 'us-east-2') // { pk: 'VOTE#us-east-1', sk: 'us-east-2' }
 */
export const controlKeys = {
  votesAbout: (targetRegion: string): PartitionKey => ({ pk: `VOTE#${part('targetRegion', targetRegion)}` }),
  vote: (targetRegion: string, observer: string): ItemKey => ({
    pk: `VOTE#${part('targetRegion', targetRegion)}`,
    sk: part('observer', observer),
  }),
  rotation: (): ItemKey => ({ pk: 'ROTATION', sk: 'CURRENT' }),
  rotationHistory: (epoch: number): ItemKey => {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch >= 10 ** EPOCH_DIGITS) {
      throw new RangeError(`epoch must be a whole number from 0 to ${10 ** EPOCH_DIGITS - 1}`);
    }
    return { pk: 'ROTATION', sk: `${ROTATION_HISTORY_PREFIX}${String(epoch).padStart(EPOCH_DIGITS, '0')}` };
  },
  monitorLease: (observer: string): ItemKey => ({ pk: `MONITOR#${part('observer', observer)}`, sk: 'LEASE' }),
  monitorCounters: (observer: string): ItemKey => ({
    pk: `MONITOR#${part('observer', observer)}`,
    sk: 'COUNTERS',
  }),
  override: (region: string): ItemKey => ({ pk: `OVERRIDE#${part('region', region)}`, sk: 'CURRENT' }),
  lag: (region: string): ItemKey => ({ pk: `LAG#${part('region', region)}`, sk: 'CURRENT' }),
  /** Every directory entry (Query this partition to list them). */
  directory: (): PartitionKey => ({ pk: 'DIRECTORY' }),
  /** One logical queue's directory entry (its per-region targets, skills, fallback, lock, version). */
  directoryEntry: (logicalQueue: string): ItemKey => ({
    pk: 'DIRECTORY',
    sk: `QUEUE#${part('logicalQueue', logicalQueue)}`,
  }),
  /** One platform queue's capacity in one region: a MEMBER#<userId> item per agent and the OBSERVED item. */
  capacityOf: (region: string, queueId: string): PartitionKey => ({
    pk: `CAPACITY#${part('region', region)}#${part('queueId', queueId)}`,
  }),
  capacityMember: (region: string, queueId: string, userId: string): ItemKey => ({
    pk: `CAPACITY#${part('region', region)}#${part('queueId', queueId)}`,
    sk: `MEMBER#${part('userId', userId)}`,
  }),
  /** What the last reconciliation observed for the queue (waiting, handle time, counts). */
  capacityObserved: (region: string, queueId: string): ItemKey => ({
    pk: `CAPACITY#${part('region', region)}#${part('queueId', queueId)}`,
    sk: 'OBSERVED',
  }),
  /** One agent's routing status, presence and queues in a region (which member items a status event updates). */
  capacityAgent: (region: string, userId: string): ItemKey => ({
    pk: `AGENT#${part('region', region)}#${part('userId', userId)}`,
    sk: 'CURRENT',
  }),
  /** The caller region's resolve counts per minute: the overflow cap's sliding window. */
  overflowWindow: (region: string): PartitionKey => ({ pk: `OVERFLOW#${part('region', region)}` }),
  overflowBucket: (region: string, minuteStartMs: number): ItemKey => ({
    pk: `OVERFLOW#${part('region', region)}`,
    sk: String(minuteStartMs).padStart(15, '0'),
  }),
  assignment: (conversationId: string): ItemKey => ({
    pk: `ASSIGN#${part('conversationId', conversationId)}`,
    sk: 'CURRENT',
  }),
  lease: (name: string): ItemKey => ({ pk: `LEASE#${part('name', name)}`, sk: 'CURRENT' }),
  /** An org's stored platform token (functions/oauth/token-store.ts). */
  platformToken: (org: string): ItemKey => ({ pk: `PLATFORMTOKEN#${part('org', org)}`, sk: 'CURRENT' }),
} as const;

/**
 * The TTL value for an item written at `nowMs` that must live `ttlSeconds`: epoch seconds, rounded up
 * so the item lives at least that long.
 *
 * @example
 * expiresAtFor(Date.parse('2024-05-01T10:00:00.250Z'), 300) // 1714557901 (10:05:01 UTC)
 */
export function expiresAtFor(nowMs: number, ttlSeconds: number): number {
  if (!Number.isFinite(nowMs) || nowMs < 0) throw new RangeError('nowMs must be epoch milliseconds');
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError('ttlSeconds must be a whole number of seconds above 0');
  }
  return Math.ceil(nowMs / 1000) + ttlSeconds;
}

/**
 * Whether an item read from a TTL table still exists at `nowMs`. DynamoDB deletes expired items lazily
 * (up to days later), so an item whose `expiresAt` (epoch seconds) is at or before now is treated as
 * absent. An item without a numeric `expiresAt` never expires (DynamoDB TTL ignores it too).
 *
 * @example
 * isLive({ expiresAt: 100 }, 99_999) // true
 * isLive({ expiresAt: 100 }, 100_000) // false: exactly at expiresAt is gone
 */
export function isLive(item: object | null | undefined, nowMs: number): boolean {
  if (item === null || item === undefined) return false;
  const expiresAt: unknown = (item as { expiresAt?: unknown }).expiresAt;
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return true;
  return expiresAt * 1000 > nowMs;
}

/**
 * The item if it is live at `nowMs`, else undefined: the one-liner for a `GetCommand` result.
 *
 * @example
 * const item = liveOrUndefined((await doc.send(new GetCommand(...))).Item, now);
 */
export function liveOrUndefined<T extends object>(item: T | null | undefined, nowMs: number): T | undefined {
  return item !== null && item !== undefined && isLive(item, nowMs) ? item : undefined;
}
