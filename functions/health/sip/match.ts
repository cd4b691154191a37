import { IS_A_REQUEST, parseSipResponse, type SipResponse, splitHeaderValues } from './parse.js';
import type { ProbeIds } from './types.js';

/** What one received message means for the probe waiting on it. */
export type Interpretation =
  /** Not an answer to this probe (another transaction, a late answer, a request): keep waiting. */
  | { readonly kind: 'ignored' }
  /** Not a SIP response at all. */
  | { readonly kind: 'unparseable'; readonly error: string }
  /** 1xx for this probe: a final response is still to come. */
  | { readonly kind: 'provisional'; readonly status: number }
  | { readonly kind: 'final'; readonly status: number; readonly up: boolean };

/** The branch parameter of the topmost Via value, or null. */
export function topViaBranch(response: SipResponse): string | null {
  const first = response.headers.get('via')?.[0];
  if (first === undefined) return null;
  const [top] = splitHeaderValues(first);
  if (top === undefined) return null;
  for (const param of top.split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq === -1) continue;
    if (param.slice(0, eq).trim().toLowerCase() === 'branch') return param.slice(eq + 1).trim();
  }
  return null;
}

/** `CSeq: 4711 OPTIONS` -> `{ seq: 4711, method: 'OPTIONS' }`, or null when malformed or not exactly one. */
export function cseqOf(response: SipResponse): { seq: number; method: string } | null {
  const values = response.headers.get('cseq');
  if (values?.length !== 1) return null;
  const match = /^([0-9]{1,10})[ \t]+([A-Za-z0-9\-.!%*_+`'~]+)$/.exec(values[0]?.trim() ?? '');
  if (!match) return null;
  return { seq: Number(match[1]), method: match[2] as string };
}

/**
 * True only for a response to this very probe: same top Via branch (RFC 3261 17.1.3), same Call-ID and
 * same CSeq number with method OPTIONS. Branch, Call-ID and method compare exactly: we minted the values
 * and a conforming UAS echoes them unchanged (Call-ID and method are case-sensitive, RFC 3261 8.1.1.4, 7.1).
 */
export function matchesProbe(response: SipResponse, ids: ProbeIds): boolean {
  const callIds = response.headers.get('call-id');
  if (callIds?.length !== 1 || callIds[0] !== ids.callId) return false;
  const cseq = cseqOf(response);
  if (!cseq || cseq.seq !== ids.cseq || cseq.method !== 'OPTIONS') return false;
  return topViaBranch(response) === ids.branch;
}

/**
 * Whether a final status counts as up: 2xx, or one of the configured extra codes. 408, 5xx and 6xx are
 * always down, whatever the extras say: they mean the edge cannot take calls (DESIGN.md section 4).
 */
export function isUpStatus(status: number, extraUpStatusCodes: readonly number[] = []): boolean {
  if (status >= 200 && status < 300) return true;
  if (status === 408 || status >= 500 || status < 200) return false;
  return extraUpStatusCodes.includes(status);
}

/** Reads one received message (datagram or stream frame) against the probe that waits for it. */
export function interpretMessage(
  raw: Buffer | string,
  ids: ProbeIds,
  extraUpStatusCodes: readonly number[] = [],
): Interpretation {
  const outcome = parseSipResponse(raw);
  // A request from the peer (say its own OPTIONS keep-alive) is well-formed SIP, just not our answer.
  if (!outcome.ok)
    return outcome.error === IS_A_REQUEST
      ? { kind: 'ignored' }
      : { kind: 'unparseable', error: outcome.error };
  const { response } = outcome;
  if (!matchesProbe(response, ids)) return { kind: 'ignored' };
  if (response.status < 200) return { kind: 'provisional', status: response.status };
  return { kind: 'final', status: response.status, up: isUpStatus(response.status, extraUpStatusCodes) };
}
