import type { SeenEvent } from './observe.js';
import type { ScenarioContext } from './scenario.js';

/**
 * When the first probe after `since` failed at one of `region`'s edges. The built-in responder
 * records every answer, so that is measured; Kamailio keeps no such record, so it is derived from the
 * DOWN event: `consecutive - 1` probe intervals before it.
 */
export function firstFailedProbe(
  ctx: ScenarioContext,
  region: string,
  since: number,
  down: SeenEvent | undefined,
): { at: number; derived: boolean } | undefined {
  const edges = ctx.deployment.region(region).edges;
  const measured = edges
    .flatMap((e) =>
      (e.history?.() ?? []).filter((h) => h.at >= since && h.reply !== 200 && h.reply !== 'silent'),
    )
    .map((h) => h.at);
  if (measured.length > 0) return { at: Math.min(...measured), derived: false };
  if (down === undefined) return undefined;
  const consecutive = Number(down.detail.consecutive ?? 1);
  const interval = ctx.deployment.config.health.probeIntervalMs;
  return { at: Math.max(since, down.at - (consecutive - 1) * interval), derived: true };
}
