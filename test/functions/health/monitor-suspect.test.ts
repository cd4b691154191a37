import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { nextSuspectRound, suspectTimeoutFor } from '../../../functions/health/lease.js';
import { type MonitorDeps, type MonitorSettings, runMonitor } from '../../../functions/health/monitor.js';
import { type MonitorStore, memoryMonitorStore } from '../../../functions/health/monitor-store.js';
import type { ProbeResult } from '../../../functions/health/sip/probe.js';
import {
  every,
  monitorDeps,
  type ProbeCall,
  SETTINGS,
  type SentEvent,
  sentEvents,
  T0,
  tickAt,
} from './monitor-fixtures.js';
import { VirtualClock } from './virtual-clock.js';

/** Suspect probing as configured by default: again after 200 ms, with a 150 ms timeout. */
const SUSPECT: MonitorSettings = { ...SETTINGS, suspectIntervalMs: 200, suspectTimeoutMs: 150 };
const E1 = 'us-east-1/e1';
const W1 = 'us-west-2/w1';

/** `slow`: answers 200 after 250 ms, like a TLS edge in a far region on a fresh connection. */
type Answer = 'ok' | 'slow' | '503' | 'silent';

/**
 * A prober whose answer follows `answer(targetId, ms since T0)` and which records every call. A silent
 * target answers nothing: the probe ends at its timeout, in virtual time.
 */
function answeringProbe(
  clock: VirtualClock,
  invocation: string,
  calls: ProbeCall[],
  answer: (target: string, at: number) => Answer,
): MonitorDeps['probe'] {
  return async (target, timeoutMs): Promise<ProbeResult> => {
    const at = clock.now() - T0;
    calls.push({ invocation, target: target.id, tick: tickAt(clock.now()), at, timeoutMs });
    const a = answer(target.id, at);
    if (a === 'silent' || (a === 'slow' && timeoutMs < 250)) {
      await clock.sleep(timeoutMs);
      return { up: false, status: null, reason: 'timeout', rttMs: null };
    }
    if (a === 'slow') await clock.sleep(250);
    return a !== '503'
      ? { up: true, status: 200, reason: 'ok', rttMs: 1 }
      : { up: false, status: 503, reason: 'status', rttMs: 1 };
  };
}

/** Counts the writes (commits and releases) made through a store. */
function countingStore(): { store: MonitorStore; writes: () => number } {
  const inner = memoryMonitorStore();
  let writes = 0;
  return {
    writes: () => writes,
    store: {
      read: (observer) => inner.read(observer),
      create: (lease) => {
        writes += 1;
        return inner.create(lease);
      },
      replace: (lease, expected) => {
        writes += 1;
        return inner.replace(lease, expected);
      },
    },
  };
}

const eb = mockClient(EventBridgeClient);
const sent = () => sentEvents(eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input));
/** [ms since T0, from, to] of every transition of a target. */
const transitionsOf = (events: SentEvent[], target: string) =>
  events
    .filter((e) => e.detailType === 'SipTargetHealthChanged')
    .filter((e) => (e.detail.target as { name: string }).name === target)
    .map((e) => [Date.parse(e.detail.occurredAt) - T0, e.detail.previousState, e.detail.state]);
/** [ms since T0, healthy] of every vote that changed the region's verdict. */
const verdictChanges = (events: SentEvent[], region: string) =>
  events
    .filter((e) => e.detailType === 'RegionHealthVote' && e.detail.targetRegion === region)
    .filter((e, i, all) => i === 0 || all[i - 1]?.detail.healthy !== e.detail.healthy)
    .map((e) => [Date.parse(e.detail.occurredAt) - T0, e.detail.healthy]);
const probesOf = (calls: ProbeCall[], target: string) =>
  calls.filter((c) => c.target === target).map((c) => c.at);

/** One invocation from T0 to `deadline` with `settings`; the events, probe calls and store writes it made. */
async function runOnce(
  settings: MonitorSettings,
  answer: (target: string, at: number) => Answer,
  deadline = T0 + 20_000,
) {
  eb.reset();
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  const clock = new VirtualClock(T0);
  const calls: ProbeCall[] = [];
  const { store, writes } = countingStore();
  const deps = {
    ...monitorDeps(clock, store, 'a', deadline, answeringProbe(clock, 'a', calls, answer)),
    settings,
  };
  const run = await clock.task(() => runMonitor(deps));
  return { run, calls, events: sent(), writes: writes() };
}

/** `answer` for e1 from a list of [from, to, answer] windows (ms since T0); ok elsewhere and for w1. */
const e1Answers =
  (...windows: [number, number, Answer][]) =>
  (target: string, at: number): Answer =>
    target === E1 ? (windows.find(([from, to]) => at >= from && at < to)?.[2] ?? 'ok') : 'ok';

