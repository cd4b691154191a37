import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import type { FunctionSpec } from '../../../local/drill/template.js';
import { LocalLambda, type LocalLambdaOptions } from '../../../local/lambda/runtime.js';

/** Worker threads can take a while to start on a loaded machine. */
export const WAIT = { timeout: 10_000, interval: 10 };

export const FUNCTION_PATH = 'Continuity-test-Region-us-east-1/Fixture/Function';

/** A function of a fixture bundle under ./fixtures, as readDeployment would describe it. */
export function fixtureSpec(file: string, overrides: Partial<FunctionSpec> = {}): FunctionSpec {
  return {
    key: 'Continuity-test-Region-us-east-1/FixtureFunction',
    stackName: 'Continuity-test-Region-us-east-1',
    logicalId: 'FixtureFunction',
    path: FUNCTION_PATH,
    region: 'us-east-1',
    file: fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url)),
    exportName: 'handler',
    environment: {},
    timeoutMs: 5_000,
    memoryMb: 128,
    asyncRetries: 2,
    ...overrides,
  };
}

/**
 * Creates LocalLambdas and stops them all in afterEach, with the log lines each one wrote, so a test
 * can wait for "started <id>" before acting on a running invocation.
 */
export function lambdaHarness() {
  const created: LocalLambda[] = [];
  const logs: string[] = [];
  return {
    logs,
    create(spec: FunctionSpec, options: Partial<LocalLambdaOptions> = {}): LocalLambda {
      const fn = new LocalLambda(spec, {
        extraEnvironment: {},
        ...options,
        onLog: (line, f) => {
          logs.push(line);
          options.onLog?.(line, f);
        },
      });
      created.push(fn);
      return fn;
    },
    async waitForLog(line: string): Promise<void> {
      await vi.waitFor(() => {
        if (!logs.includes(line)) throw new Error(`no log line "${line}" yet`);
      }, WAIT);
    },
    async stopAll(): Promise<void> {
      await Promise.all(created.splice(0).map((fn) => fn.stop()));
      logs.length = 0;
    },
  };
}
