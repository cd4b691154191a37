import { DEFAULT_PROBE_TIMEOUT_MS, ProbeAttempt, resultFromError } from './attempt.js';
import { sendStreamProbe } from './stream.js';
import type { ProbeOptions, ProbeResult, SipTarget } from './types.js';
import { sendUdpProbe } from './udp.js';

export { DEFAULT_PROBE_TIMEOUT_MS } from './attempt.js';
export type {
  ProbeOptions,
  ProbeReason,
  ProbeResult,
  SipTarget,
  SipTransport,
  TlsProbeOptions,
} from './types.js';

/**
 * Sends one SIP OPTIONS to `target` and reports whether the edge is up. Never throws and never leaves a
 * socket open: every outcome, including DNS failures and bad options, becomes a `ProbeResult`.
 *
 * Up: a matching 2xx, or a matching code in `extraUpStatusCodes`. Down: 408, 5xx, 6xx or another
 * final code (`status`), no final answer in `probeTimeoutMs` (`timeout`, 1xx keep it waiting),
 * `refused`, `unparseable` or `error`.
 *
 * @example
 * const result = await probeSip({ host: '10.0.0.5', port: 5061, transport: 'tls' }, { probeTimeoutMs: 500 });
 * if (!result.up) logger.warn('SIP target down', { reason: result.reason, status: result.status });
 */
export async function probeSip(target: SipTarget, options: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return resultFromError({ code: 'EINVALIDTIMEOUT' });
  const attempt = new ProbeAttempt(timeoutMs, options.extraUpStatusCodes ?? []);
  try {
    if (target.transport === 'udp') {
      sendUdpProbe(attempt, target, options.userAgent).catch((error: unknown) => attempt.fail(error));
    } else {
      sendStreamProbe(attempt, target, options.tls, options.userAgent);
    }
  } catch (error) {
    // Synchronous throws (a bad port, bad TLS options) settle the attempt, which also closes what was opened.
    attempt.fail(error);
  }
  return attempt.result;
}
