import type { TriggerDetail, TriggerReading } from './triggers.js';

/**
 * Plain data of the quorum rule (DESIGN.md section 4). Everything here is what the store
 * and the events carry; the rule itself lives in rule.ts and never does I/O.
 */

/** One observer's opinion of one active region's SIP edge (a `RegionHealthVote`). */
export interface Vote {
  /** Region whose monitor cast the vote: one of the two active regions or the witness. */
  readonly observer: string;
  readonly targetRegion: string;
  readonly healthy: boolean;
  /**
   * Which run of the observer's vote counter this vote belongs to. It only grows: a monitor that
   * lost its counter state and restarts `seq` from 0 takes a new, larger incarnation (the epoch ms at
   * which it started counting again). Votes are ordered by (incarnation, seq); see applyVote.
   */
  readonly incarnation: number;
  /** Position in the incarnation, +1 per vote. */
  readonly seq: number;
  /** The observer's clock when it cast the vote. */
  readonly occurredAtMs: number;
}

/** One measurement of how late the peer's heartbeats arrive in a region's replica. */
export interface LagSample {
  readonly lagMs: number;
  readonly atMs: number;
}

export type OverrideMode = 'drain' | 'pin';

/** An operator's decision about one region; it beats the SIP and replication verdicts. */
export interface Override {
  /** `drain` takes the region out of rotation, `pin` keeps it in whatever the probes say. */
  readonly mode: OverrideMode;
  /** Who asked (shown in conditions and reasons). */
  readonly by: string;
  readonly reason: string;
  readonly atMs: number;
  /**
   * Drain even if that leaves fewer than `minRegionsInRotation` regions in rotation (planned
   * maintenance of the whole service). Without it such a drain is refused. Ignored for `pin`.
   */
  readonly force?: boolean;
}

/** Why a region is in or out of rotation, most specific cause first. */
export type RegionReason =
  /** In: healthy by a quorum of votes (or by a kept verdict) and not lagging. */
  | 'Healthy'
  /** In: an operator pinned it. */
  | 'Pinned'
  /** In although the rule wanted it out: otherwise fewer than minRegionsInRotation would be in. */
  | 'MinRegionsKept'
  /** In although an operator drained it: the drain would leave fewer than minRegionsInRotation. */
  | 'DrainRefused'
  /** Out: an operator drained it. */
  | 'Drained'
  /** Out: SIP unhealthy by a quorum of votes (or by a kept verdict). */
  | 'SipUnhealthy'
  /** Out: inbound replication lag above replicationExclusionMs. */
  | 'ReplicationLag'
  /** Out: a failover trigger alarm is in ALARM (or within its clearAfterSeconds). */
  | 'AlarmTriggered'
  /** Out: healthy again, waiting for failbackDwellSeconds of continuous health. */
  | 'FailbackDwell';

/** What the rule remembers about one active region between evaluations. */
export interface RegionState {
  readonly inRotation: boolean;
  readonly reason: RegionReason;
  /** SIP verdict. Kept from the previous decision while the votes for the region have no quorum. */
  readonly sipHealthy: boolean;
  /** Replication verdict. Kept while the latest samples are not all on one side of the threshold. */
  readonly lagExcluded: boolean;
  /**
   * Start of the current run of observed health (SIP healthy by a quorum of fresh votes and not
   * lag-excluded); null while the region is unhealthy or its health is not observed (quorum lost).
   * Failback waits on it, so the store must persist every decision, not only the changed ones.
   */
  readonly healthySinceMs: number | null;
  /**
   * Trigger alarms holding the region out at this decision; what an unreadable alarm keeps.
   * Absent in decisions stored before triggers existed (read as none).
   */
  readonly triggeredBy?: readonly string[];
}

/** The rotation decision as stored in ControlState. */
export interface Decision {
  /** Generation of the rotation set: +1 exactly when `inRotation` changes. Consumers fence on it. */
  readonly epoch: number;
  /** +1 on every decision; the store's compare-and-set condition (the region states change between epochs). */
  readonly revision: number;
  /** Regions in rotation, in `settings.activeRegions` order. The source of truth for membership. */
  readonly inRotation: readonly string[];
  readonly regions: Readonly<Record<string, RegionState>>;
  readonly decidedAtMs: number;
}

