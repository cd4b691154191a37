import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runMonitor } from '../../../functions/health/monitor.js';
import { memoryMonitorStore } from '../../../functions/health/monitor-store.js';
import { probeSip } from '../../../functions/health/sip/probe.js';
import type { MonitoredTarget } from '../../../functions/health/tick.js';
import { type KamailioProxy, type ReplyMode, startKamailio } from '../../../local/kamailio/kamailio.js';
import {
  eventTick,
  monitorDeps,
  SETTINGS,
  sentEvents,
  T0,
  tickAt,
} from '../../functions/health/monitor-fixtures.js';
import { VirtualClock } from '../../functions/health/virtual-clock.js';

const eb = mockClient(EventBridgeClient);

describe('the monitor against Kamailio', () => {
  let east: KamailioProxy;
  let west: KamailioProxy;

  beforeAll(async () => {
    [east, west] = await Promise.all([startKamailio(), startKamailio()]);
  });

  afterAll(async () => {
    await Promise.all([east?.stop(), west?.stop()]);
  });

  beforeEach(() => {
    eb.reset();
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  });

  /** us-east-1 has a UDP and a TCP target on one Kamailio, us-west-2 one UDP target on another. */
  function targets(): MonitoredTarget[] {
    const t = (region: string, proxy: KamailioProxy, transport: 'udp' | 'tcp'): MonitoredTarget => ({
      id: `${region}/${transport}`,
      name: transport,
      region,
      host: proxy.host,
      port: proxy.port,
      transport,
    });
    return [t('us-east-1', east, 'udp'), t('us-east-1', east, 'tcp'), t('us-west-2', west, 'udp')];
  }

  it('votes a region DOWN after exactly 2 failed ticks and UP after exactly 3 good ones', async () => {
    // Prepare: what the us-east-1 edge answers at each tick; us-west-2 always answers 200.
    const script: ReplyMode[] = [200, 200, 200, 503, 200, 503, 'silent', 200, 200, 503, 200, 200, 200];
    const clock = new VirtualClock(T0);
    const replies = new Map<number, Promise<void>>();
    // Every probe of a tick waits for that tick's answer to be in effect, set once per tick.
    const replyFor = (tick: number) => {
      if (!replies.has(tick)) replies.set(tick, east.setReply(script[tick] ?? 200));
      return replies.get(tick);
    };
    const probe = async (target: MonitoredTarget) => {
      if (target.region === 'us-east-1') await replyFor(tickAt(clock.now()));
      return probeSip(target, { probeTimeoutMs: 500 });
    };
    const deps = { ...monitorDeps(clock, memoryMonitorStore(), 'a', T0 + 14_000, probe), targets: targets() };

    // Act
    const run = await clock.task(() => runMonitor(deps));

    // Assess
    expect(run.ticks).toHaveLength(script.length);
    const events = sentEvents(eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input));
    const changes = (region: string) =>
      events
        .filter((e) => e.detailType === 'RegionHealthVote' && e.detail.targetRegion === region)
        .filter((e, i, all) => i === 0 || all[i - 1]?.detail.healthy !== e.detail.healthy)
        .map((e) => [eventTick(e), e.detail.healthy]);
    expect(changes('us-east-1'), east.logTail()).toEqual([
      [2, true],
      [6, false],
      [12, true],
    ]);
    expect(changes('us-west-2')).toEqual([[2, true]]);
    const eastTransitions = events
      .filter((e) => e.detailType === 'SipTargetHealthChanged' && e.detail.targetRegion === 'us-east-1')
      .map((e) => [eventTick(e), (e.detail.target as { name: string }).name, e.detail.state]);
    expect(eastTransitions).toEqual([
      [2, 'udp', 'UP'],
      [2, 'tcp', 'UP'],
      [6, 'udp', 'DOWN'],
      [6, 'tcp', 'DOWN'],
      [12, 'udp', 'UP'],
      [12, 'tcp', 'UP'],
    ]);
  });

  it('with suspect probing, ignores a single 503 and goes DOWN at the suspect probe after a second 503 or silence', async () => {
    // Prepare: what the us-east-1 edge answers at each probe time (ms since T0); 200 at any other time.
    const script = new Map<number, ReplyMode>([
      [3000, 503],
      [6000, 503],
      [6200, 503],
      [11_000, 'silent'],
      [11_200, 'silent'],
    ]);
    const clock = new VirtualClock(T0);
    const replies = new Map<number, Promise<void>>();
    const replyAt = (at: number) => {
      if (!replies.has(at)) replies.set(at, east.setReply(script.get(at) ?? 200));
      return replies.get(at);
    };
    const probe = async (target: MonitoredTarget, timeoutMs: number) => {
      if (target.region === 'us-east-1') await replyAt(clock.now() - T0);
      return probeSip(target, { probeTimeoutMs: timeoutMs });
    };
    const deps = {
      ...monitorDeps(clock, memoryMonitorStore(), 'a', T0 + 17_000, probe),
      targets: targets(),
      settings: { ...SETTINGS, suspectIntervalMs: 200, suspectTimeoutMs: 150 },
    };

    // Act
    const run = await clock.task(() => runMonitor(deps));

    // Assess: both us-east-1 targets (UDP and TCP) change at the same probes.
    expect(run.ticks).toEqual(Array.from({ length: 16 }, (_, n) => n));
    const events = sentEvents(eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input));
    const transitions = events
      .filter((e) => e.detailType === 'SipTargetHealthChanged' && e.detail.targetRegion === 'us-east-1')
      .map((e) => [
        Date.parse(e.detail.occurredAt) - T0,
        (e.detail.target as { name: string }).name,
        e.detail.state,
      ]);
    expect(transitions, east.logTail()).toEqual(
      [
        [2000, 'UP'],
        [6200, 'DOWN'],
        [9000, 'UP'],
        [11_200, 'DOWN'],
        [14_000, 'UP'],
      ].flatMap(([at, state]) => [
        [at, 'udp', state],
        [at, 'tcp', state],
      ]),
    );
  });

  it.each(['udp', 'tcp'] as const)(
    'finds a stopped (SIGSTOP) proxy down by timeout over %s',
    async (transport) => {
      // Prepare: freeze Kamailio's whole process group: its sockets stay open but nothing answers.
      await east.setReply(200);
      process.kill(-east.pid, 'SIGSTOP');
      try {
        // Act
        const result = await probeSip(
          { host: east.host, port: east.port, transport },
          { probeTimeoutMs: 300 },
        );

        // Assess
        expect(result).toEqual({ up: false, status: null, reason: 'timeout', rttMs: null });
      } finally {
        process.kill(-east.pid, 'SIGCONT');
      }
    },
  );
});
