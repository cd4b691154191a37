import * as z from 'zod/mini';
import type { PlatformClient } from '../../oauth/platform-client.js';
import { describeZodIssues } from '../../shared/identifiers.js';
import { isRoutingStatus, type RoutingStatus } from './partner-events.js';
import type { ObservedCounts } from './store.js';

/**
 * The three platform queries reconciliation makes, in the documented request and response shapes
 * (docs/research/genesys-routing-facts.md sections 2d, 3a, 3b), through `platformClient`.
 */

export type PlatformCaller = Pick<PlatformClient, 'request'>;

export const MEMBERS_PATH = (queueId: string) =>
  `/api/v2/routing/queues/${encodeURIComponent(queueId)}/members`;
export const OBSERVATIONS_QUERY_PATH = '/api/v2/analytics/queues/observations/query';
export const AGGREGATES_QUERY_PATH = '/api/v2/analytics/conversations/aggregates/query';

/** `pageSize` "Max value is 100" (RoutingApi getRoutingQueueMembers). */
const PAGE_SIZE = 100;
/** Our cap, not the platform's: 5000 members per queue bounds one run. */
const MAX_PAGES = 50;

/** A platform answer that does not have its documented shape; names the fields, never values. */
export class PlatformShapeError extends Error {
  constructor(what: string, problems: readonly string[]) {
    super(`unexpected ${what} answer: ${problems.slice(0, 5).join('; ')}`);
    this.name = 'PlatformShapeError';
  }
}

function check<S extends z.ZodMiniType>(what: string, schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new PlatformShapeError(what, describeZodIssues(parsed.error));
  return parsed.data;
}

/** Numbers are finite in zod 4 (Infinity and NaN are rejected by `z.number()` itself). */
const count = z.number().check(z.nonnegative());

/** `QueueMember` with `user.skills` (`UserRoutingSkill`) and `routingStatus` (`RoutingStatus`). */
const queueMember = z.looseObject({
  id: z.optional(z.string()),
  user: z.optional(
    z.looseObject({
      id: z.string().check(z.minLength(1)),
      skills: z.optional(
        z.array(
          z.looseObject({
            name: z.string().check(z.minLength(1)),
            proficiency: count,
            state: z.optional(z.string()),
          }),
        ),
      ),
    }),
  ),
  joined: z.optional(z.boolean()),
  routingStatus: z.optional(
    z.looseObject({ status: z.optional(z.string()), startTime: z.optional(z.string()) }),
  ),
});

/** `QueueMemberEntityListing`: `entities`, `pageNumber`, `pageSize`, `nextUri`, ... */
const memberListing = z.looseObject({
  entities: z._default(z.array(queueMember), []),
  nextUri: z.nullish(z.string()),
});

export interface QueueMemberState {
  readonly userId: string;
  readonly joined: boolean;
  /** Null when the answer carries none (or one outside the documented enum). */
  readonly routingStatus: { readonly status: RoutingStatus; readonly startTime: number | null } | null;
  /** Active skills, name -> proficiency; null when the answer carries no skills list. */
  readonly skills: Readonly<Record<string, number>> | null;
}

/**
 * Every member of a queue, page by page while the listing has a `nextUri`. A queue the org does not
 * have answers 404: PlatformRequestError with status 404 (the caller tries the region's next org).
 */
export async function queueMembers(client: PlatformCaller, queueId: string): Promise<QueueMemberState[]> {
  const members: QueueMemberState[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const query = `pageSize=${PAGE_SIZE}&pageNumber=${page}&expand=skills&expand=routingStatus`;
    const answer = await client.request('GET', `${MEMBERS_PATH(queueId)}?${query}`);
    const listing = check('queue members', memberListing, answer.body);
    for (const m of listing.entities) {
      const userId = m.user?.id ?? m.id;
      if (userId === undefined || userId === '') continue;
      const rs = m.routingStatus;
      const started = rs?.startTime === undefined ? Number.NaN : Date.parse(rs.startTime);
      members.push({
        userId,
        joined: m.joined === true,
        routingStatus: isRoutingStatus(rs?.status)
          ? { status: rs.status, startTime: Number.isFinite(started) ? started : null }
          : null,
        skills:
          m.user?.skills === undefined
            ? null
            : Object.fromEntries(
                m.user.skills
                  .filter((s) => s.state === undefined || s.state === 'active')
                  .map((s) => [s.name, s.proficiency]),
              ),
      });
    }
    if (!listing.nextUri || listing.entities.length === 0) return members;
  }
  return members;
}

export interface QueueObservation {
  readonly waiting: number;
  readonly counts: ObservedCounts;
}

