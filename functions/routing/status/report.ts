import type { AlarmStateReader } from '../alarm-states.js';
import type { ControlStore, HistoryEntry, StoredDecision } from '../control-store.js';
import type { TriggerReading, TriggerSpec } from '../quorum/triggers.js';
import type { LagSample, Override, QuorumSettings, Vote } from '../quorum/types.js';
import type { DnsStatusReader, RegionDns } from './route53-status.js';

/** What `cc-continuity status` shows: the stored decision, everything behind it, and what DNS does. */
export interface StatusReport {
  readonly env: string;
  readonly readAtMs: number;
  readonly current: StoredDecision | null;
  readonly votes: readonly Vote[];
  readonly lag: Readonly<Record<string, readonly LagSample[]>>;
  readonly overrides: Readonly<Record<string, Override>>;
  /** The latest rotation change, if any. */
  readonly lastChange: HistoryEntry | null;
  /** Route 53's view per active region. */
  readonly dns: Readonly<Record<string, RegionDns>>;
  /** Every trigger alarm with its current state, in failoverTriggers order. */
  readonly triggers: readonly TriggerStatus[];
}

/** A trigger alarm as status shows it. */
export interface TriggerStatus {
  readonly alarmName: string;
  readonly alarmRegion: string;
  /** The active region it takes out. */
  readonly region: string;
  readonly source: TriggerSpec['source'];
  readonly state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'MISSING' | 'UNKNOWN';
  readonly sinceMs: number | null;
  /** Why the state is UNKNOWN. */
  readonly unknown: string | null;
}

export interface StatusSources {
  readonly store: ControlStore;
  readonly settings: QuorumSettings;
  readonly env: string;
  /** @default - Route 53 not read: every region's DNS is unknown with `dnsSkipped` as the reason */
  readonly dns?: DnsStatusReader;
  /** Why DNS is not read when `dns` is absent. @default 'Route 53 not read' */
  readonly dnsSkipped?: string;
  /**
   * The trigger alarms and their reader; `unreadable(alarmRegion)` says why a region's alarms could not
   * be read (the reader's onError). @default - alarms not read: each is UNKNOWN with `triggersSkipped`
   */
  readonly triggers?: {
    readonly specs: readonly TriggerSpec[];
    readonly reader?: AlarmStateReader;
    readonly unreadable?: (alarmRegion: string) => string | undefined;
  };
  /** Why the alarms are not read when there is no reader. @default 'CloudWatch not read' */
  readonly triggersSkipped?: string;
  readonly now: number;
}

/**
 * Reads ControlState (throws ControlUnavailable like every store call), Route 53 and the trigger alarms;
 * the last two never fail the read: what cannot be read is shown as unknown with the reason.
 */
export async function readStatus(sources: StatusSources): Promise<StatusReport> {
  const { store, settings } = sources;
  const regions = settings.activeRegions;
  const specs = sources.triggers?.specs ?? [];
  const [current, votes, lag, overrides, history, dns, readings] = await Promise.all([
    store.readDecision(),
    store.readVotes(regions),
    store.readLag(regions),
    store.readOverrides(regions),
    store.readHistory(),
    readDns(sources),
    sources.triggers?.reader && specs.length > 0
      ? sources.triggers.reader.read(specs).catch(() => null)
      : Promise.resolve(null),
  ]);
  return {
    env: sources.env,
    readAtMs: sources.now,
    current,
    votes,
    lag,
    overrides,
    lastChange: history.at(-1) ?? null,
    dns,
    triggers: specs.map((spec, i) => triggerStatus(spec, readings?.[i], sources)),
  };
}

