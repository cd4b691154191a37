import type { QuorumSettings } from '../quorum/types.js';
import { freshness, latestVotes } from '../quorum/votes.js';
import { dnsAgreement, type StatusReport } from './report.js';

const isoOrNull = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

/**
 * `cc-continuity status --json`: the same facts as the text, as one document with stable field names
 * (documented in the README). Times are ISO 8601; unknown values are null with a reason beside them.
 */
export function statusJson(report: StatusReport, settings: QuorumSettings, now: number) {
  const decision = report.current?.decision ?? null;
  const latest = latestVotes(report.votes);
  const agreement = dnsAgreement(report, settings);
  const regions = Object.fromEntries(
    settings.activeRegions.map((region) => {
      const state = decision?.regions[region];
      const last = (report.lag[region] ?? []).at(-1);
      const o = report.overrides[region];
      const dns = report.dns[region];
      const a = agreement[region];
      const triggeredBy = state?.triggeredBy ?? [];
      return [
        region,
        {
          inRotation: decision ? decision.inRotation.includes(region) : true,
          reason: state?.reason ?? null,
          triggeredBy,
          votes: [...settings.activeRegions, settings.witnessRegion].map((observer) => {
            const v = latest.get(`${observer}\u0000${region}`);
            return {
              observer,
              healthy: v ? v.healthy : null,
              seq: v ? v.seq : null,
              at: isoOrNull(v?.occurredAtMs),
              freshness: v ? freshness(v, now, settings.voteStaleMs) : null,
            };
          }),
          lag: {
            latestMs: last?.lagMs ?? null,
            at: isoOrNull(last?.atMs),
            excluded: state?.lagExcluded ?? false,
          },
          override: o
            ? { mode: o.mode, by: o.by, reason: o.reason, at: isoOrNull(o.atMs), force: o.force === true }
            : null,
          triggers: report.triggers
            .filter((t) => t.region === region)
            .map((t) => ({
              alarmName: t.alarmName,
              alarmRegion: t.alarmRegion,
              source: t.source,
              state: t.state,
              since: isoOrNull(t.sinceMs),
              unknown: t.unknown,
              holdingOut: triggeredBy.includes(t.alarmName),
            })),
          dns: {
            healthy: dns?.healthy ?? null,
            unknown: dns?.unknown ?? (dns ? null : 'not read'),
            checks: (dns?.checks ?? []).map((c) => ({
              role: c.role,
              healthCheckId: c.healthCheckId,
              healthy: c.healthy,
              healthyCheckers: c.healthyCheckers,
              checkers: c.checkers,
              note: c.note,
            })),
            sendsCallers: a?.sendsCallers ?? null,
            agreement: a?.kind ?? 'unknown',
            message: a?.message ?? null,
          },
        },
      ];
    }),
  );
  const change = report.lastChange;
  return {
    env: report.env,
    readAt: isoOrNull(report.readAtMs),
    decision: decision
      ? {
          epoch: decision.epoch,
          revision: decision.revision,
          inRotation: decision.inRotation,
          decidedAt: isoOrNull(decision.decidedAtMs),
        }
      : null,
    regions,
    lastChange: change
      ? {
          epoch: change.epoch,
          at: isoOrNull(change.announcement.decidedAtMs),
          decidedBy: change.announcement.decidedBy,
          previous: change.announcement.previous,
          inRotation: change.announcement.inRotation,
        }
      : null,
    disagreements: settings.activeRegions
      .filter((r) => agreement[r]?.kind !== 'agree')
      .map((r) => ({
        region: r,
        kind: agreement[r]?.kind ?? 'unknown',
        message: agreement[r]?.message ?? null,
      })),
  };
}
