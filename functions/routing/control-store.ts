import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { compareAndSet, isConditionFailed } from '../shared/control-write.js';
import { controlKeys, type ItemKey, ROTATION_HISTORY_PREFIX } from '../shared/keys.js';
import { budgetedSend } from './budget.js';
import type { Decision, DecisionExplanation, LagSample, Override, Vote } from './quorum/types.js';
import { applyVote, type VoteUpdate } from './quorum/votes.js';

/** The RegionRotationChanged detail of one epoch, kept with the decision until it has been published. */
export interface Announcement {
  readonly epoch: number;
  readonly inRotation: readonly string[];
  readonly previous: readonly string[];
  /** RegionReason per active region. */
  readonly reasons: Readonly<Record<string, string>>;
  readonly decidedBy: string;
  readonly decidedAtMs: number;
}

/** The current decision item: the decision, the item's write counter and unpublished announcements. */
export interface StoredDecision {
  readonly decision: Decision;
  /** +1 on every write of the item; the compare-and-set condition. */
  readonly version: number;
  /** Changes written but not yet confirmed published, by epoch. */
  readonly pending: Readonly<Record<string, HistoryEntry>>;
  /** The rule's explanation of `decision`; absent on items written before it was stored. */
  readonly explanation?: DecisionExplanation;
}

export interface HistoryEntry {
  readonly epoch: number;
  readonly decision: Decision;
  readonly announcement: Announcement;
}

export interface LagRecord extends LagSample {
  /** The event's id: a redelivered sample is stored once. */
  readonly eventId: string;
}

/**
 * Everything quorum, the health endpoint and the operator command keep in ControlState. Every call is
 * strongly consistent and runs under the control budget; over it or failing, it throws
 * ControlUnavailable (the fencing signal). Lost races surface as ConditionalCheckFailed for
 * compareAndSet.
 */
export interface ControlStore {
  /** Stores a vote unless the stored one is the same or later (applyVote); says what it did. */
  putVote(vote: Vote, restartAfterMs: number): Promise<VoteUpdate>;
  readVotes(targetRegions: readonly string[]): Promise<Vote[]>;
  /** Adds an inbound-lag sample of `region`; false if it was already stored. */
  addLagSample(region: string, sample: LagRecord): Promise<boolean>;
  readLag(regions: readonly string[]): Promise<Record<string, LagSample[]>>;
  readOverrides(regions: readonly string[]): Promise<Record<string, Override>>;
  putOverride(region: string, override: Override): Promise<void>;
  clearOverride(region: string): Promise<void>;
  readDecision(): Promise<StoredDecision | null>;
  /** Conditional on `expectedVersion` (null: no item yet); returns the new version. */
  writeDecision(
    decision: Decision,
    pending: Readonly<Record<string, HistoryEntry>>,
    expectedVersion: number | null,
    explanation?: DecisionExplanation,
  ): Promise<number>;
  /** The history item of one epoch, written once (a second write of the same epoch changes nothing). */
  recordHistory(entry: HistoryEntry): Promise<void>;
  /** Drops the announcement of `epoch` from the pending set once it is published. */
  markAnnounced(epoch: number): Promise<void>;
  /** History items, oldest epoch first. */
  readHistory(): Promise<HistoryEntry[]>;
}

export interface DynamoControlStoreOptions {
  readonly doc: Pick<DynamoDBDocumentClient, 'send'>;
  readonly tableName: string;
  /** quorum.controlBudgetMs */
  readonly budgetMs: number;
  /** Lag samples kept per region; keep a few more than lagSamples. @default 10 */
  readonly lagSamplesKept?: number;
}

/**
 * ControlStore on the MRSC ControlState table.
 *
 * @example
 * const store = dynamoControlStore({ doc, tableName: config.tables.controlState, budgetMs: 1000 });
 */
