import '../shared/zod-messages.js';
import * as z from 'zod/mini';
import { targetStateSchema } from './target-state.js';

/**
 * The monitor's lease: who probes for one observer, at which tick, and the state that must survive the
 * hand-over between invocations. One item per observer (`controlKeys.monitorLease(observer)`), in
 * ControlState for an active region and in the witness region's own table for the witness.
 *
 * Counters are kept IN the lease item, not beside it: MRSC has no transactions, and one conditional
 * write per tick then commits the tick's counters and renews the lease atomically. A tick that was not
 * committed (a crash between probing and writing) is simply not there: at most that one tick is lost.
 *
 * Ticks sit on a grid, `slotAt(lease, n) = anchorMs + n * intervalMs`, so a successor continues the
 * predecessor's numbering and timing: tick n is probed by exactly one invocation.
 */

const voteStateSchema = z.object({
  /** Last vote cast about this region; null before the first. */
  healthy: z.nullable(z.boolean()),
  /** seq of the last vote (0 before the first), per (observer, targetRegion) within the incarnation. */
  seq: z.int().check(z.minimum(0)),
  /** Epoch ms of the last vote; refreshes are due `voteRefreshSeconds` after it. */
  at: z.nullable(z.number()),
});

const lagStateSchema = z.object({
  level: z.enum(['ok', 'excluded', 'circuit-open']),
  /** The peer's send time of the newest heartbeat seen in our replica. */
  lastSentAt: z.nullable(z.number()),
  lastLagMs: z.nullable(z.number()),
});

/** A built PutEvents entry as stored in the outbox (`Time` as epoch ms). */
const storedEntrySchema = z.object({
  Source: z.string(),
  DetailType: z.string(),
  Detail: z.string(),
  EventBusName: z.string(),
  Time: z.number(),
});

export const monitorLeaseSchema = z.object({
  observer: z.string().check(z.minLength(1)),
  /** The invocation (Lambda request id) that probes; null once it released the lease at its deadline. */
  holder: z.nullable(z.string()),
  /** Compare-and-set token: every write is conditional on the version read and bumps it by one. */
  version: z.int().check(z.minimum(0)),
  /** Epoch ms the counters started at: the `incarnation` of the votes. */
  incarnation: z.int().check(z.minimum(0)),
  anchorMs: z.number(),
  intervalMs: z.int().check(z.positive()),
  /** Last committed tick; -1 before the first. */
  tick: z.int().check(z.minimum(-1)),
  /** A holder that has not committed by then is taken for dead and its lease may be taken. */
  expiresAt: z.number(),
  /** The last tick the holder will probe (from its deadline), so a successor knows when to take over. */
  finalTick: z.nullable(z.int()),
  targets: z.record(z.string(), targetStateSchema),
  /**
   * How long each target's last good probe took (ms, connection and handshake included): its suspect
   * probes wait at least twice that (see {@link suspectTimeoutFor}). Absent in older leases.
   */
  answerMs: z.optional(z.record(z.string(), z.number())),
  votes: z.record(z.string(), voteStateSchema),
  lag: z.nullable(lagStateSchema),
  /** Events of the last committed tick not yet known to be published; a successor re-sends them after a crash. */
  outbox: z.array(storedEntrySchema),
});

export type MonitorLease = z.infer<typeof monitorLeaseSchema>;
export type VoteState = z.infer<typeof voteStateSchema>;
export type LagState = z.infer<typeof lagStateSchema>;
export type StoredEntry = z.infer<typeof storedEntrySchema>;

/** When tick `n` of the lease's grid is due. */
export function slotAt(lease: Pick<MonitorLease, 'anchorMs' | 'intervalMs'>, n: number): number {
  return lease.anchorMs + n * lease.intervalMs;
}

export interface LeaseTiming {
  readonly intervalMs: number;
  readonly probeTimeoutMs: number;
}

/**
 * How long after its next slot a holder may take to commit it before a successor may take the lease:
 * halfway between the probe timeout and the slot after. A successor then still starts the slot after
 * (see {@link firstTickFor}), so a crash loses the one tick in flight and no more.
 */
export function graceMs(timing: LeaseTiming): number {
  return timing.probeTimeoutMs + Math.floor((timing.intervalMs - timing.probeTimeoutMs) / 2);
}

/** `expiresAt` to write when committing tick `n`. */
export function expiryAfter(lease: MonitorLease, n: number, timing: LeaseTiming): number {
  return slotAt(lease, n + 1) + graceMs(timing);
}

/**
 * The first tick a new holder probes: the one after the last committed, unless its slot passed more than
 * half an interval ago (then the next slot still to come). A slot a little late is probed late rather
 * than skipped: a clean hand-over loses nothing even when the successor saw the release late.
 */
export function firstTickFor(lease: MonitorLease, now: number): number {
  const next = lease.tick + 1;
  const tolerance = lease.intervalMs / 2;
  if (slotAt(lease, next) >= now - tolerance) return next;
  return Math.ceil((now - tolerance - lease.anchorMs) / lease.intervalMs);
}

