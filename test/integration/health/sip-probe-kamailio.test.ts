import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { probeSip } from '../../../functions/health/sip/probe.js';
import type { ProbeOptions, SipTarget, SipTransport } from '../../../functions/health/sip/types.js';
import {
  applyProbe,
  INITIAL_TARGET_STATE,
  type TargetState,
  type TargetTransition,
} from '../../../functions/health/target-state.js';
import { type KamailioProxy, startKamailio } from '../../../local/kamailio/kamailio.js';

describe('probeSip against Kamailio', () => {
  let proxy: KamailioProxy;

  beforeAll(async () => {
    proxy = await startKamailio({ tls: true });
  });

  afterAll(async () => {
    await proxy?.stop();
  });

  beforeEach(async () => {
    await proxy.setReply(200);
  });

  function target(transport: SipTransport): SipTarget {
    const port = transport === 'tls' ? proxy.tls?.port : proxy.port;
    if (port === undefined) throw new Error('Kamailio was started without TLS');
    return { host: proxy.host, port, transport };
  }

  /** A generous timeout by default, so that a loaded machine cannot turn an answer into a timeout. */
  function options(extra: ProbeOptions = {}): ProbeOptions {
    return { probeTimeoutMs: 5000, tls: { ca: proxy.tls?.certificatePem }, ...extra };
  }

  const transports: SipTransport[] = ['udp', 'tcp', 'tls'];

  it.each(transports)('finds a proxy answering 200 up over %s', async (transport) => {
    // Act
    const result = await probeSip(target(transport), options());

    // Assess
    expect(result, proxy.logTail()).toMatchObject({ up: true, status: 200, reason: 'ok' });
    expect(result.rttMs).toBeGreaterThanOrEqual(0);
  });

  it.each(transports.flatMap((t) => [408, 503, 603].map((status) => [t, status] as const)))(
    'finds a proxy answering %s %i down with that status',
    async (transport, status) => {
      // Prepare
      await proxy.setReply(status);

      // Act
      const result = await probeSip(target(transport), options());

      // Assess
      expect(result, proxy.logTail()).toMatchObject({ up: false, status, reason: 'status' });
    },
  );

  it.each([
    [404, [404, 405], true],
    [405, [404, 405], true],
    [404, [], false],
  ])('counts %i with extra up codes %j as up=%s', async (status, extraUpStatusCodes, up) => {
    // Prepare
    await proxy.setReply(status);

    // Act
    const result = await probeSip(target('udp'), options({ extraUpStatusCodes }));

    // Assess
    expect(result).toMatchObject({ up, status });
  });

  it.each(transports)('fails with timeout over %s when the proxy stays silent', async (transport) => {
    // Prepare
    await proxy.setReply('silent');

    // Act
    const result = await probeSip(target(transport), options({ probeTimeoutMs: 300 }));

    // Assess
    expect(result).toEqual({ up: false, status: null, reason: 'timeout', rttMs: null });
  });

  it('marks the target DOWN after exactly 2 failed probes and UP after exactly 3 good ones', async () => {
    // Prepare: what Kamailio answers before each probe tick, and the health expected after it.
    const ticks: [Parameters<KamailioProxy['setReply']>[0], string][] = [
      [200, 'UNKNOWN'],
      [200, 'UNKNOWN'],
      [200, 'UP'],
      [503, 'UP'],
      [200, 'UP'],
      [503, 'UP'],
      ['silent', 'DOWN'],
      [200, 'DOWN'],
      [200, 'DOWN'],
      [503, 'DOWN'],
      [200, 'DOWN'],
      [200, 'DOWN'],
      [200, 'UP'],
    ];
    const thresholds = { failureThreshold: 2, recoveryThreshold: 3 };
    let state: TargetState = INITIAL_TARGET_STATE;
    const seen: string[] = [];
    const transitions: TargetTransition[] = [];

    // Act
    for (const [tick, [reply]] of ticks.entries()) {
      await proxy.setReply(reply);
      const result = await probeSip(
        target('udp'),
        options(reply === 'silent' ? { probeTimeoutMs: 300 } : {}),
      );
      const step = applyProbe(state, result.up, thresholds, tick * 1000);
      state = step.state;
      seen.push(state.health);
      if (step.transition) transitions.push(step.transition);
    }

    // Assess
    expect(seen).toEqual(ticks.map(([, health]) => health));
    expect(transitions).toEqual([
      { from: 'UNKNOWN', to: 'UP', at: 2000 },
      { from: 'UP', to: 'DOWN', at: 6000 },
      { from: 'DOWN', to: 'UP', at: 12_000 },
    ]);
  });
});

describe('probeSip against a stopped Kamailio', () => {
  let stopped: KamailioProxy;

  beforeAll(async () => {
    stopped = await startKamailio();
    await stopped.stop();
  });

  it.each([
    // Linux answers a datagram to a closed loopback port with ICMP port unreachable, which the connected
    // UDP socket reports; where ICMP is filtered the same probe ends in `timeout` (also down).
    ['udp', 'refused'],
    ['tcp', 'refused'],
  ] as const)('finds it down over %s: %s', async (transport, reason) => {
    // Act
    const result = await probeSip(
      { host: stopped.host, port: stopped.port, transport },
      { probeTimeoutMs: 5000 },
    );

    // Assess
    expect(result).toMatchObject({ up: false, status: null, reason, rttMs: null });
  });
});
