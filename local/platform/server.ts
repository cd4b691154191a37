import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PlatformHttp } from '../../functions/oauth/http.js';
import {
  AGGREGATES_PATH,
  aggregates,
  type LocalQueueState,
  MEMBERS_ROUTE,
  membersPage,
  OBSERVATIONS_PATH,
  observations,
} from './queues.js';

/**
 * The platform (Genesys Cloud) on loopback for N organizations, each in its own "region": its token
 * endpoint `POST https://<loginHost>/oauth/token` (client credentials, HTTP Basic) and the API routes
 * routing's capacity reconciliation calls, answering in the documented shapes
 * (docs/research/genesys-routing-facts.md 2d, 3a, 3b) from the queue state a test sets with `setQueue`:
 * `GET /api/v2/routing/queues/{id}/members` (paged, `expand=skills`, `expand=routingStatus`),
 * `POST /api/v2/analytics/queues/observations/query` and
 * `POST /api/v2/analytics/conversations/aggregates/query` (`tHandle`). A token is valid only on its own
 * org's API host, as on the platform; another org's token, an expired or a revoked one gets 401.
 *
 * Hosts are emulated by path: `baseUrl(host)` is `<endpoint>/<host>`, so callers keep using real host
 * names through the `PlatformHttp` port and no DNS is needed. Faults (status, count, Retry-After, no answer) can be
 * injected per org on the token route or on every API route; every request is counted.
 */

