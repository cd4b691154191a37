/**
 * The Dns stack's latency records served as real DNS (UDP and TCP, with the dns2 library) to clients of
 * one region, answering as Route 53 does for them:
 * - https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-how-route-53-chooses-records.html
 *   (source text: github.com/awsdocs/amazon-route53-docs doc_source/health-checks-how-route-53-chooses-records.md):
 *   Route 53 picks a record by the routing policy; when its health check is unhealthy it picks again among
 *   the others; the health check status is the one already known (nothing is checked when the query
 *   arrives); and "if no record is healthy, all records are healthy": it answers as if all were.
 * - https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-latency.html:
 *   the records of a latency group share name and type; TTL is the record's own.
 *
 * Latency itself is not measured: `latencyOrder` says which regions are nearest to the client. For a
 * CNAME whose target this server also knows (a latency name or a `staticRecords` entry), the target's A
 * records follow in the answer, as a recursive resolver would return them.
 */
import { isIPv6, type Socket } from 'node:net';
import { createTCPServer, createUDPServer, Packet } from 'dns2';
import { freePort } from '../kamailio/support.js';
import type { LatencyRecord } from './template.js';

/** A fixed A record, e.g. what the API domain of a region resolves to on loopback. */
export interface StaticRecord {
  readonly name: string;
  readonly type: 'A';
  readonly values: readonly string[];
  readonly ttl: number;
}

export interface DnsServerOptions {
  readonly records: readonly LatencyRecord[];
  /** Health status by logical id (Route53HealthChecks). */
  readonly checks: { status(logicalId: string): boolean };
  /** The region the clients of this server are nearest to. */
  readonly clientRegion: string;
  /** Regions from nearest to farthest for these clients. @default clientRegion, then the records' order */
  readonly latencyOrder?: readonly string[];
  readonly staticRecords?: readonly StaticRecord[];
  /** Names under it that no record has get NXDOMAIN, other unknown names REFUSED. @default the records' common parent */
  readonly zone?: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** The same port for UDP and TCP; 0 picks a free one. @default 0 */
  readonly port?: number;
}

export interface DnsRecord {
  readonly name: string;
  readonly type: 'A' | 'CNAME';
  readonly ttl: number;
  readonly value: string;
}

export interface DnsAnswer {
  readonly rcode: 'NOERROR' | 'NXDOMAIN' | 'REFUSED';
  /** In answer order: a CNAME first, then what it points to. Empty for NODATA and errors. */
  readonly records: readonly DnsRecord[];
  /** Region of the latency record chosen for the queried name, if it has latency records. */
  readonly region?: string;
}

export interface LocalDnsServer {
  readonly host: string;
  readonly port: number;
  /** What a query for `name` and `type` gets now, without the network (the drill's own polling). */
  answer(name: string, type: string): DnsAnswer;
  stop(): Promise<void>;
}

const normalize = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * Starts the DNS server on `host:port` (UDP and TCP).
 *
 * @example
 * const dns = await startDnsServer({ records, checks, clientRegion: 'us-east-1', latencyOrder: ['us-east-1', 'us-west-2'] });
 * // dig @127.0.0.1 -p ${dns.port} sip.dev.cc.example.com A +short
 * dns.answer('sip.dev.cc.example.com', 'A'); // { rcode: 'NOERROR', records: [...], region: 'us-east-1' }
 * await dns.stop();
 */
export async function startDnsServer(options: DnsServerOptions): Promise<LocalDnsServer> {
  const answer = answerer(options);
  const handle = (request: Packet, send: (response: Packet) => Promise<Buffer>) => {
    const response = Packet.createResponseFromRequest(request);
    const [question] = request.questions;
    if (!question) {
      response.header.rcode = Packet.RCODE.FORMERR;
      void send(response).catch(() => {});
      return;
    }
    let result: DnsAnswer;
    try {
      result = answer(question.name, Packet.typeName(question.type));
    } catch {
      // A record whose health check is unknown: a server failure, not a silent timeout.
      response.header.rcode = Packet.RCODE.SERVFAIL;
      void send(response).catch(() => {});
      return;
    }
    response.header.rcode = Packet.RCODE[result.rcode];
    response.header.aa = result.rcode === 'REFUSED' ? 0 : 1;
    for (const r of result.records) {
      response.answers.push(
        Packet.createResourceFromQuestion(question, {
          name: r.name,
          type: Packet.TYPE[r.type],
          class: Packet.CLASS.IN,
          ttl: r.ttl,
          ...(r.type === 'A' ? { address: r.value } : { domain: r.value }),
        }),
      );
    }
    // A client that went away is no concern of the server's.
    void send(response).catch(() => {});
  };
  const host = options.host ?? '127.0.0.1';
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port || (await freePort(host, true));
    try {
      return { host, port, answer, ...(await listen(host, port, handle)) };
    } catch (error) {
      // Another process took the free port between the probe and the bind: try another.
      const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!inUse || options.port || attempt >= 5) throw error;
    }
  }
}

