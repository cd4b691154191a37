import { z } from 'zod';

/** `health`: how the SIP monitors probe (functions/health/). */
export const healthSchema = z.strictObject({
  probeIntervalMs: z.number().int().min(200, 'must be at least 200 ms').default(1000),
  probeTimeoutMs: z.number().int().positive().default(500),
  failureThreshold: z.number().int().min(1, 'must be 1-10').max(10, 'must be 1-10').default(2),
  recoveryThreshold: z.number().int().min(1, 'must be 1-10').max(10, 'must be 1-10').default(3),
  minHealthyTargets: z.number().int().min(1).default(1),
  /** Extra status codes that count as up (some SBCs answer OPTIONS with 404/405). */
  extraUpStatusCodes: z.array(z.number().int().min(100).max(699)).default([]),
  voteRefreshSeconds: z.number().int().min(1).max(60).default(5),
});

/** Cross-field rules of `health` (called from the config schema's superRefine). */
export function checkHealth(h: z.output<typeof healthSchema>, ctx: z.RefinementCtx): void {
  if (h.probeTimeoutMs >= h.probeIntervalMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['health', 'probeTimeoutMs'],
      message: `${h.probeTimeoutMs} ms is not below probeIntervalMs (${h.probeIntervalMs} ms); a probe must time out before the next one starts`,
    });
  }
}
