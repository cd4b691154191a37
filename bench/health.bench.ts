import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { Clock } from '../functions/health/heartbeat.js';
import { runMonitor } from '../functions/health/monitor.js';
import { memoryMonitorStore } from '../functions/health/monitor-store.js';
import { buildOptionsRequest, newProbeIds } from '../functions/health/sip/message.js';
import { probeSip } from '../functions/health/sip/probe.js';
import type { SipTarget } from '../functions/health/sip/types.js';
import type { MonitoredTarget } from '../functions/health/tick.js';
import type { EventPublisher } from '../functions/shared/publisher.js';
import { type KamailioProxy, startKamailio } from '../local/kamailio/kamailio.js';
import { type BenchOutput, median, report, timeSideBySide } from './harness.js';

/**
 * `npm run bench health`:
 * (a) detection time from Kamailio answering 503, and from Kamailio going silent, to the monitor's DOWN
 *     transition, with the real defaults (probeIntervalMs 1000, probeTimeoutMs 500, failureThreshold 2),
 *     suspect probing off (suspectIntervalMs = probeIntervalMs: the behaviour before it) and on (200 ms,
 *     150 ms timeout) side by side: two monitors, each with its own Kamailio, run every trial at once
 *     with the same phase. The phases are spread evenly over the interval (shuffled), so the medians
 *     do not depend on a lucky draw of phases;
 * (b) RTT of probeSip against Kamailio next to a bare UDP exchange of the same OPTIONS bytes;
 * (c) size of the monitor bundle, built by esbuild with the construct's options.
 */
const TRIALS = 21;
const RTT_RUNS = 500;
const INTERVAL_MS = 1000;
const PROBE_TIMEOUT_MS = 500;

interface Mode {
  readonly name: string;
  readonly suspectIntervalMs: number;
  readonly suspectTimeoutMs: number;
}
const MODES: readonly Mode[] = [
  { name: 'suspect probing off', suspectIntervalMs: INTERVAL_MS, suspectTimeoutMs: PROBE_TIMEOUT_MS },
  { name: 'suspect probing on (200 ms, 150 ms timeout)', suspectIntervalMs: 200, suspectTimeoutMs: 150 },
];
type Failure = 503 | 'silent';
const FAILURES: readonly Failure[] = [503, 'silent'];

