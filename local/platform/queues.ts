/**
 * The queue routes of the local platform (server.ts): documented response shapes
 * (docs/research/genesys-routing-facts.md 2d, 3a, 3b) rendered from the queue state a test sets.
 */

export const OBSERVATIONS_PATH = '/api/v2/analytics/queues/observations/query';
export const AGGREGATES_PATH = '/api/v2/analytics/conversations/aggregates/query';
export const MEMBERS_ROUTE = /^\/api\/v2\/routing\/queues\/([^/]+)\/members$/;

/** A queue member as the test sets it; rendered as a `QueueMember` (with `User.skills` on expand). */
export interface LocalQueueMember {
  readonly userId: string;
  readonly name?: string;
  readonly joined: boolean;
  /** `RoutingStatus` (`status`, `startTime` ISO), on `expand=routingStatus`. */
  readonly routingStatus?: { readonly status: string; readonly startTime: string };
  /** `UserRoutingSkill`s, on `expand=skills`. */
  readonly skills?: readonly {
    readonly name: string;
    readonly proficiency: number;
    readonly state?: string;
  }[];
}

export type ObservationMetric =
  | 'oWaiting'
  | 'oInteracting'
  | 'oOnQueueUsers'
  | 'oActiveUsers'
  | 'oMemberUsers';

/** One queue of an org: its members, observation counts (`stats.count`) and completed handle time. */
export interface LocalQueueState {
  readonly members: readonly LocalQueueMember[];
  /** Metrics without a value get no row, as a metric with nothing to count. */
  readonly observed?: Partial<Record<ObservationMetric, number>>;
  /** `tHandle` stats of the calls completed in any asked interval (ms); none: no group in the answer. */
  readonly handle?: {
    readonly sum: number;
    readonly count: number;
    readonly max?: number;
    readonly min?: number;
  };
}

type Queues = ReadonlyMap<string, LocalQueueState>;

/** A `QueueMemberEntityListing` page: `entities`, `pageNumber`, `pageSize`, `nextUri` while more. */
export function membersPage(queues: Queues, queueId: string, url: URL) {
  const queue = queues.get(queueId);
  if (queue === undefined) return null;
  const pageSize = Math.min(100, Math.max(1, Number(url.searchParams.get('pageSize') ?? 25) || 25));
  const pageNumber = Math.max(1, Number(url.searchParams.get('pageNumber') ?? 1) || 1);
  const expand = url.searchParams.getAll('expand').flatMap((e) => e.split(','));
  const base = `/api/v2/routing/queues/${encodeURIComponent(queueId)}/members`;
  const page = (n: number) => `${base}?pageSize=${pageSize}&pageNumber=${n}`;
  const entities = queue.members.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((m) => ({
    id: m.userId,
    name: m.name ?? m.userId,
    user: {
      id: m.userId,
      name: m.name ?? m.userId,
      ...(expand.includes('skills')
        ? {
            skills: (m.skills ?? []).map((s) => ({
              id: `skill-${s.name}`,
              name: s.name,
              proficiency: s.proficiency,
              state: s.state ?? 'active',
            })),
          }
        : {}),
    },
    joined: m.joined,
    memberBy: 'user',
    ...(expand.includes('routingStatus') && m.routingStatus
      ? { routingStatus: { userId: m.userId, ...m.routingStatus } }
      : {}),
  }));
  const more = pageNumber * pageSize < queue.members.length;
  return {
    entities,
    pageNumber,
    pageSize,
    firstUri: page(1),
    selfUri: page(pageNumber),
    ...(more ? { nextUri: page(pageNumber + 1) } : {}),
  };
}

/** `QueueObservationQueryResponse` for the known queues the filter's queueId predicates name. */
export function observations(queues: Queues, query: Record<string, unknown>) {
  const asked = Array.isArray(query.metrics) ? (query.metrics as string[]) : undefined;
  const results = queueIdsIn(query.filter)
    .filter((id) => queues.has(id))
    .map((queueId) => {
      const observed = queues.get(queueId)?.observed ?? {};
      const data = Object.entries(observed)
        .filter(([metric]) => asked === undefined || asked.includes(metric))
        .map(([metric, count]) => ({ metric, stats: { count } }));
      return { group: { queueId }, data };
    });
  return { systemToOrganizationMappings: {}, results };
}

/** `ConversationAggregateQueryResponse` with `tHandle` per known queue with completed handling. */
export function aggregates(queues: Queues, query: Record<string, unknown>) {
  const results = queueIdsIn(query.filter).flatMap((queueId) => {
    const handle = queues.get(queueId)?.handle;
    if (handle === undefined || handle.count === 0 || !(query.metrics as unknown[]).includes('tHandle'))
      return [];
    const stats = {
      max: handle.max ?? handle.sum,
      min: handle.min ?? 0,
      count: handle.count,
      sum: handle.sum,
    };
    return [
      { group: { queueId }, data: [{ interval: query.interval, metrics: [{ metric: 'tHandle', stats }] }] },
    ];
  });
  return { results };
}

/** The values of every `queueId` dimension predicate of a query filter (top level and clauses). */
export function queueIdsIn(filter: unknown): string[] {
  const f = (filter ?? {}) as { predicates?: unknown[]; clauses?: { predicates?: unknown[] }[] };
  const predicates = [...(f.predicates ?? []), ...(f.clauses ?? []).flatMap((c) => c.predicates ?? [])];
  return predicates.flatMap((p) => {
    const { dimension, value } = (p ?? {}) as { dimension?: unknown; value?: unknown };
    return dimension === 'queueId' && typeof value === 'string' ? [value] : [];
  });
}
