import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { probeSip } from '../../../functions/health/sip/probe.js';
import type { ProbeOptions, SipTransport } from '../../../functions/health/sip/types.js';
import type { EdgeReply } from '../../../local/sip/edge.js';
import { HISTORY_LIMIT, type SipResponder, startSipResponder } from '../../../local/sip/responder.js';
import { sipRequest, tcpClient } from './raw-client.js';

/** Generous for answers, so that a loaded machine cannot turn an answer into a timeout. */
const ANSWERED: ProbeOptions = { probeTimeoutMs: 5000 };
const transports: SipTransport[] = ['udp', 'tcp'];

describe('startSipResponder', () => {
  let responder: SipResponder;
  const probe = (transport: SipTransport, options: ProbeOptions = ANSWERED) =>
    probeSip({ host: responder.host, port: responder.port, transport }, options);

  beforeAll(async () => {
    responder = await startSipResponder();
  });

  afterAll(async () => {
    await responder?.stop();
  });

  beforeEach(async () => {
    await responder.setReply(200);
  });

  it.each(
    transports.flatMap((transport) =>
      [
        [200, {}, { up: true, status: 200, reason: 'ok' }],
        [503, {}, { up: false, status: 503, reason: 'status' }],
        [404, {}, { up: false, status: 404, reason: 'status' }],
        [404, { extraUpStatusCodes: [404] }, { up: true, status: 404, reason: 'ok' }],
        [408, {}, { up: false, status: 408, reason: 'status' }],
        [480, {}, { up: false, status: 480, reason: 'status' }],
        [500, {}, { up: false, status: 500, reason: 'status' }],
        [603, {}, { up: false, status: 603, reason: 'status' }],
      ].map(([status, options, expected]) => [transport, status, options, expected] as const),
    ),
  )(
    'answers a probe over %s with %i (options %j) so that it reports %j',
    async (transport, status, options, expected) => {
      // Prepare
      await responder.setReply(status as number);

      // Act
      const result = await probe(transport, { ...ANSWERED, ...(options as ProbeOptions) });

      // Assess
      expect(result).toMatchObject(expected as object);
      expect(result.rttMs).toBeGreaterThanOrEqual(0);
    },
  );

  it.each(transports)('fails the probe over %s with timeout while silent', async (transport) => {
    // Prepare
    await responder.setReply('silent');

    // Act
    const result = await probe(transport, { probeTimeoutMs: 200 });

    // Assess
    expect(result).toEqual({ up: false, status: null, reason: 'timeout', rttMs: null });
  });

  it.each(transports)(
    'fails the probe over %s with timeout when the answer is slower than it',
    async (transport) => {
      // Prepare
      await responder.setReply({ status: 200, delayMs: 600 });

      // Act
      const result = await probe(transport, { probeTimeoutMs: 150 });

      // Assess
      expect(result).toEqual({ up: false, status: null, reason: 'timeout', rttMs: null });
    },
  );

  it.each(transports)(
    'answers slowly over %s, within the probe timeout, after the delay',
    async (transport) => {
      // Prepare
      const delayMs = 120;
      await responder.setReply({ status: 200, delayMs });

      // Act
      const result = await probe(transport);

      // Assess
      expect(result).toMatchObject({ up: true, status: 200, reason: 'ok' });
      // Node's timers count whole milliseconds of the cached loop clock, so one may fire up to 1 ms early.
      expect(result.rttMs).toBeGreaterThanOrEqual(delayMs - 1);
    },
  );

  it.each(transports)('applies each setReply to the next probe over %s', async (transport) => {
    // Act
    const first = await probe(transport);
    await responder.setReply(503);
    const second = await probe(transport);
    await responder.setReply({ status: 480, delayMs: 10 });
    const third = await probe(transport);
    await responder.setReply(200);
    const fourth = await probe(transport);

    // Assess
    expect([first, second, third, fourth].map((r) => r.status)).toEqual([200, 503, 480, 200]);
  });

  it.each([
    [99, '99'],
    [700, '700'],
    [200.5, '200.5'],
    [Number.NaN, 'NaN'],
    ['loud', "'loud'"],
    [{ status: 200, delayMs: -1 }, '{"status":200,"delayMs":-1}'],
    [{ status: 99, delayMs: 10 }, '{"status":99,"delayMs":10}'],
    [{ status: 200 }, '{"status":200}'],
    [{ status: 200, delayMs: Number.POSITIVE_INFINITY }, '{"status":200,"delayMs":null}'],
  ])(
    'rejects setReply(%j) with a RangeError naming the value, and keeps the old reply',
    async (mode, named) => {
      // Act
      const attempt = responder.setReply(mode as unknown as EdgeReply);

      // Assess
      await expect(attempt).rejects.toThrow(RangeError);
      await expect(attempt).rejects.toThrow(`reply ${named} is not`);
      expect(await probe('udp')).toMatchObject({ up: true, status: 200 });
    },
  );

  it('rejects a start with an invalid initial reply or port', async () => {
    // Act + Assess
    await expect(startSipResponder({ initialReply: 700 })).rejects.toThrow(RangeError);
    await expect(startSipResponder({ port: 70_000 })).rejects.toThrow('port 70000 is not a port number');
  });

  it('records each OPTIONS with its time, transport and reply, and leaves other methods out', async () => {
    // Prepare
    const own = await startSipResponder({ initialReply: 503 });
    const before = Date.now();
    try {
      // Act
      await probeSip({ host: own.host, port: own.port, transport: 'udp' }, ANSWERED);
      await own.setReply('silent');
      await probeSip({ host: own.host, port: own.port, transport: 'tcp' }, { probeTimeoutMs: 100 });
      await own.setReply({ status: 200, delayMs: 5 });
      await probeSip({ host: own.host, port: own.port, transport: 'tcp' }, ANSWERED);
      const client = await tcpClient(own.port);
      await client.write(sipRequest({ method: 'INVITE' }));
      await client.responses(1);
      client.socket.destroy();

      // Assess
      const history = own.history();
      expect(history.map(({ transport, reply }) => ({ transport, reply }))).toEqual([
        { transport: 'udp', reply: 503 },
        { transport: 'tcp', reply: 'silent' },
        { transport: 'tcp', reply: 200 },
      ]);
      for (const { at } of history) expect(at).toBeGreaterThanOrEqual(before);
      expect(history[2]?.at).toBeLessThanOrEqual(Date.now());
    } finally {
      await own.stop();
    }
  });

  it(`keeps only the last ${HISTORY_LIMIT} requests`, async () => {
    // Prepare: one connection, so none of the requests can be lost on the way.
    const own = await startSipResponder({ initialReply: 503 });
    const client = await tcpClient(own.port);
    try {
      await client.write(sipRequest().repeat(50));
      await client.responses(50);
      await own.setReply(200);

      // Act
      await client.write(sipRequest().repeat(HISTORY_LIMIT));
      await client.responses(HISTORY_LIMIT, 60_000);

      // Assess
      const history = own.history();
      expect(history).toHaveLength(HISTORY_LIMIT);
      expect(history.every((entry) => entry.reply === 200)).toBe(true);
    } finally {
      client.socket.destroy();
      await own.stop();
    }
  });
});

