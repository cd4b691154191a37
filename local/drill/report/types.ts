/**
 * The failover drill's report: what the scenario engine records and the renderers (terminal.ts,
 * html.ts) show. Plain data only, so `drill-report.json` is this model as written and read back.
 * Times inside a scenario are milliseconds since that scenario started; wall-clock times are ISO 8601.
 */

/** One row of a scenario's timeline: 'fault', 'edge us-east-1', 'monitor us-east-1', 'vote', 'quorum', 'dns sip', ... */
export type Lane = string;

/**
 * What an entry is, which is also its color in the HTML timeline:
 * - `fault`: the drill broke something (red, with a vertical line across every lane);
 * - `recovery`: the drill repaired it, or the system was seen back to normal (green);
 * - `observation`: the system was seen reacting (blue);
 * - `note`: context that is neither (grey).
 */
export type EntryKind = 'fault' | 'observation' | 'recovery' | 'note';

export interface TimelineEntry {
  /** Milliseconds since the scenario started. */
  readonly atMs: number;
  readonly lane: Lane;
  /** Short, shown on the timeline: 'DOWN', 'answer 503', 'vote DOWN from us-west-2'. */
  readonly label: string;
  readonly kind: EntryKind;
  /** Longer text for the reader who wants it (HTML tooltip); not shown in the terminal. */
  readonly detail?: string;
}

/** A measured interval, such as 'fault-to-DOWN'. */
export interface Timing {
  readonly name: string;
  /** Milliseconds; null when the end event never happened within the scenario. */
  readonly ms: number | null;
}

/** One checked property of a scenario, with both sides written for a person ('≤ 2 s', '1.4 s'). */
export interface Expectation {
  readonly name: string;
  readonly passed: boolean;
  readonly expected: string;
  readonly measured: string;
}

export interface ScenarioReport {
  /** Stable identifier: 'regional-outage'. Timings are summarized across runs by this name. */
  readonly name: string;
  /** For people: 'Regional outage: us-east-1 proxies go silent'. */
  readonly title: string;
  /** 1-based repeat number when the drill runs a scenario several times. */
  readonly run: number;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly durationMs: number;
  readonly passed: boolean;
  /** Set when the scenario itself crashed (as opposed to an expectation failing). */
  readonly error?: string;
  readonly timeline: readonly TimelineEntry[];
  readonly timings: readonly Timing[];
  readonly expectations: readonly Expectation[];
}

/** One timing of one scenario across its runs (see stats.ts summarize). */
export interface TimingSummary {
  readonly name: string;
  readonly scenario: string;
  /** In run order; null where the run never saw the end event. */
  readonly samples: readonly (number | null)[];
  /** Over the non-null samples; null when there are none. */
  readonly median: number | null;
  /** Nearest-rank 95th percentile over the non-null samples; null when there are none. */
  readonly p95: number | null;
  /** How many samples are null. */
  readonly missing: number;
}

export interface DrillEnvironment {
  /** The config environment: 'dev'. */
  readonly env: string;
  readonly activeRegions: readonly string[];
  readonly witness: string;
  readonly sipEdge: 'kamailio' | 'builtin';
  /** `process.version` of the drill. */
  readonly node: string;
  readonly host: string;
  /** The knobs that shape the timings: probe interval, thresholds, dwell, DNS TTL, ... */
  readonly settings: Readonly<Record<string, number | string>>;
}

export interface DrillReport {
  /** ISO 8601. */
  readonly startedAt: string;
  /** ISO 8601. */
  readonly finishedAt: string;
  readonly durationMs: number;
  /** True when every scenario run passed. */
  readonly passed: boolean;
  readonly environment: DrillEnvironment;
  readonly scenarios: readonly ScenarioReport[];
  readonly summaries: readonly TimingSummary[];
  readonly notes: readonly string[];
}
