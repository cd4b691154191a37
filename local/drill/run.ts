import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ContinuityConfig } from '../../config/schema.js';
import { type EdgeKind, kamailioAvailable } from '../sip/edge.js';
import { processRecord, reapLeftovers } from './cleanup.js';
import { type Deployment, startDeployment } from './deployment.js';
import { DRILL_CONTEXT_TTL_SECONDS, DRILL_READ_TIMEOUT_MS } from './drill-config.js';
import { observeEvents } from './observe.js';
import { summarize } from './report/stats.js';
import { progressLine, renderSummary, renderTimeline } from './report/terminal.js';
import type { DrillReport, ScenarioReport } from './report/types.js';
import { writeReports } from './report/write.js';
import { runScenario, type Scenario } from './scenario.js';
import { noise } from './scenarios/noise.js';
import { oauth } from './scenarios/oauth.js';
import { outage } from './scenarios/outage.js';
import { routing } from './scenarios/routing.js';
import { splitBrain } from './scenarios/split-brain.js';
import { transfer } from './scenarios/transfer.js';
import { triggers } from './scenarios/triggers.js';

/**
 * Every scenario, in the order a full drill runs them. The transfer goes first: it needs no steady
 * state, so its context-TTL wait overlaps the first minute of the SIP alarms (Route 53 reads their
 * one-minute version, which cannot be OK before a whole minute of data). Split brain goes after the SIP
 * scenarios: after its heal the replication backlog keeps a region excluded for a while, which none of
 * them needs. The triggers scenario goes just before it: it disturbs only the rotation (no edge, no
 * replication) and waits until both regions are back and answered by DNS. The oauth scenario needs no
 * SIP steady state, only stored platform tokens, so it gives the split's backlog time to drain before
 * routing, which starts from the steady state and adds a lag fault of its own.
 */
export const SCENARIOS: readonly Scenario[] = [transfer, outage, noise, triggers, splitBrain, oauth, routing];

export interface DrillOptions {
  readonly config: ContinuityConfig;
  readonly scenarios: readonly string[];
  readonly repeat: number;
  readonly keep: boolean;
  readonly reportDir: string;
  readonly edge: EdgeKind | 'auto';
  readonly out: NodeJS.WriteStream;
  /** Resolves when the user asks to stop (Ctrl-C); the drill then stops everything it started. */
  readonly interrupted: Promise<void>;
}

/** Runs the drill; resolves with the report (its `passed` decides the exit code). */
export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const started = Date.now();
  const out = options.out;
  const tty = out.isTTY === true;
  let lastLine = '';
  let lastPrinted = 0;
  const say = (text: string) => {
    if (tty && lastLine) out.write('\r\x1b[2K');
    lastLine = '';
    out.write(`${text}\n`);
  };
  const progress = (step: { scenario: string; elapsedMs: number; waitingFor: string }) => {
    const line = progressLine(step);
    if (tty) {
      out.write(`\r\x1b[2K${line.slice(0, (out.columns ?? 120) - 1)}`);
      lastLine = line;
    } else if (step.waitingFor !== lastLine || Date.now() - lastPrinted > 10_000) {
      // Without a terminal: one line per new wait, and a heartbeat every 10 s.
      out.write(`${line}\n`);
      lastLine = step.waitingFor;
      lastPrinted = Date.now();
    }
  };

  const reaped = reapLeftovers();
  if (reaped.length > 0)
    say(`reaped ${reaped.length} process(es) left by an earlier drill: ${reaped.join(', ')}`);
  const edgeKind: EdgeKind =
    options.edge === 'auto' ? ((await kamailioAvailable()) ? 'kamailio' : 'builtin') : options.edge;
  const record = processRecord();
  const selected = options.scenarios.map((name) => {
    const s = SCENARIOS.find((x) => x.name === name);
    if (s === undefined)
      throw new Error(`no scenario ${name}; choose from ${SCENARIOS.map((x) => x.name).join(', ')}`);
    return s;
  });

  let deployment: Deployment | undefined;
  const reports: ScenarioReport[] = [];
  const notes: string[] = [];
  const stopping = options.interrupted.then(() => 'interrupted' as const);
  try {
    say(
      `cc-continuity drill: ${selected.map((s) => s.name).join(', ')} x${options.repeat}, SIP edges: ${edgeKind}`,
    );
    const starting = startDeployment({
      base: options.config,
      edgeKind,
      logDir: join(options.reportDir, 'logs'),
      onProgress: (m) => progress({ scenario: 'start', elapsedMs: Date.now() - started, waitingFor: m }),
      onProcess: (pid) => record.add(pid),
    });
    const first = await Promise.race([starting, stopping]);
    if (first === 'interrupted') {
      await starting.then((d) => d.stop()).catch(() => undefined);
      throw new Error('interrupted while starting');
    }
    deployment = first;
    say(`local deployment up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${describe(deployment)}`);
    const observer = observeEvents(deployment);
    const handOvers = countHandOvers(deployment);
    outer: for (let run = 1; run <= options.repeat; run++) {
      for (const scenario of selected) {
        const running = runScenario(scenario, { deployment, observer, run, progress });
        const report = await Promise.race([running, stopping]);
        if (report === 'interrupted') {
          notes.push(`interrupted during ${scenario.name} (run ${run})`);
          break outer;
        }
        reports.push(report);
        say(renderTimeline(report, { color: tty }));
      }
    }
    notes.push(
      `monitor runs that ended at their deadline and handed over to the next (per observer): ${[...handOvers.entries()].map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`,
    );
    if (deployment.functions.deadLetters.length > 0) {
      notes.push(
        `asynchronous invocations that failed every attempt: ${deployment.functions.deadLetters.map((x) => `${x.fn} (${x.error})`).join('; ')}`,
      );
    }
  } catch (e) {
    notes.push(`the drill stopped early: ${e instanceof Error ? e.message : String(e)}`);
  }

  const report: DrillReport = {
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - started,
    passed:
      reports.length === selected.length * options.repeat &&
      reports.every((r) => r.passed) &&
      !notes.some((n) => n.startsWith('the drill stopped') || n.startsWith('interrupted')),
    environment: {
      env: options.config.env,
      activeRegions: options.config.regions.active,
      witness: options.config.regions.witness,
      sipEdge: edgeKind,
      node: process.version,
      host: hostname(),
      settings: settingsOf(deployment?.config ?? options.config),
    },
    scenarios: reports,
    summaries: summarize(reports),
    notes: [
      `context TTL shortened to ${DRILL_CONTEXT_TTL_SECONDS} s for the drill (the schema's minimum) and context replica reads (local and origin) given ${DRILL_READ_TIMEOUT_MS} ms per attempt (DynamoDB Local under load); every other figure is config/${options.config.env}.json's`,
      ...notes,
    ],
  };
  const files = await writeReports(report, options.reportDir);
  say(renderSummary(report));
  say(`reports: ${files.json}, ${files.html}; function logs: ${join(options.reportDir, 'logs')}`);

  if (options.keep && deployment !== undefined) {
    say(keepInstructions(deployment));
    await options.interrupted;
  }
  if (deployment !== undefined) await deployment.stop();
  record.close();
  return report;
}

