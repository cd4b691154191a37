import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type CompareAndSetOptions, compareAndSet, isConditionFailed } from '../../shared/control-write.js';
import { controlKeys, type ItemKey } from '../../shared/keys.js';
import { budgetedSend } from '../budget.js';

/**
 * Capacity writes on ControlState (keys.ts `capacityMember`, `capacityAgent`, `capacityObserved`). Every
 * field carries the time of the fact that set it (`<field>At`, epoch ms) and is written with the
 * condition that the stored time is older: a duplicate (same time) or an older fact fails the condition
 * and changes nothing, whichever region or retry delivers it and in whatever order.
 *
 * A routing status or presence is kept on the agent item (`AGENT#<region>#<userId>`) and copied to the
 * member item of each queue the agent item lists. What is copied is the agent item's stored value, not
 * the event's, so a retried event also repairs a copy an earlier attempt did not finish. The agent's
 * queue list only grows (a queue is added on join, never removed): copying a status to a member item that
 * has left is harmless (the reader keeps joined members only), and a list that shrank on leave could race
 * a rejoin and lose the queue.
 */

export interface MembershipFact {
  readonly queueId: string;
  readonly userId: string;
  readonly joined: boolean;
  readonly at: number;
}

export interface RoutingStatusFact {
  readonly userId: string;
  readonly status: string;
  readonly at: number;
}

export interface PresenceFact {
  readonly userId: string;
  readonly systemPresence: string;
  readonly onQueue: boolean;
  readonly at: number;
}

export interface SkillsFact {
  readonly queueId: string;
  readonly userId: string;
  /** Skill name -> proficiency (0-5). */
  readonly skills: Readonly<Record<string, number>>;
  readonly at: number;
}

/** Counts the observation query returned for a queue (research 3a), by metric without its `o`. */
export interface ObservedCounts {
  readonly interacting: number;
  readonly onQueueUsers: number;
  readonly activeUsers: number;
  readonly memberUsers: number;
}

export interface ObservedFact {
  readonly queueId: string;
  readonly waiting: number;
  readonly handleTimeMs: number | null;
  readonly counts: ObservedCounts;
  /** When the reconciliation observed the queue (its `observedAt`). */
  readonly at: number;
}

export interface StatusOptions {
  /** Copy to these queues' member items only. @default the queues the agent item lists */
  readonly queueIds?: readonly string[];
}

export interface CapacityWriter {
  /** Whether the fact was newer than what was stored (false: duplicate or older, nothing changed). */
  applyMembership(region: string, fact: MembershipFact): Promise<boolean>;
  applyRoutingStatus(region: string, fact: RoutingStatusFact, options?: StatusOptions): Promise<boolean>;
  applyPresence(region: string, fact: PresenceFact, options?: StatusOptions): Promise<boolean>;
  applySkills(region: string, fact: SkillsFact): Promise<boolean>;
  applyObserved(region: string, fact: ObservedFact): Promise<boolean>;
}

export interface DynamoCapacityWriterOptions {
  readonly doc: Pick<DynamoDBDocumentClient, 'send'>;
  readonly tableName: string;
  /** quorum.controlBudgetMs, per call */
  readonly budgetMs: number;
  /** Retries after a replicated write conflict or throttling. @default compareAndSet's defaults */
  readonly cas?: CompareAndSetOptions;
}

type Item = Record<string, unknown>;

/** Agent item fields copied to member items, with the time attribute that orders each. */
const STATUS_FIELDS = {
  routingStatus: { values: ['routingStatus'], at: 'routingStatusAt' },
  presence: { values: ['presence', 'onQueue'], at: 'presenceAt' },
} as const;
type StatusField = keyof typeof STATUS_FIELDS;

/**
 * @example
 * const writer = dynamoCapacityWriter({ doc, tableName: config.tables.controlState, budgetMs: 1000 });
 * await writer.applyRoutingStatus('us-east-1', { userId, status: 'IDLE', at });
 */
