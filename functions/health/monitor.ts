import { isConditionFailed } from '../shared/control-write.js';
import type { Logger } from '../shared/logger.js';
import type { EventPublisher } from '../shared/publisher.js';
import { type Clock, type HeartbeatStore, LagMeter, sleepUntil } from './heartbeat.js';
import { applyLagSample, type LagStep, type LagThresholds } from './lag.js';
import {
  expiryAfter,
  type MonitorLease,
  nextSuspectRound,
  type StoredEntry,
  type SuspectTiming,
  slotAt,
  suspectTimeoutFor,
} from './lease.js';
import { acquireLease } from './lease-acquire.js';
import type { MonitorMetrics } from './metrics.js';
import { tickEntries, toPutEntries } from './monitor-events.js';
import type { MonitorStore } from './monitor-store.js';
import type { ProbeResult } from './sip/probe.js';
import { isSuspect } from './target-state.js';
import { applyTick, type MonitoredTarget, type VoteSettings } from './tick.js';

export type { Clock } from './heartbeat.js';

export interface MonitorSettings extends VoteSettings {
  readonly intervalMs: number;
  readonly probeTimeoutMs: number;
  readonly lag: LagThresholds;
  /**
   * Once a target has failed a probe, and until it reaches the failure threshold or answers well, it is
   * probed again this soon, in suspect rounds between the tick's slots (see `nextSuspectRound`).
   * @default intervalMs - suspect probing off
   */
  readonly suspectIntervalMs?: number;
  /**
   * Timeout of a suspect probe, raised per target to twice its last good probe's time (at most
   * `probeTimeoutMs`; see `suspectTimeoutFor`). @default probeTimeoutMs
   */
  readonly suspectTimeoutMs?: number;
  /** Time kept free before the deadline for the release after the last tick. @default 1000 */
  readonly stopMarginMs?: number;
  /** How often a waiting successor re-reads the lease. @default intervalMs / 5 */
  readonly leasePollMs?: number;
}

/** The Powertools logger's methods the loop uses (one structured line per transition, never per probe). */
export type MonitorLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface MonitorDeps {
  /** The observing region. */
  readonly observer: string;
  /** Unique per invocation (the Lambda request id): the lease holder. */
  readonly invocationId: string;
  readonly activeRegions: readonly string[];
  readonly targets: readonly MonitoredTarget[];
  readonly settings: MonitorSettings;
  readonly clock: Clock;
  /** Epoch ms (by `clock`) by which the invocation must have returned. */
  readonly deadline: number;
  readonly store: MonitorStore;
  /**
   * Probes one target within `timeoutMs` (`probeTimeoutMs`, or `suspectTimeoutMs` in a suspect round);
   * `probeSip` with the configured options. Must not throw (a throw is a crash).
   */
  readonly probe: (target: MonitoredTarget, timeoutMs: number) => Promise<ProbeResult>;
  readonly publisher: EventPublisher;
  readonly eventBusName: string;
  readonly metrics?: MonitorMetrics;
  readonly logger?: MonitorLogger;
  /** Active regions only: this region's replica of ContextCache, and the peer whose heartbeats to time. */
  readonly heartbeats?: {
    readonly store: HeartbeatStore;
    readonly peerRegion: string;
    readonly pollMs?: number;
  };
}

export interface MonitorRun {
  /** `deadline`: ran its ticks and released; `lost-lease`: a successor took over; `no-slot`: never held it. */
  readonly outcome: 'deadline' | 'lost-lease' | 'no-slot';
  /** Ticks this invocation committed, in order. */
  readonly ticks: readonly number[];
  /** It took the lease from a holder that had stopped committing (and re-sent its outbox). */
  readonly tookOverAfterCrash: boolean;
}

/** The outbox keeps at most this many unpublished entries (EventBridge down for a long time). */
const MAX_OUTBOX = 200;