export interface QuorumSettings {
  /** The two active regions; their order is the last tie-break of every choice the rule makes. */
  readonly activeRegions: readonly string[];
  /** Third observer (DESIGN.md section 1). Votes from any other observer are ignored. */
  readonly witnessRegion: string;
  /** A vote this old (or this far in the future) abstains. */
  readonly voteStaleMs: number;
  readonly replicationExclusionMs: number;
  /** Consecutive samples on one side of replicationExclusionMs that flip the replication verdict. */
  readonly lagSamples: number;
  readonly minRegionsInRotation: number;
  readonly failbackDwellSeconds: number;
}

export interface QuorumInput {
  /** Latest vote per (observer, targetRegion), in any order. Duplicates per key are resolved like applyVote. */
  readonly votes: readonly Vote[];
  /** Recent inbound-lag samples per active region, in any order. */
  readonly lag: Readonly<Record<string, readonly LagSample[] | undefined>>;
  /** At most one operator override per active region. */
  readonly overrides: Readonly<Record<string, Override | undefined>>;
  /**
   * The trigger alarms' states read for this evaluation (see triggers.ts); `[]` when there are none.
   * @default - not read: every alarm that was holding a region out keeps holding it
   */
  readonly triggers?: readonly TriggerReading[];
  /** The stored decision; null before the first one (both regions are then assumed in and healthy). */
  readonly previous: Decision | null;
  readonly settings: QuorumSettings;
}

/** Something an operator should know about a decision (alarmed and shown on the dashboard). */
export type ConditionType =
  /** Fewer than a majority of fresh votes agree on a region: its SIP verdict is kept unchanged. */
  | 'QuorumLost'
  /** A region the rule would take out is kept so that minRegionsInRotation are in rotation. */
  | 'MinRegionsKept'
  /** An operator drain is not honoured: it would leave fewer than minRegionsInRotation in rotation. */
  | 'DrainRefused'
  /** Forced drains leave fewer than minRegionsInRotation regions in rotation. */
  | 'BelowMinRegions'
  /** A pinned region is in rotation although its verdicts say unhealthy. */
  | 'PinnedUnhealthy'
  /** A vote is dated at least voteStaleMs in the future: the observer's clock is wrong; it abstains. */
  | 'VoteClockSkew'
  /** A trigger alarm's state could not be read: its last verdict is kept. */
  | 'TriggerUnreadable'
  /** A trigger alarm does not exist in its region (a typo in failover.triggers, or deleted). */
  | 'TriggerMissing';

export interface Condition {
  readonly type: ConditionType;
  /** The region concerned; null for a condition about the whole rotation. */
  readonly region: string | null;
  readonly message: string;
}

/** The votes and samples behind one region's verdicts, for logs, events and the dashboard. */
export interface RegionEvidence {
  /** Observers whose fresh vote says healthy / unhealthy, in observer order. */
  readonly healthy: readonly string[];
  readonly unhealthy: readonly string[];
  /** Observers with no vote, a stale vote or a vote from the future. */
  readonly abstained: readonly string[];
  /** A majority of observers agree (2 of 3). */
  readonly quorum: boolean;
  readonly latestLagMs: number | null;
  /** What each trigger alarm about the region is doing. */
  readonly triggers: readonly TriggerDetail[];
}

/** Why a decision is what it is: stored with it, printed by `cc-continuity explain`. */
export interface DecisionExplanation {
  readonly reasons: Readonly<Record<string, string>>;
  readonly conditions: readonly Condition[];
  readonly evidence: Readonly<Record<string, RegionEvidence>>;
}

export interface QuorumOutcome {
  /** The next decision to store (always; see Decision.revision). */
  readonly decision: Decision;
  /** The rotation set differs from the previous decision's (the epoch moved). */
  readonly changed: boolean;
  readonly conditions: readonly Condition[];
  /** One sentence per active region saying why it is in or out. */
  readonly reasons: Readonly<Record<string, string>>;
  readonly evidence: Readonly<Record<string, RegionEvidence>>;
}
