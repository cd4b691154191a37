import type { ContinuityConfig } from '../../config/schema.js';
import { type CostProfile, DAYS_PER_MONTH, MINUTES_PER_MONTH, SECONDS_PER_MONTH } from './types.js';

/**
 * Monthly counts that follow from the config and the code's behaviour, each with where it comes from.
 * Per observer or per active region as named; the bill lines multiply by the regions.
 */
export interface Rates {
  /** health.probeIntervalMs: monitor.ts runs one tick per slot of the lease grid (lease.ts slotAt). */
  readonly ticks: number;
  /** health-monitor.ts: Schedule.rate(1 minute), one invocation per observer a minute. */
  readonly monitorInvocations: number;
  /** handler.ts: the loop runs until timeout minus DEADLINE_RESERVE_MS, so every run is billed that long. */
  readonly monitorBilledSeconds: number;
  /** lease-acquire.ts: a successor re-reads the lease every intervalMs / 5 while the predecessor finishes. */
  readonly leaseWaitReadsPerInvocation: number;
  /** monitor.ts commit (one conditional Put a tick) + acquireLease take + release: per observer. */
  readonly leaseWrites: number;
  /** heartbeat.ts LagMeter.run: one strongly consistent GetItem every pollMs, all month (active observers). */
  readonly heartbeatReads: number;
  /** tick.ts applyTick: one vote per active region when due, every voteRefresh rounded up to whole ticks. */
  readonly votePeriodMs: number;
  readonly votesPerObserver: number;
  readonly votesTotal: number;
  /** quorum.ts Backstop: Schedule.rate(evaluationScheduleMinutes), per active region. */
  readonly quorumSchedules: number;
  /** Every vote reaches both active regions' quorum (forwarding), plus each region's schedule. */
  readonly quorumInvocationsPerRegion: number;
  /** control-store.ts putVote: only the first region stores a vote; the other finds it not newer (no evaluation). */
  readonly evaluations: number;
  /** dns-stack.ts: HTTPS check, requestInterval 10 s, from every Route 53 checker; per active region. */
  readonly healthEndpointRequests: number;
  /** Inbound calls a month. */
  readonly calls: number;
}

export function deriveRates(config: ContinuityConfig, profile: CostProfile, callsPerDay: number): Rates {
  const { probeIntervalMs, voteRefreshSeconds } = config.health;
  const observers = config.regions.active.length + 1;
  const ticks = SECONDS_PER_MONTH / (probeIntervalMs / 1000);
  const monitorInvocations = MINUTES_PER_MONTH;
  const monitorBilledSeconds = profile.monitorTimeoutS - profile.monitorDeadlineReserveMs / 1000;
  const overlapMs = Math.max(0, monitorBilledSeconds * 1000 - 60_000);
  const leasePollMs = Math.max(1, Math.floor(probeIntervalMs / 5));
  const votePeriodMs = Math.ceil((voteRefreshSeconds * 1000) / probeIntervalMs) * probeIntervalMs;
  const votesPerObserver = (config.regions.active.length * SECONDS_PER_MONTH * 1000) / votePeriodMs;
  const votesTotal = observers * votesPerObserver;
  const quorumSchedules = MINUTES_PER_MONTH / config.quorum.evaluationScheduleMinutes;
  return {
    ticks,
    monitorInvocations,
    monitorBilledSeconds,
    leaseWaitReadsPerInvocation: Math.ceil(overlapMs / leasePollMs) + 1,
    leaseWrites: ticks + 2 * monitorInvocations,
    heartbeatReads: (SECONDS_PER_MONTH * 1000) / profile.heartbeatPollMs,
    votePeriodMs,
    votesPerObserver,
    votesTotal,
    quorumSchedules,
    quorumInvocationsPerRegion: votesTotal + quorumSchedules,
    evaluations: votesTotal + config.regions.active.length * quorumSchedules,
    healthEndpointRequests: (SECONDS_PER_MONTH * profile.route53Checkers) / 10,
    calls: callsPerDay * DAYS_PER_MONTH,
  };
}
