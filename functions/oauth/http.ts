/**
 * The HTTP port the oauth area calls the platform through: `fetch` plus a resolver from a platform host
 * to a base URL. In AWS the resolver is `https://<host>`; the local platform stand-in maps every host to
 * a loopback URL, so no DNS is needed and the real request code runs unchanged.
 */

export type FetchImpl = (url: string, init: RequestInit) => Promise<Response>;

export interface PlatformHttp {
  readonly fetch: FetchImpl;
  /** Base URL (no trailing slash) of a platform host such as `login.usw2.pure.cloud`. */
  readonly baseUrl: (host: string) => string;
  /** Time for one request, connect to last byte, in ms. */
  readonly timeoutMs: number;
}

/** The real platform: global `fetch` over HTTPS. */
export function httpsPlatform(timeoutMs = 5000): PlatformHttp {
  return { fetch: (url, init) => fetch(url, init), baseUrl: (host) => `https://${host}`, timeoutMs };
}

/** Longest Retry-After the area honours (1 h): a larger value is read as this. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * `Retry-After` in ms from now: delay-seconds or an HTTP date (RFC 9110 section 10.2.3). Undefined when
 * absent or unreadable; never negative; capped at {@link MAX_RETRY_AFTER_MS}.
 *
 * @example
 * retryAfterMs('3', 0) // 3000
 * retryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')) // 5000
 */
export function retryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (text === '') return undefined;
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const at = Date.parse(text);
    if (Number.isNaN(at) || !/[a-z]/i.test(text)) return undefined;
    ms = at - nowMs;
  }
  if (!Number.isFinite(ms)) return MAX_RETRY_AFTER_MS;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.ceil(ms)));
}

/**
 * Exponential backoff with full jitter: a random delay in [0, min(maxMs, baseMs * 2^(attempt-1))],
 * at least `floorMs`.
 */
export function backoffMs(
  attempt: number,
  random: () => number,
  opts: { baseMs: number; maxMs: number; floorMs?: number },
): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(opts.floorMs ?? 0, Math.floor(random() * ceiling));
}

/** A name for a failed fetch that carries no URL, header or body: `TimeoutError`, `ECONNREFUSED`, ... */
export function networkFailureName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'NetworkError';
  const e = error as { name?: unknown; code?: unknown; cause?: { code?: unknown; name?: unknown } };
  const code = e.cause?.code ?? e.code;
  if (typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code)) return code;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'TimeoutError';
  return typeof e.name === 'string' && /^[A-Za-z]{1,40}$/.test(e.name) ? e.name : 'NetworkError';
}