describe('nextSuspectRound', () => {
  const lease = { anchorMs: 0, intervalMs: 1000 };

  it.each([
    ['the first sub-slot after a quick answer', 0, 3, 150, { sub: 1, at: 200 }],
    ['the next sub-slot after a suspect round', 1, 201, 150, { sub: 2, at: 400 }],
    ['at once, merging the sub-slots a timed-out probe overran', 0, 500, 150, { sub: 2, at: 500 }],
    ['at once after a late suspect round', 2, 650, 150, { sub: 3, at: 650 }],
    ['the last sub-slot of the tick', 3, 610, 150, { sub: 4, at: 800 }],
    ['none after the last sub-slot', 4, 801, 150, null],
    ['none that could not time out before the next slot', 3, 860, 150, null],
    ['none when a longer timeout would overrun the next slot', 0, 3, 900, null],
  ])('starts %s', (_name, previous, now, timeoutMs, expected) => {
    expect(nextSuspectRound(lease, 0, previous, now, 200, timeoutMs)).toEqual(expected);
  });

  it('returns none when the suspect interval is the probe interval (suspect probing off)', () => {
    expect(nextSuspectRound(lease, 7, 0, 7001, 1000, 500)).toBeNull();
  });
});

describe('suspectTimeoutFor', () => {
  const timing = { suspectIntervalMs: 200, suspectTimeoutMs: 150, probeTimeoutMs: 500 };

  it.each([
    ['the configured timeout before any good answer', undefined, 150],
    ['the configured timeout for a quick target', { e1: 2 }, 150],
    ['twice the last good answer of a slow target', { e1: 110 }, 220],
    ['at most the probe timeout', { e1: 300 }, 500],
  ])('is %s', (_name, answerMs, expected) => {
    expect(suspectTimeoutFor({ answerMs }, 'e1', timing)).toBe(expected);
  });
});

