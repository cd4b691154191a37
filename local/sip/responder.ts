import dgram from 'node:dgram';
import net from 'node:net';
import { extractFrame } from '../../functions/health/sip/framing.js';
import { freePort } from '../kamailio/support.js';
import { buildResponse, parseSipRequest, type SipRequest, toTagFor, udpReplyTarget } from './message.js';
import { checkEdgeReply, type EdgeReply, reasonPhrase, replyPlan } from './reply.js';

export interface SipResponderOptions {
  /** Any local address; every 127.x.y.z works on Linux, which routes all of 127/8 to lo. @default '127.0.0.1' */
  readonly host?: string;
  /** One port for UDP and TCP (1-65535). @default a port free for both on `host` */
  readonly port?: number;
  /** @default 200 */
  readonly initialReply?: EdgeReply;
}

/** One OPTIONS request the responder saw, and what it did with it. */
export interface SipRequestRecord {
  /** When it arrived, epoch ms. */
  readonly at: number;
  readonly transport: 'udp' | 'tcp';
  /** The status answered (a slow one is sent after its delay unless stop() comes first), or 'silent'. */
  readonly reply: number | 'silent';
}

export interface SipResponder {
  readonly host: string;
  /** UDP and TCP port. */
  readonly port: number;
  /** Validates `mode` (RangeError naming it) and applies it to every request that arrives afterwards. */
  setReply(mode: EdgeReply): Promise<void>;
  /** The last {@link HISTORY_LIMIT} OPTIONS requests, oldest first. */
  history(): readonly SipRequestRecord[];
  /** Closes both sockets and every TCP connection, and cancels slow answers still pending. Idempotent. */
  stop(): Promise<void>;
}

export const HISTORY_LIMIT = 10_000;
/** A client that stops talking mid-drill must not hold its connection (and buffer) for the whole run. */
const IDLE_TCP_MS = 60_000;
const START_ATTEMPTS = 3;

class RunningResponder implements SipResponder {
  private readonly records: SipRequestRecord[] = [];
  private readonly connections = new Set<net.Socket>();
  private readonly pending = new Set<NodeJS.Timeout>();
  private stopping: Promise<void> | null = null;

  constructor(
    readonly host: string,
    readonly port: number,
    private mode: EdgeReply,
    private readonly udp: dgram.Socket,
    private readonly tcp: net.Server,
  ) {
    // Errors after binding (a failed send, a reset peer) concern one message, never the edge.
    udp.on('error', () => undefined);
    tcp.on('error', () => undefined);
    udp.on('message', (datagram, source) => this.onDatagram(datagram, source));
    tcp.on('connection', (socket) => this.onConnection(socket));
  }

  async setReply(mode: EdgeReply): Promise<void> {
    checkEdgeReply(mode);
    this.mode = mode;
  }

  history(): readonly SipRequestRecord[] {
    return this.records.slice(-HISTORY_LIMIT);
  }

  stop(): Promise<void> {
    this.stopping ??= this.close();
    return this.stopping;
  }

  private async close(): Promise<void> {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
    for (const socket of this.connections) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
    ]);
  }

  private onDatagram(datagram: Buffer, source: dgram.RemoteInfo): void {
    // A bad datagram must never take the edge down: whatever it makes us throw, drop it.
    try {
      const request = parseSipRequest(datagram);
      if (!request) return;
      this.answer(request, 'udp', (response) => {
        const to = udpReplyTarget(request, source);
        this.udp.send(response, to.port, to.address, () => undefined);
      });
    } catch {
      // Dropped, as garbage would be by a real edge.
    }
  }

  private onConnection(socket: net.Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    this.connections.add(socket);
    socket.once('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_TCP_MS, () => socket.destroy());
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      try {
        for (;;) {
          const out = extractFrame(buffered);
          if (out.kind === 'incomplete') return;
          // Without a trustworthy Content-Length a stream cannot find the next message again.
          if (out.kind === 'invalid') {
            socket.destroy();
            return;
          }
          buffered = out.rest;
          const request = parseSipRequest(out.frame);
          if (request) this.answer(request, 'tcp', (response) => socket.write(response));
        }
      } catch {
        socket.destroy();
      }
    });
  }

  /** ACK is never answered (RFC 3261 17.1.1.3); OPTIONS get the mode's status; other methods 501. */
  private answer(request: SipRequest, transport: 'udp' | 'tcp', send: (response: string) => void): void {
    if (request.method === 'ACK' || this.stopping) return;
    const { reply, delayMs } = replyPlan(this.mode);
    if (request.method === 'OPTIONS') this.record({ at: Date.now(), transport, reply });
    if (reply === 'silent') return;
    const status = request.method === 'OPTIONS' ? reply : 501;
    const response = buildResponse(request, status, reasonPhrase(status), toTagFor(request));
    const deliver = () => {
      if (this.stopping) return;
      try {
        send(response);
      } catch {
        // The socket went away while the answer was pending; the client sees a timeout, as intended.
      }
    };
    if (delayMs === 0) {
      deliver();
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      deliver();
    }, delayMs);
    this.pending.add(timer);
  }

  private record(entry: SipRequestRecord): void {
    this.records.push(entry);
    // Trimmed in batches so a long drill does not copy 10 000 entries on every request.
    if (this.records.length > HISTORY_LIMIT + 1000)
      this.records.splice(0, this.records.length - HISTORY_LIMIT);
  }
}

function listenTcp(host: string, port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function bindUdp(host: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

async function bindBoth(host: string, port: number): Promise<{ udp: dgram.Socket; tcp: net.Server }> {
  const tcp = await listenTcp(host, port);
  try {
    return { udp: await bindUdp(host, port), tcp };
  } catch (error) {
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    throw error;
  }
}

/**
 * Starts a small SIP UAS on UDP and TCP that answers OPTIONS with a status the caller changes at runtime:
 * the drill's SIP edge on machines without Kamailio. The caller must `await responder.stop()`.
 *
 * @example
 * const responder = await startSipResponder({ host: '127.0.1.1' });
 * await responder.setReply({ status: 200, delayMs: 800 }); // a slow edge
 * const result = await probeSip({ host: responder.host, port: responder.port, transport: 'tcp' });
 * await responder.stop();
 */
export async function startSipResponder(options: SipResponderOptions = {}): Promise<SipResponder> {
  const host = options.host ?? '127.0.0.1';
  const mode = options.initialReply ?? 200;
  checkEdgeReply(mode);
  const { port } = options;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65_535)) {
    throw new RangeError(`port ${port} is not a port number; use 1-65535 or leave it out for a free one`);
  }
  let lastError: unknown;
  // A port found free can be taken before we bind it; a fresh pick fixes that. A given port is not retried.
  for (let attempt = 1; attempt <= (port === undefined ? START_ATTEMPTS : 1); attempt += 1) {
    try {
      const chosen = port ?? (await freePort(host, true));
      const { udp, tcp } = await bindBoth(host, chosen);
      return new RunningResponder(host, chosen, mode, udp, tcp);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