/** Moved far ahead once the trials are done, so the monitors run out their remaining ticks at once and return. */
let skipAhead = 0;
const clock: Clock = {
  now: () => Date.now() + skipAhead,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A publisher that lets the bench wait for the next transition of the target to a given state. */
function transitionWatcher(): EventPublisher & { next(state: 'UP' | 'DOWN'): Promise<number> } {
  const waiters: { state: string; resolve: (at: number) => void }[] = [];
  return {
    async publish(entries) {
      const at = Date.now();
      for (const e of entries) {
        if (e.DetailType !== 'SipTargetHealthChanged') continue;
        const { state } = JSON.parse(String(e.Detail)) as { state: string };
        for (const w of waiters.splice(0)) {
          if (w.state === state) w.resolve(at);
          else waiters.push(w);
        }
      }
    },
    next(state) {
      return new Promise((resolve) => waiters.push({ state, resolve }));
    },
  };
}

/** `n` phases spread evenly over [0, interval), in random order. */
function spreadPhases(n: number): number[] {
  const phases = Array.from({ length: n }, (_, i) => ((i + 0.5) / n) * INTERVAL_MS);
  for (let i = phases.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [phases[i], phases[j]] = [phases[j] as number, phases[i] as number];
  }
  return phases;
}

/** One monitor (one invocation, in memory) probing one Kamailio with `mode`'s suspect settings. */
function monitorFor(proxy: KamailioProxy, mode: Mode, deadline: number, stopped: () => boolean) {
  const target: MonitoredTarget = {
    id: 'us-east-1/edge',
    name: 'edge',
    region: 'us-east-1',
    host: proxy.host,
    port: proxy.port,
    transport: 'udp',
  };
  const events = transitionWatcher();
  const done = runMonitor({
    observer: 'us-east-1',
    invocationId: `bench ${mode.name}`,
    activeRegions: ['us-east-1', 'us-west-2'],
    targets: [target],
    settings: {
      thresholds: { failureThreshold: 2, recoveryThreshold: 3 },
      minHealthyTargets: 1,
      voteRefreshMs: 5000,
      intervalMs: INTERVAL_MS,
      probeTimeoutMs: PROBE_TIMEOUT_MS,
      suspectIntervalMs: mode.suspectIntervalMs,
      suspectTimeoutMs: mode.suspectTimeoutMs,
      lag: { replicationExclusionMs: 200, circuitBreakerMs: 300 },
    },
    clock,
    deadline,
    store: memoryMonitorStore(),
    // Stops probing once the trials are done (a probe of the old answer would only add a tick).
    probe: async (t, timeoutMs) =>
      stopped()
        ? { up: true, status: 200, reason: 'ok', rttMs: 0 }
        : probeSip(t, { probeTimeoutMs: timeoutMs }),
    publisher: events,
    eventBusName: 'bench',
  });
  return { events, done };
}

/**
 * From UP, waits `phase` ms after the UP transition, makes the edge fail, and times the DOWN transition
 * from the moment the change is confirmed (`kamcmd` returned), as earlier runs of this bench did. The change
 * takes effect a little before that, so `changeMs` (how long the change took) bounds how low this can be.
 */
async function trial(
  proxy: KamailioProxy,
  events: ReturnType<typeof transitionWatcher>,
  failure: Failure,
  phase: number,
): Promise<{ detectMs: number; changeMs: number }> {
  const up = events.next('UP');
  await proxy.setReply(200);
  await up;
  await sleep(phase);
  const down = events.next('DOWN');
  const changing = Date.now();
  await proxy.setReply(failure);
  const failingAt = Date.now();
  return { detectMs: (await down) - failingAt, changeMs: failingAt - changing };
}

/** Detection samples per failure and mode (index of MODES), and how long each reply change took. */
interface Detection {
  readonly samples: Record<Failure, number[][]>;
  readonly changeMs: number[];
}

async function detection(proxies: readonly KamailioProxy[]): Promise<Detection> {
  let stop = false;
  const deadline = Date.now() + TRIALS * FAILURES.length * 15_000;
  const monitors = MODES.map((mode, i) =>
    monitorFor(proxies[i] as KamailioProxy, mode, deadline, () => stop),
  );
  const samples: Detection['samples'] = { 503: MODES.map(() => []), silent: MODES.map(() => []) };
  const changeMs: number[] = [];
  const phases = { 503: spreadPhases(TRIALS), silent: spreadPhases(TRIALS) };
  for (let i = 0; i < TRIALS; i++) {
    for (const failure of FAILURES) {
      const phase = phases[failure][i] as number;
      const times = await Promise.all(
        monitors.map((m, k) => trial(proxies[k] as KamailioProxy, m.events, failure, phase)),
      );
      for (const [k, t] of times.entries()) {
        samples[failure][k]?.push(t.detectMs);
        changeMs.push(t.changeMs);
      }
    }
  }
  stop = true;
  skipAhead = TRIALS * FAILURES.length * 15_000;
  await Promise.all(monitors.map((m) => m.done));
  return { samples, changeMs };
}

/** One OPTIONS exchange over a fresh connected UDP socket, as the prober does, without parsing or matching. */
function bareExchange(target: SipTarget, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', (e) => {
      socket.close();
      reject(e);
    });
    socket.once('message', () => {
      socket.close();
      resolve();
    });
    socket.connect(target.port, target.host, () => socket.send(bytes));
  });
}