async function listen(
  host: string,
  port: number,
  handle: (request: Packet, send: (response: Packet) => Promise<Buffer>) => void,
): Promise<{ stop(): Promise<void> }> {
  const udp = createUDPServer({ type: isIPv6(host) ? 'udp6' : 'udp4' });
  const tcp = createTCPServer();
  const sockets = new Set<Socket>();
  udp.on('request', (request, send) => handle(request, send));
  tcp.on('request', (request, send) => handle(request, send));
  tcp.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Malformed queries and clients that hang up are not server failures.
  udp.on('requestError', () => {});
  tcp.on('requestError', () => {});
  const bound = (server: NodeJS.EventEmitter, bind: () => void) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.once('listening', () => {
        server.off('error', reject);
        resolve();
      });
      bind();
    });
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => udp.close(() => resolve())),
      new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  };
  try {
    await bound(udp, () => void udp.listen(port, host));
    await bound(tcp, () => tcp.listen(port, host));
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  udp.on('error', () => {});
  tcp.on('error', () => {});
  return { stop };
}

/**
 * The answering logic of {@link startDnsServer}, without sockets.
 *
 * @example
 * const answer = answerer({ records, checks, clientRegion: 'us-west-2' });
 * answer('api.dev.cc.example.com', 'A').records; // CNAME, then the target's A records
 */
export function answerer(options: DnsServerOptions): (name: string, type: string) => DnsAnswer {
  const groups = new Map<string, LatencyRecord[]>();
  for (const record of options.records) groups.set(record.name, [...(groups.get(record.name) ?? []), record]);
  const statics = new Map((options.staticRecords ?? []).map((r) => [normalize(r.name), r]));
  const order = [
    options.clientRegion,
    ...(options.latencyOrder ?? []),
    ...options.records.map((r) => r.region),
  ].filter((region, i, all) => all.indexOf(region) === i);
  const zone = normalize(options.zone ?? commonParent([...groups.keys()]));
  const inZone = (name: string) => zone !== '' && (name === zone || name.endsWith(`.${zone}`));

  const choose = (group: readonly LatencyRecord[]): LatencyRecord | undefined => {
    const byLatency = [...group].sort((a, b) => rank(order, a.region) - rank(order, b.region));
    const healthy = byLatency.filter((r) => options.checks.status(r.healthCheck));
    // "If no record is healthy, all records are healthy."
    return healthy[0] ?? byLatency[0];
  };

  const resolve = (queried: string, type: string, depth: number): DnsAnswer => {
    const name = normalize(queried);
    const group = groups.get(name);
    const chosen = group ? choose(group) : undefined;
    const fixed = statics.get(name);
    if (!chosen && !fixed) return { rcode: inZone(name) ? 'NXDOMAIN' : 'REFUSED', records: [] };
    const region = chosen ? { region: chosen.region } : {};
    const rrset = chosen ?? { type: 'A' as const, ttl: fixed?.ttl ?? 0, values: fixed?.values ?? [] };
    const records = rrset.values.map((value) => ({ name, type: rrset.type, ttl: rrset.ttl, value }));
    if (rrset.type === 'CNAME') {
      // A CNAME answers every type but CNAME itself by what it points to; depth stops a loop.
      const target =
        type === 'CNAME' || depth >= 8 ? undefined : resolve(records[0]?.value ?? '', type, depth + 1);
      return { rcode: 'NOERROR', records: [...records, ...(target?.records ?? [])], ...region };
    }
    return { rcode: 'NOERROR', records: type === 'A' ? records : [], ...region };
  };
  return (name, type) => resolve(name, type.toUpperCase(), 0);
}

const rank = (order: readonly string[], region: string) => {
  const i = order.indexOf(region);
  return i === -1 ? order.length : i;
};

/** `sip.dev.cc.example.com` + `api.dev.cc.example.com` -> `dev.cc.example.com` (one name: its parent). */
function commonParent(names: readonly string[]): string {
  const labels = names.map((n) => n.split('.').reverse());
  const [first = []] = labels;
  let shared = 0;
  while (shared < first.length && labels.every((l) => l[shared] === first[shared])) shared += 1;
  const common = first.slice(0, Math.min(shared, first.length - 1));
  return common.reverse().join('.');
}
