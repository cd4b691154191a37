import '../functions/shared/zod-messages.js';
import * as z from 'zod/mini';

/**
 * Region-agnostic routing (DESIGN.md section 7, README "Region-agnostic routing"): how
 * `POST /routing/resolve` chooses a region's queue, how long it keeps its answer, and how often the
 * capacity snapshots are reconciled with the platform.
 */
export const routingSchema = z.strictObject({
  /**
   * Of the caller region's resolves in the last `overflowWindowSeconds`, at most this share may be sent
   * to the other region because it is better (a region that cannot take calls is not overflow).
   */
  maxOverflowPercentage: z._default(z.number().check(z.minimum(0), z.maximum(100)), 20),
  /** Sliding window of the overflow cap. */
  overflowWindowSeconds: z._default(z.int().check(z.minimum(60), z.maximum(3600)), 300),
  /**
   * The caller's region keeps the call unless the other region's expected wait is shorter by more than
   * this ("clearly better").
   */
  preferCallerRegionMarginSeconds: z._default(z.int().check(z.minimum(0), z.maximum(3600)), 30),
  /** Expected handle time of a queue until reconciliation has measured one. */
  defaultHandleTimeSeconds: z._default(z.int().check(z.minimum(1), z.maximum(7200)), 300),
  /** Logical queue answered when a directory entry names no fallback of its own and nothing qualifies. */
  fallbackQueue: z._default(
    z
      .string()
      .check(
        z.regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an upper-case logical queue name such as FALLBACK_QUEUE'),
      ),
    'FALLBACK_QUEUE',
  ),
  /** How long a conversation's recorded answer holds (ControlState has no TTL: expired on read, swept). */
  assignmentTtlSeconds: z._default(z.int().check(z.minimum(60), z.maximum(86_400)), 14_400),
  /** How often each region reconciles its capacity snapshots with the platform's queue observations. */
  reconcileSeconds: z._default(z.int().check(z.minimum(10), z.maximum(3600)), 60),
});

export type RoutingConfig = z.output<typeof routingSchema>;