/** Monitor invocations that ran to their deadline (a hand-over to the next run), by observer region. */
function countHandOvers(d: Deployment): Map<string, number> {
  const counts = new Map<string, number>();
  d.logs.onLine((line, fn) => {
    if (!line.includes('monitor invocation done') || !line.includes('"deadline"')) return;
    counts.set(fn.region, (counts.get(fn.region) ?? 0) + 1);
  });
  return counts;
}

function describe(d: Deployment): string {
  const edges = d.regions.flatMap((r) => r.edges.map((e) => `${e.host}:${e.port}`)).join(' ');
  return `${d.spec.functions.length} functions, ${d.spec.rules.length} rules, ${d.spec.routes.length} routes, DNS on ${d.dns.host}:${d.dns.port}, SIP edges ${edges}`;
}

function settingsOf(config: ContinuityConfig): Record<string, number | string> {
  return {
    probeIntervalMs: config.health.probeIntervalMs,
    probeTimeoutMs: config.health.probeTimeoutMs,
    failureThreshold: config.health.failureThreshold,
    recoveryThreshold: config.health.recoveryThreshold,
    voteStaleMs: config.quorum.voteStaleMs,
    failbackDwellSeconds: config.quorum.failbackDwellSeconds,
    replicationExclusionMs: config.replication.replicationExclusionMs,
    recordTtlSeconds: config.dns.recordTtlSeconds,
    contextTtlSeconds: config.context.contextTtlSeconds,
  };
}

function keepInstructions(d: Deployment): string {
  const [a, b] = d.config.regions.active;
  const zone = d.config.dns.zoneName;
  const lines = [
    '',
    'The local deployment stays up (--keep). Ctrl-C stops it and everything it started.',
    `  DNS:           dig @${d.dns.host} -p ${d.dns.port} sip.${zone} +short     (and api.${zone})`,
    `  status:        npx cc-continuity status --env ${d.config.env} --endpoint ${d.world.region(a ?? '').endpoint} --cloudwatch-endpoint ${d.cloudWatch.endpoint}`,
    ...d.regions.flatMap((r) => [
      `  ${r.region}: health  curl -sk ${r.health.url}`,
      `  ${r.region}: API     curl -s -H 'authorization: Bearer ${d.apiKey}' ${r.api.url}contexts/<token>`,
    ]),
    `  inject a fault: npx cc-continuity drain --env ${d.config.env} --region ${b} --reason drill --endpoint ${d.world.region(a ?? '').endpoint} --events-endpoint ${d.events.endpoint}`,
    `                  (then resume the same way; or stop an edge: see below)`,
    `  SIP edges:     ${d.regions.flatMap((r) => r.edges.map((e) => `${e.host}:${e.port}`)).join(', ')} (${d.edgeKind})`,
  ];
  if (d.edgeKind === 'kamailio') {
    lines.push(
      '  make an edge answer 503: kamcmd -s unix:<run dir>/ctl.sock pv.shvSet reply int 503 (run dirs: /tmp/kamailio-*)',
    );
  }
  return lines.join('\n');
}
