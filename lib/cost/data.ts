import type { ContinuityConfig } from '../../config/schema.js';
import { priced, rru, wru } from './line.js';
import type { PriceFile } from './prices.js';
import type { Rates } from './rates.js';
import type { BillLine, CostProfile } from './types.js';

/** ControlState's MRSC witness holds no readable replica: the writes are billed in the two replicas (assumed). */
const MRSC_BILLED_REPLICAS = 2;

/**
 * DynamoDB, on demand (data-stack.ts, witness-stack.ts). A write to a global table is billed as one
 * replicated write request unit per started KB in every replica (global-tables-billing); a strongly
 * consistent read as one read request unit per started 4 KB. Also the inter-region transfer of the
 * replicated bytes.
 */
export function dataLines(
  config: ContinuityConfig,
  profile: CostProfile,
  rates: Rates,
  prices: PriceFile,
): BillLine[] {
  const active = config.regions.active;
  const witness = [config.regions.witness];
  const mrec = active.length; // ContextCache and CrmEvents: one replica per active region
  const leaseWru = wru(profile.leaseItemKb);
  const decisionWru = wru(profile.decisionItemKb);
  const c = profile.perCall;
  // Writes per month before replication, per table.
  const control = {
    lease: active.length * rates.leaseWrites * leaseWru,
    votes: rates.votesTotal * 1,
    decisions: rates.evaluations * decisionWru,
    calls: rates.calls * c.resolve * 1,
  };
  const cache = {
    heartbeats: active.length * rates.ticks * 1,
    contexts: rates.calls * c.contextSave * wru(profile.contextItemKb),
  };
  const crm = rates.calls * c.crmEvents * 1;
  const controlWrites = control.lease + control.votes + control.decisions + control.calls;
  const leaseReads =
    rates.ticks /* monitor.ts peerTickAt: the peer's lease, every tick */ +
    rates.monitorInvocations * rates.leaseWaitReadsPerInvocation;
  // quorum: putVote reads the vote in both regions; an evaluation reads the decision, 2 vote queries,
  // 2 lag items and 2 overrides (quorum-service.ts evaluate, control-store.ts).
  const evaluationReads = rru(profile.decisionItemKb) + 2 * active.length * 1 + active.length * 1;
  const controlReads =
    active.length * leaseReads +
    active.length * rates.votesTotal +
    rates.evaluations * evaluationReads +
    active.length * rates.healthEndpointRequests * rru(profile.decisionItemKb) +
    rates.calls * c.resolve * 3;
  const kbToGb = 1 / (1024 * 1024);
  return [
    priced(prices, {
      area: 'data',
      item: 'ControlState (MRSC): replicated writes',
      regions: active,
      quantity: controlWrites * MRSC_BILLED_REPLICAS,
      priceKey: 'dynamodb.rwru',
      derivation:
        `x${MRSC_BILLED_REPLICAS} replicas (witness not billed, assumed) of: monitor lease ${active.length} observers x ${rates.leaseWrites} commits/take/release x ${leaseWru} WRU (${profile.leaseItemKb} KB assumed); ` +
        `${rates.votesTotal} votes x 1; ${rates.evaluations} decisions x ${decisionWru} (quorum writes the decision every evaluation); ${c.resolve} resolve writes per call (assumed)`,
    }),
    priced(prices, {
      area: 'data',
      item: 'ControlState (MRSC): strongly consistent reads',
      regions: active,
      quantity: controlReads,
      priceKey: 'dynamodb.rru',
      derivation:
        `per active region: peer lease every tick + ${rates.leaseWaitReadsPerInvocation} hand-over polls a run; vote read per vote; ` +
        `${evaluationReads} RRU per evaluation; 1 per health-endpoint request; 3 per resolve (assumed)`,
    }),
    priced(prices, {
      area: 'data',
      item: 'WitnessState: writes',
      regions: witness,
      quantity: rates.leaseWrites * leaseWru,
      priceKey: 'dynamodb.wru',
      derivation: `witness monitor lease: ${rates.leaseWrites} commits/take/release x ${leaseWru} WRU (regional table)`,
    }),
    priced(prices, {
      area: 'data',
      item: 'WitnessState: reads',
      regions: witness,
      quantity: rates.monitorInvocations * rates.leaseWaitReadsPerInvocation,
      priceKey: 'dynamodb.rru',
      derivation: `${rates.leaseWaitReadsPerInvocation} hand-over polls per run (no peer, no heartbeats)`,
    }),
    priced(prices, {
      area: 'data',
      item: 'ContextCache (MREC): replicated writes',
      regions: active,
      quantity: (cache.heartbeats + cache.contexts) * mrec,
      priceKey: 'dynamodb.rwru',
      derivation: `x${mrec} replicas of: heartbeat every tick from ${active.length} monitors (heartbeat.ts); ${c.contextSave} saves per call x ${wru(profile.contextItemKb)} WRU (assumed)`,
    }),
    priced(prices, {
      area: 'data',
      item: 'ContextCache (MREC): heartbeat polls and context reads',
      regions: active,
      quantity:
        active.length * rates.heartbeatReads + rates.calls * c.contextRead * rru(profile.contextItemKb),
      priceKey: 'dynamodb.rru',
      derivation: `LagMeter polls the peer heartbeat every ${profile.heartbeatPollMs} ms, strongly consistent, in ${active.length} regions; ${c.contextRead} reads per call (assumed)`,
    }),
    priced(prices, {
      area: 'data',
      item: 'CrmEvents (MREC): replicated writes',
      regions: active,
      quantity: crm * mrec,
      priceKey: 'dynamodb.rwru',
      derivation: `x${mrec} replicas of ${c.crmEvents} CRM webhook events per call (assumed), 1 KB each`,
    }),
    priced(prices, {
      area: 'data',
      item: 'inter-region transfer of replicated writes',
      regions: [...active, ...witness],
      // Every KB written goes once to each other replica: MREC to the peer, MRSC to the peer and the witness.
      quantity: (controlWrites * 2 + (cache.heartbeats + cache.contexts + crm) * (mrec - 1)) * kbToGb,
      priceKey: 'dataTransfer.interRegion',
      derivation:
        'each written KB (WRU) once per other replica: ControlState to peer + witness, MREC tables to the peer',
    }),
  ];
}
