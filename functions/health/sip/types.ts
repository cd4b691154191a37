import type { SecureContextOptions } from 'node:tls';

export type SipTransport = 'udp' | 'tcp' | 'tls';

/** One SIP edge to probe (the shape of a `sipTargets` entry in the config). */
export interface SipTarget {
  readonly host: string;
  readonly port: number;
  readonly transport: SipTransport;
}

/**
 * Why a probe ended the way it did.
 * - `ok`: a matching final response that counts as up (2xx or an extra up code)
 * - `status`: a matching final response that counts as down (408, 5xx, 6xx, other non-2xx)
 * - `timeout`: no matching final response within `probeTimeoutMs`
 * - `refused`: the target refused the connection (TCP RST, or ICMP port unreachable on UDP)
 * - `unparseable`: the target answered with bytes that are not a SIP response
 * - `error`: any other transport failure (TLS handshake, reset, DNS, closed without answer)
 */
export type ProbeReason = 'ok' | 'status' | 'timeout' | 'refused' | 'unparseable' | 'error';

export interface ProbeResult {
  readonly up: boolean;
  /** Status code of the matching final response, else null. */
  readonly status: number | null;
  readonly reason: ProbeReason;
  /** Milliseconds from sending the request to the matching final response, else null. */
  readonly rttMs: number | null;
  /** A short machine-readable cause for `error` / `refused` / `unparseable` (an errno code, never a secret). */
  readonly detail?: string;
}

export interface TlsProbeOptions {
  /** @default true - a production probe verifies the edge's certificate. */
  readonly rejectUnauthorized?: boolean;
  /** Trusted CAs (PEM). When given they replace Node's bundled CAs, as in node:tls. @default Node's bundled CAs */
  readonly ca?: SecureContextOptions['ca'];
  /** SNI and certificate name to check. @default the target host when it is a name; none for an IP */
  readonly servername?: string;
}

export interface ProbeOptions {
  /** @default 500 */
  readonly probeTimeoutMs?: number;
  /** Non-2xx final codes that still count as up (some SBCs answer OPTIONS with 404/405). @default [] */
  readonly extraUpStatusCodes?: readonly number[];
  readonly tls?: TlsProbeOptions;
  /** @default 'cc-continuity-health/1' */
  readonly userAgent?: string;
}

/** The identifiers that tie a response to the probe that caused it (RFC 3261 17.1.3 plus Call-ID). */
export interface ProbeIds {
  readonly branch: string;
  readonly callId: string;
  readonly fromTag: string;
  readonly cseq: number;
}
