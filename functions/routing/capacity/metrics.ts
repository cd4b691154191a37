/**
 * Metric names (Count, dimension `service`) of the capacity functions, in one small module so the
 * stacks' alarms import them without the functions' code.
 */

/** Metric names (Count, dimension `service`) the ingest emits. */
export const INGEST_METRICS = {
  /** The event was newer than the stored field and changed it. */
  applied: 'CapacityEventApplied',
  /** A duplicate or an older event: nothing changed. */
  stale: 'CapacityEventStale',
  /** A topic ingest does not handle. */
  dropped: 'CapacityEventDropped',
} as const;

/** Metric names (Count, dimension `service`) the reconciliation emits per run. */
export const RECONCILE_METRICS = {
  /** Platform reads that failed this run (a queue's members, or a batch's observation or handle time). */
  failed: 'CapacityReconcileFailed',
  /** Fields a run changed: what the events had missed or got wrong. */
  repaired: 'CapacityRepaired',
} as const;
