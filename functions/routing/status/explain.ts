import type { StoredDecision } from '../control-store.js';
import type { Override, QuorumSettings, RegionEvidence } from '../quorum/types.js';
import { ago, iso } from './format.js';

const list = (items: readonly string[]) => (items.length > 0 ? items.join(', ') : 'none');

/**
 * `cc-continuity explain`: why the stored decision is what it is, from the rule's own explanation
 * (reasons, evidence, conditions) stored with it, plus the overrides in ControlState now.
 */
export function formatExplain(
  stored: StoredDecision | null,
  overrides: Readonly<Record<string, Override>>,
  settings: QuorumSettings,
  now: number,
): string {
  if (stored === null)
    return 'no decision stored yet: quorum has not decided, and both regions take calls until it does';
  const { decision, explanation } = stored;
  const lines = [
    `decision: epoch ${decision.epoch}, revision ${decision.revision}, decided ${iso(decision.decidedAtMs)} (${ago(decision.decidedAtMs, now)})`,
    `in rotation: ${decision.inRotation.join(', ') || '(none)'}`,
  ];
  if (explanation === undefined) {
    lines.push(
      '',
      'This decision carries no explanation: it was stored before decisions kept one. The next evaluation',
      '(the quorum schedule, any vote, or drain/pin/resume) stores one. What the item does say:',
    );
  }
  for (const region of settings.activeRegions) {
    const state = decision.regions[region];
    const inRotation = decision.inRotation.includes(region);
    lines.push('', `${region}: ${inRotation ? 'IN' : 'OUT'}${state ? ` (${state.reason})` : ''}`);
    const reason = explanation?.reasons[region];
    if (reason !== undefined) lines.push(`  why: ${reason}`);
    const evidence = explanation?.evidence[region];
    if (evidence !== undefined) lines.push(...evidenceLines(evidence));
    else if (state !== undefined)
      lines.push(
        `  SIP verdict: ${state.sipHealthy ? 'healthy' : 'unhealthy'}; replication: ${state.lagExcluded ? 'lag-excluded' : 'within the threshold'}; triggers holding it out: ${list(state.triggeredBy ?? [])}`,
      );
    if (state?.healthySinceMs !== null && state?.healthySinceMs !== undefined)
      lines.push(
        `  healthy since ${iso(state.healthySinceMs)} (failback dwell ${settings.failbackDwellSeconds} s)`,
      );
    const o = overrides[region];
    lines.push(
      o
        ? `  override now: ${o.mode}${o.force ? ' (force)' : ''} by ${o.by} at ${iso(o.atMs)}: ${o.reason}`
        : '  override now: none',
    );
  }
  if (explanation !== undefined) {
    lines.push('', 'conditions (safety rules and warnings):');
    if (explanation.conditions.length === 0) lines.push('  none');
    for (const c of explanation.conditions)
      lines.push(`  ${c.type}${c.region ? ` (${c.region})` : ''}: ${c.message}`);
  }
  return lines.join('\n');
}

function evidenceLines(e: RegionEvidence): string[] {
  const lines = [
    `  votes: healthy ${list(e.healthy)}; unhealthy ${list(e.unhealthy)}; abstained ${list(e.abstained)} (${e.quorum ? 'quorum' : 'no quorum'})`,
    `  latest inbound replication lag: ${e.latestLagMs === null ? 'no samples' : `${e.latestLagMs} ms`}`,
  ];
  const triggers = e.triggers ?? [];
  if (triggers.length === 0) lines.push('  triggers: none for this region');
  for (const t of triggers)
    lines.push(`  trigger ${t.alarmName}: ${t.firing ? 'firing' : 'not firing'}: ${t.why}`);
  return lines;
}
