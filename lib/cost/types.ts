import type { PriceKey } from './prices.js';

/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
export const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

export type CostArea = 'compute' | 'data' | 'network/DNS' | 'observability';

/** One line of the estimated bill. */
export interface BillLine {
  readonly area: CostArea;
  readonly item: string;
  /** Where it is billed. */
  readonly regions: readonly string[];
  /** In the price's unit (GB-seconds, requests, read request units, ...), per month. */
  readonly quantity: number;
  readonly unit: string;
  readonly priceKey: PriceKey;
  /** USD for every `per` units. */
  readonly unitPrice: number;
  readonly per: number;
  readonly monthlyUsd: number;
  /** How the quantity follows from the config and the code, assumptions named. */
  readonly derivation: string;
}

/**
 * What the constructs and runtime code fix that the environment config does not carry, plus the
 * assumptions the model needs (each used on a bill line says so). The knobs of `cost` change these.
 */
export interface CostProfile {
  /** lib/constructs/continuity-function.ts: memorySize default 256 (the monitor takes the default). */
  readonly monitorMemoryMb: number;
  /** Every other function: the same default. */
  readonly functionMemoryMb: number;
  /** continuity-function.ts: lambda.Architecture.ARM_64 for every function. */
  readonly architecture: 'arm64' | 'x86_64';
  /** health-monitor.ts: timeout default 70 s. */
  readonly monitorTimeoutS: number;
  /** functions/health/handler.ts DEADLINE_RESERVE_MS: the loop stops this long before the timeout. */
  readonly monitorDeadlineReserveMs: number;
  /** functions/health/heartbeat.ts LagMeter pollMs default (the handler passes none). */
  readonly heartbeatPollMs: number;
  /** continuity-function.ts: tracing ACTIVE on every function. */
  readonly tracing: boolean;
  /** Assumed size of a monitor lease item (counters, votes, lag, a tick's outbox), KB. */
  readonly leaseItemKb: number;
  /** Assumed size of the ROTATION decision item (decision, pending, explanation), KB. */
  readonly decisionItemKb: number;
  /** Assumed billed duration of a quorum invocation that evaluates / that finds the vote already stored, ms. */
  readonly quorumEvaluateMs: number;
  readonly quorumIgnoredMs: number;
  /** Assumed billed duration of a health-endpoint answer, an API function call and a scheduled job run, ms. */
  readonly healthEndpointMs: number;
  readonly apiFunctionMs: number;
  readonly scheduledJobMs: number;
  /** Route 53 health checkers that probe an endpoint (about 15 by default). */
  readonly route53Checkers: number;
  /** Assumed bytes of one EMF document, and of Lambda's START/END/REPORT lines per invocation. */
  readonly emfDocBytes: number;
  readonly platformLogBytes: number;
  /** Assumed log bytes a quorum evaluation writes (its EMF document and one line) and an API access-log line. */
  readonly quorumLogBytes: number;
  readonly accessLogBytes: number;
  /** Assumed per inbound call: resolves, context saves, context reads, CRM webhook events, events published. */
  readonly perCall: {
    readonly resolve: number;
    readonly contextSave: number;
    readonly contextRead: number;
    readonly crmEvents: number;
    readonly events: number;
  };
  /** Assumed size of a saved context, KB (contextSchema.maxContextBytes caps it at 32 KB). */
  readonly contextItemKb: number;
}

export const DEFAULT_PROFILE: CostProfile = {
  monitorMemoryMb: 256,
  functionMemoryMb: 256,
  architecture: 'arm64',
  monitorTimeoutS: 70,
  monitorDeadlineReserveMs: 1500,
  heartbeatPollMs: 25,
  tracing: true,
  leaseItemKb: 2,
  decisionItemKb: 3,
  quorumEvaluateMs: 40,
  quorumIgnoredMs: 15,
  healthEndpointMs: 10,
  apiFunctionMs: 50,
  scheduledJobMs: 300,
  route53Checkers: 15,
  emfDocBytes: 400,
  platformLogBytes: 300,
  quorumLogBytes: 800,
  accessLogBytes: 400,
  perCall: { resolve: 1.5, contextSave: 0.2, contextRead: 0.3, crmEvents: 2, events: 0.1 },
  contextItemKb: 4,
};

/** Inbound calls a day when `--calls-per-day` is not given. */
export const DEFAULT_CALLS_PER_DAY = 5000;
