import type { QuorumSettings } from '../quorum/types.js';
import { freshness, latestVotes } from '../quorum/votes.js';
import { checkersText, dnsAgreement, type StatusReport, type TriggerStatus } from './report.js';

export const iso = (ms: number) => new Date(ms).toISOString();
export const ago = (ms: number, now: number) => `${Math.max(0, Math.round((now - ms) / 1000))} s ago`;

/** After a rotation change DNS follows only once Route 53's checks have run again (10 s interval, 1-minute alarm). */
const DNS_FOLLOWS_MS = 120_000;

/** Plain text, one block per active region, then any disagreement between DNS and the decision. */
export function formatStatus(report: StatusReport, settings: QuorumSettings, now: number): string {
  const lines: string[] = [];
  const decision = report.current?.decision;
  lines.push(
    decision
      ? `rotation: ${decision.inRotation.join(', ') || '(none)'}  (epoch ${decision.epoch}, revision ${decision.revision}, decided ${ago(decision.decidedAtMs, now)})`
      : 'rotation: no decision stored yet (both regions take calls until quorum first decides)',
  );
  const latest = latestVotes(report.votes);
  const observers = [...settings.activeRegions, settings.witnessRegion];
  const agreement = dnsAgreement(report, settings);
  for (const region of settings.activeRegions) {
    const state = decision?.regions[region];
    const inRotation = decision ? decision.inRotation.includes(region) : true;
    lines.push('', `${region}: ${inRotation ? 'IN' : 'OUT'}${state ? ` (${state.reason})` : ''}`);
    for (const observer of observers) {
      const vote = latest.get(`${observer}\u0000${region}`);
      const text = vote
        ? `${vote.healthy ? 'healthy' : 'unhealthy'}, seq ${vote.seq}, ${ago(vote.occurredAtMs, now)} (${freshness(vote, now, settings.voteStaleMs)})`
        : 'no vote';
      lines.push(`  vote from ${observer}: ${text}`);
    }
    const samples = report.lag[region] ?? [];
    const last = samples.at(-1);
    lines.push(
      `  inbound replication lag: ${last ? `${last.lagMs} ms (${ago(last.atMs, now)})` : 'no samples'}${state?.lagExcluded ? ', excluded' : ''}`,
    );
    const o = report.overrides[region];
    if (o)
      lines.push(
        `  override: ${o.mode}${o.force ? ' (force)' : ''} by ${o.by} at ${iso(o.atMs)}: ${o.reason}`,
      );
    lines.push(...triggerLines(report, region, state?.triggeredBy ?? [], now));
    const dns = report.dns[region];
    lines.push(
      dns === undefined || dns.healthy === null
        ? `  route 53: unknown (${dns?.unknown ?? 'not read'})`
        : `  route 53: ${dns.healthy ? 'healthy' : 'unhealthy'} (${dns.checks.find((c) => c.role === 'region')?.note}; ${checkersText(dns)})`,
    );
    const a = agreement[region];
    if (a?.kind === 'agree') lines.push(`  dns: agrees: ${a.message}`);
  }
  const change = report.lastChange;
  lines.push(
    '',
    change
      ? `last change: epoch ${change.epoch} at ${iso(change.announcement.decidedAtMs)} by quorum in ${change.announcement.decidedBy}: ${change.announcement.previous.join(', ') || '(none)'} -> ${change.announcement.inRotation.join(', ') || '(none)'}`
      : 'last change: none recorded',
  );
  const disagreements = Object.values(agreement).filter((a) => a.kind !== 'agree');
  if (disagreements.length > 0) {
    lines.push('');
    for (const a of disagreements) lines.push(a.message);
    const changedAt = change?.announcement.decidedAtMs;
    if (
      changedAt !== undefined &&
      now - changedAt < DNS_FOLLOWS_MS &&
      disagreements.some((a) => a.kind !== 'unknown')
    )
      lines.push(
        `(the rotation changed ${ago(changedAt, now)}: DNS follows once Route 53's checks see the change)`,
      );
  }
  return lines.join('\n');
}

function triggerLines(
  report: StatusReport,
  region: string,
  triggeredBy: readonly string[],
  now: number,
): string[] {
  const mine = report.triggers.filter((t) => t.region === region);
  const lines = mine.map(
    (t) =>
      `  trigger ${t.alarmName} (${t.alarmRegion}, ${t.source}): ${triggerState(t, now)}${triggeredBy.includes(t.alarmName) ? `; holding ${region} out` : ''}`,
  );
  for (const name of triggeredBy.filter((n) => !mine.some((t) => t.alarmName === n)))
    lines.push(`  trigger ${name}: holding ${region} out per the decision (no longer a configured trigger)`);
  return lines.length > 0 ? lines : ['  triggers: none'];
}

export function triggerState(t: TriggerStatus, now: number): string {
  switch (t.state) {
    case 'UNKNOWN':
      return `unknown (${t.unknown})`;
    case 'MISSING':
      return `missing (CloudWatch has no such alarm in ${t.alarmRegion}; check failover.triggers)`;
    default:
      return t.sinceMs === null ? t.state : `${t.state} since ${iso(t.sinceMs)} (${ago(t.sinceMs, now)})`;
  }
}
