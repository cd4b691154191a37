import '../../shared/zod-messages.js';
import * as z from 'zod/mini';

/**
 * `POST /routing/resolve`: which region's queue takes a conversation (README "Region-agnostic routing").
 * The answer is flat so that a web-services data action maps it without code.
 */

const logicalQueue = z
  .string()
  .check(
    z.regex(
      /^[A-Z][A-Z0-9_]{0,63}$/,
      'must be an upper-case logical queue name such as PRIMARY_SUPPORT_QUEUE',
    ),
  );

export const resolveRequestSchema = z.strictObject({
  /** The platform's conversation id: one answer per conversation. */
  conversationId: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(128),
      z.regex(/^[A-Za-z0-9._:-]+$/, 'must be 1-128 letters, digits, dots, colons, underscores or dashes'),
    ),
  queue: logicalQueue,
  /** Skills the conversation needs beyond the directory entry's (all must be held). */
  skills: z._default(
    z.array(z.string().check(z.minLength(1), z.maxLength(100))).check(z.maxLength(20, 'at most 20 skills')),
    [],
  ),
  /** HIGHEST_PRIORITY_WINS: a higher priority replaces a lower one's answer. */
  priority: z._default(z.int().check(z.minimum(0), z.maximum(1_000_000)), 0),
  /** The active region whose organization the call landed in. */
  callerRegion: z
    .string()
    .check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name such as us-east-1')),
});

export type ResolveRequest = z.output<typeof resolveRequestSchema>;

/**
 * Why a region was chosen. `caller_region`: the caller's region qualifies and the other is not clearly
 * better. `better_elsewhere`: dynamic overflow to the other region. `overflow_capped`: the other was
 * better but the overflow cap was reached. `circuit_open`, `not_in_rotation`, `no_capacity`,
 * `no_target`: the caller's region could not take it for that reason. `region_lock`: the queue is locked
 * to a region. `fallback`: nothing qualified for the queue; the answer is its fallback queue.
 */
export const RESOLVE_REASONS = [
  'caller_region',
  'better_elsewhere',
  'overflow_capped',
  'circuit_open',
  'not_in_rotation',
  'no_capacity',
  'no_target',
  'region_lock',
  'fallback',
] as const;
export type ResolveReason = (typeof RESOLVE_REASONS)[number];

/** The answer, flat; stored as is per conversation and given again to every repeat. */
export interface ResolveAnswer {
  readonly conversationId: string;
  /** The logical queue asked for. */
  readonly queue: string;
  /** The logical queue answered: `queue`, or its fallback. */
  readonly resolvedQueue: string;
  readonly region: string;
  readonly queueId: string;
  readonly transferAddress: string;
  /** Whether `region` is the caller's region (no transfer needed). */
  readonly sameRegion: boolean;
  readonly reason: ResolveReason;
  /** One sentence on the reason, for people reading flows' participant data. */
  readonly detail: string;
  readonly priority: number;
  /** ISO time the answer was decided. */
  readonly decidedAt: string;
  /** Region whose resolve decided it. */
  readonly decidedBy: string;
}