async function rtt(proxy: KamailioProxy): Promise<{ a: number[]; b: number[]; reported: number[] }> {
  await proxy.setReply(200);
  const target: SipTarget = { host: proxy.host, port: proxy.port, transport: 'udp' };
  const bytes = Buffer.from(
    buildOptionsRequest({ target, local: { address: '127.0.0.1', port: 5999 }, ids: newProbeIds() }),
  );
  const reported: number[] = [];
  const runs = await timeSideBySide(
    async () => {
      const result = await probeSip(target, { probeTimeoutMs: 2000 });
      if (!result.up) throw new Error(`probe down: ${result.reason}`);
      if (result.rttMs !== null) reported.push(result.rttMs);
    },
    () => bareExchange(target, bytes),
    RTT_RUNS,
  );
  return { ...runs, reported: reported.slice(-RTT_RUNS) };
}

async function bundleSize(): Promise<{ minified: number; gzipped: number }> {
  // The options of ContinuityFunction (NodejsFunction): ESM, minified, node24, AWS SDK v3 left external
  // (the Lambda runtime provides it).
  const out = await build({
    entryPoints: [fileURLToPath(new URL('../functions/health/handler.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    write: false,
    logLevel: 'warning',
  });
  const code = out.outputFiles[0]?.contents ?? new Uint8Array();
  return { minified: code.byteLength, gzipped: gzipSync(code).byteLength };
}

export async function run(): Promise<BenchOutput> {
  const proxies = await Promise.all(MODES.map(() => startKamailio()));
  const proxy = proxies[0] as KamailioProxy;
  try {
    const detect = await detection(proxies);
    const { a, b, reported } = await rtt(proxy);
    const size = await bundleSize();
    const ratio = median(a) / median(b);
    const label = { 503: '503 to DOWN', silent: 'silence to DOWN' } as const;
    const detectionRows = FAILURES.flatMap((f) =>
      MODES.map((mode, k) => ({
        name: `${label[f]}, ${mode.name}`,
        unit: 'ms',
        values: detect.samples[f][k] ?? [],
      })),
    );
    const sideBySide = FAILURES.map((f) => {
      const [off, on] = [median(detect.samples[f][0] ?? []), median(detect.samples[f][1] ?? [])];
      return `${label[f]} (medians): off ${off.toFixed(0)} ms, on ${on.toFixed(0)} ms, on/off ${(on / off).toFixed(2)}x`;
    });
    const markdown = [
      report(
        `SIP health monitor (Kamailio on loopback; interval ${INTERVAL_MS} ms, timeout ${PROBE_TIMEOUT_MS} ms, threshold 2)`,
        [
          ...detectionRows,
          { name: 'probeSip UDP, wall time per probe', unit: 'ms', values: a },
          { name: 'bare UDP send/receive, same bytes', unit: 'ms', values: b },
          { name: 'probeSip reported rttMs', unit: 'ms', values: reported },
        ],
      ),
      '',
      ...sideBySide,
      `Detection is timed from the confirmed reply change; the change (kamcmd) took a median ` +
        `${median(detect.changeMs).toFixed(0)} ms and may take effect before it returns, so each figure may be ` +
        `up to that much low, in both modes alike.`,
      '',
      `probeSip / bare UDP (medians): ${ratio.toFixed(2)}x, +${(median(a) - median(b)).toFixed(3)} ms per probe`,
      '',
      `monitor bundle (functions/health/handler.ts, esbuild minified ESM, @aws-sdk/* external): ` +
        `${(size.minified / 1024).toFixed(1)} KiB, ${(size.gzipped / 1024).toFixed(1)} KiB gzipped`,
    ].join('\n');
    const detectionFigures = Object.fromEntries(
      FAILURES.map((f) => {
        const [off, on] = [median(detect.samples[f][0] ?? []), median(detect.samples[f][1] ?? [])];
        return [label[f], { trials: TRIALS, offMedianMs: off, onMedianMs: on, onOverOff: on / off }];
      }),
    );
    return {
      markdown,
      figures: {
        detection: detectionFigures,
        replyChangeMedianMs: median(detect.changeMs),
        probeSipMedianMs: median(a),
        bareUdpMedianMs: median(b),
        probeSipOverBareUdp: ratio,
        bundle: { minifiedKiB: size.minified / 1024, gzippedKiB: size.gzipped / 1024 },
      },
    };
  } finally {
    await Promise.all(proxies.map((p) => p.stop()));
  }
}
