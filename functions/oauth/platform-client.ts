import { buildEvent } from '../shared/events.js';
import { stableEventId } from '../shared/identifiers.js';
import type { EventPublisher } from '../shared/publisher.js';
import { backoffMs, networkFailureName, type PlatformHttp, retryAfterMs } from './http.js';
import { describe, type LogPort } from './refresher.js';
import type { OrgHosts } from './token-endpoint.js';
import type { AccessToken, TokenSource } from './token-source.js';

/**
 * The one way any function calls the platform (DESIGN.md section 6): `request(method, path, body)`
 * against the org's API host with the org's token.
 * - refuses, and never sends, a token whose issuing host or API host is not the org's; gets the right one;
 * - on a 401 emits `PlatformTokenRejected`, refreshes once (single-flight: concurrent callers share one
 *   refresh) and retries once;
 * - retries 429 (and, for idempotent requests, 5xx and network failures) with backoff that honours
 *   `Retry-After`, at most `maxAttempts` sends, and gives up on a `Retry-After` above `maxRetryAfterMs`;
 * - never logs, throws or emits the token.
 */

export interface PlatformClientDeps {
  readonly tokens: TokenSource;
  readonly http: PlatformHttp;
  readonly publisher: EventPublisher;
  readonly region: string;
  readonly eventBusName: string;
  readonly logger?: LogPort;
  /** Sends in all for one request, 401 retry not counted. @default 3 */
  readonly maxAttempts?: number;
  /** @default 200 ms, 5 s */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** A longer Retry-After fails the request instead of waiting (a Lambda has a deadline). @default 10 s */
  readonly maxRetryAfterMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export interface PlatformResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or the text when the answer is not JSON, or null when empty. */
  readonly body: unknown;
}

export interface RequestOptions {
  /** Whether a retry after a 5xx or a network failure is safe. @default true for GET, HEAD, PUT, DELETE */
  readonly idempotent?: boolean;
}

export interface PlatformClient {
  readonly org: OrgHosts;
  request(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<PlatformResponse>;
}

/** The platform answered with an error, or could not be reached, after the retries allowed. */
export class PlatformRequestError extends Error {
  constructor(
    readonly org: string,
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'PlatformRequestError';
  }
}

/** No usable token could be had for the org (credentials rejected, backing off, token endpoint down). */
export class PlatformTokenUnavailableError extends Error {
  constructor(readonly org: string) {
    super(`no valid platform token for ${org}; see the oauth refresher's logs and metrics`);
    this.name = 'PlatformTokenUnavailableError';
  }
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export function platformClient(org: OrgHosts, deps: PlatformClientDeps): PlatformClient {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = deps.random ?? Math.random;
  const maxAttempts = deps.maxAttempts ?? 3;
  const maxRetryAfterMs = deps.maxRetryAfterMs ?? 10_000;
  let pending: Promise<AccessToken | null> | null = null;

  const inScope = (t: AccessToken) => t.apiHost === org.apiHost && t.loginHost === org.loginHost;

  /** Single-flight: while one load or refresh runs, every caller waits for its result. */
  const once = (work: () => Promise<AccessToken | null>): Promise<AccessToken | null> => {
    pending ??= work().finally(() => {
      pending = null;
    });
    return pending;
  };

  const token = async (): Promise<AccessToken> => {
    const current = pending ? await pending : await deps.tokens.current(now());
    const usable = current ?? (await once(() => deps.tokens.refresh(now(), null)));
    if (usable === null) throw new PlatformTokenUnavailableError(org.name);
    return usable;
  };

  /** A token newer than `rejected`: the one another caller's refresh already brought, or a new refresh. */
  const replace = async (
    rejected: AccessToken,
    status: number | null,
    reason: string,
  ): Promise<AccessToken> => {
    const newer = (t: AccessToken | null): t is AccessToken => t !== null && t.issuedAt > rejected.issuedAt;
    const inflight = pending;
    const current = inflight ? await inflight : await deps.tokens.current(now());
    if (newer(current) && inScope(current)) return current;
    const next = await once(async () => {
      await reportRejected(rejected, status, reason);
      return deps.tokens.refresh(now(), rejected);
    });
    if (!newer(next)) throw new PlatformTokenUnavailableError(org.name);
    return next;
  };

  const reportRejected = async (rejected: AccessToken, status: number | null, reason: string) => {
    deps.logger?.warn('platform token rejected; refreshing', { org: org.name, status, reason });
    try {
      const entry = buildEvent(
        'PlatformTokenRejected',
        { apiHost: org.apiHost, reason, status },
        {
          originRegion: deps.region,
          now: now(),
          eventBusName: deps.eventBusName,
          eventId: stableEventId('platform-token-rejected', org.name, rejected.issuedAt, deps.region),
        },
      );
      await deps.publisher.publish([entry]);
    } catch (error) {
      deps.logger?.warn('PlatformTokenRejected not published', { org: org.name, error: describe(error) });
    }
  };

  const send = (t: AccessToken, method: string, path: string, body: unknown) =>
    deps.http.fetch(`${deps.http.baseUrl(org.apiHost)}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${t.value}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(deps.http.timeoutMs),
    });

  return {
    org,
    async request(method, path, body, options = {}) {
      if (!path.startsWith('/')) throw new RangeError(`path must start with / (got ${path.slice(0, 40)})`);
      const verb = method.toUpperCase();
      const idempotent = options.idempotent ?? IDEMPOTENT.has(verb);
      const what = `${verb} ${path.split('?')[0]} on ${org.apiHost}`;
      let t = await token();
      let refreshedAfter401 = false;
      for (let attempt = 1; ; attempt++) {
        if (!inScope(t)) {
          const reason = `token scope mismatch: issued by ${t.loginHost} for ${t.apiHost}, needed for ${org.apiHost}`;
          t = await replace(t, null, reason);
          if (!inScope(t)) throw new PlatformTokenUnavailableError(org.name);
        }
        let response: Response;
        let text: string;
        try {
          response = await send(t, verb, path, body);
          text = await response.text();
        } catch (error) {
          const name = networkFailureName(error);
          if (!idempotent || attempt >= maxAttempts) {
            throw new PlatformRequestError(org.name, null, `${what} failed: ${name} (attempt ${attempt})`);
          }
          await sleep(backoff(attempt));
          continue;
        }
        const { status } = response;
        if (status === 401 && !refreshedAfter401) {
          refreshedAfter401 = true;
          t = await replace(t, 401, `${org.apiHost} answered 401`);
          attempt--;
          continue;
        }
        if (status >= 200 && status < 300) return { status, headers: response.headers, body: parse(text) };
        const retryable = status === 429 || (idempotent && (status >= 500 || status === 408));
        if (!retryable || attempt >= maxAttempts) {
          throw new PlatformRequestError(org.name, status, `${what} answered ${status} (attempt ${attempt})`);
        }
        const wait = retryAfterMs(response.headers.get('retry-after'), now());
        if (wait !== undefined && wait > maxRetryAfterMs) {
          throw new PlatformRequestError(
            org.name,
            status,
            `${what} answered ${status}; Retry-After ${wait} ms`,
          );
        }
        deps.logger?.warn('platform request retried', { org: org.name, request: what, status, attempt });
        await sleep(wait ?? backoff(attempt));
      }
    },
  };

  function backoff(attempt: number): number {
    return backoffMs(attempt, random, {
      baseMs: deps.backoffBaseMs ?? 200,
      maxMs: deps.backoffMaxMs ?? 5000,
      floorMs: 10,
    });
  }
}

function parse(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
