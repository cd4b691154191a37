import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSip } from '../../../functions/health/sip/probe.js';
import { createSelfSignedCertificate } from '../../../local/kamailio/support.js';
import {
  idsOfRequest,
  type Peer,
  responseFor,
  type Script,
  startStreamPeer,
  startUdpPeer,
} from './sip-fixtures.js';

// Scripted loopback peers drive the protocol edge cases Kamailio cannot be made to produce
// (stray and late datagrams, garbage, split writes); test/integration/health runs against Kamailio.

const answer =
  (...statuses: number[]): Script =>
  (request) =>
    statuses.map((status) => responseFor(idsOfRequest(request), { status }));

async function withPeer<T>(peer: Peer, run: (peer: Peer) => Promise<T>): Promise<T> {
  try {
    return await run(peer);
  } finally {
    await peer.close();
  }
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** For probes that expect an answer: generous, so that a loaded machine cannot turn an answer into a timeout. */
const ANSWERED = { probeTimeoutMs: 5000 } as const;

const openHandles = (type: string) => process.getActiveResourcesInfo().filter((t) => t === type).length;

describe('probeSip over UDP', () => {
  it.each([
    ['up on 200', answer(200), {}, { up: true, status: 200, reason: 'ok' }],
    ['down with the status on 503', answer(503), {}, { up: false, status: 503, reason: 'status' }],
    ['down with the status on 408', answer(408), {}, { up: false, status: 408, reason: 'status' }],
    ['down with the status on 603', answer(603), {}, { up: false, status: 603, reason: 'status' }],
    ['down on 404 without extra codes', answer(404), {}, { up: false, status: 404, reason: 'status' }],
    [
      'up on 404 listed as an extra code',
      answer(404),
      { extraUpStatusCodes: [404] },
      { up: true, status: 404 },
    ],
    ['up on 200 after 100 and 180', answer(100, 180, 200), {}, { up: true, status: 200, reason: 'ok' }],
  ])('reports %s', async (_, script, options, expected) => {
    await withPeer(await startUdpPeer(script), async (peer) => {
      // Act
      const result = await probeSip(
        { host: '127.0.0.1', port: peer.port, transport: 'udp' },
        { ...ANSWERED, ...options },
      );

      // Assess
      expect(result).toMatchObject(expected);
      expect(result.rttMs).toBeGreaterThanOrEqual(0);
    });
  });

  it('ignores stray answers with a wrong branch, Call-ID or CSeq and takes the genuine one after them', async () => {
    // Prepare
    const script: Script = (request) => {
      const ids = idsOfRequest(request);
      return [
        responseFor(ids, { status: 503, branch: 'z9hG4bKsomeoneelse' }),
        responseFor(ids, { status: 503, callId: 'other-call' }),
        responseFor(ids, { status: 503, cseq: ids.cseq + 1 }),
        responseFor(ids, { status: 200 }),
      ];
    };

    await withPeer(await startUdpPeer(script), async (peer) => {
      // Act
      const result = await probeSip({ host: '127.0.0.1', port: peer.port, transport: 'udp' }, ANSWERED);

      // Assess
      expect(result).toMatchObject({ up: true, status: 200, reason: 'ok' });
    });
  });

  it('fails with timeout when the only answer is a late 200 to an earlier probe', async () => {
    // Prepare: the peer answers every request with the identifiers of the first one.
    let first: Buffer | undefined;
    const script: Script = (request) => {
      first ??= request;
      return [responseFor(idsOfRequest(first), { status: 200 })];
    };

    await withPeer(await startUdpPeer(script), async (peer) => {
      const target = { host: '127.0.0.1', port: peer.port, transport: 'udp' } as const;
      await probeSip(target);

      // Act
      const result = await probeSip(target, { probeTimeoutMs: 200 });

      // Assess
      expect(peer.requests).toHaveLength(2);
      expect(result).toEqual({ up: false, status: null, reason: 'timeout', rttMs: null });
    });
  });

  it.each([
    ['only provisional answers arrive', answer(100, 183), 'timeout'],
    ['nothing comes back', () => [], 'timeout'],
    [
      'only garbage comes back',
      () => ['HTTP/1.1 200 OK\r\n\r\n', Buffer.from([0, 255, 13, 10])],
      'unparseable',
    ],
  ] as const)('fails with %s -> %s', async (_, script, reason) => {
    await withPeer(await startUdpPeer(script), async (peer) => {
      // Act
      const result = await probeSip(
        { host: '127.0.0.1', port: peer.port, transport: 'udp' },
        { probeTimeoutMs: 200 },
      );

      // Assess
      expect(result).toMatchObject({ up: false, status: null, reason, rttMs: null });
    });
  });

  it('takes a genuine answer that follows garbage', async () => {
    // Prepare
    const script: Script = (request) => ['garbage', responseFor(idsOfRequest(request), { status: 503 })];

    await withPeer(await startUdpPeer(script), async (peer) => {
      // Act
      const result = await probeSip({ host: '127.0.0.1', port: peer.port, transport: 'udp' }, ANSWERED);

      // Assess
      expect(result).toMatchObject({ up: false, status: 503, reason: 'status' });
    });
  });

  it('rejects a closed port as refused (ICMP port unreachable on a connected socket)', async () => {
    // Act
    const result = await probeSip(
      { host: '127.0.0.1', port: await closedPort(), transport: 'udp' },
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

  it('leaves no UDP socket open after answers, timeouts and refusals', async () => {
    // Prepare
    const before = openHandles('UDPWrap');

    await withPeer(await startUdpPeer(answer(200)), async (peer) => {
      // Act
      await probeSip({ host: '127.0.0.1', port: peer.port, transport: 'udp' });
      await probeSip({ host: '127.0.0.1', port: await closedPort(), transport: 'udp' });
      await probeSip({ host: '127.0.0.1', port: peer.port, transport: 'udp' }, { probeTimeoutMs: 1 });
      await new Promise((resolve) => setImmediate(resolve));

      // Assess: only the peer's own socket is left.
      expect(openHandles('UDPWrap')).toBe(before + 1);
    });
  });
});

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
