import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { buildEvent } from '../shared/events.js';
import { stableEventId } from '../shared/identifiers.js';
import type { LagCrossing } from './lag.js';
import type { StoredEntry } from './lease.js';
import type { TargetChange, VoteCast } from './tick.js';

export interface MonitorEventContext {
  /** The observing region (this function's region). */
  readonly observer: string;
  readonly eventBusName: string;
  /** The lease's incarnation: part of every event id, so a new run of the counters never reuses an id. */
  readonly incarnation: number;
  /** Minimum UP targets, named in the vote's reason. */
  readonly minHealthyTargets: number;
}

export interface TickEvents {
  readonly tick: number;
  readonly now: number;
  readonly changes: readonly TargetChange[];
  readonly votes: readonly VoteCast[];
  readonly lag: { readonly sourceRegion: string; readonly crossing: LagCrossing } | null;
}

/**
 * The events of one committed tick, with ids derived from the fact (observer, incarnation, tick or seq):
 * re-sending them after a crash yields duplicates that consumers drop, never new facts.
 */
export function tickEntries(ctx: MonitorEventContext, facts: TickEvents): StoredEntry[] {
  const options = (eventId: string) => ({
    originRegion: ctx.observer,
    now: facts.now,
    eventBusName: ctx.eventBusName,
    eventId,
  });
  const entries: PutEventsRequestEntry[] = [
    ...facts.changes.map((c) =>
      buildEvent(
        'SipTargetHealthChanged',
        {
          observer: ctx.observer,
          targetRegion: c.target.region,
          target: {
            name: c.target.name,
            host: c.target.host,
            port: c.target.port,
            transport: c.target.transport,
          },
          state: c.transition.to as 'UP' | 'DOWN',
          previousState: c.transition.from,
          consecutive: c.transition.to === 'UP' ? c.state.consecutiveUps : c.state.consecutiveDowns,
          lastStatus: c.result.status,
          lastReason: c.result.reason,
          rttMs: c.result.rttMs,
        },
        options(stableEventId('sip-target', ctx.observer, c.target.id, ctx.incarnation, facts.tick)),
      ),
    ),
    ...facts.votes.map((v) =>
      buildEvent(
        'RegionHealthVote',
        {
          observer: ctx.observer,
          targetRegion: v.targetRegion,
          healthy: v.healthy,
          healthyTargets: v.healthyTargets,
          totalTargets: v.totalTargets,
          incarnation: ctx.incarnation,
          seq: v.seq,
          reason: `${v.cause}: ${v.healthyTargets} of ${v.totalTargets} targets UP, ${ctx.minHealthyTargets} needed`,
        },
        options(stableEventId('vote', ctx.observer, v.targetRegion, ctx.incarnation, v.seq)),
      ),
    ),
  ];
  if (facts.lag) {
    const { sourceRegion, crossing } = facts.lag;
    entries.push(
      buildEvent(
        'ReplicationLagMeasured',
        {
          measuringRegion: ctx.observer,
          sourceRegion,
          lagMs: Math.round(crossing.lagMs),
          level: crossing.level,
          previousLevel: crossing.previousLevel,
          thresholdMs: crossing.thresholdMs,
        },
        options(stableEventId('lag', ctx.observer, sourceRegion, ctx.incarnation, facts.tick)),
      ),
    );
  }
  return entries.map((e) => ({
    Source: e.Source ?? '',
    DetailType: e.DetailType ?? '',
    Detail: e.Detail ?? '',
    EventBusName: e.EventBusName ?? '',
    Time: facts.now,
  }));
}

/** Outbox entries as PutEvents entries. */
export function toPutEntries(entries: readonly StoredEntry[]): PutEventsRequestEntry[] {
  return entries.map((e) => ({ ...e, Time: new Date(e.Time) }));
}
