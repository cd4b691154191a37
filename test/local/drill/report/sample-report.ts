import { summarize } from '../../../../local/drill/report/stats.js';
import type { DrillReport, ScenarioReport, TimelineEntry } from '../../../../local/drill/report/types.js';

const S = 1000;

/**
 * The regional-outage scenario as the drill records it: us-east-1's SIP proxies go silent at 0 and
 * come back at +30 s. `slowerBy` shifts the detection times, so repeats differ like real runs do.
 */
export function outageScenario(run = 1, slowerBy = 0): ScenarioReport {
  const at = (ms: number) => ms + slowerBy;
  const timeline: TimelineEntry[] = [
    {
      atMs: 0,
      lane: 'fault',
      label: 'us-east-1 SIP proxies silent',
      kind: 'fault',
      detail: 'Kamailio us-east-1 drops OPTIONS and INVITE',
    },
    { atMs: at(300), lane: 'monitor us-east-1', label: 'probe failed (timeout)', kind: 'observation' },
    {
      atMs: at(1400),
      lane: 'monitor us-east-1',
      label: 'DOWN',
      kind: 'observation',
      detail: '3 failed probes in a row',
    },
    { atMs: at(1420), lane: 'vote', label: 'us-east-1 votes DOWN', kind: 'observation' },
    { atMs: at(1480), lane: 'vote', label: 'us-west-2 votes DOWN', kind: 'observation' },
    { atMs: at(1530), lane: 'vote', label: 'us-east-2 (witness) votes DOWN', kind: 'observation' },
    {
      atMs: at(1600),
      lane: 'quorum',
      label: 'decision: us-east-1 out of rotation',
      kind: 'observation',
      detail: '3 of 3 observers, conditional write v=42',
    },
    { atMs: at(1700), lane: 'health us-east-1', label: '503', kind: 'observation' },
    { atMs: at(11_000), lane: 'dns sip', label: 'answer: us-west-2 only', kind: 'observation' },
    { atMs: at(12_400), lane: 'api', label: 'context saved in us-west-2', kind: 'note' },
    {
      atMs: at(20_000),
      lane: 'edge us-east-1',
      label: 'silent: no new INVITE',
      kind: 'observation',
      detail: 'TTL 10 s after the DNS change',
    },
    { atMs: 30_000, lane: 'fault', label: 'proxies restarted', kind: 'recovery' },
    { atMs: 33_000, lane: 'monitor us-east-1', label: 'UP', kind: 'recovery' },
    { atMs: 33_100, lane: 'quorum', label: 'dwell 30 s started', kind: 'note' },
    { atMs: 63_100, lane: 'quorum', label: 'back in rotation', kind: 'recovery' },
    { atMs: 63_200, lane: 'health us-east-1', label: '200', kind: 'recovery' },
    { atMs: 75_000, lane: 'dns sip', label: 'answer: both regions', kind: 'recovery' },
  ];
  return {
    name: 'regional-outage',
    title: 'Regional outage: us-east-1 proxies go silent',
    run,
    startedAt: `2025-06-02T09:0${run}:00.000Z`,
    durationMs: 78_000,
    passed: true,
    timeline,
    timings: [
      { name: 'fault-to-first-failed-probe', ms: at(300) },
      { name: 'fault-to-DOWN', ms: at(1400) },
      { name: 'fault-to-decision', ms: at(1600) },
      { name: 'fault-to-health-503', ms: at(1700) },
      { name: 'fault-to-DNS-change', ms: at(11_000) },
      { name: 'fault-to-edge-silent', ms: at(20_000) },
      { name: 'recovery-to-UP', ms: 3000 },
      { name: 'recovery-to-rotation', ms: 33_100 },
      { name: 'recovery-to-DNS-back', ms: 45_000 },
    ],
    expectations: [
      {
        name: 'DOWN within 3 probe intervals',
        passed: true,
        expected: '≤ 2.000 s',
        measured: `${(at(1400) / S).toFixed(3)} s`,
      },
      { name: 'quorum of observers voted DOWN', passed: true, expected: '≥ 2 of 3', measured: '3 of 3' },
      {
        name: 'DNS moved within TTL + check interval',
        passed: true,
        expected: '≤ 30.000 s',
        measured: `${(at(11_000) / S).toFixed(3)} s`,
      },
      { name: 'no calls lost', passed: true, expected: '0 failed INVITEs', measured: '0 failed INVITEs' },
      {
        name: 'failback waits for the dwell',
        passed: true,
        expected: '≥ 30.000 s after UP',
        measured: '30.100 s after UP',
      },
    ],
  };
}

/** Split brain with a failed expectation, to show how a failure reads. */
export function splitBrainScenario(): ScenarioReport {
  return {
    name: 'split-brain',
    title: 'Split brain: replication link cut',
    run: 1,
    startedAt: '2025-06-02T09:03:00.000Z',
    durationMs: 40_000,
    passed: false,
    timeline: [
      { atMs: 0, lane: 'fault', label: 'replication us-east-1 <-> us-west-2 cut', kind: 'fault' },
      { atMs: 2100, lane: 'quorum', label: 'us-west-2 loses quorum', kind: 'observation' },
      { atMs: 35_000, lane: 'fault', label: 'link restored', kind: 'recovery' },
    ],
    timings: [
      { name: 'fault-to-minority-stops', ms: null },
      { name: 'fault-to-quorum-lost', ms: 2100 },
    ],
    expectations: [
      {
        name: 'minority side stops assigning',
        passed: false,
        expected: '≤ 5.000 s',
        measured: 'still assigning after 35.000 s',
      },
      { name: 'no double assignment', passed: true, expected: '0', measured: '0' },
    ],
  };
}

/** A whole drill: the outage twice (so there are medians) and a failed split brain. */
export function sampleReport(): DrillReport {
  const scenarios = [outageScenario(1), outageScenario(2, 140), splitBrainScenario()];
  return {
    startedAt: '2025-06-02T09:01:00.000Z',
    finishedAt: '2025-06-02T09:03:40.000Z',
    durationMs: 160_000,
    passed: scenarios.every((s) => s.passed),
    environment: {
      env: 'dev',
      activeRegions: ['us-east-1', 'us-west-2'],
      witness: 'us-east-2',
      sipEdge: 'kamailio',
      node: 'v24.21.0',
      host: 'drill-host',
      settings: {
        probeIntervalMs: 500,
        failureThreshold: 3,
        failbackDwellSeconds: 30,
        dnsTtlSeconds: 10,
        healthCheckIntervalSeconds: 10,
      },
    },
    scenarios,
    summaries: summarize(scenarios),
    notes: [
      'Route 53 health checks are emulated; their 10 s interval is the main part of fault-to-DNS-change.',
    ],
  };
}
