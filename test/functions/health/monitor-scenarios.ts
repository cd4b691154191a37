import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runMonitor } from '../../../functions/health/monitor.js';
import type { MonitorStore } from '../../../functions/health/monitor-store.js';
import {
  eventTick,
  every,
  monitorDeps,
  type ProbeCall,
  type SentEvent,
  scriptedProbe,
  sentEvents,
  T0,
} from './monitor-fixtures.js';
import { VirtualClock } from './virtual-clock.js';

/**
 * The monitor loop's behaviour over one store implementation, with an injected virtual clock and a
 * mocked EventBridge. Run against the in-memory store (unit) and DynamoDB Local (integration).
 */
export function describeMonitorLoop(storeName: string, makeStore: () => MonitorStore): void {
  const eb = mockClient(EventBridgeClient);

  const sent = () => sentEvents(eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input));
  const transitionsOf = (events: SentEvent[], target: string) =>
    events
      .filter((e) => e.detailType === 'SipTargetHealthChanged')
      .filter((e) => (e.detail.target as { name: string }).name === target)
      .map((e) => [eventTick(e), e.detail.previousState, e.detail.state]);
  const votesOf = (events: SentEvent[], region: string) =>
    events
      .filter((e) => e.detailType === 'RegionHealthVote' && e.detail.targetRegion === region)
      .map((e) => [eventTick(e), e.detail.seq, e.detail.healthy]);
  const ticksProbed = (calls: ProbeCall[], target: string) =>
    calls.filter((c) => c.target === target).map((c) => c.tick);

  describe(`runMonitor with ${storeName}`, () => {
    let store: MonitorStore;

    beforeEach(() => {
      eb.reset();
      eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
      store = makeStore();
    });

    it('publishes every target transition and every vote change exactly once, and refreshes votes', async () => {
      // Prepare: e1 fails at ticks 10 and 11, w1 never fails.
      const clock = new VirtualClock(T0);
      const calls: ProbeCall[] = [];
      const probe = scriptedProbe(
        clock,
        'a',
        calls,
        (t, n) => !(t === 'us-east-1/e1' && (n === 10 || n === 11)),
      );

      // Act
      const run = await clock.task(() => runMonitor(monitorDeps(clock, store, 'a', T0 + 70_000, probe)));

      // Assess
      expect(run).toMatchObject({ outcome: 'deadline', ticks: every(1, 0, 68) });
      const events = sent();
      expect(transitionsOf(events, 'e1')).toEqual([
        [2, 'UNKNOWN', 'UP'],
        [11, 'UP', 'DOWN'],
        [14, 'DOWN', 'UP'],
      ]);
      expect(transitionsOf(events, 'w1')).toEqual([[2, 'UNKNOWN', 'UP']]);
      const eastTicks = [2, 7, 11, ...every(5, 14, 68)];
      expect(votesOf(events, 'us-east-1')).toEqual(eastTicks.map((n, i) => [n, i + 1, !(n === 11)]));
      expect(votesOf(events, 'us-west-2')).toEqual(every(5, 2, 68).map((n, i) => [n, i + 1, true]));
      const ids = events.map((e) => e.detail.eventId);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('hands over between overlapping invocations without a gap, a double probe or lost counters', async () => {
      // Prepare: e1 fails at ticks 68 (the first invocation's last) and 69 (the second's first).
      const clock = new VirtualClock(T0);
      const calls: ProbeCall[] = [];
      const script = (t: string, n: number) => !(t === 'us-east-1/e1' && (n === 68 || n === 69));
      const depsA = monitorDeps(clock, store, 'a', T0 + 70_000, scriptedProbe(clock, 'a', calls, script));
      const depsB = monitorDeps(clock, store, 'b', T0 + 130_000, scriptedProbe(clock, 'b', calls, script));

      // Act: the schedule starts b a minute after a, while a still runs.
      const [a, b] = await Promise.all([
        clock.task(() => runMonitor(depsA)),
        clock.task(() => runMonitor(depsB), T0 + 60_000),
      ]);

      // Assess
      expect(a).toMatchObject({ outcome: 'deadline', ticks: every(1, 0, 68) });
      expect(b).toMatchObject({ outcome: 'deadline', ticks: every(1, 69, 128), tookOverAfterCrash: false });
      for (const target of ['us-east-1/e1', 'us-west-2/w1']) {
        expect(ticksProbed(calls, target)).toEqual(every(1, 0, 128));
      }
      expect(calls.filter((c) => c.tick >= 69).every((c) => c.invocation === 'b')).toBe(true);
      const events = sent();
      // The second down (tick 69, by b) makes e1 DOWN only because b continued a's counter.
      expect(transitionsOf(events, 'e1')).toEqual([
        [2, 'UNKNOWN', 'UP'],
        [69, 'UP', 'DOWN'],
        [72, 'DOWN', 'UP'],
      ]);
      expect(votesOf(events, 'us-west-2')).toEqual(every(5, 2, 128).map((n, i) => [n, i + 1, true]));
      const ids = events.map((e) => e.detail.eventId);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('resumes after a crash mid-loop with one tick lost and the counters of the last committed tick', async () => {
      // Prepare: a crashes while probing tick 10; e1 fails at ticks 9 and 11.
      const clock = new VirtualClock(T0);
      const calls: ProbeCall[] = [];
      const script = (t: string, n: number) => !(t === 'us-east-1/e1' && (n === 9 || n === 11));
      const depsA = monitorDeps(clock, store, 'a', T0 + 70_000, scriptedProbe(clock, 'a', calls, script, 10));
      const depsB = monitorDeps(clock, store, 'b', T0 + 80_000, scriptedProbe(clock, 'b', calls, script));

      // Act: b starts right after the crash.
      const [a, b] = await Promise.allSettled([
        clock.task(() => runMonitor(depsA)),
        clock.task(() => runMonitor(depsB), T0 + 10_200),
      ]);

      // Assess
      expect(a.status).toBe('rejected');
      expect(b.status === 'fulfilled' && b.value).toMatchObject({
        outcome: 'deadline',
        tookOverAfterCrash: true,
      });
      const probed = ticksProbed(calls, 'us-east-1/e1');
      expect(probed).toEqual([...every(1, 0, 9), ...every(1, 11, 78)]);
      // Tick 10 never happened, so ticks 9 and 11 are two consecutive downs.
      expect(transitionsOf(sent(), 'e1')).toEqual([
        [2, 'UNKNOWN', 'UP'],
        [11, 'UP', 'DOWN'],
        [14, 'DOWN', 'UP'],
      ]);
    });

    it('returns without probing when the lease will not be free before its own deadline', async () => {
      // Prepare
      const clock = new VirtualClock(T0);
      const calls: ProbeCall[] = [];
      const depsA = monitorDeps(
        clock,
        store,
        'a',
        T0 + 70_000,
        scriptedProbe(clock, 'a', calls, () => true),
      );
      const depsB = monitorDeps(
        clock,
        store,
        'b',
        T0 + 30_000,
        scriptedProbe(clock, 'b', calls, () => true),
      );

      // Act
      const [, b] = await Promise.all([
        clock.task(() => runMonitor(depsA)),
        clock.task(() => runMonitor(depsB), T0 + 5_000),
      ]);

      // Assess
      expect(b).toEqual({ outcome: 'no-slot', ticks: [], tookOverAfterCrash: false });
      expect(calls.some((c) => c.invocation === 'b')).toBe(false);
    });
  });
}
