import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, isWriteConflict } from '../shared/control-write.js';
import { controlKeys } from '../shared/keys.js';

/**
 * A named lease in ControlState (`controlKeys.lease(name)`): one holder at a time, across both active
 * regions. Taken with one conditional put (absent, expired, or already mine), so of two racing takers
 * exactly one wins; a holder that crashes simply stops renewing and its lease lapses at `expiresAt`.
 *
 * The monitor's lease (functions/health/lease.ts) is not reused: it carries tick numbering and counters
 * specific to the probe loop. This one is the plain mutual exclusion the oauth refresher needs.
 * Expiry compares the taker's clock with the holder's: keep `ttlMs` well above the clock skew between
 * regions (a few seconds).
 */

export interface Lease {
  readonly name: string;
  readonly holder: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export interface LeaseStore {
  /** The lease if `holder` now holds it (taken or renewed), else null (someone else holds it). */
  tryAcquire(name: string, holder: string, nowMs: number, ttlMs: number): Promise<Lease | null>;
  /** Gives the lease up if `holder` still holds it; a no-op otherwise. */
  release(name: string, holder: string): Promise<void>;
}

/**
 * @example
 * const leases = dynamoLeaseStore({ doc, tableName: config.tables.controlState });
 * const lease = await leases.tryAcquire('oauth-west', invocationId, Date.now(), 30_000);
 * if (lease) try { await refresh(); } finally { await leases.release(lease.name, lease.holder); }
 */
export function dynamoLeaseStore(options: {
  readonly doc: Pick<DynamoDBDocumentClient, 'send'>;
  readonly tableName: string;
}): LeaseStore {
  const { doc, tableName } = options;
  return {
    async tryAcquire(name, holder, nowMs, ttlMs) {
      const expiresAt = nowMs + ttlMs;
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...controlKeys.lease(name), holder, expiresAt, acquiredAt: nowMs },
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now OR holder = :me',
            ExpressionAttributeValues: { ':now': nowMs, ':me': holder },
          }),
        );
        return { name, holder, expiresAt };
      } catch (error) {
        // A lost race, in this region (condition) or against the other region (MRSC write conflict).
        if (isConditionFailed(error) || isWriteConflict(error)) return null;
        throw error;
      }
    },
    async release(name, holder) {
      try {
        await doc.send(
          new DeleteCommand({
            TableName: tableName,
            Key: controlKeys.lease(name),
            ConditionExpression: 'holder = :me',
            ExpressionAttributeValues: { ':me': holder },
          }),
        );
      } catch (error) {
        if (!isConditionFailed(error) && !isWriteConflict(error)) throw error;
      }
    },
  };
}

/** In-memory leases with the same rules: for unit tests. */
export function memoryLeaseStore(): LeaseStore & { readonly leases: Map<string, Lease> } {
  const leases = new Map<string, Lease>();
  return {
    leases,
    async tryAcquire(name, holder, nowMs, ttlMs) {
      const current = leases.get(name);
      if (current && current.expiresAt > nowMs && current.holder !== holder) return null;
      const lease = { name, holder, expiresAt: nowMs + ttlMs };
      leases.set(name, lease);
      return lease;
    },
    async release(name, holder) {
      if (leases.get(name)?.holder === holder) leases.delete(name);
    },
  };
}
