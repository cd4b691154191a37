import { type CompareAndSetOptions, compareAndSet } from '../shared/control-write.js';
import { buildEvent, type ParsedEvent } from '../shared/events.js';
import { stableEventId } from '../shared/identifiers.js';
import type { EventPublisher } from '../shared/publisher.js';
import type { AlarmStateReader } from './alarm-states.js';
import { isControlUnavailable } from './budget.js';
import type { ControlStore, HistoryEntry } from './control-store.js';
import { impliedLag } from './lag-crossings.js';
import { decide } from './quorum/rule.js';
import type { TriggerReading, TriggerSpec } from './quorum/triggers.js';
import type { QuorumOutcome, QuorumSettings } from './quorum/types.js';

export interface QuorumDeps {
  readonly store: ControlStore;
  readonly publisher: EventPublisher;
  readonly settings: QuorumSettings;
  /** The region this function runs in: `decidedBy` and `originRegion` of what it emits. */
  readonly region: string;
  readonly eventBusName: string;
  /**
   * How long a change may stay unpublished before any evaluation publishes it: covers a winner that
   * crashed between its compare-and-set and PutEvents. Shorter than the peer's normal publish would
   * give duplicates (same eventId, dropped by consumers); longer only delays the announcement.
   */
  readonly announceGraceMs: number;
  /**
   * CloudWatch alarms whose state changes trigger an immediate re-evaluation: this region's SIP-health
   * alarm and the trigger alarms that live in this region.
   */
  readonly alarmNames: readonly string[];
  /**
   * Failover triggers (failover.triggers and the backstops) and the reader of their states, read on
   * every evaluation so a missed state-change event heals at the next one.
   * @default - alarms not read: the stored decision's firing triggers are kept (see triggerVerdict)
   */
  readonly triggers?: { readonly specs: readonly TriggerSpec[]; readonly reader: AlarmStateReader };
  /**
   * How often the monitors measure lag (health.probeIntervalMs): lag events come only on threshold
   * crossings, and each stands for one sample per interval until the next (see impliedSamples).
   * @default - no implied samples: each stored event is one sample
   */
  readonly lagSampleIntervalMs?: number;
  readonly cas?: CompareAndSetOptions;
}

export interface Evaluation {
  readonly outcome: QuorumOutcome;
  /** Epochs this evaluation announced (RegionRotationChanged published), ascending. */
  readonly announced: readonly number[];
}

export type QuorumResult =
  | { readonly kind: 'evaluated'; readonly trigger: string; readonly evaluation: Evaluation }
  | { readonly kind: 'ignored'; readonly trigger: string; readonly why: string }
  /** ControlState was out of reach within the budget: this region has lost quorum and decides nothing. */
  | { readonly kind: 'fenced'; readonly trigger: string; readonly error: Error };

/**
 * One invocation of the quorum function: store what the event brings (a vote, a lag sample), then
 * evaluate the rule and write the decision. Alarm state changes and schedules only evaluate.
 * A region that cannot reach ControlState is fenced: it answers `fenced` rather than throwing,
 * because the peer, which still holds the majority, has stored the same forwarded event.
 */
export async function handleQuorumEvent(
  deps: QuorumDeps,
  event: ParsedEvent,
  now: number,
): Promise<QuorumResult> {
  const trigger = event.type === 'AlarmStateChange' ? `alarm ${event.detail.alarmName}` : event.type;
  try {
    switch (event.type) {
      case 'RegionHealthVote': {
        const d = event.detail;
        if (!deps.settings.activeRegions.includes(d.targetRegion)) {
          return { kind: 'ignored', trigger, why: `${d.targetRegion} is not an active region` };
        }
        const vote = {
          observer: d.observer,
          targetRegion: d.targetRegion,
          healthy: d.healthy,
          incarnation: d.incarnation,
          seq: d.seq,
          occurredAtMs: Date.parse(d.occurredAt),
        };
        const update = await deps.store.putVote(vote, deps.settings.voteStaleMs);
        // A redelivered or late vote changes no input; the observers' regular re-votes and the
        // schedule evaluate again soon enough.
        if (!update.replace) return { kind: 'ignored', trigger, why: `vote not newer (${update.reason})` };
        break;
      }
      case 'ReplicationLagMeasured': {
        const d = event.detail;
        if (!deps.settings.activeRegions.includes(d.measuringRegion)) {
          return { kind: 'ignored', trigger, why: `${d.measuringRegion} is not an active region` };
        }
        const sample = { lagMs: d.lagMs, atMs: Date.parse(d.occurredAt), eventId: d.eventId };
        if (!(await deps.store.addLagSample(d.measuringRegion, sample))) {
          return { kind: 'ignored', trigger, why: 'lag sample already stored' };
        }
        break;
      }
      case 'AlarmStateChange':
        if (!deps.alarmNames.includes(event.detail.alarmName)) {
          return { kind: 'ignored', trigger, why: 'not an alarm quorum watches' };
        }
        break;
      case 'Schedule':
        break;
      default:
        return { kind: 'ignored', trigger, why: `quorum does not consume ${event.type}` };
    }
    return { kind: 'evaluated', trigger, evaluation: await evaluate(deps, now) };
  } catch (error) {
    if (isControlUnavailable(error)) return { kind: 'fenced', trigger, error };
    throw error;
  }
}