export function dynamoCapacityWriter(options: DynamoCapacityWriterOptions): CapacityWriter {
  const { doc, tableName: TableName, budgetMs } = options;
  const run = budgetedSend(doc, budgetMs);

  /**
   * Sets `values` and `atName = at` on `key` if the stored `atName` is older than `at`. Null when the
   * condition failed (nothing written); else the item after the write.
   */
  const setIfNewer = (
    operation: string,
    key: ItemKey,
    values: Item,
    atName: string,
    at: number,
  ): Promise<Item | null> => {
    const names: Record<string, string> = { '#at': atName };
    const vals: Item = { ':at': at };
    const sets = ['#at = :at'];
    Object.entries(values).forEach(([name, value], i) => {
      names[`#f${i}`] = name;
      vals[`:f${i}`] = value;
      sets.push(`#f${i} = :f${i}`);
    });
    const update = `SET ${sets.join(', ')}`;
    return compareAndSet(async () => {
      try {
        const out = await run<{ Attributes?: Item }>(
          operation,
          new UpdateCommand({
            TableName,
            Key: key,
            UpdateExpression: update,
            ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: vals,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return out.Attributes ?? {};
      } catch (error) {
        if (isConditionFailed(error)) return null;
        throw error;
      }
    }, options.cas);
  };

  const readAgent = async (region: string, userId: string): Promise<Item> => {
    const out = await run<{ Item?: Item }>(
      'read capacity agent',
      new GetCommand({ TableName, Key: controlKeys.capacityAgent(region, userId), ConsistentRead: true }),
    );
    return out.Item ?? {};
  };

  /** Copies the agent item's stored `field` to the member items of `queueIds`, each if newer there. */
  const copyToMembers = async (
    region: string,
    userId: string,
    agent: Item,
    field: StatusField,
    queueIds: readonly string[],
  ): Promise<void> => {
    const { values, at } = STATUS_FIELDS[field];
    const storedAt = agent[at];
    if (typeof storedAt !== 'number') return;
    const copied = Object.fromEntries(values.map((v) => [v, agent[v]]));
    await Promise.all(
      queueIds.map((queueId) =>
        setIfNewer(
          `copy ${field} to capacity member`,
          controlKeys.capacityMember(region, queueId, userId),
          { ...copied, userId, queueId },
          at,
          storedAt,
        ),
      ),
    );
  };

  const applyStatus = async (
    region: string,
    userId: string,
    field: StatusField,
    values: Item,
    at: number,
    opts: StatusOptions,
  ): Promise<boolean> => {
    const key = controlKeys.capacityAgent(region, userId);
    const written = await setIfNewer(
      `write capacity agent ${field}`,
      key,
      { ...values, userId },
      STATUS_FIELDS[field].at,
      at,
    );
    const agent = written ?? (await readAgent(region, userId));
    await copyToMembers(region, userId, agent, field, opts.queueIds ?? queueIdsOf(agent));
    return written !== null;
  };

  return {
    async applyMembership(region, fact) {
      const { queueId, userId, joined, at } = fact;
      const member = controlKeys.capacityMember(region, queueId, userId);
      const written = await setIfNewer(
        'write capacity membership',
        member,
        { joined, userId, queueId },
        'joinedAt',
        at,
      );
      if (!joined) return written !== null;
      // Joined (even by an older fact): list the queue on the agent item and bring its status along.
      const current = await addQueue(region, userId, queueId);
      await copyToMembers(region, userId, current, 'routingStatus', [queueId]);
      await copyToMembers(region, userId, current, 'presence', [queueId]);
      return written !== null;
    },

    applyRoutingStatus(region, fact, opts = {}) {
      return applyStatus(region, fact.userId, 'routingStatus', { routingStatus: fact.status }, fact.at, opts);
    },

    applyPresence(region, fact, opts = {}) {
      const values = { presence: fact.systemPresence, onQueue: fact.onQueue };
      return applyStatus(region, fact.userId, 'presence', values, fact.at, opts);
    },

    async applySkills(region, fact) {
      const key = controlKeys.capacityMember(region, fact.queueId, fact.userId);
      const values = { skills: { ...fact.skills }, userId: fact.userId, queueId: fact.queueId };
      return (await setIfNewer('write capacity skills', key, values, 'skillsAt', fact.at)) !== null;
    },

    async applyObserved(region, fact) {
      const key = controlKeys.capacityObserved(region, fact.queueId);
      const values = { waiting: fact.waiting, handleTimeMs: fact.handleTimeMs, counts: { ...fact.counts } };
      return (await setIfNewer('write capacity observation', key, values, 'observedAt', fact.at)) !== null;
    },
  };

  /** ADD to a set: idempotent, so it needs no time condition (the list only grows). */
  async function addQueue(region: string, userId: string, queueId: string): Promise<Item> {
    const out = await compareAndSet(
      () =>
        run<{ Attributes?: Item }>(
          'list queue on capacity agent',
          new UpdateCommand({
            TableName,
            Key: controlKeys.capacityAgent(region, userId),
            UpdateExpression: 'SET userId = :u ADD queueIds :q',
            ExpressionAttributeValues: { ':u': userId, ':q': new Set([queueId]) },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      options.cas,
    );
    return out.Attributes ?? {};
  }
}

function queueIdsOf(agent: Item): string[] {
  const ids = agent.queueIds;
  return ids instanceof Set ? [...ids].filter((q): q is string => typeof q === 'string').sort() : [];
}
