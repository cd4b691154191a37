import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSip } from '../../../functions/health/sip/probe.js';
import { createSelfSignedCertificate } from '../../../local/kamailio/support.js';
import {
  ANSWERED,
  answer,
  closedPort,
  idsOfRequest,
  responseFor,
  type Script,
  startStreamPeer,
  withPeer,
} from './sip-fixtures.js';

// Scripted loopback peers drive what Kamailio cannot be made to produce (split writes, missing
// Content-Length, early close); test/integration/health runs the probe against Kamailio.

describe('probeSip over TCP', () => {
  it('reads a response that arrives in many small writes after CRLF keep-alives', async () => {
    // Prepare
    const script: Script = (request) => {
      const text = `\r\n\r\n${responseFor(idsOfRequest(request), { status: 200, body: 'v=0\r\n' })}`;
      return text.match(/[\s\S]{1,7}/g) ?? [];
    };

    await withPeer(await startStreamPeer(script), async (peer) => {
      // Act
      const result = await probeSip({ host: '127.0.0.1', port: peer.port, transport: 'tcp' }, ANSWERED);

      // Assess
      expect(result).toMatchObject({ up: true, status: 200, reason: 'ok' });
      expect(peer.requests[0]?.toString()).toMatch(
        /^OPTIONS sip:127\.0\.0\.1:\d+;transport=tcp SIP\/2\.0\r\n/,
      );
    });
  });

  it('reads 100 Trying and the final 200 from one write', async () => {
    // Prepare
    const script: Script = (request) => [answer(100, 200)(request, 0).join('')];

    await withPeer(await startStreamPeer(script), async (peer) => {
      // Act
      const result = await probeSip({ host: '127.0.0.1', port: peer.port, transport: 'tcp' }, ANSWERED);

      // Assess
      expect(result).toMatchObject({ up: true, status: 200, reason: 'ok' });
    });
  });

  it('closes its connection once the answer is in', async () => {
    const peer = await startStreamPeer(answer(200));
    await withPeer(peer, async () => {
      // Act
      await probeSip({ host: '127.0.0.1', port: peer.port, transport: 'tcp' }, ANSWERED);

      // Assess: resolves only when the probe has closed the connection it opened.
      await peer.allClosed();
      expect(peer.requests).toHaveLength(1);
    });
  });

  it.each([
    [
      'a response without Content-Length',
      (request: Buffer) => [responseFor(idsOfRequest(request), { status: 200, withoutContentLength: true })],
      false,
      { reason: 'unparseable', detail: 'no Content-Length on a stream transport' },
    ],
    [
      'bytes that are not SIP',
      () => ['HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'],
      false,
      { reason: 'unparseable' },
    ],
    ['a close without an answer', () => [], true, { reason: 'error', detail: 'ECLOSED' }],
  ] as const)('fails on %s', async (_, script, closeAfter, expected) => {
    await withPeer(await startStreamPeer(script, { closeAfter }), async (peer) => {
      // Act
      const result = await probeSip({ host: '127.0.0.1', port: peer.port, transport: 'tcp' }, ANSWERED);

      // Assess
      expect(result).toMatchObject({ up: false, status: null, rttMs: null, ...expected });
    });
  });

  it('rejects a closed port as refused', async () => {
    // Act
    const result = await probeSip(
      { host: '127.0.0.1', port: await closedPort(), transport: 'tcp' },
      ANSWERED,
    );

    // Assess
    expect(result).toEqual({
      up: false,
      status: null,
      reason: 'refused',
      rttMs: null,
      detail: 'ECONNREFUSED',
    });
  });
});

describe('probeSip over TLS', () => {
  let dir = '';
  let cert = '';
  let key = '';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sip-tls-'));
    const made = await createSelfSignedCertificate(dir);
    cert = made.certificatePem;
    key = await readFile(made.privateKeyFile, 'utf8');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['up when the certificate is trusted through `ca`', () => ({ ca: cert }), { up: true, reason: 'ok' }],
    ['up with rejectUnauthorized false', () => ({ rejectUnauthorized: false }), { up: true, reason: 'ok' }],
    [
      'fails on an untrusted certificate by default',
      () => ({}),
      { up: false, reason: 'error', detail: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
    ],
    [
      'fails when the certificate does not name the server',
      () => ({ ca: cert, servername: 'edge.example.com' }),
      { up: false, reason: 'error', detail: 'ERR_TLS_CERT_ALTNAME_INVALID' },
    ],
  ])('reports %s', async (_, tls, expected) => {
    await withPeer(await startStreamPeer(answer(200), { secure: { cert, key } }), async (peer) => {
      // Act
      const result = await probeSip(
        { host: '127.0.0.1', port: peer.port, transport: 'tls' },
        { ...ANSWERED, tls: tls() },
      );

      // Assess
      expect(result).toMatchObject(expected);
      expect(peer.requests.every((r) => r.toString().includes('Via: SIP/2.0/TLS '))).toBe(true);
    });
  });
});

describe('probeSip with bad input', () => {
  it.each([
    ['a TCP port out of range', { host: '127.0.0.1', port: 70000, transport: 'tcp' }, {}],
    ['a zero timeout', { host: '127.0.0.1', port: 5060, transport: 'udp' }, { probeTimeoutMs: 0 }],
    ['a UDP port out of range', { host: '127.0.0.1', port: 70000, transport: 'udp' }, {}],
  ] as const)('fails with reason error instead of throwing on %s', async (_, target, options) => {
    // Act
    const result = await probeSip(target, options);

    // Assess
    expect(result).toMatchObject({ up: false, status: null, reason: 'error', rttMs: null });
  });
});