const silent: MonitorLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * One invocation of the monitor (DESIGN.md section 4): takes the observer's lease, probes every target of
 * every active region once per `intervalMs` slot (one tick's probes in parallel) until shortly before
 * `deadline`, commits each tick's counters with the lease, publishes the tick's events, and releases.
 * Between two slots, targets that failed their last probe are probed again in suspect rounds (every
 * `suspectIntervalMs`), each committed and published like a tick; with no suspect target there are none.
 *
 * Hand-over: the holder announces its last tick in the lease. The next invocation (the every-minute
 * schedule starts it while this one still runs) waits until the lease is released, or has expired when
 * the holder died, and continues at the next slot of the same grid: no gap, no slot probed twice.
 * Commits are conditional on the version read, so a holder that lost the lease stops at its next commit.
 */
export async function runMonitor(deps: MonitorDeps): Promise<MonitorRun> {
  const logger = deps.logger ?? silent;
  const held = await acquireLease(deps);
  if (held === null) return { outcome: 'no-slot', ticks: [], tookOverAfterCrash: false };
  let lease = held.lease;
  let unsent = [...held.resend];
  if (unsent.length > 0) unsent = await publishOrKeep(deps, unsent, logger);
  const timing = deps.settings;
  const meter = deps.heartbeats
    ? new LagMeter({
        store: deps.heartbeats.store,
        peerRegion: deps.heartbeats.peerRegion,
        clock: deps.clock,
        intervalMs: timing.intervalMs,
        pollMs: deps.heartbeats.pollMs,
        lastSentAt: lease.lag?.lastSentAt ?? null,
      })
    : null;
  const metering = meter?.run(deps.deadline) ?? Promise.resolve();
  const ticks: number[] = [];
  const suspect: SuspectTiming = {
    suspectIntervalMs: timing.suspectIntervalMs ?? timing.intervalMs,
    suspectTimeoutMs: timing.suspectTimeoutMs ?? timing.probeTimeoutMs,
    probeTimeoutMs: timing.probeTimeoutMs,
  };

  /**
   * Probes `probed` targets (all of them at the slot, the suspect ones in a suspect round), feeds the
   * results into the counters and commits them with the lease, then publishes the round's events.
   */
  const probeRound = async (n: number, round: Round): Promise<'committed' | 'skipped' | 'lost'> => {
    const at = deps.clock.now();
    const main = round.sub === 0;
    const heartbeat = main ? writeHeartbeat(deps, n, logger) : Promise.resolve();
    const peerTick = main ? peerTickAt(deps) : Promise.resolve(null);
    const probes = await Promise.all(
      deps.targets.map(async (t, i) => {
        const timeoutMs = round.timeouts[i] ?? null;
        if (timeoutMs === null) return null;
        const started = deps.clock.now();
        const result = await deps.probe(t, timeoutMs);
        return { result, tookMs: deps.clock.now() - started };
      }),
    );
    const results = probes.map((p) => p?.result ?? null);
    await heartbeat;
    const tick = applyTick(lease, deps.targets, results, deps.activeRegions, timing, at);
    const sample = main ? (meter?.takeSample(deps.clock.now(), await peerTick) ?? null) : null;
    const lagStep: LagStep | null = sample
      ? applyLagSample(lease.lag, sample.lagMs, meter?.newestSentAt ?? null, timing.lag)
      : null;
    // Ids stay unique without the sub-slot: a target makes at most one transition per tick (one that
    // does is no longer suspect), votes are keyed by seq, and lag is sampled in the tick's own round.
    const entries = tickEntries(
      {
        observer: deps.observer,
        eventBusName: deps.eventBusName,
        incarnation: lease.incarnation,
        minHealthyTargets: timing.minHealthyTargets,
      },
      {
        tick: n,
        now: at,
        changes: tick.changes,
        votes: tick.votes,
        lag:
          lagStep?.crossing && deps.heartbeats
            ? { sourceRegion: deps.heartbeats.peerRegion, crossing: lagStep.crossing }
            : null,
      },
    );
    const answerMs: Record<string, number> = {};
    for (const [i, t] of deps.targets.entries()) {
      const probe = probes[i];
      const took = probe?.result.up ? probe.tookMs : lease.answerMs?.[t.id];
      if (took !== undefined) answerMs[t.id] = took;
    }
    const next: MonitorLease = {
      ...tick.lease,
      answerMs,
      lag: lagStep?.state ?? lease.lag,
      tick: n,
      version: lease.version + 1,
      expiresAt: expiryAfter(lease, n, timing),
      outbox: [...unsent, ...entries].slice(-MAX_OUTBOX),
    };
    const committed = await commit(deps, lease, next, logger);
    if (committed !== 'committed') return committed;
    lease = next;
    for (const c of tick.changes) {
      logger.info('SIP target health changed', {
        observer: deps.observer,
        targetRegion: c.target.region,
        target: c.target.name,
        from: c.transition.from,
        to: c.transition.to,
        status: c.result.status,
        reason: c.result.reason,
        tick: n,
        suspectRound: round.sub,
      });
    }
    if (lagStep?.crossing) logger.info('replication lag level changed', { ...lagStep.crossing, tick: n });
    const targetMetrics = deps.targets.flatMap((t, i) => {
      const r = results[i];
      return r ? [{ region: t.region, name: t.name, up: r.up, rttMs: r.rttMs }] : [];
    });
    deps.metrics?.publish({
      observer: deps.observer,
      at,
      targets: targetMetrics,
      regions: tick.regions.map((r) => ({ region: r.region, healthyTargets: r.healthyTargets })),
      lag:
        sample && deps.heartbeats
          ? {
              sourceRegion: deps.heartbeats.peerRegion,
              lagMs: sample.lagMs,
              sentAt: sample.sentAt,
              maxErrorMs: sample.maxErrorMs,
            }
          : null,
    });
    unsent = next.outbox.length > 0 ? await publishOrKeep(deps, next.outbox, logger) : [];
    return 'committed';
  };

  let outcome: MonitorRun['outcome'] = 'deadline';
  try {
    slots: for (let n = held.firstTick; n <= held.finalTick; n++) {
      await sleepUntil(deps.clock, slotAt(lease, n));
      const everyTarget = deps.targets.map(() => timing.probeTimeoutMs);
      const main = await probeRound(n, { sub: 0, timeouts: everyTarget });
      if (main === 'lost') {
        outcome = 'lost-lease';
        break;
      }
      if (main === 'skipped') continue;
      ticks.push(n);
      // Suspect rounds: only while some target is suspect by the committed counters, so a healthy
      // steady state probes (and writes) exactly once per tick.
      let sub = 0;
      for (;;) {
        const timeouts = deps.targets.map((t) => {
          const state = lease.targets[t.id];
          const suspected = state !== undefined && isSuspect(state, timing.thresholds);
          return suspected ? suspectTimeoutFor(lease, t.id, suspect) : null;
        });
        const longest = Math.max(...timeouts.map((ms) => ms ?? 0));
        if (!(longest > 0)) break;
        const round = nextSuspectRound(lease, n, sub, deps.clock.now(), suspect.suspectIntervalMs, longest);
        if (round === null) break;
        await sleepUntil(deps.clock, round.at);
        sub = round.sub;
        const step = await probeRound(n, { sub, timeouts });
        if (step === 'lost') {
          outcome = 'lost-lease';
          break slots;
        }
      }
    }
    if (outcome === 'deadline') await release(deps, lease, unsent, logger);
  } finally {
    meter?.stop();
    await metering;
  }
  return { outcome, ticks, tookOverAfterCrash: held.afterCrash };
}

/** One round of probes within a tick: the tick's own (sub 0) or a suspect round. */
interface Round {
  readonly sub: number;
  /** Aligned with the targets: the timeout of its probe in this round, null when it is not probed. */
  readonly timeouts: readonly (number | null)[];
}

async function writeHeartbeat(deps: MonitorDeps, tick: number, logger: MonitorLogger): Promise<void> {
  if (!deps.heartbeats) return;
  try {
    await deps.heartbeats.store.write(deps.observer, { sentAt: deps.clock.now(), tick });
  } catch (error) {
    logger.warn('heartbeat write failed', { error: String(error), tick });
  }
}

/**
 * Commits a tick. A lost condition means a successor holds the lease: stop. Any other failure (throttling,
 * a region without MRSC quorum) leaves it unknown whether the write landed, so read back: our version
 * means the tick is lost but we still hold the lease; the new version means it landed.
 */
async function commit(
  deps: MonitorDeps,
  lease: MonitorLease,
  next: MonitorLease,
  logger: MonitorLogger,
): Promise<'committed' | 'skipped' | 'lost'> {
  try {
    await deps.store.replace(next, lease.version);
    return 'committed';
  } catch (error) {
    if (isConditionFailed(error)) return 'lost';
    logger.warn('lease commit failed; reading it back', { error: String(error), tick: next.tick });
    const stored = await deps.store.read(deps.observer).catch(() => null);
    if (stored?.holder !== deps.invocationId) return 'lost';
    if (stored.version === next.version) return 'committed';
    return stored.version === lease.version ? 'skipped' : 'lost';
  }
}

async function publishOrKeep(
  deps: MonitorDeps,
  entries: readonly StoredEntry[],
  logger: MonitorLogger,
): Promise<StoredEntry[]> {
  try {
    await deps.publisher.publish(toPutEntries(entries));
    return [];
  } catch (error) {
    // Kept in the next commit's outbox: the next tick (or a successor) sends them again, same ids.
    logger.error('publishing monitor events failed; will retry', {
      error: String(error),
      entries: entries.length,
    });
    return [...entries];
  }
}

async function release(
  deps: MonitorDeps,
  lease: MonitorLease,
  unsent: readonly StoredEntry[],
  logger: MonitorLogger,
): Promise<void> {
  const released: MonitorLease = {
    ...lease,
    holder: null,
    finalTick: null,
    version: lease.version + 1,
    outbox: [...unsent],
  };
  try {
    await deps.store.replace(released, lease.version);
  } catch (error) {
    // The successor takes the lease at its expiry instead: one tick later at most.
    logger.warn('lease release failed', { error: String(error) });
  }
}

/**
 * Slot time of the peer monitor's last committed tick, read strongly from ControlState (the lag meter's
 * proof that the peer is writing heartbeats); null in the witness region, or when the read fails (this
 * region may be cut off from ControlState: then nothing here is evidence of slow replication).
 */
async function peerTickAt(deps: MonitorDeps): Promise<number | null> {
  if (!deps.heartbeats) return null;
  try {
    const peer = await deps.store.read(deps.heartbeats.peerRegion);
    return peer === null || peer.tick < 0 ? null : slotAt(peer, peer.tick);
  } catch {
    return null;
  }
}