async function readDns(sources: StatusSources): Promise<Record<string, RegionDns>> {
  const regions = sources.settings.activeRegions;
  const unknown = (why: string) =>
    Object.fromEntries(regions.map((r) => [r, { region: r, healthy: null, checks: [], unknown: why }]));
  if (sources.dns === undefined) return unknown(sources.dnsSkipped ?? 'Route 53 not read');
  try {
    return await sources.dns.read(sources.env, regions);
  } catch (error) {
    return unknown(`Route 53 could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function triggerStatus(
  spec: TriggerSpec,
  reading: TriggerReading | undefined,
  sources: StatusSources,
): TriggerStatus {
  const base = {
    alarmName: spec.alarmName,
    alarmRegion: spec.alarmRegion,
    region: spec.region,
    source: spec.source,
  };
  if (reading === undefined) {
    const why = sources.triggers?.reader
      ? 'the read failed'
      : (sources.triggersSkipped ?? 'CloudWatch not read');
    return { ...base, state: 'UNKNOWN', sinceMs: null, unknown: why };
  }
  if (reading.missing) return { ...base, state: 'MISSING', sinceMs: null, unknown: null };
  if (reading.state === null) {
    const why = sources.triggers?.unreadable?.(spec.alarmRegion) ?? 'CloudWatch did not answer';
    return { ...base, state: 'UNKNOWN', sinceMs: null, unknown: why };
  }
  return { ...base, state: reading.state, sinceMs: reading.sinceMs, unknown: null };
}

/** Whether DNS and the decision agree about one region. */
export type DnsAgreement =
  | { readonly kind: 'agree'; readonly sendsCallers: boolean; readonly message: string }
  | { readonly kind: 'dns-sends-excluded'; readonly sendsCallers: true; readonly message: string }
  | { readonly kind: 'dns-skips-included'; readonly sendsCallers: false; readonly message: string }
  | { readonly kind: 'unknown'; readonly sendsCallers: null; readonly message: string };

/** "endpoint: healthy in 16 of 16 checkers; sip-alarm: ...", per child check of the region. */
export function checkersText(dns: RegionDns): string {
  const children = dns.checks.filter((c) => c.role !== 'region');
  if (children.length === 0) return dns.unknown ?? 'no checks';
  return children
    .map((c) => {
      const name = c.role ?? c.healthCheckId;
      if (c.healthy === null) return `${name}: unknown (${c.note})`;
      return `${name}: healthy in ${c.healthyCheckers} of ${c.checkers} checkers`;
    })
    .join('; ');
}

/**
 * Compares Route 53's answer with the decision for every active region. A region's records are answered
 * while its calculated check is healthy; when every region's check is unhealthy Route 53 answers all of
 * them ("How Amazon Route 53 chooses records when health checking is configured", Route 53 Developer
 * Guide, health-checks-how-route-53-chooses-records.html).
 */
export function dnsAgreement(report: StatusReport, settings: QuorumSettings): Record<string, DnsAgreement> {
  const regions = settings.activeRegions;
  const decision = report.current?.decision;
  const out: Record<string, DnsAgreement> = {};
  for (const region of regions) {
    const dns = report.dns[region];
    const included = decision ? decision.inRotation.includes(region) : true;
    const reason = decision?.regions[region]?.reason;
    const decided = `the decision ${included ? 'includes' : 'excludes'} it${reason ? ` (${reason})` : ''}`;
    if (dns === undefined || dns.healthy === null) {
      out[region] = {
        kind: 'unknown',
        sendsCallers: null,
        message: `DNS for ${region} unknown (${dns?.unknown ?? 'not read'}): cannot tell whether it agrees with the decision`,
      };
      continue;
    }
    const others = regions.filter((r) => r !== region).map((r) => report.dns[r]?.healthy ?? null);
    let sends: boolean | null = dns.healthy;
    let failOpen = false;
    if (!dns.healthy && !others.includes(true)) {
      if (others.includes(null)) sends = null;
      else [sends, failOpen] = [true, true];
    }
    if (sends === null) {
      out[region] = {
        kind: 'unknown',
        sendsCallers: null,
        message: `DNS for ${region} unknown: its health check is unhealthy, and whether Route 53 answers it anyway depends on the other region's check, which could not be read`,
      };
    } else if (sends === included) {
      out[region] = {
        kind: 'agree',
        sendsCallers: sends,
        message: `DNS ${sends ? 'sends callers to' : 'does not send callers to'} ${region}${failOpen ? ' (every region is unhealthy, so Route 53 answers all)' : ''}, as ${decided}`,
      };
    } else if (sends) {
      const why = failOpen
        ? "every region's health check is unhealthy, so Route 53 answers all of them,"
        : `its health check is healthy (${checkersText(dns)})`;
      out[region] = {
        kind: 'dns-sends-excluded',
        sendsCallers: true,
        message: `DNS still sends callers to ${region}: ${why} although ${decided}`,
      };
    } else {
      out[region] = {
        kind: 'dns-skips-included',
        sendsCallers: false,
        message: `DNS does not send callers to ${region}: its health check is unhealthy (${checkersText(dns)}) although ${decided}`,
      };
    }
  }
  return out;
}
