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
import { median, report, timeSideBySide } from './harness.js';

/**
 * `npm run bench health`:
 * (a) detection time: from Kamailio answering 503 to the monitor's DOWN transition, with the real
 *     probeIntervalMs (1000), probeTimeoutMs (500) and failureThreshold (2), 21 trials at random phase;
 * (b) RTT of probeSip against Kamailio next to a bare UDP exchange of the same OPTIONS bytes;
 * (c) size of the monitor bundle, built by esbuild with the construct's options.
 */
const TRIALS = 21;
const RTT_RUNS = 500;
const INTERVAL_MS = 1000;

/** Moved far ahead once the trials are done, so the monitor runs out its remaining ticks at once and returns. */
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

async function detection(proxy: KamailioProxy): Promise<number[]> {
  const target: MonitoredTarget = {
    id: 'us-east-1/edge',
    name: 'edge',
    region: 'us-east-1',
    host: proxy.host,
    port: proxy.port,
    transport: 'udp',
  };
  const events = transitionWatcher();
  let stop = false;
  const monitor = runMonitor({
    observer: 'us-east-1',
    invocationId: 'bench',
    activeRegions: ['us-east-1', 'us-west-2'],
    targets: [target],
    settings: {
      thresholds: { failureThreshold: 2, recoveryThreshold: 3 },
      minHealthyTargets: 1,
      voteRefreshMs: 5000,
      intervalMs: INTERVAL_MS,
      probeTimeoutMs: 500,
      lag: { replicationExclusionMs: 200, circuitBreakerMs: 300 },
    },
    clock,
    deadline: Date.now() + TRIALS * 15_000,
    store: memoryMonitorStore(),
    // Stops probing once the trials are done (a probe of the old answer would only add a tick).
    probe: async (t) => (stop ? { up: true, status: 200, reason: 'ok', rttMs: 0 } : probeSip(t)),
    publisher: events,
    eventBusName: 'bench',
  });
  const samples: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const up = events.next('UP');
    await proxy.setReply(200);
    await up;
    await sleep(Math.random() * INTERVAL_MS);
    const down = events.next('DOWN');
    await proxy.setReply(503);
    const answering503At = Date.now();
    samples.push((await down) - answering503At);
  }
  stop = true;
  skipAhead = TRIALS * 15_000;
  await monitor;
  return samples;
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

export async function run(): Promise<string> {
  const proxy = await startKamailio();
  try {
    const detect = await detection(proxy);
    const { a, b, reported } = await rtt(proxy);
    const size = await bundleSize();
    const ratio = median(a) / median(b);
    return [
      report('SIP health monitor (Kamailio on loopback)', [
        {
          name: `detection: 503 to DOWN (interval ${INTERVAL_MS} ms, threshold 2)`,
          unit: 'ms',
          values: detect,
        },
        { name: 'probeSip UDP, wall time per probe', unit: 'ms', values: a },
        { name: 'bare UDP send/receive, same bytes', unit: 'ms', values: b },
        { name: 'probeSip reported rttMs', unit: 'ms', values: reported },
      ]),
      '',
      `probeSip / bare UDP (medians): ${ratio.toFixed(2)}x, +${(median(a) - median(b)).toFixed(3)} ms per probe`,
      '',
      `monitor bundle (functions/health/handler.ts, esbuild minified ESM, @aws-sdk/* external): ` +
        `${(size.minified / 1024).toFixed(1)} KiB, ${(size.gzipped / 1024).toFixed(1)} KiB gzipped`,
    ].join('\n');
  } finally {
    await proxy.stop();
  }
}
