import { access, constants } from 'node:fs/promises';
import { startKamailio } from '../kamailio/kamailio.js';
import { findExecutable } from '../kamailio/support.js';
import { checkEdgeReply, type EdgeReply } from './reply.js';
import { type SipRequestRecord, startSipResponder } from './responder.js';

export type { EdgeReply } from './reply.js';
export type { SipRequestRecord } from './responder.js';

/** `kamailio`: the real proxy (local/kamailio). `builtin`: the Node responder (local/sip/responder.ts). */
export type EdgeKind = 'kamailio' | 'builtin';

/** One region's local SIP edge, whichever implementation runs it. */
export interface SipEdge {
  readonly kind: EdgeKind;
  readonly host: string;
  /** UDP and TCP port. */
  readonly port: number;
  /** Kamailio's main process (its workers share its process group); absent for the built-in responder. */
  readonly pid?: number;
  /** Resolves once requests that arrive afterwards get the new answer; rejects on a bad or unsupported mode. */
  setReply(mode: EdgeReply): Promise<void>;
  /**
   * The last 10 000 OPTIONS the edge saw (arrival time, transport, reply), oldest first. Only the built-in
   * edge keeps this record; Kamailio's stateless config keeps none.
   */
  history?(): readonly SipRequestRecord[];
  /** Idempotent. */
  stop(): Promise<void>;
}

export interface SipEdgeOptions {
  readonly kind: EdgeKind;
  /** Any 127.x.y.z works on Linux, which routes all of 127/8 to lo. @default '127.0.0.1' */
  readonly host?: string;
  /** @default 200 */
  readonly initialReply?: EdgeReply;
}

/**
 * True when both `kamailio` and `kamcmd` are installed (on PATH, in /usr/sbin, or named by `KAMAILIO_BIN`
 * / `KAMCMD_BIN`): the drill then runs real Kamailio edges, else the built-in responder.
 *
 * @example
 * const edge = await startSipEdge({ kind: (await kamailioAvailable()) ? 'kamailio' : 'builtin' });
 */
export async function kamailioAvailable(): Promise<boolean> {
  try {
    const found = await Promise.all([
      findExecutable('kamailio', 'KAMAILIO_BIN'),
      findExecutable('kamcmd', 'KAMCMD_BIN'),
    ]);
    // findExecutable trusts an override unchecked; a stale one must not send the drill to Kamailio.
    await Promise.all(found.map((file) => access(file, constants.X_OK)));
    return true;
  } catch {
    return false;
  }
}

/**
 * Kamailio's config answers from two shared variables and has no way to hold an answer back, so a slow
 * reply cannot be honoured; a zero delay is just the status.
 */
function kamailioReply(mode: EdgeReply): number | 'silent' {
  checkEdgeReply(mode);
  if (typeof mode !== 'object') return mode;
  if (mode.delayMs === 0) return mode.status;
  throw new Error(
    `the Kamailio edge cannot answer slowly (reply ${JSON.stringify(mode)}): its config has no delay; ` +
      "start the edge with kind 'builtin' for slow answers",
  );
}

/**
 * Starts a SIP edge that answers OPTIONS on UDP and TCP at host:port with a status changed at runtime.
 * 'silent' drops every request on both kinds; a slow `{ status, delayMs }` answer needs `builtin`.
 * The caller must `await edge.stop()`.
 *
 * @example
 * const edge = await startSipEdge({ kind: 'builtin', host: '127.0.1.1' });
 * await edge.setReply(503);
 * await probeSip({ host: edge.host, port: edge.port, transport: 'udp' }); // down, status 503
 * await edge.stop();
 */
export async function startSipEdge(options: SipEdgeOptions): Promise<SipEdge> {
  const host = options.host ?? '127.0.0.1';
  if (options.kind === 'builtin') {
    const responder = await startSipResponder({
      host,
      ...(options.initialReply === undefined ? {} : { initialReply: options.initialReply }),
    });
    return {
      kind: 'builtin',
      host: responder.host,
      port: responder.port,
      setReply: (mode) => responder.setReply(mode),
      history: () => responder.history(),
      stop: () => responder.stop(),
    };
  }
  if (options.kind !== 'kamailio') {
    throw new RangeError(`edge kind ${String(options.kind)} is unknown; use 'kamailio' or 'builtin'`);
  }
  const initialReply = options.initialReply === undefined ? undefined : kamailioReply(options.initialReply);
  const proxy = await startKamailio({ host, ...(initialReply === undefined ? {} : { initialReply }) });
  return {
    kind: 'kamailio',
    host: proxy.host,
    port: proxy.port,
    pid: proxy.pid,
    setReply: async (mode) => proxy.setReply(kamailioReply(mode)),
    stop: () => proxy.stop(),
  };
}
