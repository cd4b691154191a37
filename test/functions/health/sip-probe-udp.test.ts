import { describe, expect, it } from 'vitest';
import { probeSip } from '../../../functions/health/sip/probe.js';
import {
  ANSWERED,
  answer,
  closedPort,
  idsOfRequest,
  responseFor,
  type Script,
  startUdpPeer,
  withPeer,
} from './sip-fixtures.js';

// Scripted loopback peers drive the protocol edge cases Kamailio cannot be made to produce
// (stray and late datagrams, garbage); test/integration/health runs the probe against Kamailio.

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
