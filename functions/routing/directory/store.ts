import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type CompareAndSetOptions, compareAndSet, isConditionFailed } from '../../shared/control-write.js';
import { controlKeys } from '../../shared/keys.js';
import { budgetedSend } from '../budget.js';
import type { DirectoryEntry, DirectoryEntryInput, DirectoryTarget, SkillRequirement } from './schema.js';

/**
 * The queue directory in ControlState: one item per logical queue in the `DIRECTORY` partition. Every
 * call is strongly consistent and runs under the control budget (over it or failing: ControlUnavailable).
 */
export interface DirectoryStore {
  /** Strongly consistent read of one entry. */
  get(name: string): Promise<DirectoryEntry | null>;
  /** Every entry, sorted by name. */
  list(): Promise<DirectoryEntry[]>;
  /**
   * Writes version (expected ?? current) + 1 conditionally. `expectedVersion` null: the entry must not
   * exist yet; a number: it must be at that version; undefined: whatever is stored now (a lost race
   * re-reads and writes again). A failed expectation throws {@link DirectoryVersionConflict}.
   */
  put(
    entry: DirectoryEntryInput,
    options: { readonly by: string; readonly now: number; readonly expectedVersion?: number | null },
  ): Promise<DirectoryEntry>;
}

/**
 * The stored entry is not at the version the writer expected: someone else changed it meanwhile.
 * `name` is the error's name, as for every error class here; `queue` is the logical queue.
 */
export class DirectoryVersionConflict extends Error {
  constructor(
    readonly queue: string,
    readonly expected: number | null,
    readonly actual: number | null,
  ) {
    const describe = (v: number | null) => (v === null ? 'no entry' : `version ${v}`);
    super(`${queue}: expected ${describe(expected)}, found ${describe(actual)}; read it again and retry`);
    this.name = 'DirectoryVersionConflict';
  }
}

export interface DynamoDirectoryStoreOptions {
  readonly doc: Pick<DynamoDBDocumentClient, 'send'>;
  readonly tableName: string;
  /** quorum.controlBudgetMs (or a multiple, for an operator) */
  readonly budgetMs: number;
  /** Retries of a put without `expectedVersion` that lost a race. @default compareAndSet's defaults */
  readonly cas?: CompareAndSetOptions;
}

/** `QUEUE#`: the sort-key prefix of entries, taken from keys.ts so the layout stays defined there. */
const ENTRY_PREFIX = controlKeys.directoryEntry('X').sk.slice(0, -'X'.length);

/**
 * DirectoryStore on the MRSC ControlState table.
 *
 * @example
 * const directory = dynamoDirectoryStore({ doc, tableName: tableNames(env).controlState, budgetMs: 1000 });
 * await directory.put(entry, { by: 'oncall-ana', now: Date.now(), expectedVersion: 3 });
 */
export function dynamoDirectoryStore(options: DynamoDirectoryStoreOptions): DirectoryStore {
  const { doc, tableName: TableName, budgetMs } = options;
  const run = budgetedSend(doc, budgetMs);

  const get = async (name: string) => {
    const out = await run<{ Item?: Record<string, unknown> }>(
      'read directory entry',
      new GetCommand({ TableName, Key: controlKeys.directoryEntry(name), ConsistentRead: true }),
    );
    return out.Item ? toEntry(out.Item) : null;
  };

  const write = async (entry: DirectoryEntryInput, by: string, now: number, expected: number | null) => {
    const stored: DirectoryEntry = {
      name: entry.name,
      regions: entry.regions,
      skills: entry.skills,
      ...(entry.fallback === undefined ? {} : { fallback: entry.fallback }),
      ...(entry.regionLock === undefined ? {} : { regionLock: entry.regionLock }),
      version: (expected ?? 0) + 1,
      updatedAt: new Date(now).toISOString(),
      updatedBy: by,
    };
    await run(
      'write directory entry',
      new PutCommand({
        TableName,
        Item: { ...controlKeys.directoryEntry(entry.name), ...stored },
        ConditionExpression: expected === null ? 'attribute_not_exists(pk)' : 'version = :v',
        ExpressionAttributeValues: expected === null ? undefined : { ':v': expected },
      }),
    );
    return stored;
  };

  return {
    get,

    async list() {
      const entries: DirectoryEntry[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await run<{
          Items?: Record<string, unknown>[];
          LastEvaluatedKey?: Record<string, unknown>;
        }>(
          'list directory',
          new QueryCommand({
            TableName,
            ConsistentRead: true,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
            ExpressionAttributeValues: { ':pk': controlKeys.directory().pk, ':p': ENTRY_PREFIX },
            ExclusiveStartKey: start,
          }),
        );
        entries.push(...(out.Items ?? []).map(toEntry));
        start = out.LastEvaluatedKey;
      } while (start);
      return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },

    put(entry, { by, now, expectedVersion }) {
      if (expectedVersion === undefined) {
        return compareAndSet(
          async () => write(entry, by, now, (await get(entry.name))?.version ?? null),
          options.cas,
        );
      }
      // A replicated write conflict is retried (the other region's write may yet fail); a failed
      // condition is final: the caller's expectation no longer holds.
      return compareAndSet(async () => {
        try {
          return await write(entry, by, now, expectedVersion);
        } catch (error) {
          if (!isConditionFailed(error)) throw error;
          const actual = (await get(entry.name))?.version ?? null;
          throw new DirectoryVersionConflict(entry.name, expectedVersion, actual);
        }
      }, options.cas);
    },
  };
}

function toEntry(item: Record<string, unknown>): DirectoryEntry {
  const regions = (item.regions ?? {}) as Record<string, DirectoryTarget>;
  const skills = (item.skills ?? []) as SkillRequirement[];
  return {
    name: String(item.name),
    regions: Object.fromEntries(
      Object.entries(regions).map(([r, t]) => [
        r,
        { queueId: String(t.queueId), transferAddress: String(t.transferAddress) },
      ]),
    ),
    skills: skills.map((s) => ({ name: String(s.name), minProficiency: Number(s.minProficiency ?? 0) })),
    ...(typeof item.fallback === 'string' ? { fallback: item.fallback } : {}),
    ...(typeof item.regionLock === 'string' ? { regionLock: item.regionLock } : {}),
    version: Number(item.version),
    updatedAt: String(item.updatedAt),
    updatedBy: String(item.updatedBy),
  };
}
