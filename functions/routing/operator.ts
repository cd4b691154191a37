import type { ControlStore, HistoryEntry, StoredDecision } from './control-store.js';
import type { LagSample, Override, QuorumSettings, Vote } from './quorum/types.js';
import { freshness, latestVotes } from './quorum/votes.js';
import { evaluate, type QuorumDeps } from './quorum-service.js';

/** What `cc-continuity status` shows: the stored decision and everything behind it. */
export interface StatusReport {
  readonly current: StoredDecision | null;
  readonly votes: readonly Vote[];
  readonly lag: Readonly<Record<string, readonly LagSample[]>>;
  readonly overrides: Readonly<Record<string, Override>>;
  /** The latest rotation change, if any. */
  readonly lastChange: HistoryEntry | null;
}

export async function readStatus(store: ControlStore, settings: QuorumSettings): Promise<StatusReport> {
  const regions = settings.activeRegions;
  const [current, votes, lag, overrides, history] = await Promise.all([
    store.readDecision(),
    store.readVotes(regions),
    store.readLag(regions),
    store.readOverrides(regions),
    store.readHistory(),
  ]);
  return { current, votes, lag, overrides, lastChange: history.at(-1) ?? null };
}

const iso = (ms: number) => new Date(ms).toISOString();
const ago = (ms: number, now: number) => `${Math.max(0, Math.round((now - ms) / 1000))} s ago`;

/** Plain text, one block per active region. */
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
  }
  const change = report.lastChange;
  lines.push(
    '',
    change
      ? `last change: epoch ${change.epoch} at ${iso(change.announcement.decidedAtMs)} by quorum in ${change.announcement.decidedBy}: ${change.announcement.previous.join(', ') || '(none)'} -> ${change.announcement.inRotation.join(', ') || '(none)'}`
      : 'last change: none recorded',
  );
  return lines.join('\n');
}

export type OperatorAction =
  | {
      readonly kind: 'drain' | 'pin';
      readonly region: string;
      readonly by: string;
      readonly reason: string;
      readonly force?: boolean;
    }
  | { readonly kind: 'resume'; readonly region: string };

/**
 * Writes (or, for resume, removes) the override of one region, then evaluates at once so the change
 * takes effect now and is announced like any other (the caller's deps say where events go).
 */
export async function applyOperatorAction(deps: QuorumDeps, action: OperatorAction, now: number) {
  if (!deps.settings.activeRegions.includes(action.region)) {
    throw new RangeError(
      `${action.region} is not an active region (${deps.settings.activeRegions.join(', ')})`,
    );
  }
  if (action.kind === 'resume') {
    await deps.store.clearOverride(action.region);
  } else {
    await deps.store.putOverride(action.region, {
      mode: action.kind,
      by: action.by,
      reason: action.reason,
      atMs: now,
      ...(action.force ? { force: true } : {}),
    });
  }
  return evaluate(deps, now);
}
