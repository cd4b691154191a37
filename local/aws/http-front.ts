import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { InvokeResult } from '../lambda/runtime.js';

/**
 * API Gateway HTTP APIs and Lambda function URLs on loopback: each request becomes the payload 2.0
 * event those services send (route key, path parameters, lower-cased headers, base64 for binary
 * bodies), and the function's answer becomes the HTTP response as they map it.
 */

export type Invoke = (event: unknown) => Promise<InvokeResult>;

export interface HttpRoute {
  /** `GET /contexts/{token}`, `$default` */
  readonly routeKey: string;
  readonly invoke: Invoke;
}

export interface HttpFront {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface HttpFrontOptions {
  readonly host: string;
  /** The domain name the event reports (`requestContext.domainName`). */
  readonly domainName: string;
  /** Serve HTTPS with this certificate (function URLs are HTTPS only). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** @default 30_000 - API Gateway's integration timeout */
  readonly integrationTimeoutMs?: number;
}

/** The route that matches, with its path parameters; exact routes win over `$default`. */
export function matchRoute(
  routes: readonly HttpRoute[],
  method: string,
  path: string,
): { route: HttpRoute; params: Record<string, string> } | undefined {
  const got = path.split('/');
  for (const route of routes) {
    const [routeMethod, routePath] = route.routeKey.split(' ');
    if (routePath === undefined || (routeMethod !== method && routeMethod !== 'ANY')) continue;
    const want = routePath.split('/');
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; ok && i < want.length; i++) {
      const w = want[i] ?? '';
      const param = /^\{([^}+]+)(\+?)\}$/.exec(w);
      // A greedy {name+} takes the rest of the path, as API Gateway's does.
      const g = param?.[2] === '+' ? got.slice(i).join('/') : (got[i] ?? '');
      if (param?.[1] && g !== '') params[param[1]] = decodeURIComponent(g);
      else ok = w === g;
      if (param?.[2] === '+') {
        ok = ok && g !== '';
        break;
      }
      if (i === want.length - 1) ok = ok && want.length === got.length;
    }
    if (ok) return { route, params };
  }
  const fallback = routes.find((r) => r.routeKey === '$default');
  return fallback ? { route: fallback, params: {} } : undefined;
}

function eventOf(
  request: IncomingMessage,
  body: Buffer,
  routeKey: string,
  params: Record<string, string>,
  domainName: string,
) {
  const url = new URL(request.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const text = body.toString('utf8');
  const binary = body.length > 0 && !Buffer.from(text, 'utf8').equals(body);
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(params).length > 0 ? { pathParameters: params } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: domainName.split('.')[0],
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: binary ? body.toString('base64') : text } : {}),
    isBase64Encoded: binary,
  };
}

interface LambdaHttpAnswer {
  statusCode?: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

function send(response: ServerResponse, status: number, headers: Record<string, string>, body: Buffer) {
  response.writeHead(status, { ...headers, 'content-length': body.length });
  response.end(body);
}

function answer(response: ServerResponse, result: InvokeResult): void {
  if (!result.ok) {
    // API Gateway's answers: a throttled function 429, an integration timeout 503, any other failure 500.
    const status =
      result.errorType === 'TooManyRequestsException'
        ? 429
        : result.errorType === 'IntegrationTimeout'
          ? 503
          : 500;
    const message =
      status === 429 ? 'Too Many Requests' : status === 503 ? 'Service Unavailable' : 'Internal Server Error';
    send(response, status, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ message })));
    return;
  }
  const value = result.value as LambdaHttpAnswer | null;
  // Payload 2.0: an answer without statusCode is the body of a 200 JSON response.
  if (value === null || typeof value !== 'object' || typeof value.statusCode !== 'number') {
    send(response, 200, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(value)));
    return;
  }
  const body = Buffer.from(value.body ?? '', value.isBase64Encoded ? 'base64' : 'utf8');
  send(response, value.statusCode, value.headers ?? {}, body);
}

/**
 * @example
 * const api = await startHttpFront([{ routeKey: 'POST /contexts', invoke: (e) => fn.invoke(e) }],
 *   { host: '127.0.1.10', domainName: 'api.us-east-1.local' });
 */
export async function startHttpFront(
  routes: readonly HttpRoute[],
  options: HttpFrontOptions,
): Promise<HttpFront> {
  const timeoutMs = options.integrationTimeoutMs ?? 30_000;
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://local').pathname;
      let match: ReturnType<typeof matchRoute>;
      try {
        match = matchRoute(routes, request.method ?? 'GET', path);
      } catch {
        // A malformed percent-escape in a path parameter.
        send(response, 400, { 'content-type': 'application/json' }, Buffer.from('{"message":"Bad Request"}'));
        return;
      }
      if (match === undefined) {
        send(response, 404, { 'content-type': 'application/json' }, Buffer.from('{"message":"Not Found"}'));
        return;
      }
      const event = eventOf(
        request,
        Buffer.concat(chunks),
        match.route.routeKey,
        match.params,
        options.domainName,
      );
      const timeout = new Promise<InvokeResult>((resolve) =>
        setTimeout(
          () => resolve({ ok: false, errorType: 'IntegrationTimeout', errorMessage: 'integration timeout' }),
          timeoutMs,
        ).unref(),
      );
      void Promise.race([match.route.invoke(event), timeout]).then((result) => {
        if (!response.headersSent) answer(response, result);
      });
    });
  };
  const server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handle)
    : createHttpServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://${options.host}:${port}/`,
    host: options.host,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