describe('SipResponder.stop', () => {
  it('frees the UDP and TCP port for a new bind, closes open connections, and can be called twice', async () => {
    // Prepare
    const responder = await startSipResponder();
    const client = await tcpClient(responder.port);

    // Act
    await responder.stop();
    await responder.stop();

    // Assess
    await client.closed;
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: responder.host, port: responder.port, exclusive: true }, resolve);
    });
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: responder.host, port: responder.port, exclusive: true }, resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  });

  it('fails a probe once stopped (refused), and sends no slow answer that was still pending', async () => {
    // Prepare: stop once the request has arrived, well before its answer is due.
    const responder = await startSipResponder({ initialReply: { status: 200, delayMs: 1500 } });
    const target = { host: responder.host, port: responder.port, transport: 'udp' } as const;
    const pending = probeSip(target, { probeTimeoutMs: 2000 });
    while (responder.history().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    // Act
    await responder.stop();

    // Assess
    expect(await pending).toMatchObject({ up: false, reason: 'timeout' });
    expect(await probeSip(target, { probeTimeoutMs: 1000 })).toMatchObject({ up: false, reason: 'refused' });
  });

  it('binds to another 127/8 address than 127.0.0.1', async () => {
    // Prepare
    const responder = await startSipResponder({ host: '127.0.2.2', initialReply: 503 });
    try {
      // Act
      const results = await Promise.all(
        transports.map((transport) =>
          probeSip({ host: '127.0.2.2', port: responder.port, transport }, ANSWERED),
        ),
      );

      // Assess
      expect(results.map((r) => r.status)).toEqual([503, 503]);
    } finally {
      await responder.stop();
    }
  });
});
