import { createHash } from 'node:crypto';
import {
  findHeaderEnd,
  parseHeaderBlock,
  skipLeadingLineBreaks,
  splitHeaderValues,
} from '../../functions/health/sip/parse.js';

/** The parts of a SIP request that a stateless UAS copies into its response (RFC 3261 8.2.6.2). */
export interface SipRequest {
  readonly method: string;
  /** Every Via header field value, in the order received (a value may hold several comma-joined vias). */
  readonly via: readonly string[];
  readonly from: string;
  readonly to: string;
  readonly callId: string;
  readonly cseq: string;
}

// Methods are case-sensitive tokens (RFC 3261 7.1); the SIP version is not.
const REQUEST_LINE = /^([A-Za-z0-9\-.!%*_+`'~]+) \S+ SIP\/2\.0$/i;
const CSEQ = /^[0-9]{1,10}[ \t]+[A-Za-z0-9\-.!%*_+`'~]+$/;
const TOP_VIA = /^SIP[ \t]*\/[ \t]*2\.0[ \t]*\/[ \t]*[A-Za-z0-9\-.!%*_+`'~]+[ \t]+([^;]+)(.*)$/i;

function single(headers: ReadonlyMap<string, readonly string[]>, name: string): string | null {
  const values = headers.get(name);
  return values?.length === 1 && values[0] !== undefined && values[0] !== '' ? values[0] : null;
}

/**
 * Reads one SIP request (a datagram, or one frame cut from a stream). Returns null for anything a
 * UAS could not answer: not a request, or a missing or repeated Via / From / To / Call-ID / CSeq.
 * A UAS would send 400 for some of those, but with no trustworthy Via there is nowhere safe to send it.
 *
 * @example
 * const request = parseSipRequest(datagram);
 * if (request?.method === 'OPTIONS') socket.send(buildResponse(request, 200, toTagFor(request)), ...);
 */
export function parseSipRequest(input: Buffer): SipRequest | null {
  const start = skipLeadingLineBreaks(input);
  const end = findHeaderEnd(input, start);
  if (!end) return null;
  const block = parseHeaderBlock(input.toString('utf8', start, end.index));
  if (!block.ok) return null;
  const line = REQUEST_LINE.exec(block.startLine);
  const via = block.headers.get('via') ?? [];
  const from = single(block.headers, 'from');
  const to = single(block.headers, 'to');
  const callId = single(block.headers, 'call-id');
  const cseq = single(block.headers, 'cseq');
  if (!line?.[1] || via.length === 0 || !from || !to || !callId || !cseq || !CSEQ.test(cseq)) return null;
  return { method: line[1], via, from, to, callId, cseq };
}

/** True when a From/To value carries a tag as a header parameter (not inside the bracketed URI). */
export function hasTag(nameAddr: string): boolean {
  const params = nameAddr.includes('<')
    ? nameAddr.slice(nameAddr.lastIndexOf('>') + 1)
    : nameAddr.slice(Math.max(0, nameAddr.indexOf(';')));
  return /;[ \t]*tag[ \t]*=/i.test(params);
}

/**
 * A To tag that is the same for every retransmission of one request, as RFC 3261 8.2.6.2 wants, without
 * keeping state: a hash of what identifies the request.
 */
export function toTagFor(request: SipRequest): string {
  return createHash('sha256')
    .update([request.callId, request.from, request.cseq, request.via[0] ?? ''].join('\n'))
    .digest('hex')
    .slice(0, 16);
}

/**
 * The response to `request` as RFC 3261 8.2.6 builds it: all Via values in order, From, To (with `toTag`
 * added when the request had none), Call-ID and CSeq copied, no body.
 *
 * @example
 * buildResponse(request, 503, 'Service Unavailable', toTagFor(request));
 */
export function buildResponse(request: SipRequest, status: number, reason: string, toTag: string): string {
  const to = hasTag(request.to) ? request.to : `${request.to};tag=${toTag}`;
  const lines = [
    `SIP/2.0 ${status} ${reason}`,
    ...request.via.map((value) => `Via: ${value}`),
    `From: ${request.from}`,
    `To: ${to}`,
    `Call-ID: ${request.callId}`,
    `CSeq: ${request.cseq}`,
    'Server: cc-continuity-sip-responder',
    'Content-Length: 0',
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Where a UDP response goes (RFC 3261 18.2.2, RFC 3581): the source address, and the source port when the
 * top Via asks for `rport`, else the sent-by port (5060 when absent). Tools such as sipsak send from one
 * port and listen on the one in their Via, so answering the source port alone would not reach them.
 */
export function udpReplyTarget(
  request: SipRequest,
  source: { readonly address: string; readonly port: number },
): { address: string; port: number } {
  const [top = ''] = splitHeaderValues(request.via[0] ?? '');
  const match = TOP_VIA.exec(top);
  if (!match) return { address: source.address, port: source.port };
  const params = (match[2] ?? '').split(';').map((p) => p.split('=')[0]?.trim().toLowerCase());
  if (params.includes('rport')) return { address: source.address, port: source.port };
  const sentBy = (match[1] ?? '').trim();
  const port = /^(?:\[[^\]]*\]|[^:]*):([0-9]{1,5})$/.exec(sentBy)?.[1];
  const parsed = port === undefined ? 5060 : Number(port);
  return { address: source.address, port: parsed > 0 && parsed <= 65_535 ? parsed : source.port };
}