export interface LocalPlatformOrg {
  readonly name: string;
  readonly loginHost: string;
  readonly apiHost: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** @default 86400 (the platform's default token lifetime) */
  readonly tokenLifetimeSeconds?: number;
}

export interface Fault {
  readonly status: number;
  /** How many requests get the fault before normal answers resume. @default Infinity */
  readonly times?: number;
  readonly retryAfter?: string;
  readonly body?: unknown;
  /** Only requests to this path (e.g. AGGREGATES_PATH) get the fault. @default every path of the route */
  readonly path?: string;
  /** No answer at all (a hung platform): the caller's timeout must end the request. @default false */
  readonly hang?: boolean;
}

export { AGGREGATES_PATH, type LocalQueueMember, type LocalQueueState, OBSERVATIONS_PATH } from './queues.js';

export interface LocalPlatform {
  readonly endpoint: string;
  baseUrl(host: string): string;
  /** A PlatformHttp that reaches this server for every platform host. */
  http(timeoutMs?: number): PlatformHttp;
  tokenRequests(org: string): number;
  apiRequests(org: string): number;
  /** Every access token issued so far (to assert that none leaks). */
  issuedTokens(): readonly string[];
  failTokens(org: string, fault: Fault | null): void;
  failApi(org: string, fault: Fault | null): void;
  /** Invalidates every token issued to the org so far (the next API call answers 401). */
  revokeTokens(org: string): void;
  setTokenLifetime(org: string, seconds: number): void;
  /** Sets (null: removes) a queue of the org; a queue not set answers 404 on its members route. */
  setQueue(org: string, queueId: string, state: LocalQueueState | null): void;
  close(): Promise<void>;
}

interface OrgState {
  spec: LocalPlatformOrg;
  lifetime: number;
  tokenRequests: number;
  apiRequests: number;
  tokenFault: { fault: Fault; left: number } | null;
  apiFault: { fault: Fault; left: number } | null;
  queues: Map<string, LocalQueueState>;
}

/**
 * @example
 * const platform = await startLocalPlatform({ orgs: [{ name: 'east', ...platformHosts('mypurecloud.com'), clientId, clientSecret }] });
 * const result = await requestToken(platform.http(), org, credentials, Date.now());
 */
export async function startLocalPlatform(options: {
  readonly orgs: readonly LocalPlatformOrg[];
  /** The server's clock for token expiry. @default Date.now */
  readonly now?: () => number;
}): Promise<LocalPlatform> {
  const now = options.now ?? Date.now;
  const orgs = new Map<string, OrgState>(
    options.orgs.map((spec) => [
      spec.name,
      {
        spec,
        lifetime: spec.tokenLifetimeSeconds ?? 86_400,
        tokenRequests: 0,
        apiRequests: 0,
        tokenFault: null,
        apiFault: null,
        queues: new Map(),
      },
    ]),
  );
  const tokens = new Map<string, { org: string; expiresAt: number }>();
  const issued: string[] = [];
  const byHost = (host: string, kind: 'loginHost' | 'apiHost') =>
    [...orgs.values()].find((o) => o.spec[kind] === host);

  const reply = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  };
  const takeFault = (slot: 'tokenFault' | 'apiFault', org: OrgState, path?: string) => {
    const f = org[slot];
    if (f === null || f.left <= 0) return null;
    if (f.fault.path !== undefined && f.fault.path !== path) return null;
    f.left--;
    return f.fault;
  };
  const sendFault = (res: ServerResponse, fault: Fault) => {
    if (fault.hang) return; // the socket stays open until the caller gives up or close() ends it
    reply(
      res,
      fault.status,
      fault.body ?? { status: fault.status, message: 'injected fault' },
      fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter },
    );
  };

  const onToken = (req: IncomingMessage, res: ServerResponse, org: OrgState, body: string) => {
    org.tokenRequests++;
    const fault = takeFault('tokenFault', org);
    if (fault) return sendFault(res, fault);
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return reply(res, 400, { error: 'invalid_request', error_description: 'form body expected' });
    }
    if (new URLSearchParams(body).get('grant_type') !== 'client_credentials') {
      return reply(res, 400, { error: 'unsupported_grant_type' });
    }
    const auth = String(req.headers.authorization ?? '');
    const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
    if (decoded !== `${org.spec.clientId}:${org.spec.clientSecret}`) {
      return reply(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
    }
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, { org: org.spec.name, expiresAt: now() + org.lifetime * 1000 });
    issued.push(token);
    reply(res, 200, { access_token: token, token_type: 'bearer', expires_in: org.lifetime });
  };

  const onApi = (
    req: IncomingMessage,
    res: ServerResponse,
    org: OrgState,
    url: URL,
    path: string,
    body: string,
  ) => {
    org.apiRequests++;
    const auth = String(req.headers.authorization ?? '');
    const grant = auth.startsWith('Bearer ') ? tokens.get(auth.slice(7)) : undefined;
    if (grant === undefined || grant.org !== org.spec.name || grant.expiresAt <= now()) {
      return reply(res, 401, { status: 401, message: 'authentication required' });
    }
    const fault = takeFault('apiFault', org, path);
    if (fault) return sendFault(res, fault);
    const headers = { 'x-local-org': org.spec.name };
    const members = MEMBERS_ROUTE.exec(path);
    if (members) {
      const answer = membersPage(org.queues, decodeURIComponent(members[1] ?? ''), url);
      return answer === null
        ? reply(res, 404, { status: 404, code: 'not.found', message: 'queue not found' }, headers)
        : reply(res, 200, answer, headers);
    }
    let query: Record<string, unknown>;
    try {
      query = (JSON.parse(body || '{}') ?? {}) as Record<string, unknown>;
    } catch {
      return reply(res, 400, { status: 400, message: 'body is not JSON' }, headers);
    }
    if (path === OBSERVATIONS_PATH) return reply(res, 200, observations(org.queues, query), headers);
    if (typeof query.interval !== 'string' || !Array.isArray(query.metrics)) {
      return reply(res, 400, { status: 400, message: 'interval and metrics are required' }, headers);
    }
    reply(res, 200, aggregates(org.queues, query), headers);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const [, host = '', ...rest] = url.pathname.split('/');
      const path = `/${rest.join('/')}`;
      const body = Buffer.concat(chunks).toString('utf8');
      const login = byHost(host, 'loginHost');
      const api = byHost(host, 'apiHost');
      if (login && req.method === 'POST' && path === '/oauth/token') return onToken(req, res, login, body);
      const apiRoute =
        (req.method === 'POST' && (path === OBSERVATIONS_PATH || path === AGGREGATES_PATH)) ||
        (req.method === 'GET' && MEMBERS_ROUTE.test(path));
      if (api && apiRoute) return onApi(req, res, api, url, path, body);
      reply(res, 404, { status: 404, message: `no route ${req.method} ${path} on ${host}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state = (name: string) => {
    const org = orgs.get(name);
    if (org === undefined) throw new Error(`no org ${name} on the local platform`);
    return org;
  };
  const baseUrl = (host: string) => `${endpoint}/${host}`;

  return {
    endpoint,
    baseUrl,
    http: (timeoutMs = 15_000) => ({ fetch: (url, init) => fetch(url, init), baseUrl, timeoutMs }),
    tokenRequests: (name) => state(name).tokenRequests,
    apiRequests: (name) => state(name).apiRequests,
    issuedTokens: () => [...issued],
    failTokens: (name, fault) => {
      state(name).tokenFault = fault ? { fault, left: fault.times ?? Number.POSITIVE_INFINITY } : null;
    },
    failApi: (name, fault) => {
      state(name).apiFault = fault ? { fault, left: fault.times ?? Number.POSITIVE_INFINITY } : null;
    },
    revokeTokens: (name) => {
      for (const [token, grant] of tokens) if (grant.org === name) tokens.delete(token);
    },
    setTokenLifetime: (name, seconds) => {
      state(name).lifetime = seconds;
    },
    setQueue: (name, queueId, queue) => {
      if (queue === null) state(name).queues.delete(queueId);
      else state(name).queues.set(queueId, queue);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
