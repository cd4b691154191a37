import type { QueueSnapshot } from '../capacity/types.js';
import type { DirectoryEntryInput, SkillRequirement } from '../directory/schema.js';
import type { ResolveReason } from './types.js';

/**
 * The BEST_AVAILABLE rule of `POST /routing/resolve`, pure (README "Region-agnostic routing"):
 * - a region qualifies for a queue when the directory has a target for it there, it is in rotation, its
 *   inbound replication lag is under `circuitBreakerMs` (the breaker) and, unless the queue is a
 *   fallback, it has skilled agents on queue (or nothing is known of its capacity yet);
 * - a region lock allows that region only;
 * - the caller's region keeps the call unless the other's expected wait is shorter by more than the
 *   margin, and then only while the caller region's overflow stays within `maxOverflowPercentage` of
 *   its recent resolves;
 * - when nothing qualifies the answer is the fallback queue (decided by the caller with
 *   `requireCapacity: false`).
 */

export interface RegionState {
  readonly region: string;
  readonly inRotation: boolean;
  /** The region's latest inbound replication lag, ms; null when none is stored (treated as healthy). */
  readonly lagMs: number | null;
}

export interface DecideSettings {
  readonly circuitBreakerMs: number;
  readonly maxOverflowPercentage: number;
  readonly preferCallerRegionMarginMs: number;
  readonly defaultHandleTimeMs: number;
}

/** The caller region's resolves in the overflow window, and how many of them overflowed. */
export interface OverflowWindow {
  readonly total: number;
  readonly overflowed: number;
}

export interface DecideInput {
  readonly entry: DirectoryEntryInput;
  readonly callerRegion: string;
  /** Skills the request adds to the entry's. */
  readonly extraSkills: readonly string[];
  /** Both active regions, the caller's among them. */
  readonly regions: readonly RegionState[];
  /** The entry's queue snapshot per region (absent: none read). */
  readonly capacity: Readonly<Record<string, QueueSnapshot | undefined>>;
  readonly overflow: OverflowWindow;
  readonly settings: DecideSettings;
  /** False for a fallback queue: it takes the call with or without idle agents. @default true */
  readonly requireCapacity?: boolean;
}

export type Decision =
  | {
      readonly kind: 'queue';
      readonly region: string;
      readonly reason: Exclude<ResolveReason, 'fallback'>;
      readonly detail: string;
      /** Counted as overflow against the caller region's cap. */
      readonly overflowed: boolean;
    }
  | { readonly kind: 'fallback'; readonly detail: string };

export interface CapacitySummary {
  /** Whether anything is known of the queue here (members from events, or an observation). */
  readonly known: boolean;
  readonly staffed: number;
  readonly idle: number;
  readonly waiting: number;
  /** Expected wait of a new interaction, ms; Infinity with nobody staffed. */
  readonly expectedWaitMs: number;
}

const OFF = new Set(['OFF_QUEUE']);

/** Skilled agents on queue, idle among them, and the expected wait of one more interaction. */
export function summarize(
  snapshot: QueueSnapshot | undefined,
  skills: readonly SkillRequirement[],
  defaultHandleTimeMs: number,
): CapacitySummary {
  if (snapshot === undefined || (snapshot.members.length === 0 && snapshot.observedAt === null)) {
    return { known: false, staffed: 0, idle: 0, waiting: 0, expectedWaitMs: Number.NaN };
  }
  let staffed = 0;
  let idle = 0;
  for (const m of snapshot.members) {
    if (m.routingStatus === null || OFF.has(m.routingStatus) || m.onQueue === false) continue;
    if (!skills.every((s) => (m.skills[s.name] ?? -1) >= s.minProficiency)) continue;
    staffed++;
    if (m.routingStatus === 'IDLE') idle++;
  }
  const waiting = snapshot.waiting ?? 0;
  const handle = snapshot.handleTimeMs ?? defaultHandleTimeMs;
  const expectedWaitMs =
    staffed === 0 ? Number.POSITIVE_INFINITY : idle > waiting ? 0 : ((waiting - idle + 1) * handle) / staffed;
  return { known: true, staffed, idle, waiting, expectedWaitMs };
}

type Refusal = { readonly reason: Exclude<ResolveReason, 'fallback'>; readonly detail: string };

