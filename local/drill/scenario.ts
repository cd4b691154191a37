import type { Deployment } from './deployment.js';
import type { Observer } from './observe.js';
import type { Expectation, ScenarioReport, TimelineEntry, Timing } from './report/types.js';

/**
 * The frame every scenario runs in: a clock that starts at the scenario's start, a timeline, timings,
 * expectations, and waits that keep one live progress line up to date.
 */

export interface ScenarioContext {
  readonly deployment: Deployment;
  readonly observer: Observer;
  /** Epoch ms at which the scenario started (timeline zero). */
  readonly t0: number;
  /** Adds a timeline entry at `at` (epoch ms, default now). Returns `at`. */
  mark(lane: string, label: string, kind: TimelineEntry['kind'], at?: number): number;
  /** Records a duration; null = the thing never happened. */
  timing(name: string, from: number | undefined, to: number | undefined): void;
  expect(name: string, passed: boolean, expected: string, measured: string): void;
  /**
   * Polls `check` every `everyMs` until it returns a value (not undefined / false) or `timeoutMs` passes.
   * Returns the value and the time it was first seen, or undefined on timeout.
   */
  waitFor<T>(
    what: string,
    check: () => Promise<T | undefined | false> | T | undefined | false,
    timeoutMs: number,
    everyMs?: number,
  ): Promise<{ value: T; at: number } | undefined>;
  /** Waits `ms`, showing what for. */
  hold(ms: number, what: string): Promise<void>;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  run(ctx: ScenarioContext): Promise<void>;
}

export type ProgressSink = (step: { scenario: string; elapsedMs: number; waitingFor: string }) => void;

/**
 * Runs one scenario and returns its report; an exception inside it becomes a failed expectation
 * naming the error, never a crash of the drill.
 *
 * @example
 * const report = await runScenario(outage, { deployment, observer, run: 1, progress });
 */
export async function runScenario(
  scenario: Scenario,
  options: { deployment: Deployment; observer: Observer; run: number; progress: ProgressSink },
): Promise<ScenarioReport> {
  const t0 = Date.now();
  const timeline: TimelineEntry[] = [];
  const timings: Timing[] = [];
  const expectations: Expectation[] = [];
  const show = (waitingFor: string) =>
    options.progress({ scenario: scenario.name, elapsedMs: Date.now() - t0, waitingFor });
  const ctx: ScenarioContext = {
    deployment: options.deployment,
    observer: options.observer,
    t0,
    mark(lane, label, kind, at = Date.now()) {
      timeline.push({ atMs: at - t0, lane, label, kind });
      return at;
    },
    timing(name, from, to) {
      timings.push({ name, ms: from === undefined || to === undefined ? null : Math.max(0, to - from) });
    },
    expect(name, passed, expected, measured) {
      expectations.push({ name, passed, expected, measured });
    },
    async waitFor(what, check, timeoutMs, everyMs = 100) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        show(what);
        const value = await check();
        if (value !== undefined && value !== false) return { value, at: Date.now() };
        if (Date.now() >= deadline) return undefined;
        await new Promise((r) => setTimeout(r, everyMs));
      }
    },
    async hold(ms, what) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        show(what);
        await new Promise((r) => setTimeout(r, Math.min(250, until - Date.now())));
      }
    },
  };
  let error: string | undefined;
  try {
    await scenario.run(ctx);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    expectations.push({
      name: 'scenario ran to the end',
      passed: false,
      expected: 'no error',
      measured: error,
    });
  }
  timeline.sort((a, b) => a.atMs - b.atMs);
  return {
    name: scenario.name,
    title: scenario.title,
    run: options.run,
    startedAt: new Date(t0).toISOString(),
    durationMs: Date.now() - t0,
    passed: expectations.length > 0 && expectations.every((e) => e.passed),
    ...(error !== undefined ? { error } : {}),
    timeline,
    timings,
    expectations,
  };
}