describe('runMonitor with suspect probing', () => {
  beforeEach(() => {
    eb.reset();
  });

  it.each([
    ['503', '503'],
    ['silence', 'silent'],
  ] as const)('makes no transition for a single lost probe (%s)', async (_name, lost) => {
    // Prepare: e1 loses its probe of tick 10 only.
    const answer = e1Answers([10_000, 10_001, lost]);

    // Act
    const { calls, events } = await runOnce(SUSPECT, answer);

    // Assess: probed again in a suspect round, which answered, and nothing changed.
    const suspectAt = lost === 'silent' ? 10_500 : 10_200;
    expect(probesOf(calls, E1)).toEqual([
      ...every(1000, 0, 10_000),
      suspectAt,
      ...every(1000, 11_000, 18_000),
    ]);
    expect(probesOf(calls, W1)).toEqual(every(1000, 0, 18_000));
    expect(transitionsOf(events, 'e1')).toEqual([[2000, 'UNKNOWN', 'UP']]);
    expect(verdictChanges(events, 'us-east-1')).toEqual([[2000, true]]);
  });

  it.each([
    ['answering 503', '503', 10_200, 150],
    ['silent', 'silent', 10_500, 150],
  ] as const)(
    'goes DOWN at the second consecutive failure, in the suspect round (%s)',
    async (_name, down, at, timeoutMs) => {
      // Prepare: e1 fails from tick 10 until tick 12.
      const answer = e1Answers([10_000, 12_000, down]);

      // Act
      const { calls, events } = await runOnce(SUSPECT, answer);

      // Assess: the suspect round (with the suspect timeout) makes it DOWN and the vote follows at once.
      expect(calls.filter((c) => c.target === E1 && c.tick === 10)).toMatchObject([
        { at: 10_000, timeoutMs: 500 },
        { at, timeoutMs },
      ]);
      expect(transitionsOf(events, 'e1')).toEqual([
        [2000, 'UNKNOWN', 'UP'],
        [at, 'UP', 'DOWN'],
        [14_000, 'DOWN', 'UP'],
      ]);
      expect(verdictChanges(events, 'us-east-1')).toEqual([
        [2000, true],
        [at, false],
        [14_000, true],
      ]);
      // A DOWN target is not suspect: it is probed once per tick until it recovers.
      expect(probesOf(calls, E1).filter((ms) => ms > at && ms < 14_000)).toEqual([11_000, 12_000, 13_000]);
    },
  );

  it('waits for a slow target in its suspect probe: no transition for its single lost probe', async () => {
    // Prepare: e1 answers after 250 ms (beyond the 150 ms suspect timeout) and loses its probe of tick 10.
    const answer = (target: string, at: number): Answer =>
      target !== E1 ? 'ok' : at === 10_000 ? 'silent' : 'slow';

    // Act
    const { calls, events } = await runOnce(SUSPECT, answer);

    // Assess: the suspect probe waited twice e1's last answer time (500 ms), and e1 answered it.
    expect(calls.filter((c) => c.target === E1 && c.tick === 10)).toMatchObject([
      { at: 10_000, timeoutMs: 500 },
      { at: 10_500, timeoutMs: 500 },
    ]);
    expect(transitionsOf(events, 'e1')).toEqual([[2000, 'UNKNOWN', 'UP']]);
  });

  it('goes DOWN one tick later with suspect probing off (the steady-state behaviour)', async () => {
    // Prepare
    const answer = e1Answers([10_000, 12_000, '503']);

    // Act
    const { calls, events } = await runOnce(SETTINGS, answer);

    // Assess
    expect(transitionsOf(events, 'e1')).toContainEqual([11_000, 'UP', 'DOWN']);
    expect(calls.every((c) => c.at % 1000 === 0)).toBe(true);
  });

  it('keeps the steady-state probe and write rate for healthy targets', async () => {
    // Prepare
    const healthy = () => 'ok' as const;

    // Act: a whole invocation with and without suspect probing.
    const on = await runOnce(SUSPECT, healthy, T0 + 70_000);
    const off = await runOnce(SETTINGS, healthy, T0 + 70_000);

    // Assess: one probe per target per tick, at the slot, and one write per tick, either way.
    expect(on.run.ticks).toEqual(every(1, 0, 68));
    for (const target of [E1, W1]) expect(probesOf(on.calls, target)).toEqual(every(1000, 0, 68_000));
    expect(on.calls).toEqual(off.calls);
    expect(on.writes).toBe(off.writes);
    expect(on.writes).toBe(1 + 69 + 1);
  });

  it('makes no extra transitions for a flapping target that loses every fourth probe', async () => {
    // Prepare: e1 drops its 4th, 8th, 12th, ... probe, whenever that is (a lossy path: never two in a row).
    const flapping = () => {
      let probes = 0;
      return (target: string): Answer => {
        if (target !== E1) return 'ok';
        probes += 1;
        return probes % 4 === 0 ? 'silent' : 'ok';
      };
    };

    // Act
    const on = await runOnce(SUSPECT, flapping(), T0 + 70_000);
    const off = await runOnce(SETTINGS, flapping(), T0 + 70_000);

    // Assess: no transition besides the first UP, as without suspect probing; and every loss was
    // followed by a suspect probe that answered.
    const losses = probesOf(on.calls, E1).filter((_, i) => i % 4 === 3);
    expect(losses.length).toBeGreaterThan(15);
    expect(transitionsOf(on.events, 'e1')).toEqual([[2000, 'UNKNOWN', 'UP']]);
    expect(transitionsOf(off.events, 'e1')).toEqual([[2000, 'UNKNOWN', 'UP']]);
    expect(verdictChanges(on.events, 'us-east-1')).toEqual([[2000, true]]);
    expect(on.calls.filter((c) => c.target === E1 && c.at % 1000 !== 0)).toHaveLength(losses.length);
  });

  it('hands the suspect state over to the next invocation', async () => {
    // Prepare: threshold 3 and a 900 ms probe timeout, so that e1, silent at a's last tick (68), times
    // out too late for a suspect round in a's time; it answers 503 to b from tick 69 until 69.5 s.
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const settings: MonitorSettings = {
      ...SUSPECT,
      thresholds: { failureThreshold: 3, recoveryThreshold: 3 },
      probeTimeoutMs: 900,
    };
    const answer = e1Answers([68_000, 69_000, 'silent'], [69_000, 69_500, '503']);
    const clock = new VirtualClock(T0);
    const calls: ProbeCall[] = [];
    const store = memoryMonitorStore();
    const depsA = {
      ...monitorDeps(clock, store, 'a', T0 + 70_000, answeringProbe(clock, 'a', calls, answer)),
      settings,
    };
    const depsB = {
      ...monitorDeps(clock, store, 'b', T0 + 130_000, answeringProbe(clock, 'b', calls, answer)),
      settings,
    };

    // Act: the schedule starts b a minute after a, while a still runs.
    const [a, b] = await Promise.all([
      clock.task(() => runMonitor(depsA)),
      clock.task(() => runMonitor(depsB), T0 + 60_000),
    ]);

    // Assess: b continued a's count (1 down) and its suspicion: its slot probe made 2, its first
    // suspect round 3, so DOWN at 69.2 s; no probe was made twice or by both.
    expect(a).toMatchObject({ outcome: 'deadline', ticks: every(1, 0, 68) });
    expect(b).toMatchObject({ outcome: 'deadline', ticks: every(1, 69, 128), tookOverAfterCrash: false });
    expect(calls.filter((c) => c.target === E1 && c.at >= 67_000 && c.at < 71_000)).toMatchObject([
      { invocation: 'a', at: 67_000 },
      { invocation: 'a', at: 68_000, timeoutMs: 900 },
      { invocation: 'b', at: 69_000, timeoutMs: 900 },
      { invocation: 'b', at: 69_200, timeoutMs: 150 },
      { invocation: 'b', at: 70_000 },
    ]);
    const events = sent();
    expect(transitionsOf(events, 'e1')).toEqual([
      [2000, 'UNKNOWN', 'UP'],
      [69_200, 'UP', 'DOWN'],
      [72_000, 'DOWN', 'UP'],
    ]);
    const probes = calls.map((c) => `${c.target}@${c.at}`);
    expect(new Set(probes).size).toBe(probes.length);
    const ids = events.map((e) => e.detail.eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
