import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { probeSip } from '../../../functions/health/sip/probe.js';
import type { SipTransport } from '../../../functions/health/sip/types.js';
import { type SipResponder, startSipResponder } from '../../../local/sip/responder.js';
import { parsed, sipRequest, tcpClient, type UdpClient, udpClient } from './raw-client.js';

// The bytes on the wire, written and read by hand: what probeSip never sends (other methods, several
// requests per connection, split writes, garbage) and what it does not check (the copied headers).

describe('SipResponder on the wire', () => {
  let responder: SipResponder;
  let client: UdpClient;
  const viaTo = (port: number) => [`SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKwire;rport`];
  const probeUp = async (transport: SipTransport) =>
    probeSip({ host: responder.host, port: responder.port, transport }, { probeTimeoutMs: 5000 });

  beforeAll(async () => {
    responder = await startSipResponder();
    client = await udpClient();
  });

  afterAll(async () => {
    await client?.close();
    await responder?.stop();
  });

  beforeEach(async () => {
    await responder.setReply(200);
  });

  it('copies all Via values in order, From, Call-ID and CSeq, and adds a To tag (RFC 3261 8.2.6)', async () => {
    // Prepare
    const via = [
      ...viaTo(client.port),
      'SIP/2.0/TCP proxy.example.com;branch=z9hG4bKb, SIP/2.0/UDP 10.0.0.1',
    ];
    const request = sipRequest({
      via,
      callId: 'abc@host',
      cseq: '4711 OPTIONS',
      from: '"A" <sip:a@x>;tag=9',
    });

    // Act
    await client.send(request, responder.port);
    const response = parsed((await client.next()) ?? '');

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('via')).toEqual(via);
    expect(response.headers.get('from')).toEqual(['"A" <sip:a@x>;tag=9']);
    expect(response.headers.get('call-id')).toEqual(['abc@host']);
    expect(response.headers.get('cseq')).toEqual(['4711 OPTIONS']);
    expect(response.headers.get('to')?.[0]).toMatch(/^<sip:probe@127\.0\.0\.1>;tag=[0-9a-f]{16}$/);
    expect(response.headers.get('content-length')).toEqual(['0']);
  });

  it.each([
    ['<sip:probe@127.0.0.1>;tag=keep', '<sip:probe@127.0.0.1>;tag=keep'],
    ['sip:probe@127.0.0.1;tag=keep', 'sip:probe@127.0.0.1;tag=keep'],
  ])('keeps the To tag of %s and adds none', async (to, expected) => {
    // Act
    await client.send(sipRequest({ to, via: viaTo(client.port) }), responder.port);
    const response = parsed((await client.next()) ?? '');

    // Assess
    expect(response.headers.get('to')).toEqual([expected]);
  });

  it('answers at the sent-by port when the top Via has no rport (RFC 3261 18.2.2), as sipsak needs', async () => {
    // Prepare
    const listener = await udpClient();
    try {
      const via = [`SIP/2.0/UDP 127.0.0.1:${listener.port};branch=z9hG4bKsentby`];

      // Act
      await client.send(sipRequest({ via }), responder.port);

      // Assess
      expect(parsed((await listener.next()) ?? '').status).toBe(200);
      expect(await client.next(100)).toBeNull();
    } finally {
      await listener.close();
    }
  });

  it.each(['INVITE', 'REGISTER', 'options'])('fails %s with 501 Not Implemented', async (method) => {
    // Act
    await client.send(sipRequest({ method, via: viaTo(client.port) }), responder.port);
    const response = parsed((await client.next()) ?? '');

    // Assess
    expect(response.status).toBe(501);
    expect(response.reasonPhrase).toBe('Not Implemented');
    expect(response.headers.get('cseq')).toEqual([`1 ${method}`]);
  });

  it('never answers ACK', async () => {
    // Act
    await client.send(sipRequest({ method: 'ACK', via: viaTo(client.port) }), responder.port);
    await client.send(sipRequest({ callId: 'after-ack', via: viaTo(client.port) }), responder.port);

    // Assess: the first answer is the one to the OPTIONS that followed the ACK.
    expect(parsed((await client.next()) ?? '').headers.get('call-id')).toEqual(['after-ack']);
  });

  it('answers several requests on one TCP connection, split anywhere, with bodies, in order', async () => {
    // Prepare
    const tcp = await tcpClient(responder.port);
    const via = ['SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKtcp'];
    const bytes = Buffer.from(
      [
        sipRequest({ via, callId: 'one' }),
        '\r\n\r\n', // keep-alive (RFC 5626 4.4.1) between messages
        sipRequest({ via, callId: 'two', body: 'v=0\r\n\r\nnot headers' }),
        sipRequest({ via, callId: 'three', method: 'MESSAGE' }),
      ].join(''),
    );

    // Act: the first two in one write, the rest a few bytes at a time.
    const cut = bytes.indexOf('three') - 40;
    await tcp.write(bytes.subarray(0, cut));
    for (let i = cut; i < bytes.length; i += 7) {
      await tcp.write(bytes.subarray(i, i + 7));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const responses = (await tcp.responses(3)).map(parsed);
    tcp.socket.destroy();

    // Assess
    expect(responses.map((r) => [r.headers.get('call-id')?.[0], r.status])).toEqual([
      ['one', 200],
      ['two', 200],
      ['three', 501],
    ]);
  });

  it('ignores garbage datagrams and still answers afterwards', async () => {
    // Prepare
    const garbage = [
      ...fc.sample(fc.uint8Array({ maxLength: 1500 }), { numRuns: 200, seed: 42 }),
      Buffer.from('OPTIONS sip:x SIP/2.0\r\nVia SIP/2.0/UDP 127.0.0.1\r\n\r\n'),
      Buffer.from('OPTIONS sip:x SIP/2.0\r\nCall-ID: no-via\r\n\r\n'),
      Buffer.from(`SIP/2.0 200 OK\r\nVia: ${viaTo(client.port)[0]}\r\nContent-Length: 0\r\n\r\n`),
      Buffer.from(sipRequest({ via: viaTo(client.port), cseq: 'abc OPTIONS' })),
      Buffer.alloc(0),
      Buffer.from('\r\n\r\n'),
    ];

    // Act
    for (const datagram of garbage) await client.send(datagram, responder.port);

    // Assess
    expect(await probeUp('udp')).toMatchObject({ up: true, status: 200 });
    expect(await client.next(100)).toBeNull();
  });

  it.each([
    ['binary noise', fc.sample(fc.uint8Array({ minLength: 1, maxLength: 4000 }), { numRuns: 20, seed: 7 })],
    ['a request without Content-Length', [Buffer.from('OPTIONS sip:x SIP/2.0\r\nCall-ID: a\r\n\r\n')]],
    ['a header block beyond 16 KiB', [Buffer.from(`OPTIONS sip:x SIP/2.0\r\nX: ${'a'.repeat(20_000)}`)]],
  ])('closes a TCP connection that sends %s and still answers others', async (_, chunks) => {
    // Prepare
    const tcp = await tcpClient(responder.port);

    // Act
    for (const chunk of chunks) {
      if (tcp.socket.destroyed) break;
      await tcp.write(chunk).catch(() => undefined);
    }
    await tcp.write(sipRequest()).catch(() => undefined);

    // Assess
    await tcp.closed;
    expect(await probeUp('tcp')).toMatchObject({ up: true, status: 200 });
  });

  it('echoes Via, From, Call-ID and CSeq for any well-formed values, over UDP and TCP', async () => {
    // Prepare
    const token = fc.string({ unit: fc.constantFrom(..."abcXYZ019-.!%*_+`'~"), minLength: 1, maxLength: 12 });
    const word = fc.string({ unit: fc.constantFrom(...'abcXYZ019-.!%*_+`\'~()<>:\\"/[]?{}'), minLength: 1 });
    const host = fc.constantFrom('10.0.0.7', 'proxy.example.com', '[2001:db8::1]', 'h');
    const lowerVia = fc
      .tuple(
        fc.constantFrom('UDP', 'TCP', 'TLS'),
        host,
        fc.option(fc.integer({ min: 1, max: 65_535 })),
        token,
      )
      .map(([t, h, p, b]) => `SIP/2.0/${t} ${h}${p === null ? '' : `:${p}`};branch=z9hG4bK${b}`);
    const arbitrary = fc.record({
      transport: fc.constantFrom<SipTransport>('udp', 'tcp'),
      params: fc.array(fc.tuple(token, fc.option(token)), { maxLength: 3 }),
      lower: fc.array(fc.array(lowerVia, { minLength: 1, maxLength: 3 }), { maxLength: 3 }),
      callId: fc.tuple(word, fc.option(word)).map(([a, b]) => (b === null ? a : `${a}@${b}`)),
      seq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fromTag: token,
    });

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ transport, params, lower, callId, seq, fromTag }) => {
        const extra = params.map(([name, value]) => `;${name}${value === null ? '' : `=${value}`}`).join('');
        const top = `SIP/2.0/${transport.toUpperCase()} 127.0.0.1:${client.port};branch=z9hG4bKtop${extra};rport`;
        const via = [top, ...lower.map((group) => group.join(', '))];
        const from = `<sip:f@x>;tag=${fromTag}`;
        const request = sipRequest({ via, callId, cseq: `${seq} OPTIONS`, from });
        let raw: Buffer | string | null;
        if (transport === 'udp') {
          await client.send(request, responder.port);
          raw = await client.next();
        } else {
          const tcp = await tcpClient(responder.port);
          await tcp.write(request);
          [raw = null] = await tcp.responses(1);
          tcp.socket.destroy();
        }
        const response = parsed(raw ?? '');
        expect(response.headers.get('via')).toEqual(via);
        expect(response.headers.get('from')).toEqual([from]);
        expect(response.headers.get('call-id')).toEqual([callId]);
        expect(response.headers.get('cseq')).toEqual([`${seq} OPTIONS`]);
      }),
      { numRuns: 100 },
    );
  });
});
