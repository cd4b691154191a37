import '../functions/shared/zod-messages.js';
import * as z from 'zod/mini';

const betweenOneAndTen = z.int().check(z.minimum(1, 'must be 1-10'), z.maximum(10, 'must be 1-10'));

/** `health`: how the SIP monitors probe (functions/health/). */
export const healthSchema = z.strictObject({
  probeIntervalMs: z._default(z.int().check(z.minimum(200, 'must be at least 200 ms')), 1000),
  probeTimeoutMs: z._default(z.int().check(z.positive()), 500),
  /**
   * How soon a target that failed a probe (but has not reached `failureThreshold`) is probed again
   * (HAProxy's `fastinter`). Equal to `probeIntervalMs`: suspect probing off.
   */
  suspectIntervalMs: z._default(z.int().check(z.minimum(100, 'must be at least 100 ms')), 200),
  /**
   * Timeout of a suspect probe: shorter than `probeTimeoutMs`, so that a silent target is DOWN within about
   * 1.2 s. The monitor raises it per target to twice that target's last good probe time (at most
   * `probeTimeoutMs`), so a far TCP or TLS edge, whose fresh connection takes longer, is not timed out.
   */
  suspectTimeoutMs: z._default(z.int().check(z.minimum(50, 'must be at least 50 ms')), 150),
  failureThreshold: z._default(betweenOneAndTen, 2),
  recoveryThreshold: z._default(betweenOneAndTen, 3),
  minHealthyTargets: z._default(z.int().check(z.minimum(1)), 1),
  /** Extra status codes that count as up (some SBCs answer OPTIONS with 404/405). */
  extraUpStatusCodes: z._default(z.array(z.int().check(z.minimum(100), z.maximum(699))), []),
  voteRefreshSeconds: z._default(z.int().check(z.minimum(1), z.maximum(60)), 5),
});

type Health = z.output<typeof healthSchema>;

/** Cross-field rules of `health` (called from the config schema's superRefine). */
export function checkHealth(h: Health, ctx: z.core.$RefinementCtx): void {
  const problem = (field: keyof Health, message: string) =>
    ctx.addIssue({ code: 'custom', path: ['health', field], message });
  if (h.probeTimeoutMs >= h.probeIntervalMs) {
    problem(
      'probeTimeoutMs',
      `${h.probeTimeoutMs} ms is not below probeIntervalMs (${h.probeIntervalMs} ms); a probe must time out before the next one starts`,
    );
  }
  if (h.suspectIntervalMs > h.probeIntervalMs) {
    problem(
      'suspectIntervalMs',
      `${h.suspectIntervalMs} ms is above probeIntervalMs (${h.probeIntervalMs} ms); a suspect target is probed sooner, not later: lower it, or set it to probeIntervalMs to turn suspect probing off`,
    );
  }
  if (h.suspectTimeoutMs > h.probeTimeoutMs) {
    problem(
      'suspectTimeoutMs',
      `${h.suspectTimeoutMs} ms is above probeTimeoutMs (${h.probeTimeoutMs} ms); a suspect probe never waits longer than a steady one: lower it to at most ${h.probeTimeoutMs} ms`,
    );
  }
  if (h.suspectTimeoutMs >= h.suspectIntervalMs) {
    problem(
      'suspectTimeoutMs',
      `${h.suspectTimeoutMs} ms is not below suspectIntervalMs (${h.suspectIntervalMs} ms); a suspect probe must time out before the next one starts: lower suspectTimeoutMs or raise suspectIntervalMs`,
    );
  }
}
