import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CRM webhook signatures (the scheme the CRM integration is configured with, in the style of Stripe's):
 *
 *   X-CRM-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=<hex>...]
 *
 * `v1` = lower- or upper-case hex of HMAC-SHA256(secret, `${t}.${rawBody}`), where rawBody is the exact
 * bytes received (before any JSON parsing). The timestamp is inside the MAC, so it cannot be moved to
 * replay an old body. During a secret rotation the sender may send one `v1` per secret; the receiver
 * holds the current and the previous secret and accepts a match of any pair. Elements are comma
 * separated, spaces around them are ignored, unknown keys (a future `v2`) are ignored, `t` must appear
 * exactly once (1-12 decimal digits) and at least one `v1` must be present.
 */

export const CRM_SIGNATURE_HEADER = 'X-CRM-Signature';
/** How old a signed request may be (seconds): also the window in which event ids must be deduplicated. */
export const DEFAULT_REPLAY_WINDOW_SECONDS = 300;
/** How far ahead of our clock a sender's clock may be (seconds). */
export const DEFAULT_MAX_FUTURE_SKEW_SECONDS = 30;
const MAX_HEADER_CHARS = 1024;
const MAX_SIGNATURES = 8;

/** For logs and metrics; the handler answers all of them with one 401. */
export type WebhookSignatureFailure =
  | 'missing-header'
  | 'malformed-header'
  | 'bad-signature'
  | 'stale-timestamp'
  | 'future-timestamp';

export type WebhookSignatureResult =
  | {
      ok: true;
      /** The signed timestamp, epoch seconds. */
      timestamp: number;
      /** Which secret matched: 0 = current; 1 = previous (the sender has not rotated yet). */
      secretIndex: number;
    }
  | { ok: false; reason: WebhookSignatureFailure };

export interface WebhookVerifyOptions {
  /** Current time, epoch seconds. */
  readonly nowSeconds: number;
  /** @default 300 - older timestamps are `stale-timestamp`; exactly this old is still accepted. */
  readonly replayWindowSeconds?: number;
  /** @default 30 - timestamps further ahead are `future-timestamp`. */
  readonly maxFutureSkewSeconds?: number;
}

interface ParsedHeader {
  timestamp: number;
  signatures: Buffer[];
}

/** The header's parts, or null when it does not follow the grammar above. */
export function parseSignatureHeader(header: string): ParsedHeader | null {
  if (header.length > MAX_HEADER_CHARS) return null;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const element of header.split(',')) {
    const eq = element.indexOf('=');
    if (eq < 0) return null;
    const key = element.slice(0, eq).trim();
    const value = element.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return null;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-fA-F]{64}$/.test(value) || signatures.length >= MAX_SIGNATURES) return null;
      signatures.push(Buffer.from(value, 'hex'));
    } else if (!/^[a-z0-9]{1,16}$/.test(key)) {
      return null;
    }
  }
  return timestamp === undefined || signatures.length === 0 ? null : { timestamp, signatures };
}

function digest(secret: string, timestamp: number, rawBody: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(rawBody).digest();
}

function checkSecrets(secrets: readonly string[]): void {
  if (secrets.length === 0 || secrets.some((s) => s.length === 0)) {
    throw new TypeError('webhook verification needs at least one non-empty secret (current, then previous)');
  }
}

/**
 * Verifies a CRM webhook. The signature is checked before the timestamp, so `stale-timestamp` and
 * `future-timestamp` always describe a genuine request (a replay or a clock problem), never a forgery.
 * Never throws on any header or body; throws a TypeError when given no usable secret (a deployment
 * error that must not look like a stream of forged requests).
 *
 * @example
 * const check = verifyWebhookSignature(headers['x-crm-signature'], rawBody, [current, previous],
 *   { nowSeconds: Math.floor(now / 1000) });
 * if (!check.ok) throw new Unauthorized('invalid signature');
 */
export function verifyWebhookSignature(
  header: string | undefined | null,
  rawBody: string | Uint8Array,
  secrets: readonly string[],
  options: WebhookVerifyOptions,
): WebhookSignatureResult {
  checkSecrets(secrets);
  const { nowSeconds } = options;
  if (!Number.isFinite(nowSeconds)) throw new TypeError('verifyWebhookSignature needs a finite nowSeconds');
  if (header === undefined || header === null || header === '')
    return { ok: false, reason: 'missing-header' };
  const parsed = typeof header === 'string' ? parseSignatureHeader(header) : null;
  if (!parsed) return { ok: false, reason: 'malformed-header' };

  let secretIndex = -1;
  secrets.forEach((secret, index) => {
    const expected = digest(secret, parsed.timestamp, rawBody);
    // Every v1 is compared (no early exit on the secret or signature list); lengths are equal by parsing.
    for (const candidate of parsed.signatures) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected) && secretIndex < 0) {
        secretIndex = index;
      }
    }
  });
  if (secretIndex < 0) return { ok: false, reason: 'bad-signature' };

  const window = options.replayWindowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS;
  const skew = options.maxFutureSkewSeconds ?? DEFAULT_MAX_FUTURE_SKEW_SECONDS;
  if (nowSeconds - parsed.timestamp > window) return { ok: false, reason: 'stale-timestamp' };
  if (parsed.timestamp - nowSeconds > skew) return { ok: false, reason: 'future-timestamp' };
  return { ok: true, timestamp: parsed.timestamp, secretIndex };
}

/**
 * The header value a CRM would send for `body` at `nowSeconds`: one `v1` per secret (two during a
 * rotation). For tests and the drill.
 *
 * @example
 * const headers = { [CRM_SIGNATURE_HEADER]: signWebhook(body, secret, Math.floor(Date.now() / 1000)) };
 */
export function signWebhook(
  body: string | Uint8Array,
  secret: string | readonly string[],
  nowSeconds: number,
): string {
  const secrets = typeof secret === 'string' ? [secret] : secret;
  checkSecrets(secrets);
  const timestamp = Math.floor(nowSeconds);
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${digest(s, timestamp, body).toString('hex')}`)].join(
    ',',
  );
}
