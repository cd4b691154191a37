import { randomBytes, randomInt } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { ProbeIds, SipTarget } from './types.js';

/** RFC 3261 8.1.1.7: a branch that starts with this cookie promises to be unique per transaction. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

export const DEFAULT_USER_AGENT = 'cc-continuity-health/1';

/**
 * Fresh identifiers for one probe. Each probe is its own dialog-less transaction, so branch, Call-ID,
 * From tag and CSeq are all new; a late answer to an earlier probe can then never match this one.
 */
export function newProbeIds(): ProbeIds {
  return {
    branch: `${BRANCH_MAGIC_COOKIE}${randomBytes(12).toString('hex')}`,
    callId: randomBytes(16).toString('hex'),
    fromTag: randomBytes(6).toString('hex'),
    // RFC 3261 8.1.1.5: the sequence number must be below 2**31.
    cseq: randomInt(1, 2 ** 31),
  };
}

/** `host` as it goes into a SIP URI or Via sent-by: IPv6 literals in brackets. */
export function formatHostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface OptionsRequestInput {
  readonly target: SipTarget;
  /** The local address and port of the socket the request leaves from (goes into Via and Contact). */
  readonly local: { readonly address: string; readonly port: number };
  readonly ids: ProbeIds;
  readonly userAgent?: string;
}

/**
 * A complete RFC 3261 OPTIONS request (11, 8.1.1) ready to write to the socket.
 *
 * @example
 * const ids = newProbeIds();
 * socket.send(buildOptionsRequest({ target, local: socket.address(), ids }));
 */
export function buildOptionsRequest({ target, local, ids, userAgent }: OptionsRequestInput): string {
  const transport = target.transport.toUpperCase();
  const uriParams = target.transport === 'udp' ? '' : `;transport=${target.transport}`;
  const requestUri = `sip:${formatHostPort(target.host, target.port)}${uriParams}`;
  const sentBy = formatHostPort(local.address, local.port);
  // rport (RFC 3581) makes the answer come back to the port we sent from, through NAT as well.
  const lines = [
    `OPTIONS ${requestUri} SIP/2.0`,
    `Via: SIP/2.0/${transport} ${sentBy};branch=${ids.branch};rport`,
    'Max-Forwards: 70',
    `From: "cc-continuity" <sip:health@cc-continuity.invalid>;tag=${ids.fromTag}`,
    `To: <${requestUri}>`,
    `Call-ID: ${ids.callId}`,
    `CSeq: ${ids.cseq} OPTIONS`,
    `Contact: <sip:health@${sentBy}${uriParams}>`,
    'Accept: application/sdp',
    `User-Agent: ${userAgent ?? DEFAULT_USER_AGENT}`,
    'Content-Length: 0',
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}
