import { NotFound, ServiceUnavailable, Unauthorized } from '../shared/errors.js';
import { buildEvent } from '../shared/events.js';
import { stableEventId } from '../shared/identifiers.js';
import type { InteractionContext } from './context-schema.js';
import type { ContextServiceDeps } from './context-service.js';
import type { StoredContext } from './context-store.js';
import type { ConversationEvents } from './crm-event-store.js';
import { type ContextPart, reconstructContext } from './reconstruct.js';
import { type TokenClaims, verifyToken } from './token.js';

/**
 * `GET /contexts/{token}` (DESIGN.md section 5): where a transfer's context is found, in order, and what
 * the caller is told when it is found nowhere. Plain functions over the ports of {@link ContextServiceDeps}.
 */

export type ContextSource = 'cache' | 'origin' | 'crm';

export interface FetchedContext {
  readonly source: ContextSource;
  /** True when parts may be missing or out of date (a rebuilt context without some parts). */
  readonly partial: boolean;
  /** Parts a rebuilt context has no event for; empty for a saved context. */
  readonly missing: readonly ContextPart[];
  readonly conversationId: string;
  /** The saved version served; null for a rebuilt context. */
  readonly version: number | null;
  readonly context: InteractionContext;
}

function fromStore(source: 'cache' | 'origin', stored: StoredContext): FetchedContext {
  return {
    source,
    partial: false,
    missing: [],
    conversationId: stored.conversationId,
    version: stored.version,
    context: stored.context,
  };
}

/** Whether the stored context is the one the token names or a later update of it. */
function satisfies(stored: StoredContext | undefined, claims: TokenClaims): stored is StoredContext {
  return stored !== undefined && stored.version >= claims.contextVersion;
}

/**
 * `GET /contexts/{token}`: local replica; then, for a token younger than the replication budget, the
 * origin replica once (its client has the tight timeout and no retry); then the CRM events. A replica
 * holding an older version than the token's counts as absent (the update has not replicated yet).
 *
 * When this region's replica fails (a hung or throttled replica: its client has a tight timeout and at
 * most two attempts), the other region's replica is read whatever the token's age (it holds a
 * replicated copy), then the CRM events as for a miss. Only when every source failed is the answer a
 * 503 the flow may retry; a source that answered "not there" still gives the 404.
 */
export async function fetchContext(
  token: string,
  deps: ContextServiceDeps,
  nowMs: number,
): Promise<FetchedContext> {
  const verified = verifyToken(token, await deps.tokenKeys(), { env: deps.env, nowMs });
  if (!verified.ok) {
    deps.logger.info('transfer token refused', { reason: verified.reason });
    // One answer for every failure: a forger learns nothing about what was wrong.
    throw new Unauthorized('the transfer context token is not valid or has expired', {
      code: 'invalid_token',
    });
  }
  const { claims } = verified;
  // A token older than the context TTL names a saved context that has expired unless a later save
  // renewed it, so the CRM events will most likely be needed: read them alongside this region's replica
  // rather than after it (one round trip instead of two). The order of preference below is unchanged;
  // only when the replica does have the context is that one read wasted.
  const early =
    nowMs >= (claims.issuedAt + deps.settings.contextTtlSeconds) * 1000
      ? listCrmEvents(claims, deps, nowMs)
      : undefined;
  const local = await readReplica('local', () => deps.local.get(claims.conversationId, nowMs), deps);
  if (local !== FAILED && satisfies(local, claims)) return fromStore('cache', local);

  const otherRegion =
    claims.originRegion !== deps.region
      ? claims.originRegion
      : local === FAILED
        ? deps.peerRegion
        : undefined;
  const ageMs = nowMs - claims.issuedAt * 1000;
  const otherStore = otherRegion === undefined ? undefined : deps.origin(otherRegion);
  if (otherStore && (local === FAILED || ageMs < deps.settings.replicationBudgetMs)) {
    const origin = await readReplica(
      'origin',
      () => otherStore.get(claims.conversationId, nowMs),
      deps,
      otherRegion,
    );
    if (origin !== FAILED && satisfies(origin, claims)) return fromStore('origin', origin);
  }

  const rebuilt = await rebuildFromCrm(claims, deps, nowMs, early);
  if (rebuilt !== FAILED && rebuilt) return rebuilt;
  // An older version is better than nothing; the caller is told it may be out of date.
  if (local && local !== FAILED) return { ...fromStore('cache', local), partial: true };
  if (local === FAILED || rebuilt === FAILED) {
    throw new ServiceUnavailable(
      "this region's context store did not answer and no source that did had the context; retry shortly",
      { code: 'context_store_unavailable' },
    );
  }
  throw new NotFound(
    'no context exists for this conversation: the saved context has expired or never arrived, and there are no CRM events to rebuild it from',
    { code: 'context_not_found' },
  );
}

