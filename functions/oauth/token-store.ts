import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import '../shared/zod-messages.js';
import * as z from 'zod/mini';
import { controlKeys } from '../shared/keys.js';

/**
 * The platform token of each org in ControlState (MRSC: one strongly consistent store for both active
 * regions), encrypted (token-cipher.ts), with the hosts it was issued by and is valid for, its expiry,
 * the credentials version it was obtained with, and the refresh state both regions must honour: a
 * rejected credentials version and a back-off. Every write is conditional on the version read.
 *
 * Item: `pk = PLATFORMTOKEN#<org>`, `sk = CURRENT`. Times are epoch ms (`token*At`, not DynamoDB TTL:
 * MRSC tables have none, and a token item is overwritten, never expired).
 */

/** The key of an org's token item. */
export const platformTokenKey = controlKeys.platformToken;

export interface StoredToken {
  readonly ciphertext: Uint8Array;
  readonly loginHost: string;
  readonly apiHost: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Secrets Manager VersionId of the client credentials the token was obtained with. */
  readonly credentialsVersion: string;
}

export interface TokenRecord {
  readonly org: string;
  /** Compare-and-set version: 1 for the first write, +1 per write. */
  readonly version: number;
  readonly token: StoredToken | null;
  /** The credentials version the platform refused; nobody asks again with it. */
  readonly rejectedCredentialsVersion: string | null;
  /** No token request before this (Retry-After or backoff), in either region. */
  readonly retryNotBefore: number | null;
  /** Consecutive failed token requests (for the backoff). */
  readonly failures: number;
  readonly updatedAt: number;
  /** Region whose refresher wrote the item. */
  readonly updatedBy: string;
}

export interface TokenStore {
  /** Strongly consistent read; null when the org never had an item. */
  read(org: string): Promise<TokenRecord | null>;
  /**
   * Writes `record` if the stored version is still `expectedVersion` (null: no item yet). Throws an
   * error named `ConditionalCheckFailedException` when someone else wrote first.
   */
  write(record: TokenRecord, expectedVersion: number | null): Promise<void>;
}

const itemSchema = z.object({
  org: z.string(),
  version: z.int().check(z.minimum(1)),
  ciphertext: z.optional(z.instanceof(Uint8Array)),
  loginHost: z.optional(z.string()),
  apiHost: z.optional(z.string()),
  tokenIssuedAt: z.optional(z.number()),
  tokenExpiresAt: z.optional(z.number()),
  credentialsVersion: z.optional(z.string()),
  rejectedCredentialsVersion: z.optional(z.string()),
  retryNotBefore: z.optional(z.number()),
  failures: z._default(z.int().check(z.minimum(0)), 0),
  updatedAt: z.number(),
  updatedBy: z.string(),
});

export function recordFromItem(item: Record<string, unknown>): TokenRecord {
  const i = itemSchema.parse(item);
  const hasToken =
    i.ciphertext !== undefined &&
    i.loginHost !== undefined &&
    i.apiHost !== undefined &&
    i.tokenIssuedAt !== undefined &&
    i.tokenExpiresAt !== undefined &&
    i.credentialsVersion !== undefined;
  return {
    org: i.org,
    version: i.version,
    token: hasToken
      ? {
          ciphertext: i.ciphertext as Uint8Array,
          loginHost: i.loginHost as string,
          apiHost: i.apiHost as string,
          issuedAt: i.tokenIssuedAt as number,
          expiresAt: i.tokenExpiresAt as number,
          credentialsVersion: i.credentialsVersion as string,
        }
      : null,
    rejectedCredentialsVersion: i.rejectedCredentialsVersion ?? null,
    retryNotBefore: i.retryNotBefore ?? null,
    failures: i.failures,
    updatedAt: i.updatedAt,
    updatedBy: i.updatedBy,
  };
}

export function itemFromRecord(r: TokenRecord): Record<string, unknown> {
  return {
    ...platformTokenKey(r.org),
    org: r.org,
    version: r.version,
    ...(r.token
      ? {
          ciphertext: r.token.ciphertext,
          loginHost: r.token.loginHost,
          apiHost: r.token.apiHost,
          tokenIssuedAt: r.token.issuedAt,
          tokenExpiresAt: r.token.expiresAt,
          credentialsVersion: r.token.credentialsVersion,
        }
      : {}),
    ...(r.rejectedCredentialsVersion === null
      ? {}
      : { rejectedCredentialsVersion: r.rejectedCredentialsVersion }),
    ...(r.retryNotBefore === null ? {} : { retryNotBefore: r.retryNotBefore }),
    failures: r.failures,
    updatedAt: r.updatedAt,
    updatedBy: r.updatedBy,
  };
}

/** ControlState adapter. */
export function dynamoTokenStore(options: {
  readonly doc: Pick<DynamoDBDocumentClient, 'send'>;
  readonly tableName: string;
}): TokenStore {
  const { doc, tableName } = options;
  return {
    async read(org) {
      const out = await doc.send(
        new GetCommand({ TableName: tableName, Key: platformTokenKey(org), ConsistentRead: true }),
      );
      return out.Item ? recordFromItem(out.Item) : null;
    },
    async write(record, expectedVersion) {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: itemFromRecord(record),
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
    },
  };
}

/** An in-memory store with the same conditional semantics: for unit tests and local runs. */
export function memoryTokenStore(): TokenStore & { readonly items: Map<string, TokenRecord> } {
  const items = new Map<string, TokenRecord>();
  return {
    items,
    async read(org) {
      return items.get(org) ?? null;
    },
    async write(record, expectedVersion) {
      const current = items.get(record.org);
      if ((current?.version ?? null) !== expectedVersion) {
        throw Object.assign(new Error('the conditional request failed'), {
          name: 'ConditionalCheckFailedException',
        });
      }
      items.set(record.org, record);
    },
  };
}
