import { type ContinuityConfig, parseConfig } from '../../config/schema.js';

/**
 * The configuration the drill deploys: the environment's own file with three changes, stated in the
 * README: the SIP targets become the local edges on loopback; the context TTL drops to the schema's
 * minimum (60 s) so the transfer scenario can outlive it within minutes; and the context API's replica
 * reads (this region's and the origin's) get {@link DRILL_READ_TIMEOUT_MS} per attempt, because DynamoDB
 * Local on a loaded two-core machine stalls for longer than a real replica's budget without being hung
 * (the budgets themselves are tested against injected latency); each platform org without a partner
 * event source gets the local one ({@link drillEventSource}); and each active region gets a failover
 * trigger on a user alarm of its own ({@link drillTriggerAlarm}), which the triggers scenario sets to
 * ALARM as an SBC's error alarm would go off. Every other figure (probe
 * interval, thresholds, dwell, TTLs, budgets) is the environment's own.
 */

/** Region number n (1-based, config order) lives on 127.0.n.0/24; the witness after the active ones. */
export function regionSubnet(index: number): string {
  return `127.0.${index + 1}`;
}

export interface EdgeAddress {
  readonly region: string;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly transport: 'udp' | 'tcp';
}

export const DRILL_CONTEXT_TTL_SECONDS = 60;

/** The partner event source of a drill org: the form the platform's EventBridge integration creates. */
export function drillEventSource(org: string): string {
  return `aws.partner/genesys.com/cloud/drill-org-${org}/cc-continuity`;
}
export const DRILL_READ_TIMEOUT_MS = 2000;

/**
 * The user alarm the drill adds as a failover trigger of `region` (`effect: exclude`, no clear delay):
 * it stands for an SBC's error-rate alarm, whose metrics the drill does not have (a state-only alarm).
 */
export function drillTriggerAlarm(region: string): string {
  return `drill-sbc-errors-${region}`;
}

/**
 * @example
 * const config = drillConfig(loadConfig('dev'), edges);
 */
export function drillConfig(base: ContinuityConfig, edges: readonly EdgeAddress[]): ContinuityConfig {
  const sipTargets: Record<string, { name: string; host: string; port: number; transport: string }[]> = {};
  for (const region of base.regions.active) {
    sipTargets[region] = edges
      .filter((e) => e.region === region)
      .map((e) => ({ name: e.name, host: e.host, port: e.port, transport: e.transport }));
  }
  const raw = {
    ...base,
    sipTargets,
    // Each org's capacity events come through a partner event source of its own (the stand-in's).
    platform: {
      ...base.platform,
      orgs: base.platform.orgs.map((o) => ({
        ...o,
        eventSourceName: o.eventSourceName ?? drillEventSource(o.name),
      })),
    },
    failover: {
      ...base.failover,
      triggers: [
        ...base.failover.triggers,
        ...base.regions.active.map((region) => ({
          alarmName: drillTriggerAlarm(region),
          region,
          effect: 'exclude',
          clearAfterSeconds: 0,
        })),
      ],
    },
    context: {
      ...base.context,
      contextTtlSeconds: DRILL_CONTEXT_TTL_SECONDS,
      localReadTimeoutMs: DRILL_READ_TIMEOUT_MS,
      originReadTimeoutMs: DRILL_READ_TIMEOUT_MS,
    },
  };
  return parseConfig(JSON.parse(JSON.stringify(raw)), `config/${base.env}.json (drill)`);
}
