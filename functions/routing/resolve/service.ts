import type { RoutingConfig } from '../../../config/routing-schema.js';
import { CompareAndSetExhausted, isThrottled } from '../../shared/control-write.js';
import { BadRequest, Conflict, NotFound, ServiceUnavailable } from '../../shared/errors.js';
import { isControlUnavailable } from '../budget.js';
import type { CapacityReader, QueueSnapshot } from '../capacity/types.js';
import type { ControlStore } from '../control-store.js';
import type { DirectoryEntryInput } from '../directory/schema.js';
import type { DirectoryStore } from '../directory/store.js';
import type { AssignmentStore } from './assignments.js';
import { type Decision, decide, type RegionState } from './decide.js';
import type { ResolveAnswer, ResolveRequest } from './types.js';

export interface ResolveSettings {
  readonly activeRegions: readonly string[];
  readonly circuitBreakerMs: number;
  readonly routing: RoutingConfig;
}

export interface ResolveDeps {
  readonly control: Pick<ControlStore, 'readDecision' | 'readLag'>;
  readonly directory: Pick<DirectoryStore, 'get'>;
  readonly capacity: CapacityReader;
  readonly assignments: AssignmentStore;
  readonly settings: ResolveSettings;
  /** The region this function runs in (`decidedBy`). */
  readonly region: string;
}

export interface ResolveResult {
  readonly answer: ResolveAnswer;
  /** True when the answer was recorded before (by this or the other region) and is given again. */
  readonly repeated: boolean;
}

/** Seconds a caller should wait before asking again when this region cannot reach ControlState. */
export const RETRY_AFTER_SECONDS = 2;

/**
 * `POST /routing/resolve`: the stored answer when the conversation has one of equal or higher priority;
 * otherwise decide (rotation, breaker, directory, capacity, overflow window), record by conditional write
 * and answer what is stored afterwards. A ControlState call over the control budget (or throttled past
 * its retries) means this region is fenced: 503 with Retry-After, never a guess.
 */
export async function resolveRoute(
  deps: ResolveDeps,
  request: ResolveRequest,
  now: number,
): Promise<ResolveResult> {
  const { settings } = deps;
  if (!settings.activeRegions.includes(request.callerRegion)) {
    throw new BadRequest(
      `callerRegion ${request.callerRegion} is not an active region; use one of ${settings.activeRegions.join(', ')}`,
      { code: 'invalid_request' },
    );
  }
  try {
    // The stored answer first: a repeat (the other region asking, a retry, a race) costs one read.
    const existing = await deps.assignments.read(request.conversationId, now);
    if (existing !== null && existing.answer.priority >= request.priority) {
      return { answer: existing.answer, repeated: true };
    }
    const inputs = await readInputs(deps, request, now);
    const { answer, overflowed } = await decideAnswer(deps, request, inputs, now);
    const expiresAt = now + settings.routing.assignmentTtlSeconds * 1000;
    const { stored, won } = await deps.assignments.record(answer, expiresAt, now);
    if (won) await deps.assignments.countResolve(request.callerRegion, overflowed, now);
    return { answer: stored.answer, repeated: !won };
  } catch (error) {
    if (isControlUnavailable(error) || isThrottled(error) || error instanceof CompareAndSetExhausted) {
      throw new ServiceUnavailable(
        'the routing store cannot be reached from this region within its budget; ask again (the other region may answer)',
        {
          code: 'routing_store_unavailable',
          headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
          cause: error,
        },
      );
    }
    throw error;
  }
}

function readInputs(deps: ResolveDeps, request: ResolveRequest, now: number) {
  const { settings } = deps;
  return Promise.all([
    deps.control.readDecision(),
    deps.control.readLag(settings.activeRegions),
    deps.directory.get(request.queue),
    deps.assignments.readOverflow(request.callerRegion, settings.routing.overflowWindowSeconds * 1000, now),
  ]);
}

