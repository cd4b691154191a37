/**
 * What the resolve route reads of a platform queue's capacity in one region (README "Region-agnostic
 * routing"): its members' routing state from the platform's events, and what the last reconciliation
 * observed. Written by the capacity ingest and the reconciliation (functions/routing/capacity/).
 */

/** One queue member as the events and the reconciliation left it. */
export interface AgentCapacity {
  readonly userId: string;
  /** The platform routing status (`IDLE`, `INTERACTING`, `COMMUNICATING`, `NOT_RESPONDING`, `OFF_QUEUE`), null if never seen. */
  readonly routingStatus: string | null;
  /** Whether the agent's system presence is On Queue (null if never seen). */
  readonly onQueue: boolean | null;
  /** Routing skill name -> proficiency (platform scale 0-5); empty when not known. */
  readonly skills: Readonly<Record<string, number>>;
}

export interface QueueSnapshot {
  readonly region: string;
  readonly queueId: string;
  /** Members currently joined to the queue. */
  readonly members: readonly AgentCapacity[];
  /** Interactions waiting in the queue at the last reconciliation (null: never reconciled). */
  readonly waiting: number | null;
  /** Average handle time the last reconciliation measured, ms (null: not measured). */
  readonly handleTimeMs: number | null;
  /** When the last reconciliation observed the queue, epoch ms (null: never). */
  readonly observedAt: number | null;
}

export interface CapacityReader {
  /** The queue's snapshot in the region; a queue nothing is known of has no members and nulls. */
  read(region: string, queueId: string): Promise<QueueSnapshot>;
}