const OBSERVED_METRICS = {
  oWaiting: 'waiting',
  oInteracting: 'interacting',
  oOnQueueUsers: 'onQueueUsers',
  oActiveUsers: 'activeUsers',
  oMemberUsers: 'memberUsers',
} as const;

const observationResponse = z.looseObject({
  results: z._default(
    z.array(
      z.looseObject({
        group: z._default(z.record(z.string(), z.string()), {}),
        data: z._default(
          z.array(z.looseObject({ metric: z.string(), stats: z.looseObject({ count: z.optional(count) }) })),
          [],
        ),
      }),
    ),
    [],
  ),
});

/**
 * `POST /api/v2/analytics/queues/observations/query` for these queues (one `or` filter). Rows of one
 * queue (one per media type) are added up; a metric without a row counts 0. A queue missing from the
 * results is missing from the map.
 */
export async function queueObservations(
  client: PlatformCaller,
  queueIds: readonly string[],
): Promise<Map<string, QueueObservation>> {
  const body = {
    filter: {
      type: 'or',
      predicates: queueIds.map((value) => ({
        type: 'dimension',
        dimension: 'queueId',
        operator: 'matches',
        value,
      })),
    },
    metrics: Object.keys(OBSERVED_METRICS),
  };
  // A query reads, so a retry after a 5xx is safe.
  const answer = await client.request('POST', OBSERVATIONS_QUERY_PATH, body, { idempotent: true });
  const sums = new Map<string, Record<string, number>>();
  for (const row of check('queue observations', observationResponse, answer.body).results) {
    const queueId = row.group.queueId;
    if (queueId === undefined || !queueIds.includes(queueId)) continue;
    const sum = sums.get(queueId) ?? {};
    for (const d of row.data) {
      const field = OBSERVED_METRICS[d.metric as keyof typeof OBSERVED_METRICS];
      if (field !== undefined) sum[field] = (sum[field] ?? 0) + (d.stats.count ?? 0);
    }
    sums.set(queueId, sum);
  }
  return new Map(
    [...sums].map(([queueId, s]) => [
      queueId,
      {
        waiting: s.waiting ?? 0,
        counts: {
          interacting: s.interacting ?? 0,
          onQueueUsers: s.onQueueUsers ?? 0,
          activeUsers: s.activeUsers ?? 0,
          memberUsers: s.memberUsers ?? 0,
        },
      },
    ]),
  );
}

const aggregateResponse = z.looseObject({
  results: z._default(
    z.array(
      z.looseObject({
        group: z._default(z.record(z.string(), z.string()), {}),
        data: z._default(
          z.array(
            z.looseObject({
              metrics: z._default(
                z.array(
                  z.looseObject({
                    metric: z.string(),
                    stats: z.looseObject({ sum: z.optional(count), count: z.optional(count) }),
                  }),
                ),
                [],
              ),
            }),
          ),
          [],
        ),
      }),
    ),
    [],
  ),
});

/**
 * Average handle time per queue over `[fromMs, toMs]`: `tHandle` sum / count from
 * `POST /api/v2/analytics/conversations/aggregates/query` grouped by queueId. `t*` metrics count in the
 * interval they complete in, so calls still being handled are not in it. A queue with no completed
 * handling in the interval is missing from the map.
 */
export async function handleTimes(
  client: PlatformCaller,
  queueIds: readonly string[],
  fromMs: number,
  toMs: number,
): Promise<Map<string, number>> {
  const body = {
    interval: `${new Date(fromMs).toISOString()}/${new Date(toMs).toISOString()}`,
    groupBy: ['queueId'],
    filter: { type: 'or', predicates: queueIds.map((value) => ({ dimension: 'queueId', value })) },
    metrics: ['tHandle'],
  };
  const answer = await client.request('POST', AGGREGATES_QUERY_PATH, body, { idempotent: true });
  const totals = new Map<string, { sum: number; count: number }>();
  for (const row of check('conversation aggregates', aggregateResponse, answer.body).results) {
    const queueId = row.group.queueId;
    if (queueId === undefined || !queueIds.includes(queueId)) continue;
    const total = totals.get(queueId) ?? { sum: 0, count: 0 };
    for (const m of row.data.flatMap((d) => d.metrics)) {
      if (m.metric !== 'tHandle') continue;
      total.sum += m.stats.sum ?? 0;
      total.count += m.stats.count ?? 0;
    }
    totals.set(queueId, total);
  }
  return new Map(
    [...totals].filter(([, t]) => t.count > 0).map(([queueId, t]) => [queueId, Math.round(t.sum / t.count)]),
  );
}