/**
 * The last tick an invocation that must be done by `deadline` may probe: its slot plus one interval
 * (probe, commit, publish) plus `stopMarginMs` (release) must fit. Null when none fits.
 */
export function finalTickBefore(lease: MonitorLease, deadline: number, stopMarginMs: number): number | null {
  const last = Math.floor((deadline - stopMarginMs - lease.intervalMs - lease.anchorMs) / lease.intervalMs);
  return last > lease.tick ? last : null;
}

export interface SuspectTiming {
  /** @see MonitorSettings.suspectIntervalMs */
  readonly suspectIntervalMs: number;
  /** @see MonitorSettings.suspectTimeoutMs */
  readonly suspectTimeoutMs: number;
  readonly probeTimeoutMs: number;
}

/**
 * The timeout of a suspect probe of one target: `suspectTimeoutMs`, raised to twice the time the target's
 * last good probe took, and never above `probeTimeoutMs`. A short suspect timeout finds a silent UDP edge
 * fast, but a fresh TCP or TLS connection to a far region needs about three round trips (some 200 ms
 * between us-east-1 and us-west-2): timed out at 150 ms, every suspect probe of it would fail, and one lost
 * probe would make it DOWN.
 */
export function suspectTimeoutFor(
  lease: Pick<MonitorLease, 'answerMs'>,
  targetId: string,
  timing: SuspectTiming,
): number {
  const answered = lease.answerMs?.[targetId] ?? 0;
  return Math.min(timing.probeTimeoutMs, Math.max(timing.suspectTimeoutMs, 2 * answered));
}

/** A suspect round of tick `n`: its sub-slot `sub` (1, 2, ...) and when it starts. */
export interface SuspectRound {
  readonly sub: number;
  readonly at: number;
}

/**
 * The next suspect round of tick `n`, after the round of sub-slot `previous` (0: the tick's own probes)
 * ended at `now`, for probes that time out after `timeoutMs` (the longest of the round); null when none
 * fits in the tick.
 *
 * Sub-slots sit inside the tick on a finer grid, `slotAt(lease, n) + sub * suspectIntervalMs`, strictly
 * before the next slot, and a round starts only if it times out by then: the tick's sub-slots belong to
 * the holder of tick n, so a successor (which starts at a slot) never probes one of them. Sub-slots that
 * passed while the previous round was in flight (a timed-out probe) are merged into one round that starts
 * at once, as a late slot is probed late rather than skipped.
 */
export function nextSuspectRound(
  lease: Pick<MonitorLease, 'anchorMs' | 'intervalMs'>,
  n: number,
  previous: number,
  now: number,
  suspectIntervalMs: number,
  timeoutMs: number,
): SuspectRound | null {
  const slot = slotAt(lease, n);
  const s = suspectIntervalMs;
  const sub = Math.max(previous + 1, Math.floor((now - slot) / s));
  if (sub * s >= lease.intervalMs) return null;
  const at = Math.max(slot + sub * s, now);
  return at + timeoutMs <= slotAt(lease, n + 1) ? { sub, at } : null;
}

/**
 * The lease re-anchored to a new interval (a config change), keeping tick numbers increasing: the next
 * tick falls at `now` on the new grid.
 */
export function withInterval(lease: MonitorLease, intervalMs: number, now: number): MonitorLease {
  if (lease.intervalMs === intervalMs) return lease;
  return { ...lease, intervalMs, anchorMs: now - (lease.tick + 1) * intervalMs };
}

/** A fresh lease held by `holder`, its first tick due at `now`. */
export function newLease(observer: string, holder: string, now: number, timing: LeaseTiming): MonitorLease {
  return {
    observer,
    holder,
    version: 0,
    incarnation: Math.floor(now),
    anchorMs: now,
    intervalMs: timing.intervalMs,
    tick: -1,
    expiresAt: now + graceMs(timing),
    finalTick: null,
    targets: {},
    votes: {},
    lag: null,
    outbox: [],
  };
}

/** What an invocation does with the lease it read. */
export type StartPlan =
  /** Nobody ever held it: create it. */
  | { readonly kind: 'create' }
  /** Released by its holder at its deadline: take it and continue at the next slot. */
  | { readonly kind: 'take'; readonly afterCrash: false }
  /** Its holder stopped committing (crash, timeout): take it and re-send the holder's outbox. */
  | { readonly kind: 'take'; readonly afterCrash: true }
  /** Held and alive: read again at `untilMs`. */
  | { readonly kind: 'wait'; readonly untilMs: number };

/**
 * Decides how to start from the lease as read. Waiting re-reads at least every `pollMs`, and exactly at
 * the expiry, so a successor notices both a release and a dead holder in time for the next slot.
 */
export function planStart(lease: MonitorLease | null, now: number, pollMs: number): StartPlan {
  if (lease === null) return { kind: 'create' };
  if (lease.holder === null) return { kind: 'take', afterCrash: false };
  if (now >= lease.expiresAt) return { kind: 'take', afterCrash: true };
  return { kind: 'wait', untilMs: Math.min(lease.expiresAt, now + pollMs) };
}
