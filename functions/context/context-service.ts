import * as z from 'zod/mini';
import '../shared/zod-messages.js';
import type { ContextConfig } from '../../config/schema.js';
import { Conflict, PayloadTooLarge } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { EventPublisher } from '../shared/publisher.js';
import { checkContextSize, interactionContextSchema } from './context-schema.js';
import { type ContextStore, type StoredContext, VersionConflictError } from './context-store.js';
import type { CrmEventStore } from './crm-event-store.js';
import { encodeToken, type TokenClaims } from './token.js';
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
  /** The other active region, read when this region's replica fails. @default none (no second replica) */
  readonly peerRegion?: string;
  readonly crm: CrmEventStore;
  readonly publisher: EventPublisher;
  readonly eventBusName: string;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

/** `POST /contexts`: the context, plus the version the caller last saw (optimistic locking). */
export const saveContextRequestSchema = z.extend(interactionContextSchema, {
  expectedVersion: z.optional(z.int().check(z.minimum(0), z.maximum(0xffff_ffff))),
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

// `GET /contexts/{token}` lives in fetch-context.ts; re-exported so callers import the context API from one module.
export { type ContextSource, type FetchedContext, fetchContext } from './fetch-context.js';