const FAILED = Symbol('replica read failed');

/** One replica read; a failure is logged and returned as {@link FAILED}, never thrown: other sources follow. */
async function readReplica(
  which: 'local' | 'origin',
  read: () => Promise<StoredContext | undefined>,
  deps: ContextServiceDeps,
  region = deps.region,
): Promise<StoredContext | undefined | typeof FAILED> {
  try {
    return await read();
  } catch (e) {
    // A slow or unreachable replica is expected during an outage: fall through to the next source.
    deps.logger.warn(`${which} replica read failed`, { replicaRegion: region, error: errorName(e) });
    return FAILED;
  }
}

type CrmRead = { ok: true; stored: ConversationEvents } | { ok: false; error: unknown };

/** The conversation's CRM events; never rejects (a read started early may never be awaited). */
function listCrmEvents(claims: TokenClaims, deps: ContextServiceDeps, nowMs: number): Promise<CrmRead> {
  return deps.crm.list(claims.conversationId, nowMs).then(
    (stored) => ({ ok: true, stored }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/**
 * The context rebuilt from the conversation's CRM events (read now, or the read started early);
 * undefined when there are none, FAILED when the query failed.
 */
async function rebuildFromCrm(
  claims: TokenClaims,
  deps: ContextServiceDeps,
  nowMs: number,
  early: Promise<CrmRead> | undefined,
): Promise<FetchedContext | undefined | typeof FAILED> {
  const read = await (early ?? listCrmEvents(claims, deps, nowMs));
  if (!read.ok) {
    deps.logger.warn('CRM events read failed', { error: errorName(read.error) });
    return FAILED;
  }
  const { stored } = read;
  if (stored.invalid > 0 || stored.truncated) {
    deps.logger.warn('some CRM events were not used', {
      invalid: stored.invalid,
      truncated: stored.truncated,
    });
  }
  const rebuilt = reconstructContext(claims.conversationId, stored.events);
  if (!rebuilt) return undefined;
  await announceReconstruction(claims, rebuilt.eventsUsed, rebuilt.partial, rebuilt.lastEventAt, deps, nowMs);
  return {
    source: 'crm',
    partial: rebuilt.partial,
    missing: rebuilt.missing,
    conversationId: claims.conversationId,
    version: null,
    context: rebuilt.context,
  };
}

async function announceReconstruction(
  claims: TokenClaims,
  eventsUsed: number,
  partial: boolean,
  lastEventAt: string,
  deps: ContextServiceDeps,
  nowMs: number,
): Promise<void> {
  const entry = buildEvent(
    'ContextReconstructed',
    { conversationId: claims.conversationId, eventsUsed, partial },
    {
      originRegion: deps.region,
      now: nowMs,
      eventBusName: deps.eventBusName,
      // The same rebuild asked for again is the same fact: consumers drop the duplicate.
      eventId: stableEventId(
        'context-reconstructed',
        claims.conversationId,
        eventsUsed,
        lastEventAt,
        deps.region,
      ),
    },
  );
  try {
    await deps.publisher.publish([entry]);
  } catch (e) {
    // The event is for operators; the caller still gets the context it needs for the live call.
    deps.logger.warn('could not publish ContextReconstructed', { error: errorName(e) });
  }
}

function errorName(e: unknown): string {
  return e instanceof Error ? e.name : typeof e;
}
