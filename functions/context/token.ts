import { timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import '../shared/zod-messages.js';
import { conversationIdSchema, regionSchema } from '../shared/identifiers.js';
import { ENV_PATTERN, envSchema } from './context-schema.js';
import type { TokenKey, TokenKeyring } from './token-keys.js';

/**
 * Transfer context token: the opaque handle a transfer carries in a SIP header (User-to-User, or a
 * Refer-To parameter) so the receiving region can fetch the context.
 *
 * Construction (deterministic authenticated encryption, the SIV pattern with HMAC as the PRF):
 *   siv   = HMAC-SHA256(macKey, len|header, len|env, len|payload) cut to 128 bits
 *   body  = AES-256-CTR(encKey, iv = siv, payload)
 *   token = base64url(header || siv || body)
 * The SIV is both the IV and the MAC: verifying decrypts, recomputes it over the recovered payload and
 * compares in constant time. No nonce is needed, so nothing goes wrong if a random source repeats (GCM
 * with a repeated nonce would leak its authentication key); 128 bits leaves a forger 2^-128 per try.
 *
 * Byte layout (all integers big-endian):
 *   0  u8   format version (2; version 1 tokens still verify, see below)
 *   1  u8   key id (HKDF of the secret) - picks the key during rotation
 *   2  u8   environment tag (keyed) - lets logs say "wrong-env" when environments share a secret
 *   3  16   siv
 *   19 ...  encrypted payload:
 *        u8 flags (bit 0: conversation id is a lower-case UUID packed into 16 bytes)
 *        16 uuid bytes | u8 length + ASCII conversation id, zero-padded to 64 bytes
 *        u8 length + ASCII origin region, zero-padded to 25 bytes
 *        u32 context version, u32 issued-at, u32 expires-at (epoch seconds)
 * The environment is not in the payload: it is authenticated as associated data, so a token of another
 * environment fails.
 *
 * Length: the padding makes every token of one conversation-id class the same length, so the length
 * says neither the origin region nor how long the conversation id is, only whether it is a UUID: 99
 * characters (74 bytes) for a UUID conversation, 164 (123 bytes) for any other. The widths are the
 * longest values conversationIdSchema and regionSchema accept. Padding bytes must be zero: decoding
 * re-encodes the claims and requires the same bytes, so one byte string encodes given claims.
 *
 * Version 1 wrote both strings unpadded (`u8 length + ASCII`), so its length gave both away. Tokens
 * live `crmEventTtlHours`, so during and after a deploy version 1 tokens issued by the old code are in
 * flight: they still verify (same keys, same checks; the version byte is under the MAC), and only
 * version 2 is issued. Version 1 support can go once every region has issued version 2 for longer
 * than `crmEventTtlHours`.
 */

/** The version issued. */
export const TOKEN_FORMAT_VERSION = 2;
/** The unpadded layout of the first release, still verified (see above). */
const LEGACY_FORMAT_VERSION = 1;
const HEADER_BYTES = 3;
const SIV_BYTES = 16;
const FLAG_UUID = 0x01;
/** Padded widths of version 2: the longest conversation id and region name the schemas accept. */
const CONVERSATION_ID_WIDTH = 64;
const REGION_WIDTH = 25;
/**
 * Longer strings are rejected before decoding: the longest token of either version has 164 characters
 * (a non-UUID conversation id; in version 1 also the longest id and region).
 */
export const MAX_TOKEN_CHARS = 164;
/** Tolerated clock difference between the issuing region and the verifying one. */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 60;

const u32 = z.int().check(z.minimum(0), z.maximum(0xffff_ffff));

export const tokenClaimsSchema = z
  .strictObject({
    env: envSchema,
    conversationId: conversationIdSchema,
    originRegion: regionSchema,
    /** The optimistic-lock version of the stored context the token points at. */
    contextVersion: u32,
    /** Epoch seconds. */
    issuedAt: u32,
    /** Epoch seconds; the token is expired from this second on (`now >= expiresAt`). */
    expiresAt: u32,
  })
  .check(
    z.refine((c) => c.expiresAt > c.issuedAt, { path: ['expiresAt'], message: 'must be after issuedAt' }),
  );

export type TokenClaims = z.output<typeof tokenClaimsSchema>;

/** For logs and metrics only: callers answer every failure with the same 401. */
export type TokenFailure =
  | 'malformed'
  | 'unsupported-version'
  | 'unknown-key'
  | 'wrong-env'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid';

export type TokenVerification = { ok: true; claims: TokenClaims } | { ok: false; reason: TokenFailure };

export interface VerifyOptions {
  /** The environment this verifier serves; a token of any other environment is rejected. */
  readonly env: string;
  /** Current time, epoch milliseconds. */
  readonly nowMs: number;
  /** @default 60 - a token issued further in the future than this is rejected as `not-yet-valid`. */
  readonly maxClockSkewSeconds?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** `u8 length + ASCII`, zero-padded to `width` bytes after the length (version 2) or unpadded (version 1). */
function lengthPrefixed(text: string, width: number | undefined): Buffer {
  const field = Buffer.alloc(1 + (width ?? text.length));
  field[0] = text.length;
  field.write(text, 1, 'ascii');
  return field;
}

function encodePayload(c: TokenClaims, version: number): Buffer {
  const padded = version !== LEGACY_FORMAT_VERSION;
  const packed = UUID.test(c.conversationId);
  const conversation = packed
    ? Buffer.from(c.conversationId.replaceAll('-', ''), 'hex')
    : lengthPrefixed(c.conversationId, padded ? CONVERSATION_ID_WIDTH : undefined);
  const numbers = Buffer.alloc(12);
  numbers.writeUInt32BE(c.contextVersion, 0);
  numbers.writeUInt32BE(c.issuedAt, 4);
  numbers.writeUInt32BE(c.expiresAt, 8);
  return Buffer.concat([
    Buffer.of(packed ? FLAG_UUID : 0),
    conversation,
    lengthPrefixed(c.originRegion, padded ? REGION_WIDTH : undefined),
    numbers,
  ]);
}

function uuidFromBytes(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Sequential reader over the payload; every read returns null past the end instead of throwing. */
function reader(p: Buffer) {
  let at = 0;
  const take = (n: number): Buffer | null => {
    if (at + n > p.length) return null;
    at += n;
    return p.subarray(at - n, at);
  };
  return {
    take,
    /** u8 length, then that many bytes, then (with a width) the rest of a `width`-byte field. */
    takeShort: (width?: number): Buffer | null => {
      const len = take(1)?.[0];
      if (len === undefined || (width !== undefined && len > width)) return null;
      const text = take(len);
      return width === undefined || take(width - len) ? text : null;
    },
    done: () => at === p.length,
  };
}

/** Reads the payload back; null unless it is exactly what `encodePayload` writes for valid claims. */
function decodePayload(p: Buffer, env: string, version: number): TokenClaims | null {
  const padded = version !== LEGACY_FORMAT_VERSION;
  const r = reader(p);
  const flags = r.take(1)?.[0];
  if (flags !== 0 && flags !== FLAG_UUID) return null;
  const conversation =
    flags === FLAG_UUID ? r.take(16) : r.takeShort(padded ? CONVERSATION_ID_WIDTH : undefined);
  const region = r.takeShort(padded ? REGION_WIDTH : undefined);
  const numbers = r.take(12);
  if (!conversation || !region || !numbers || !r.done()) return null;
  const claims: TokenClaims = {
    env,
    conversationId: flags === FLAG_UUID ? uuidFromBytes(conversation) : conversation.toString('latin1'),
    originRegion: region.toString('latin1'),
    contextVersion: numbers.readUInt32BE(0),
    issuedAt: numbers.readUInt32BE(4),
    expiresAt: numbers.readUInt32BE(8),
  };
  // The rules of tokenClaimsSchema that the layout does not already enforce (the caller checked env;
  // the numbers are u32 by construction), without building the strict object again on every request.
  if (
    !conversationIdSchema.safeParse(claims.conversationId).success ||
    !regionSchema.safeParse(claims.originRegion).success ||
    claims.expiresAt <= claims.issuedAt
  ) {
    return null;
  }
  // Only one byte string encodes given claims (a UUID is always packed, padding is zero): re-encode to be sure.
  return encodePayload(claims, version).equals(p) ? claims : null;
}

function header(key: TokenKey, env: string): Buffer {
  return Buffer.of(TOKEN_FORMAT_VERSION, key.id, key.envTag(env));
}

function isVerifiedVersion(version: number | undefined): version is number {
  return version === TOKEN_FORMAT_VERSION || version === LEGACY_FORMAT_VERSION;
}

function siv(key: TokenKey, head: Buffer, env: string, payload: Buffer): Buffer {
  return key.mac([head, Buffer.from(env, 'utf8'), payload], SIV_BYTES);
}

/**
 * Issues a token for the claims with the first key of the ring. Throws a RangeError naming the field
 * when the claims are invalid (a caller bug, not user input).
 *
 * @example
 * const token = encodeToken({ env, conversationId, originRegion, contextVersion: 3,
 *   issuedAt: nowS, expiresAt: nowS + 300 }, keys);
 */
export function encodeToken(claims: TokenClaims, keys: TokenKeyring): string {
  const parsed = tokenClaimsSchema.safeParse(claims);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RangeError(`invalid token claims: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const key = keys[0];
  if (!key) throw new RangeError('cannot sign a token with an empty keyring');
  const c = parsed.data;
  const payload = encodePayload(c, TOKEN_FORMAT_VERSION);
  const head = header(key, c.env);
  const iv = siv(key, head, c.env, payload);
  return Buffer.concat([head, iv, key.ctr(iv, payload)]).toString('base64url');
}

/** base64url bytes, or null unless `token` is exactly the canonical unpadded encoding of them. */
function decodeCanonical(token: string): Buffer | null {
  if (token.length > MAX_TOKEN_CHARS || !BASE64URL.test(token)) return null;
  const bytes = Buffer.from(token, 'base64url');
  return bytes.toString('base64url') === token ? bytes : null;
}

/**
 * Checks a token and returns its claims. Never throws on any token value; throws a TypeError only when
 * the options themselves are unusable (a clock reading that is not a number would otherwise accept
 * expired tokens).
 *
 * Order: shape, version, key id, environment tag, MAC, then time. Time is judged only after the MAC,
 * so `expired` always means a genuine token.
 */
export function verifyToken(token: unknown, keys: TokenKeyring, options: VerifyOptions): TokenVerification {
  const { env, nowMs } = options;
  const skew = options.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS;
  if (
    !Number.isFinite(nowMs) ||
    !Number.isFinite(skew) ||
    typeof env !== 'string' ||
    !ENV_PATTERN.test(env)
  ) {
    throw new TypeError('verifyToken needs a valid env, a finite nowMs and a finite maxClockSkewSeconds');
  }
  const bytes = typeof token === 'string' ? decodeCanonical(token) : null;
  if (!bytes || bytes.length <= HEADER_BYTES + SIV_BYTES) return { ok: false, reason: 'malformed' };
  const version = bytes[0];
  if (!isVerifiedVersion(version)) return { ok: false, reason: 'unsupported-version' };

  const head = bytes.subarray(0, HEADER_BYTES);
  const mac = bytes.subarray(HEADER_BYTES, HEADER_BYTES + SIV_BYTES);
  const body = bytes.subarray(HEADER_BYTES + SIV_BYTES);
  const candidates = keys.filter((k) => k.id === head[1]);
  if (candidates.length === 0) return { ok: false, reason: 'unknown-key' };
  const inEnv = candidates.filter((k) => k.envTag(env) === head[2]);
  if (inEnv.length === 0) return { ok: false, reason: 'wrong-env' };

  let claims: TokenClaims | null = null;
  for (const key of inEnv) {
    const payload = key.ctr(mac, body);
    if (timingSafeEqual(siv(key, head, env, payload), mac)) {
      claims = decodePayload(payload, env, version);
      if (!claims) return { ok: false, reason: 'malformed' };
      break;
    }
  }
  if (!claims) return { ok: false, reason: 'bad-signature' };
  if (nowMs >= claims.expiresAt * 1000) return { ok: false, reason: 'expired' };
  if (claims.issuedAt * 1000 > nowMs + skew * 1000) return { ok: false, reason: 'not-yet-valid' };
  return { ok: true, claims };
}
