import dgram from 'node:dgram';
import net from 'node:net';
import { parseSipResponse, type SipResponse } from '../../../functions/health/sip/parse.js';

export interface RequestSpec {
  readonly method?: string;
  /** Via header lines, top first. @default one UDP Via with rport */
  readonly via?: readonly string[];
  readonly from?: string;
  readonly to?: string;
  readonly callId?: string;
  readonly cseq?: string;
  readonly body?: string;
}

/** A SIP request written by hand, so tests control every byte the responder reads. */
export function sipRequest(spec: RequestSpec = {}): string {
  const method = spec.method ?? 'OPTIONS';
  const body = spec.body ?? '';
  const lines = [
    `${method} sip:probe@127.0.0.1 SIP/2.0`,
    ...(spec.via ?? ['SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKraw1;rport']).map((v) => `Via: ${v}`),
    `From: ${spec.from ?? '<sip:test@127.0.0.1>;tag=abc123'}`,
    `To: ${spec.to ?? '<sip:probe@127.0.0.1>'}`,
    `Call-ID: ${spec.callId ?? 'raw-call-1'}`,
    `CSeq: ${spec.cseq ?? `1 ${method}`}`,
    'Max-Forwards: 70',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

export function parsed(raw: string | Buffer): SipResponse {
  const outcome = parseSipResponse(raw);
  if (!outcome.ok) throw new Error(`expected a SIP response, got ${outcome.error}: ${raw.toString()}`);
  return outcome.response;
}

export interface UdpClient {
  readonly port: number;
  send(message: string | Uint8Array, port: number, host?: string): Promise<void>;
  /** The next datagram, or null when none arrives within `timeoutMs`. */
  next(timeoutMs?: number): Promise<Buffer | null>;
  close(): Promise<void>;
}

/** A UDP socket on 127.0.0.1 that queues what it receives. */
export async function udpClient(): Promise<UdpClient> {
  const socket = dgram.createSocket('udp4');
  const queue: Buffer[] = [];
  const waiters: ((message: Buffer) => void)[] = [];
  socket.on('message', (message) => {
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    send: (message, port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => socket.send(message, port, host, (e) => (e ? reject(e) : resolve()))),
    next: (timeoutMs = 5000) => {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve) => {
        const waiter = (message: Buffer) => {
          clearTimeout(timer);
          resolve(message);
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          resolve(null);
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

export interface TcpClient {
  readonly socket: net.Socket;
  write(chunk: string | Uint8Array): Promise<void>;
  /** Waits for `count` complete responses (all bodiless, as the responder's are), or throws after `timeoutMs`. */
  responses(count: number, timeoutMs?: number): Promise<string[]>;
  /** Resolves when the connection has closed, from either side. */
  readonly closed: Promise<void>;
}

/** A raw TCP connection that splits what it reads at each empty line. */
export async function tcpClient(port: number, host = '127.0.0.1'): Promise<TcpClient> {
  const socket = net.connect({ host, port });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  let buffered = '';
  const complete: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
      complete.push(buffered.slice(0, end + 4));
      buffered = buffered.slice(end + 4);
    }
  });
  return {
    socket,
    closed,
    write: (chunk) =>
      new Promise((resolve, reject) => socket.write(chunk, (e) => (e ? reject(e) : resolve()))),
    responses: async (count, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (complete.length < count) {
        if (Date.now() > deadline) throw new Error(`got ${complete.length} of ${count} responses`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return complete.splice(0, count);
    },
  };
}
