import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { parseHeaderBlock } from '../../../functions/health/sip/parse.js';
import type { ProbeIds } from '../../../functions/health/sip/types.js';

export const IDS: ProbeIds = {
  branch: 'z9hG4bK5f3a9c1e77d04b2a',
  callId: 'a84b4c76e66710@pc33',
  fromTag: '1928301774',
  cseq: 314159,
};

export interface ResponseSpec {
  readonly status: number;
  readonly reason?: string;
  readonly branch?: string;
  readonly callId?: string;
  readonly cseq?: number;
  readonly method?: string;
  readonly body?: string;
  /** Leave Content-Length out (allowed on UDP, not on a stream). */
  readonly withoutContentLength?: boolean;
}

/** A response to the probe identified by `ids`, with any identifier overridden by `spec`. */
export function responseFor(ids: ProbeIds, spec: ResponseSpec): string {
  const body = spec.body ?? '';
  const lines = [
    `SIP/2.0 ${spec.status} ${spec.reason ?? 'Reason'}`,
    `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=${spec.branch ?? ids.branch};rport=5070;received=127.0.0.1`,
    `From: "cc-continuity" <sip:health@cc-continuity.invalid>;tag=${ids.fromTag}`,
    'To: <sip:127.0.0.1:5060>;tag=as7d8f9',
    `Call-ID: ${spec.callId ?? ids.callId}`,
    `CSeq: ${spec.cseq ?? ids.cseq} ${spec.method ?? 'OPTIONS'}`,
    ...(spec.withoutContentLength ? [] : [`Content-Length: ${Buffer.byteLength(body)}`]),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** The identifiers a UAS reads off an incoming OPTIONS, to answer it like a real one would. */
export function idsOfRequest(request: Buffer | string): ProbeIds {
  const text = request.toString();
  const block = parseHeaderBlock(text.slice(0, text.indexOf('\r\n\r\n')));
  if (!block.ok) throw new Error(`test peer got an unparseable request: ${block.error}`);
  const via = block.headers.get('via')?.[0] ?? '';
  const [seq] = (block.headers.get('cseq')?.[0] ?? '').split(' ');
  return {
    branch: /branch=([^;,\s]+)/.exec(via)?.[1] ?? '',
    callId: block.headers.get('call-id')?.[0] ?? '',
    fromTag: /tag=([^;\s]+)/.exec(block.headers.get('from')?.[0] ?? '')?.[1] ?? '',
    cseq: Number(seq),
  };
}

/** What a scripted peer does with each request: return the chunks to send back, in order. */
export type Script = (request: Buffer, index: number) => (string | Buffer)[];

export interface Peer {
  readonly port: number;
  /** Requests received so far. */
  readonly requests: Buffer[];
  close(): Promise<void>;
}

/** A UDP SIP peer on loopback that answers each datagram by `script`. */
export async function startUdpPeer(script: Script): Promise<Peer> {
  const socket = dgram.createSocket('udp4');
  const requests: Buffer[] = [];
  socket.on('message', (message, remote) => {
    requests.push(message);
    for (const chunk of script(message, requests.length - 1)) socket.send(chunk, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    requests,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

export interface StreamPeer extends Peer {
  /** Resolves when every connection the peer accepted has been closed. */
  allClosed(): Promise<void>;
}

/**
 * A TCP (or, with `secure`, TLS) SIP peer that writes each scripted chunk as its own write, so tests can
 * split a response anywhere. `closeAfter` closes the connection once the script has run.
 */
export async function startStreamPeer(
  script: Script,
  options: { secure?: { cert: string; key: string }; closeAfter?: boolean } = {},
): Promise<StreamPeer> {
  const requests: Buffer[] = [];
  const closed: Promise<void>[] = [];
  const onConnection = (socket: net.Socket) => {
    closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', async (chunk: Buffer) => {
      buffered += chunk.toString();
      if (!buffered.includes('\r\n\r\n')) return;
      const request = Buffer.from(buffered);
      buffered = '';
      requests.push(request);
      for (const part of script(request, requests.length - 1)) {
        await new Promise<void>((resolve) => socket.write(part, () => resolve()));
        // A pause between writes so they reach the probe as separate reads.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      if (options.closeAfter) socket.end();
    });
  };
  const server = options.secure
    ? tls.createServer({ cert: options.secure.cert, key: options.secure.key }, onConnection)
    : net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    allClosed: async () => {
      await Promise.all(closed);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A script that answers each request with these statuses, in order. */
export const answer =
  (...statuses: number[]): Script =>
  (request) =>
    statuses.map((status) => responseFor(idsOfRequest(request), { status }));

/** Runs `run` against `peer` and closes the peer whatever happens. */
export async function withPeer<T>(peer: Peer, run: (peer: Peer) => Promise<T>): Promise<T> {
  try {
    return await run(peer);
  } finally {
    await peer.close();
  }
}

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** For probes that expect an answer: generous, so that a loaded machine cannot turn an answer into a timeout. */
export const ANSWERED = { probeTimeoutMs: 5000 } as const;
