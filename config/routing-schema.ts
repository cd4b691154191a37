import { z } from 'zod';

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
  maxOverflowPercentage: z.number().min(0).max(100).default(20),
  /** Sliding window of the overflow cap. */
  overflowWindowSeconds: z.number().int().min(60).max(3600).default(300),
  /**
   * The caller's region keeps the call unless the other region's expected wait is shorter by more than
   * this ("clearly better").
   */
  preferCallerRegionMarginSeconds: z.number().int().min(0).max(3600).default(30),
  /** Expected handle time of a queue until reconciliation has measured one. */
  defaultHandleTimeSeconds: z.number().int().min(1).max(7200).default(300),
  /** Logical queue answered when a directory entry names no fallback of its own and nothing qualifies. */
  fallbackQueue: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an upper-case logical queue name such as FALLBACK_QUEUE')
    .default('FALLBACK_QUEUE'),
  /** How long a conversation's recorded answer holds (ControlState has no TTL: expired on read, swept). */
  assignmentTtlSeconds: z.number().int().min(60).max(86_400).default(14_400),
  /** How often each region reconciles its capacity snapshots with the platform's queue observations. */
  reconcileSeconds: z.number().int().min(10).max(3600).default(60),
});

export type RoutingConfig = z.output<typeof routingSchema>;