export function decide(input: DecideInput): Decision {
  const { entry, settings, callerRegion } = input;
  const requireCapacity = input.requireCapacity ?? true;
  const skills: SkillRequirement[] = [
    ...entry.skills,
    ...input.extraSkills
      .filter((name) => !entry.skills.some((s) => s.name === name))
      .map((name) => ({ name, minProficiency: 0 })),
  ];
  const summaries = new Map(
    input.regions.map((r) => [
      r.region,
      summarize(input.capacity[r.region], skills, settings.defaultHandleTimeMs),
    ]),
  );

  /** Why `state` cannot take the queue, or null when it qualifies. */
  const refusal = (state: RegionState): Refusal | null => {
    const r = state.region;
    if (entry.regions[r] === undefined)
      return { reason: 'no_target', detail: `${entry.name} has no queue in ${r}` };
    // The breaker first: a lagging region is soon out of rotation too, and the lag is the cause.
    if (state.lagMs !== null && state.lagMs >= settings.circuitBreakerMs) {
      return {
        reason: 'circuit_open',
        detail: `${r} inbound replication lag ${state.lagMs} ms is over the ${settings.circuitBreakerMs} ms breaker`,
      };
    }
    if (!state.inRotation) return { reason: 'not_in_rotation', detail: `${r} is out of rotation` };
    const s = summaries.get(r);
    if (requireCapacity && s?.known && s.staffed === 0) {
      return { reason: 'no_capacity', detail: `${r} has no skilled agent on queue for ${entry.name}` };
    }
    return null;
  };

  const caller = input.regions.find((r) => r.region === callerRegion);
  const others = input.regions.filter((r) => r.region !== callerRegion);

  if (entry.regionLock !== undefined) {
    const locked = input.regions.find((r) => r.region === entry.regionLock);
    const why = locked
      ? refusal(locked)
      : { reason: 'no_target', detail: `${entry.regionLock} is not active` };
    if (locked && why === null) {
      return {
        kind: 'queue',
        region: locked.region,
        reason: 'region_lock',
        detail: `${entry.name} is locked to ${locked.region}`,
        overflowed: false,
      };
    }
    return { kind: 'fallback', detail: `${entry.name} is locked to ${entry.regionLock}: ${why?.detail}` };
  }

  const callerWhy = caller
    ? refusal(caller)
    : ({ reason: 'no_target', detail: `${callerRegion} is not active` } as const);
  const other = others.find((r) => refusal(r) === null);

  if (caller && callerWhy === null) {
    if (other) {
      const c = summaries.get(caller.region) as CapacitySummary;
      const o = summaries.get(other.region) as CapacitySummary;
      const clearlyBetter =
        requireCapacity &&
        c.known &&
        o.known &&
        o.expectedWaitMs + settings.preferCallerRegionMarginMs < c.expectedWaitMs;
      if (clearlyBetter) {
        const { total, overflowed } = input.overflow;
        const within = (overflowed + 1) * 100 <= settings.maxOverflowPercentage * (total + 1);
        const waits = `expected wait ${seconds(o.expectedWaitMs)} in ${other.region} against ${seconds(c.expectedWaitMs)} in ${caller.region}`;
        if (within) {
          return {
            kind: 'queue',
            region: other.region,
            reason: 'better_elsewhere',
            detail: waits,
            overflowed: true,
          };
        }
        return {
          kind: 'queue',
          region: caller.region,
          reason: 'overflow_capped',
          detail: `${waits}, but ${overflowed} of ${total} recent resolves already overflowed (cap ${settings.maxOverflowPercentage}%)`,
          overflowed: false,
        };
      }
    }
    return {
      kind: 'queue',
      region: caller.region,
      reason: 'caller_region',
      detail: `${caller.region} takes ${entry.name}`,
      overflowed: false,
    };
  }
  if (other && callerWhy !== null) {
    return {
      kind: 'queue',
      region: other.region,
      reason: callerWhy.reason,
      detail: `${callerWhy.detail}; ${other.region} takes ${entry.name}`,
      overflowed: false,
    };
  }
  const reasons = input.regions.map((r) => refusal(r)?.detail).filter((d) => d !== undefined);
  return { kind: 'fallback', detail: `no region qualifies for ${entry.name}: ${reasons.join('; ')}` };
}

function seconds(ms: number): string {
  return Number.isFinite(ms) ? `${Math.round(ms / 1000)} s` : 'unbounded';
}