/**
 * Reads votes, lag, overrides and the current decision, decides, and writes the decision conditional
 * on the version it read (compareAndSet re-reads and decides again on a lost race). Only the writer
 * whose compare-and-set moved the epoch announces the change: both regions evaluating the same inputs
 * converge on one decision and one RegionRotationChanged per epoch.
 */
export async function evaluate(deps: QuorumDeps, now: number): Promise<Evaluation> {
  const { store, settings } = deps;
  const regions = settings.activeRegions;
  // Once per evaluation, outside the compare-and-set retries: alarm states change on minutes, races on ms.
  const triggerReadings: readonly TriggerReading[] =
    deps.triggers && deps.triggers.specs.length > 0
      ? await deps.triggers.reader.read(deps.triggers.specs)
      : [];
  const { outcome, toAnnounce } = await compareAndSet(async () => {
    const [current, votes, stored, overrides] = await Promise.all([
      store.readDecision(),
      store.readVotes(regions),
      store.readLag(regions),
      store.readOverrides(regions),
    ]);
    const lag = impliedLag(stored, now, deps.lagSampleIntervalMs ?? 0, settings.lagSamples);
    const outcome = decide(
      { votes, lag, overrides, triggers: triggerReadings, previous: current?.decision ?? null, settings },
      now,
    );
    const pending: Record<string, HistoryEntry> = { ...current?.pending };
    // A change another evaluation wrote but never confirmed published: its writer is presumed crashed.
    const toAnnounce = Object.values(pending).filter(
      (p) => now - p.announcement.decidedAtMs >= deps.announceGraceMs,
    );
    if (outcome.changed) {
      const previous = current?.decision.inRotation ?? settings.activeRegions;
      const entry = historyEntry(outcome, previous, deps.region, now);
      pending[String(entry.epoch)] = entry;
      toAnnounce.push(entry);
    }
    const { reasons, conditions, evidence } = outcome;
    await store.writeDecision(outcome.decision, pending, current?.version ?? null, {
      reasons,
      conditions,
      evidence,
    });
    return { outcome, toAnnounce };
  }, deps.cas);

  const announced: number[] = [];
  for (const entry of toAnnounce.sort((a, b) => a.epoch - b.epoch)) {
    await store.recordHistory(entry);
    await deps.publisher.publish([
      buildEvent(
        'RegionRotationChanged',
        {
          epoch: entry.epoch,
          inRotation: [...entry.announcement.inRotation],
          previous: [...entry.announcement.previous],
          reasons: { ...entry.announcement.reasons },
          decidedBy: entry.announcement.decidedBy,
        },
        {
          originRegion: deps.region,
          now: entry.announcement.decidedAtMs,
          eventBusName: deps.eventBusName,
          // Stable per epoch: a takeover re-publish is a duplicate consumers drop, not a second change.
          eventId: rotationEventId(entry.epoch),
        },
      ),
    ]);
    await store.markAnnounced(entry.epoch);
    announced.push(entry.epoch);
  }
  return { outcome, announced };
}

export function rotationEventId(epoch: number): string {
  return stableEventId('RegionRotationChanged', epoch);
}

function historyEntry(
  outcome: QuorumOutcome,
  previous: readonly string[],
  region: string,
  now: number,
): HistoryEntry {
  const { decision } = outcome;
  const reasons: Record<string, string> = {};
  for (const [r, state] of Object.entries(decision.regions)) reasons[r] = state.reason;
  return {
    epoch: decision.epoch,
    decision,
    announcement: {
      epoch: decision.epoch,
      inRotation: decision.inRotation,
      previous,
      reasons,
      decidedBy: region,
      decidedAtMs: now,
    },
  };
}