export function dynamoControlStore(options: DynamoControlStoreOptions): ControlStore {
  const { doc, tableName: TableName, budgetMs } = options;
  const kept = options.lagSamplesKept ?? 10;
  const run = budgetedSend(doc, budgetMs);
  const get = async (key: ItemKey, operation: string) =>
    (
      await run<{ Item?: Record<string, unknown> }>(
        operation,
        new GetCommand({ TableName, Key: key, ConsistentRead: true }),
      )
    ).Item;
  const query = async (pk: string, operation: string, skPrefix?: string) => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await run<{
        Items?: Record<string, unknown>[];
        LastEvaluatedKey?: Record<string, unknown>;
      }>(
        operation,
        new QueryCommand({
          TableName,
          ConsistentRead: true,
          KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :p)' : 'pk = :pk',
          ExpressionAttributeValues: skPrefix ? { ':pk': pk, ':p': skPrefix } : { ':pk': pk },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  };
  /** Put conditional on the item's version (absent item when expected is null). */
  const putVersioned = (item: Record<string, unknown>, expected: number | null, operation: string) =>
    run(
      operation,
      new PutCommand({
        TableName,
        Item: { ...item, version: (expected ?? 0) + 1 },
        ConditionExpression: expected === null ? 'attribute_not_exists(pk)' : 'version = :v',
        ExpressionAttributeValues: expected === null ? undefined : { ':v': expected },
      }),
    );

  return {
    putVote: (vote, restartAfterMs) =>
      compareAndSet(async () => {
        const key = controlKeys.vote(vote.targetRegion, vote.observer);
        const item = await get(key, 'read vote');
        const update = applyVote(item ? toVote(item) : undefined, vote, { restartAfterMs });
        if (update.replace) await putVersioned({ ...key, ...vote }, versionOf(item), 'write vote');
        return update;
      }),

    async readVotes(targetRegions) {
      const lists = await Promise.all(
        targetRegions.map((r) => query(controlKeys.votesAbout(r).pk, 'read votes')),
      );
      return lists.flat().map(toVote);
    },

    addLagSample: (region, sample) =>
      compareAndSet(async () => {
        const key = controlKeys.lag(region);
        const item = await get(key, 'read lag');
        const samples = (item?.samples ?? []) as LagRecord[];
        if (samples.some((s) => s.eventId === sample.eventId)) return false;
        const next = [...samples, sample].sort((a, b) => a.atMs - b.atMs).slice(-kept);
        await putVersioned({ ...key, samples: next }, versionOf(item), 'write lag');
        return true;
      }),

    async readLag(regions) {
      const items = await Promise.all(regions.map((r) => get(controlKeys.lag(r), 'read lag')));
      const out: Record<string, LagSample[]> = {};
      regions.forEach((region, i) => {
        const samples = (items[i]?.samples ?? []) as LagRecord[];
        out[region] = samples.map(({ lagMs, atMs }) => ({ lagMs, atMs }));
      });
      return out;
    },

    async readOverrides(regions) {
      const items = await Promise.all(regions.map((r) => get(controlKeys.override(r), 'read override')));
      const out: Record<string, Override> = {};
      regions.forEach((region, i) => {
        const item = items[i];
        if (item) out[region] = toOverride(item);
      });
      return out;
    },

    async putOverride(region, override) {
      const { mode, by, reason, atMs, force } = override;
      const Item = { ...controlKeys.override(region), mode, by, reason, atMs, ...(force ? { force } : {}) };
      await run('write override', new PutCommand({ TableName, Item }));
    },

    async clearOverride(region) {
      await run('clear override', new DeleteCommand({ TableName, Key: controlKeys.override(region) }));
    },

    async readDecision() {
      const item = await get(controlKeys.rotation(), 'read decision');
      if (!item) return null;
      return {
        decision: item.decision as Decision,
        version: Number(item.version),
        pending: (item.pending ?? {}) as Record<string, HistoryEntry>,
        ...(item.explanation === undefined ? {} : { explanation: item.explanation as DecisionExplanation }),
      };
    },

    async writeDecision(decision, pending, expectedVersion, explanation) {
      await putVersioned(
        { ...controlKeys.rotation(), decision, pending, explanation },
        expectedVersion,
        'write decision',
      );
      return (expectedVersion ?? 0) + 1;
    },

    async recordHistory(entry) {
      try {
        await run(
          'write history',
          new PutCommand({
            TableName,
            Item: { ...controlKeys.rotationHistory(entry.epoch), ...entry },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        // The epoch is already recorded: history items are written once and never change.
        if (!isConditionFailed(error)) throw error;
      }
    },

    async markAnnounced(epoch) {
      try {
        await run(
          'mark announced',
          new UpdateCommand({
            TableName,
            Key: controlKeys.rotation(),
            // Bumping the version makes a concurrent writer that still carries the announcement re-read.
            UpdateExpression: 'REMOVE pending.#e SET version = version + :one',
            ConditionExpression: 'attribute_exists(pending.#e)',
            ExpressionAttributeNames: { '#e': String(epoch) },
            ExpressionAttributeValues: { ':one': 1 },
          }),
        );
      } catch (error) {
        if (!isConditionFailed(error)) throw error; // someone else confirmed it already
      }
    },

    async readHistory() {
      const items = await query(controlKeys.rotation().pk, 'read history', ROTATION_HISTORY_PREFIX);
      return items
        .map((i) => ({
          epoch: Number(i.epoch),
          decision: i.decision as Decision,
          announcement: i.announcement as Announcement,
        }))
        .sort((a, b) => a.epoch - b.epoch);
    },
  };
}

function versionOf(item: Record<string, unknown> | undefined): number | null {
  return item === undefined ? null : Number(item.version ?? 0);
}

function toVote(item: Record<string, unknown>): Vote {
  return {
    observer: String(item.observer),
    targetRegion: String(item.targetRegion),
    healthy: item.healthy === true,
    incarnation: Number(item.incarnation),
    seq: Number(item.seq),
    occurredAtMs: Number(item.occurredAtMs),
  };
}

function toOverride(item: Record<string, unknown>): Override {
  const mode = item.mode === 'pin' ? 'pin' : 'drain';
  return {
    mode,
    by: String(item.by),
    reason: String(item.reason),
    atMs: Number(item.atMs),
    ...(item.force === true ? { force: true } : {}),
  };
}
