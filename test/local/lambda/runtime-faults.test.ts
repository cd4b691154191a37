import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InvokeResult } from '../../../local/lambda/runtime.js';
import { fixtureSpec, lambdaHarness, WAIT } from './helpers.js';

const harness = lambdaHarness();
afterEach(() => harness.stopAll());

describe('LocalLambda timeout', () => {
  it('answers Sandbox.Timedout when the handler outlives the timeout, then starts a new environment', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('slow.mjs', { timeoutMs: 300 }));
    // Act
    const timedOut = await fn.invoke({ id: 'late', ms: 2_000 });
    const next = await fn.invoke({ id: 'quick', ms: 0 });
    // Assess
    expect(timedOut).toEqual({
      ok: false,
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 0.30 seconds',
    });
    expect(next).toEqual({ ok: true, value: { id: 'quick' } });
    expect(fn.stats).toMatchObject({ invocations: 2, errors: 1, coldStarts: 2 });
  });
});

describe('LocalLambda concurrency', () => {
  it('runs concurrent invocations in separate environments and reuses them afterwards', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('slow.mjs'));
    // Act
    const first = fn.invoke({ id: 'a', ms: 1_000 });
    const second = fn.invoke({ id: 'b', ms: 1_000 });
    await harness.waitForLog('started a');
    await harness.waitForLog('started b');
    const runningWhileInFlight = fn.running;
    const results = await Promise.all([first, second]);
    const third = await fn.invoke({ id: 'c', ms: 0 });
    // Assess
    expect(runningWhileInFlight).toBe(2);
    expect(results).toEqual([
      { ok: true, value: { id: 'a' } },
      { ok: true, value: { id: 'b' } },
    ]);
    expect(third).toEqual({ ok: true, value: { id: 'c' } });
    expect(fn.stats.coldStarts).toBe(2);
    expect(fn.running).toBe(0);
  });

  it.each([
    ['the reserved concurrency', { reservedConcurrency: 1 }, {}],
    ['maxEnvironments', {}, { maxEnvironments: 1 }],
  ])('throttles an invocation beyond %s with TooManyRequestsException', async (_, spec, options) => {
    // Prepare
    const fn = harness.create(fixtureSpec('slow.mjs', spec), options);
    // Act
    const first = fn.invoke({ id: 'a', ms: 300 });
    const second = await fn.invoke({ id: 'b', ms: 0 });
    // Assess
    expect(second).toEqual({
      ok: false,
      errorType: 'TooManyRequestsException',
      errorMessage: 'Rate Exceeded.',
    });
    await expect(first).resolves.toEqual({ ok: true, value: { id: 'a' } });
    expect(fn.stats).toMatchObject({ throttles: 1, coldStarts: 1 });
  });
});

describe('LocalLambda crashes', () => {
  it('kills only the invocation that started first with crashRunning("oldest")', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('slow.mjs'));
    const older = fn.invoke({ id: 'old', ms: 30_000 });
    await harness.waitForLog('started old');
    const newer = fn.invoke({ id: 'new', ms: 300 });
    await harness.waitForLog('started new');
    // Act
    const killed = fn.crashRunning('oldest');
    // Assess
    expect(killed).toBe(1);
    await expect(older).resolves.toMatchObject({ ok: false, errorType: 'Runtime.ExitError' });
    await expect(newer).resolves.toEqual({ ok: true, value: { id: 'new' } });
  });

  it('kills every running invocation with crashRunning("all")', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('slow.mjs'));
    const invocations = [fn.invoke({ id: 'a', ms: 5_000 }), fn.invoke({ id: 'b', ms: 5_000 })];
    await harness.waitForLog('started a');
    await harness.waitForLog('started b');
    // Act
    const killed = fn.crashRunning('all');
    // Assess
    expect(killed).toBe(2);
    const results = await Promise.all(invocations);
    expect(results.map((r) => (r.ok ? 'ok' : r.errorType))).toEqual([
      'Runtime.ExitError',
      'Runtime.ExitError',
    ]);
    expect(fn.running).toBe(0);
  });

  it.each([
    ['process.exit', 'exit', 'environment exited (3) during the invocation'],
    ['an error thrown outside the handler', 'throw', 'runtime error: boom outside the handler'],
  ])('answers Runtime.ExitError when the function ends its environment with %s', async (_, how, message) => {
    // Prepare
    const fn = harness.create(fixtureSpec('exits.mjs'));
    const echo = harness.create(fixtureSpec('echo.mjs'));
    // Act
    const result = await fn.invoke({ how });
    // Assess
    expect(result).toEqual({ ok: false, errorType: 'Runtime.ExitError', errorMessage: message });
    expect(fn.running).toBe(0);
    await expect(echo.invoke({})).resolves.toMatchObject({ ok: true });
  });

  it('starts a new environment for the invocation after a crash', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('exits.mjs'));
    await fn.invoke({ how: 'exit' });
    // Act
    const again = await fn.invoke({ how: 'exit' });
    // Assess
    expect(again).toMatchObject({ ok: false, errorType: 'Runtime.ExitError' });
    expect(fn.stats).toMatchObject({ invocations: 2, errors: 2, coldStarts: 2 });
  });
});

