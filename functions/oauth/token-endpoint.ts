import '../shared/zod-messages.js';
import * as z from 'zod/mini';
import { networkFailureName, type PlatformHttp, retryAfterMs } from './http.js';

/**
 * The platform's OAuth client-credentials grant (RFC 6749 section 4.4) as the platform SDKs send it:
 * `POST https://login.<region host>/oauth/token`, HTTP Basic client authentication, form body
 * `grant_type=client_credentials`; the answer carries `access_token`, `token_type` and `expires_in`.
 *
 * The result is data, never an exception, and never carries the secret, the Basic header or the token
 * in anything but `token.accessToken`.
 */

export interface OrgHosts {
  /** Our name for the organization (`platform.orgs[].name`). */
  readonly name: string;
  readonly loginHost: string;
  readonly apiHost: string;
}

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Secrets Manager VersionId the credentials were read from; the refresher remembers a rejected one. */
  readonly versionId: string;
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly issuedAt: number;
  /** Epoch ms. */
  readonly expiresAt: number;
  /** The host that issued the token and the one API host it is valid for (its region scope). */
  readonly loginHost: string;
  readonly apiHost: string;
}

export type TokenResult =
  | { readonly ok: true; readonly token: IssuedToken }
  | {
      readonly ok: false;
      /** The platform refused the client: do not ask again until the secret changes. */
      readonly kind: 'bad-credentials';
      readonly status: number;
      /** The OAuth `error` code (`invalid_client`, ...) when the platform sent a plain one. */
      readonly error: string | null;
      readonly reason: string;
    }
  | {
      readonly ok: false;
      /** Rate limit, server error, timeout, connection failure: ask again after `retryAfterMs`. */
      readonly kind: 'retryable';
      readonly status: number | null;
      readonly retryAfterMs: number;
      /** Whether `retryAfterMs` came from the platform's `Retry-After`. */
      readonly fromHeader: boolean;
      readonly reason: string;
    }
  | {
      readonly ok: false;
      /** A 2xx without a usable token, or a status no rule covers (a wrong host). */
      readonly kind: 'invalid-answer';
      readonly status: number;
      readonly reason: string;
    };

/** @default Wait before asking again after a failure without `Retry-After`. */
export const DEFAULT_RETRY_MS = 5000;

const answerSchema = z.object({
  access_token: z.string().check(z.minLength(1), z.maxLength(8192)),
  token_type: z.string().check(z.regex(/^bearer$/i, 'must be bearer')),
  expires_in: z.int().check(z.positive()),
});

const oauthErrorCode = z.catch(
  z.pipe(
    z.object({ error: z.string().check(z.regex(/^[a-z_]{1,64}$/)) }),
    z.transform((e) => e.error),
  ),
  '',
);

/**
 * Asks the org's login host for a token. Times out after `http.timeoutMs` (AbortSignal).
 *
 * @example
 * const result = await requestToken(httpsPlatform(), { name: 'west', ...platformHosts('usw2.pure.cloud') }, creds, Date.now());
 * if (result.ok) store(result.token); else if (result.kind === 'bad-credentials') alarm();
 */
export async function requestToken(
  http: PlatformHttp,
  org: OrgHosts,
  credentials: ClientCredentials,
  nowMs: number,
  defaultRetryMs = DEFAULT_RETRY_MS,
): Promise<TokenResult> {
  const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`, 'utf8').toString('base64');
  let response: Response;
  let text: string;
  try {
    response = await http.fetch(`${http.baseUrl(org.loginHost)}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(http.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const name = networkFailureName(error);
    return retryable(null, undefined, defaultRetryMs, `token request to ${org.loginHost} failed: ${name}`);
  }
  const { status } = response;
  const wait = retryAfterMs(response.headers.get('retry-after'), nowMs);
  if (status >= 200 && status < 300) return parseAnswer(text, status, org, nowMs);
  const error = oauthErrorCode.parse(safeJson(text)) || null;
  if (status === 429 || status === 408 || status >= 500) {
    return retryable(status, wait, defaultRetryMs, `${org.loginHost} answered ${status}`);
  }
  // The platform SDKs' callers retry this one 400: the token endpoint's own rate limit (see notes).
  if (status === 400 && error === 'invalid_request' && /rate limit/i.test(text)) {
    return retryable(status, wait, defaultRetryMs, `${org.loginHost} answered 400 (rate limit exceeded)`);
  }
  if (status === 400 || status === 401) {
    return {
      ok: false,
      kind: 'bad-credentials',
      status,
      error,
      reason: `${org.loginHost} refused the client credentials of ${org.name}: ${status}${error ? ` ${error}` : ''}`,
    };
  }
  return { ok: false, kind: 'invalid-answer', status, reason: `${org.loginHost} answered ${status}` };
}

function parseAnswer(text: string, status: number, org: OrgHosts, nowMs: number): TokenResult {
  const answer = answerSchema.safeParse(safeJson(text));
  if (!answer.success) {
    const fields = answer.error.issues.map((i) => i.path.join('.') || '(body)').join(', ');
    return { ok: false, kind: 'invalid-answer', status, reason: `token answer unusable at ${fields}` };
  }
  return {
    ok: true,
    token: {
      accessToken: answer.data.access_token,
      tokenType: 'bearer',
      issuedAt: nowMs,
      expiresAt: nowMs + answer.data.expires_in * 1000,
      loginHost: org.loginHost,
      apiHost: org.apiHost,
    },
  };
}

function retryable(
  status: number | null,
  wait: number | undefined,
  defaultRetryMs: number,
  reason: string,
): TokenResult {
  return {
    ok: false,
    kind: 'retryable',
    status,
    retryAfterMs: wait ?? defaultRetryMs,
    fromHeader: wait !== undefined,
    reason,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
