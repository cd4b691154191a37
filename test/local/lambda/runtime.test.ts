import { afterEach, describe, expect, it, vi } from 'vitest';
import { FunctionInitError } from '../../../local/lambda/runtime.js';
import { FUNCTION_PATH, fixtureSpec, lambdaHarness, WAIT } from './helpers.js';

interface EchoValue {
  event: unknown;
  env?: string;
  extra?: string;
  functionName?: string;
  remaining: number;
  now: number;
  newDate: string;
}

const harness = lambdaHarness();
afterEach(() => harness.stopAll());

describe('LocalLambda environment', () => {
  it('gives the function the template environment plus extraEnvironment, not the test process', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('echo.mjs', { environment: { SOME_VAR: 'from-template' } }), {
      extraEnvironment: { EXTRA_VAR: 'from-drill' },
    });
    // Act
    const result = await fn.invoke({});
    // Assess
    expect(result).toMatchObject({
      ok: true,
      value: {
        env: 'from-template',
        extra: 'from-drill',
        functionName: FUNCTION_PATH.replaceAll('/', '-'),
      },
    });
    expect(process.env.SOME_VAR).toBeUndefined();
    expect(process.env.EXTRA_VAR).toBeUndefined();
  });

  it('lets extraEnvironment override a template variable of the same name', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('echo.mjs', { environment: { SOME_VAR: 'from-template' } }), {
      extraEnvironment: { SOME_VAR: 'local-endpoint' },
    });
    // Act
    const result = await fn.invoke({});
    // Assess
    expect(result).toMatchObject({ ok: true, value: { env: 'local-endpoint' } });
  });

  it('gives the handler a context whose remaining time counts down from the function timeout', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('echo.mjs', { timeoutMs: 4_000 }));
    // Act
    const result = await fn.invoke({});
    // Assess
    expect(result.ok).toBe(true);
    const { remaining } = (result as { value: EchoValue }).value;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(4_000);
  });
});

describe('LocalLambda init', () => {
  it('initializes when the template environment is complete', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('init-fails.mjs', { environment: { TABLE_NAME: 'contexts' } }));
    // Act
    await fn.init();
    const result = await fn.invoke({});
    // Assess
    expect(result).toEqual({ ok: true, value: { table: 'contexts' } });
    expect(fn.stats.coldStarts).toBe(1);
  });

  it('rejects with a FunctionInitError naming the function and the error when the module throws', async () => {
    // Prepare
    const spec = fixtureSpec('init-fails.mjs');
    const fn = harness.create(spec);
    // Act
    const init = fn.init();
    // Assess
    await expect(init).rejects.toBeInstanceOf(FunctionInitError);
    await expect(init).rejects.toThrow(`${FUNCTION_PATH} failed to initialize: Error: TABLE_NAME is not set`);
    await expect(init).rejects.toMatchObject({ fn: spec });
  });

  it('rejects with a FunctionInitError when the bundle does not export the handler', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('echo.mjs', { exportName: 'missing' }));
    // Act
    const init = fn.init();
    // Assess
    await expect(init).rejects.toThrow('missing is not a function exported by the bundle');
  });

  it('fails an invocation with Runtime.ImportModuleError when the module cannot load', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('init-fails.mjs'));
    // Act
    const result = await fn.invoke({});
    // Assess
    expect(result).toMatchObject({ ok: false, errorType: 'Runtime.ImportModuleError' });
    expect(result.ok || result.errorMessage).toContain('TABLE_NAME is not set');
    expect(fn.stats.errors).toBe(1);
  });
});

describe('LocalLambda invoke', () => {
  it.each([
    ['the event it was given', 'handler', expect.objectContaining({ event: { id: 'e-1', list: [1, 2] } })],
    ['null when it returns undefined', 'nothing', null],
    [
      'the JSON form of what it returns (a Date as a string, undefined fields dropped)',
      'lossy',
      { at: '2026-01-02T03:04:05.000Z', kept: 1 },
    ],
  ])('returns %s', async (_, exportName, expected) => {
    // Prepare
    const fn = harness.create(fixtureSpec('echo.mjs', { exportName }));
    // Act
    const result = await fn.invoke({ id: 'e-1', list: [1, 2] });
    // Assess
    expect(result).toStrictEqual({ ok: true, value: expected });
    expect(fn.stats).toMatchObject({ invocations: 1, errors: 0, coldStarts: 1 });
  });

  it('answers ok:false with the error name and message when the handler throws', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('throws.mjs'));
    // Act
    const result = await fn.invoke({ tenant: 'acme' });
    // Assess
    expect(result).toEqual({ ok: false, errorType: 'QuotaError', errorMessage: 'quota exceeded for acme' });
    expect(fn.stats).toMatchObject({ invocations: 1, errors: 1 });
  });

  it('reuses the warm environment for the next invocation', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('echo.mjs'));
    await fn.invoke({ n: 1 });
    // Act
    const result = await fn.invoke({ n: 2 });
    // Assess
    expect(result).toMatchObject({ ok: true, value: { event: { n: 2 } } });
    expect(fn.stats).toMatchObject({ invocations: 2, coldStarts: 1 });
  });

  it('hands every line the function logs to onLog, with the function', async () => {
    // Prepare
    const onLog = vi.fn();
    const spec = fixtureSpec('echo.mjs');
    const fn = harness.create(spec, { onLog });
    // Act
    await fn.invoke({ n: 7 });
    // Assess
    await vi.waitFor(() => expect(onLog).toHaveBeenCalledWith('echo {"n":7}', spec), WAIT);
  });
});

describe('LocalLambda stop', () => {
  it('ends a running invocation and refuses new ones', async () => {
    // Prepare
    const fn = harness.create(fixtureSpec('slow.mjs'));
    const running = fn.invoke({ id: 'a', ms: 60_000 });
    await harness.waitForLog('started a');
    // Act
    await fn.stop();
    // Assess
    await expect(running).resolves.toMatchObject({ ok: false, errorType: 'Runtime.ExitError' });
    await expect(fn.invoke({ id: 'b', ms: 0 })).resolves.toMatchObject({
      ok: false,
      errorType: 'ResourceNotFoundException',
    });
    expect(fn.running).toBe(0);
  });
});
