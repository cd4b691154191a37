import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DynamoErrorResponse,
  errorBody,
  mixedStoresRejected,
  mrscQuorumLost,
  mrscTransactionRejected,
  throttled,
} from './dynamo-errors.js';
import { LOOPBACK } from './ports.js';
import { describeRequest } from './request-info.js';

/** The SigV4 identity under which DynamoDB Local keeps the shared MRSC control database. */
export interface StoreIdentity {
  readonly accessKeyId: string;
  readonly region: string;
}

export interface RegionProxyOptions {
  readonly region: string;
  /** DynamoDB Local, e.g. `http://127.0.0.1:8000` */
  readonly upstream: string;
  /**
   * MRSC tables: requests for them go to the shared control database instead of the region's own.
   * @default [] - everything goes to the region's database (the witness region)
   */
  readonly controlTables?: readonly string[];
  /** Required when `controlTables` is not empty. */
  readonly controlIdentity?: StoreIdentity;
}

/** Faults injected into every request that reaches the region through its proxy. */
export interface RegionFaults {
  /** @default 0 - added before the request is forwarded (or refused) */
  readonly latencyMs?: number;
  /** @default false - answer ProvisionedThroughputExceededException */
  readonly throttle?: boolean;
  /** @default every table - limit throttling to these tables */
  readonly throttleTables?: readonly string[];
  /** @default false - throttle writes only; reads pass (a write-capacity shortage) */
  readonly throttleWritesOnly?: boolean;
}

export interface RegionProxy {
  readonly region: string;
  /** The region's DynamoDB endpoint: give it to every SDK client of the region. */
  readonly endpoint: string;
  readonly partitioned: boolean;
  /** The region loses its MRSC quorum: control-table writes and strong reads fail. */
  partition(): void;
  heal(): void;
  setFaults(faults: RegionFaults): void;
  /** How many `operation` requests (e.g. `GetItem`) naming `table` reached the proxy so far, faults or not. */
  received(operation: string, table: string): number;
  close(): Promise<void>;
}

const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/(\d{8})\/[^/,\s]+\//;

/**
 * A region's DynamoDB endpoint: a small HTTP proxy in front of DynamoDB Local.
 * - Requests are forwarded unchanged, so DynamoDB Local files them under the region of
 *   the client's SigV4 scope: that is the region's own replica database.
 * - Requests for an MRSC table get the credential scope of the shared control database
 *   (DynamoDB Local never checks signatures), so every region reads and writes one store.
 *   While the region is partitioned they are refused like MRSC without quorum
 *   (see dynamo-errors.ts); eventually consistent reads are still served.
 *
 * @example
 * const proxy = await startRegionProxy({ region: 'us-east-1', upstream, controlTables: [controlState], controlIdentity });
 * const client = new DynamoDBClient({ region: 'us-east-1', endpoint: proxy.endpoint });
 */
export async function startRegionProxy(options: RegionProxyOptions): Promise<RegionProxy> {
  const control = new Set(options.controlTables ?? []);
  if (control.size > 0 && options.controlIdentity === undefined) {
    throw new Error(`startRegionProxy(${options.region}): controlTables given without controlIdentity`);
  }
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true });
  let partitioned = false;
  let faults: RegionFaults = {};
  const counts = new Map<string, number>();
  const countKey = (operation: string, table: string) => `${operation} ${table}`;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = Buffer.concat(await req.toArray());
    const info = describeRequest(req.headers['x-amz-target'] as string | undefined, parseJson(body));
    for (const table of info.tables) {
      const key = countKey(info.operation, table);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if ((faults.latencyMs ?? 0) > 0) await sleep(faults.latencyMs);
    const throttledTables = faults.throttleTables;
    if (
      faults.throttle &&
      (!faults.throttleWritesOnly || info.writes) &&
      (throttledTables === undefined || info.tables.some((t) => throttledTables.includes(t)))
    ) {
      return refuse(res, throttled());
    }
    const toControl = info.tables.filter((t) => control.has(t));
    let headers = req.headers;
    if (toControl.length > 0) {
      if (toControl.length !== info.tables.length) return refuse(res, mixedStoresRejected(info.tables));
      if (info.transaction) return refuse(res, mrscTransactionRejected());
      if (partitioned && (info.writes || info.stronglyConsistentRead))
        return refuse(res, mrscQuorumLost(options.region));
      headers = {
        ...headers,
        authorization: rescope(headers.authorization, options.controlIdentity as StoreIdentity),
      };
    }
    forward(req, res, headers, body);
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    headers: IncomingMessage['headers'],
    body: Buffer,
  ) => {
    const upstreamReq = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...headers, host: upstream.host },
        agent,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`local region proxy ${options.region}: upstream error ${e.message}`);
    });
    upstreamReq.end(body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`local region proxy ${options.region}: ${e.message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    region: options.region,
    endpoint: `http://${LOOPBACK}:${port}`,
    get partitioned() {
      return partitioned;
    },
    partition() {
      partitioned = true;
    },
    heal() {
      partitioned = false;
    },
    setFaults(next) {
      faults = { ...next };
    },
    received: (operation, table) => counts.get(countKey(operation, table)) ?? 0,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}

function refuse(res: ServerResponse, error: DynamoErrorResponse): void {
  res.writeHead(error.status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': randomUUID(),
  });
  res.end(errorBody(error));
}

/** Swaps access key and region in the SigV4 credential scope, keeping the date. */
function rescope(authorization: string | undefined, identity: StoreIdentity): string {
  if (authorization === undefined || !CREDENTIAL_SCOPE.test(authorization)) {
    throw new Error('request to the control table without a SigV4 Authorization header');
  }
  return authorization.replace(
    CREDENTIAL_SCOPE,
    (_, date: string) => `Credential=${identity.accessKeyId}/${date}/${identity.region}/`,
  );
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
