import { z } from 'zod';
import type { ContextConfig } from '../../config/schema.js';
import { Conflict, NotFound, PayloadTooLarge, Unauthorized } from '../shared/errors.js';
import { buildEvent } from '../shared/events.js';
import { stableEventId } from '../shared/identifiers.js';
import type { Logger } from '../shared/logger.js';
import type { EventPublisher } from '../shared/publisher.js';
import { checkContextSize, type InteractionContext, interactionContextSchema } from './context-schema.js';
import { type ContextStore, type StoredContext, VersionConflictError } from './context-store.js';
import type { CrmEventStore } from './crm-event-store.js';
import { type ContextPart, reconstructContext } from './reconstruct.js';
import { encodeToken, type TokenClaims, verifyToken } from './token.js';
import type { TokenKeyring } from './token-keys.js';

/**
 * The core of the context API (DESIGN.md section 5): plain functions over ports, taking `nowMs`, so the
 * rules are tested against DynamoDB Local without a clock or a Lambda in the way.
 */

export interface ContextServiceDeps {
  readonly env: string;
  /** The region this function runs in. */
  readonly region: string;
  readonly settings: ContextConfig;
  readonly tokenKeys: () => Promise<TokenKeyring>;
  /** This region's replica. */
  readonly local: ContextStore;
  /** Another region's replica, read once with a tight timeout; undefined for an unknown region. */
  readonly origin: (region: string) => ContextStore | undefined;
  readonly crm: CrmEventStore;
  readonly publisher: EventPublisher;
  readonly eventBusName: string;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

/** `POST /contexts`: the context, plus the version the caller last saw (optimistic locking). */
export const saveContextRequestSchema = interactionContextSchema.extend({
  expectedVersion: z.number().int().min(0).max(0xffff_ffff).optional(),
});
export type SaveContextRequest = z.output<typeof saveContextRequestSchema>;

export interface SavedContextAnswer {
  readonly token: string;
  readonly conversationId: string;
  readonly version: number;
  /** When the saved context expires (ISO-8601); after it the context is rebuilt from CRM events. */
  readonly expiresAt: string;
  /** When the token stops being accepted (ISO-8601): as long as CRM events may exist. */
  readonly tokenExpiresAt: string;
}

/** Largest value of the token's u32 epoch-second fields. */
const MAX_EPOCH_SECONDS = 0xffff_ffff;

/**
 * The token outlives the saved context on purpose: after the context expires the token still finds
 * the conversation's CRM events (kept `crmEventTtlHours`), which is how a late transfer gets a rebuilt
 * context instead of a 401.
 */
function tokenLifetimeSeconds(settings: ContextConfig): number {
  return Math.max(settings.contextTtlSeconds, settings.crmEventTtlHours * 3600);
}

export async function saveContext(
  request: SaveContextRequest,
  deps: ContextServiceDeps,
  nowMs: number,
): Promise<SavedContextAnswer> {
  const { expectedVersion, ...context } = request;
  const size = checkContextSize(context, deps.settings.maxContextBytes);
  if (!size.ok) {
    throw new PayloadTooLarge(`the context is ${size.bytes} bytes as JSON; the limit is ${size.maxBytes}`);
  }
  const keys = await deps.tokenKeys();
  let saved: StoredContext;
  try {
    saved = await deps.local.save(context, {
      nowMs,
      ttlSeconds: deps.settings.contextTtlSeconds,
      originRegion: deps.region,
      ...(expectedVersion === undefined ? {} : { expectedVersion }),
    });
  } catch (e) {
    if (e instanceof VersionConflictError) {
      throw new Conflict(
        'the context of this conversation was changed by another request; read it again and retry with its version as expectedVersion',
        { code: 'version_conflict', cause: e },
      );
    }
    throw e;
  }
  const issuedAt = Math.floor(nowMs / 1000);
  const claims: TokenClaims = {
    env: deps.env,
    conversationId: saved.conversationId,
    originRegion: deps.region,
    contextVersion: saved.version,
    issuedAt,
    expiresAt: Math.min(MAX_EPOCH_SECONDS, issuedAt + tokenLifetimeSeconds(deps.settings)),
  };
  return {
    token: encodeToken(claims, keys),
    conversationId: saved.conversationId,
    version: saved.version,
    expiresAt: new Date(saved.expiresAt * 1000).toISOString(),
    tokenExpiresAt: new Date(claims.expiresAt * 1000).toISOString(),
  };
}

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
  const local = await deps.local.get(claims.conversationId, nowMs);
  if (satisfies(local, claims)) return fromStore('cache', local);

  const ageMs = nowMs - claims.issuedAt * 1000;
  if (claims.originRegion !== deps.region && ageMs < deps.settings.replicationBudgetMs) {
    const origin = await readOrigin(claims, deps, nowMs);
    if (satisfies(origin, claims)) return fromStore('origin', origin);
  }

  const stored = await deps.crm.list(claims.conversationId, nowMs);
  if (stored.invalid > 0 || stored.truncated) {
    deps.logger.warn('some CRM events were not used', {
      invalid: stored.invalid,
      truncated: stored.truncated,
    });
  }
  const rebuilt = reconstructContext(claims.conversationId, stored.events);
  if (rebuilt) {
    await announceReconstruction(
      claims,
      rebuilt.eventsUsed,
      rebuilt.partial,
      rebuilt.lastEventAt,
      deps,
      nowMs,
    );
    return {
      source: 'crm',
      partial: rebuilt.partial,
      missing: rebuilt.missing,
      conversationId: claims.conversationId,
      version: null,
      context: rebuilt.context,
    };
  }
  // An older version is better than nothing; the caller is told it may be out of date.
  if (local) return { ...fromStore('cache', local), partial: true };
  throw new NotFound(
    'no context exists for this conversation: the saved context has expired or never arrived, and there are no CRM events to rebuild it from',
    { code: 'context_not_found' },
  );
}

async function readOrigin(
  claims: TokenClaims,
  deps: ContextServiceDeps,
  nowMs: number,
): Promise<StoredContext | undefined> {
  const store = deps.origin(claims.originRegion);
  if (!store) return undefined;
  try {
    return await store.get(claims.conversationId, nowMs);
  } catch (e) {
    // A slow or unreachable origin is expected during an outage: fall through to the CRM events.
    deps.logger.warn('origin replica read failed', {
      originRegion: claims.originRegion,
      error: errorName(e),
    });
    return undefined;
  }
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
