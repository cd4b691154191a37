import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type HttpFront,
  type HttpRoute,
  type Invoke,
  startHttpFront,
} from '../../../local/aws/http-front.js';
import { createSelfSignedCertificate } from '../../../local/kamailio/support.js';
import type { InvokeResult } from '../../../local/lambda/runtime.js';

const HOST = '127.0.0.1';
const DOMAIN = 'abc123.execute-api.us-east-1.local';

const fronts: HttpFront[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((f) => f.close()));
});

async function front(routes: readonly HttpRoute[], options: { integrationTimeoutMs?: number } = {}) {
  const started = await startHttpFront(routes, { host: HOST, domainName: DOMAIN, ...options });
  fronts.push(started);
  return started;
}

/** An invoke that records the events it receives and answers `result`. */
function recording(result: InvokeResult = { ok: true, value: { statusCode: 204 } }) {
  const events: Record<string, unknown>[] = [];
  const invoke: Invoke = async (event) => {
    events.push(event as Record<string, unknown>);
    return result;
  };
  return { events, invoke };
}

describe('startHttpFront request event', () => {
  it('hands the function a payload 2.0 event with the route, path, query, headers and JSON body', async () => {
    // Prepare
    const { events, invoke } = recording();
    const api = await front([{ routeKey: 'POST /contexts/{token}', invoke }]);
    // Act
    const response = await fetch(`${api.url}contexts/a%20b?x=1&x=2&y=z`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Trace-Id': 'T-1' },
      body: JSON.stringify({ hello: 'wörld' }),
    });
    // Assess
    expect(response.status).toBe(204);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      version: '2.0',
      routeKey: 'POST /contexts/{token}',
      rawPath: '/contexts/a%20b',
      rawQueryString: 'x=1&x=2&y=z',
      headers: { 'content-type': 'application/json', 'x-trace-id': 'T-1' },
      queryStringParameters: { x: '1,2', y: 'z' },
      pathParameters: { token: 'a b' },
      requestContext: {
        domainName: DOMAIN,
        routeKey: 'POST /contexts/{token}',
        stage: '$default',
        http: { method: 'POST', path: '/contexts/a%20b' },
      },
      body: '{"hello":"wörld"}',
      isBase64Encoded: false,
    });
  });

  it('leaves out query and path parameters and the body when the request has none', async () => {
    // Prepare
    const { events, invoke } = recording();
    const api = await front([{ routeKey: 'GET /health', invoke }]);
    // Act
    await fetch(`${api.url}health`);
    // Assess
    expect(events[0]).toMatchObject({ rawQueryString: '', isBase64Encoded: false });
    expect(events[0]).not.toHaveProperty('queryStringParameters');
    expect(events[0]).not.toHaveProperty('pathParameters');
    expect(events[0]).not.toHaveProperty('body');
  });

  it('base64-encodes a body that is not UTF-8', async () => {
    // Prepare
    const { events, invoke } = recording();
    const api = await front([{ routeKey: '$default', invoke }]);
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41]);
    // Act
    await fetch(`${api.url}upload`, { method: 'PUT', body: bytes });
    // Assess
    expect(events[0]).toMatchObject({
      routeKey: '$default',
      isBase64Encoded: true,
      body: bytes.toString('base64'),
    });
  });
});

describe('startHttpFront answer', () => {
  it.each<[string, InvokeResult, number, string, Record<string, string>]>([
    [
      'sends a statusCode answer as is',
      {
        ok: true,
        value: { statusCode: 201, headers: { 'content-type': 'text/plain', 'x-id': 'c-1' }, body: 'made' },
      },
      201,
      'made',
      { 'content-type': 'text/plain', 'x-id': 'c-1' },
    ],
    [
      'decodes an isBase64Encoded body',
      {
        ok: true,
        value: { statusCode: 200, body: Buffer.from('hello').toString('base64'), isBase64Encoded: true },
      },
      200,
      'hello',
      {},
    ],
    ['sends an empty body when the answer has none', { ok: true, value: { statusCode: 304 } }, 304, '', {}],
    [
      'sends an answer without statusCode as a 200 JSON body',
      { ok: true, value: { contexts: 2, ok: true } },
      200,
      '{"contexts":2,"ok":true}',
      { 'content-type': 'application/json' },
    ],
    [
      'answers 500 for a failed invocation',
      { ok: false, errorType: 'Runtime.ExitError', errorMessage: 'environment exited' },
      500,
      '{"message":"Internal Server Error"}',
      { 'content-type': 'application/json' },
    ],
    [
      'answers 500 for an error the function threw',
      { ok: false, errorType: 'TypeError', errorMessage: 'x is undefined' },
      500,
      '{"message":"Internal Server Error"}',
      {},
    ],
    [
      'answers 429 for a throttled invocation',
      { ok: false, errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' },
      429,
      '{"message":"Too Many Requests"}',
      { 'content-type': 'application/json' },
    ],
  ])('%s', async (_, result, status, body, headers) => {
    // Prepare
    const api = await front([{ routeKey: 'GET /thing', invoke: recording(result).invoke }]);
    // Act
    const response = await fetch(`${api.url}thing`);
    // Assess
    expect(response.status).toBe(status);
    expect(await response.text()).toBe(body);
    for (const [name, value] of Object.entries(headers)) expect(response.headers.get(name)).toBe(value);
  });

  it('answers 404 without invoking anything when no route matches', async () => {
    // Prepare
    const { events, invoke } = recording();
    const api = await front([{ routeKey: 'GET /thing', invoke }]);
    // Act
    const response = await fetch(`${api.url}other`);
    // Assess
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
    expect(events).toHaveLength(0);
  });

  it('rejects a malformed percent-escape in a path parameter with 400, without invoking', async () => {
    // Prepare
    const invoke = vi.fn<Invoke>(async () => ({ ok: true, value: {} }));
    const api = await front([{ routeKey: 'GET /contexts/{token}', invoke }]);
    // Act
    const response = await fetch(`${api.url}contexts/%ZZ`);
    // Assess
    expect(response.status).toBe(400);
    expect(invoke).not.toHaveBeenCalled();
  });

  it('answers 503 when the function does not answer within the integration timeout', async () => {
    // Prepare
    const invoke = vi.fn<Invoke>(() => new Promise<InvokeResult>(() => undefined));
    const api = await front([{ routeKey: 'GET /slow', invoke }], { integrationTimeoutMs: 100 });
    // Act
    const response = await fetch(`${api.url}slow`);
    // Assess
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: 'Service Unavailable' });
    expect(invoke).toHaveBeenCalledOnce();
  });
});

describe('startHttpFront over HTTPS', () => {
  it('serves HTTPS with the given certificate', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'http-front-'));
    try {
      const certificate = await createSelfSignedCertificate(dir);
      const tls = {
        cert: certificate.certificatePem,
        key: await readFile(certificate.privateKeyFile, 'utf8'),
      };
      const url = await startHttpFront(
        [{ routeKey: '$default', invoke: recording({ ok: true, value: { healthy: true } }).invoke }],
        { host: HOST, domainName: 'fn.lambda-url.us-east-1.on.aws', tls },
      );
      fronts.push(url);
      // Act
      const answer = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
        const req = request(`${url.url}health`, { ca: certificate.certificatePem }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }),
          );
        });
        req.on('error', reject);
        req.end();
      });
      // Assess
      expect(url.url).toBe(`https://${HOST}:${url.port}/`);
      expect(answer).toEqual({ status: 200, body: '{"healthy":true}' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