async function decideAnswer(
  deps: ResolveDeps,
  request: ResolveRequest,
  [stored, lag, entry, overflow]: Awaited<ReturnType<typeof readInputs>>,
  now: number,
): Promise<{ answer: ResolveAnswer; overflowed: boolean }> {
  const { settings } = deps;
  const regions = settings.activeRegions;
  if (entry === null) {
    throw new NotFound(
      `queue ${request.queue} is not in the directory; add it with npx cc-continuity directory set`,
      {
        code: 'unknown_queue',
      },
    );
  }
  const states: RegionState[] = regions.map((region) => ({
    region,
    // Before the first decision both regions take calls, as the health endpoint says.
    inRotation: stored === null || stored.decision.inRotation.includes(region),
    lagMs: latest(lag[region]),
  }));
  const base = {
    callerRegion: request.callerRegion,
    extraSkills: request.skills,
    regions: states,
    overflow,
    settings: {
      circuitBreakerMs: settings.circuitBreakerMs,
      maxOverflowPercentage: settings.routing.maxOverflowPercentage,
      preferCallerRegionMarginMs: settings.routing.preferCallerRegionMarginSeconds * 1000,
      defaultHandleTimeMs: settings.routing.defaultHandleTimeSeconds * 1000,
    },
  };
  const decision = decide({ ...base, entry, capacity: await capacityOf(deps, entry, regions) });
  if (decision.kind === 'queue') {
    return { answer: answerOf(deps, request, entry, decision, now), overflowed: decision.overflowed };
  }
  const fallbackName = entry.fallback ?? settings.routing.fallbackQueue;
  const fallback = fallbackName === entry.name ? null : await deps.directory.get(fallbackName);
  if (fallback === null) {
    throw new Conflict(
      `${decision.detail}, and its fallback queue ${fallbackName} is not in the directory; add it with npx cc-continuity directory set`,
      { code: 'fallback_queue_missing' },
    );
  }
  const second = decide({ ...base, entry: fallback, capacity: {}, requireCapacity: false });
  const region =
    second.kind === 'queue'
      ? second.region
      : // Nothing qualifies even for the fallback: the caller's own target, else any the entry has.
        (regions.find((r) => r === request.callerRegion && fallback.regions[r]) ??
        regions.find((r) => fallback.regions[r]) ??
        request.callerRegion);
  const target = fallback.regions[region];
  if (target === undefined) {
    throw new Conflict(`fallback queue ${fallback.name} has no queue in any active region`, {
      code: 'fallback_queue_missing',
    });
  }
  const detail = `${decision.detail}; ${second.detail}`;
  return {
    answer: {
      ...common(deps, request, now),
      resolvedQueue: fallback.name,
      region,
      queueId: target.queueId,
      transferAddress: target.transferAddress,
      sameRegion: region === request.callerRegion,
      reason: 'fallback',
      detail: truncate(detail),
    },
    overflowed: false,
  };
}

async function capacityOf(
  deps: ResolveDeps,
  entry: DirectoryEntryInput,
  regions: readonly string[],
): Promise<Record<string, QueueSnapshot | undefined>> {
  const pairs = await Promise.all(
    regions.map(async (r) => {
      const target = entry.regions[r];
      return [r, target ? await deps.capacity.read(r, target.queueId) : undefined] as const;
    }),
  );
  return Object.fromEntries(pairs);
}

function answerOf(
  deps: ResolveDeps,
  request: ResolveRequest,
  entry: DirectoryEntryInput,
  decision: Extract<Decision, { kind: 'queue' }>,
  now: number,
): ResolveAnswer {
  const target = entry.regions[decision.region];
  if (target === undefined)
    throw new Error(`decide chose ${decision.region}, which ${entry.name} has no queue in`);
  return {
    ...common(deps, request, now),
    resolvedQueue: entry.name,
    region: decision.region,
    queueId: target.queueId,
    transferAddress: target.transferAddress,
    sameRegion: decision.region === request.callerRegion,
    reason: decision.reason,
    detail: truncate(decision.detail),
  };
}

function common(deps: ResolveDeps, request: ResolveRequest, now: number) {
  return {
    conversationId: request.conversationId,
    queue: request.queue,
    priority: request.priority,
    decidedAt: new Date(now).toISOString(),
    decidedBy: deps.region,
  };
}

function latest(samples: readonly { lagMs: number; atMs: number }[] | undefined): number | null {
  if (!samples || samples.length === 0) return null;
  return samples.reduce((a, b) => (b.atMs >= a.atMs ? b : a)).lagMs;
}

function truncate(text: string): string {
  return text.length <= 500 ? text : `${text.slice(0, 497)}...`;
}