describe('LocalLambda clock skew', () => {
  it.each([
    ['a warm environment', true],
    ['an environment started after the skew', false],
  ])('puts Date.now() and new Date() of %s ahead by the skew', async (_, warmFirst) => {
    // Prepare
    const fn = harness.create(fixtureSpec('echo.mjs'));
    if (warmFirst) await fn.invoke({});
    // Act
    fn.setClockSkew(2_000);
    const before = Date.now();
    const result = await fn.invoke({});
    // Assess
    expect(result.ok).toBe(true);
    const { now, newDate } = (result as { value: { now: number; newDate: string } }).value;
    for (const seen of [now, Date.parse(newDate)]) {
      expect(seen - before).toBeGreaterThan(1_500);
      expect(seen - before).toBeLessThan(5_000);
    }
  });

  it('puts the clock back with a skew of 0', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('echo.mjs'));
    fn.setClockSkew(60_000);
    await fn.invoke({});
    // Act
    fn.setClockSkew(0);
    const before = Date.now();
    const result = await fn.invoke({});
    // Assess
    const { now } = (result as { value: { now: number } }).value;
    expect(now - before).toBeLessThan(1_500);
  });
});

describe('LocalLambda invokeAsync', () => {
  it.each([
    [2, 3],
    [0, 1],
  ])(
    'with %i async retries makes %i attempts, then calls onDeadLetter once',
    async (asyncRetries, attempts) => {
      // Prepare
      const deadLetters: [unknown, InvokeResult][] = [];
      const spec = fixtureSpec('throws.mjs', { asyncRetries });
      const fn = harness.create(spec, {
        asyncRetryDelaysMs: [10, 10],
        onDeadLetter: (event, result, f) => {
          expect(f).toBe(spec);
          deadLetters.push([event, result]);
        },
      });
      // Act
      fn.invokeAsync({ tenant: 'acme' });
      await vi.waitFor(() => expect(deadLetters).toHaveLength(1), WAIT);
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Assess
      expect(deadLetters).toEqual([
        [{ tenant: 'acme' }, { ok: false, errorType: 'QuotaError', errorMessage: 'quota exceeded for acme' }],
      ]);
      expect(fn.stats.invocations).toBe(attempts);
    },
  );

  it('does not dead-letter an invocation that succeeds', async () => {
    // Prepare
    const onDeadLetter = vi.fn();
    const fn = harness.create(fixtureSpec('echo.mjs'), { asyncRetryDelaysMs: [10, 10], onDeadLetter });
    // Act
    fn.invokeAsync({ n: 1 });
    await harness.waitForLog('echo {"n":1}');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Assess
    expect(onDeadLetter).not.toHaveBeenCalled();
    expect(fn.stats).toMatchObject({ invocations: 1, errors: 0 });
  });
});
