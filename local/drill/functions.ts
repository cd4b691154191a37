import type { LocalBus } from '../bus/bus.js';
import { FunctionInitError, type InvokeResult, LocalLambda } from '../lambda/runtime.js';
import type { DeploymentSpec, FunctionSpec } from './template.js';

/**
 * Every function of the synthesized app as a LocalLambda, wired to the local bus by the templates'
 * rules: a rule's function target becomes an asynchronous invocation, as EventBridge makes it.
 */

export interface LocalFunctions {
  readonly all: readonly LocalLambda[];
  /** The function whose construct path ends with `suffix` in `region`, e.g. ('us-east-1', '/Quorum/Function'). */
  find(region: string, suffix: string): LocalLambda;
  byKey(key: string): LocalLambda;
  /** The function at a construct path (what rule targets name), if any. */
  byPath(path: string): LocalLambda | undefined;
  readonly deadLetters: { readonly fn: string; readonly error: string; readonly at: number }[];
  stop(): Promise<void>;
}

export interface FunctionsOptions {
  /** Environment added to every function of `region` (AWS_REGION, credentials, local endpoints). */
  readonly environmentFor: (fn: FunctionSpec) => Record<string, string>;
  readonly onLog: (line: string, fn: FunctionSpec) => void;
  /** Environments started in parallel while initializing. @default 3 */
  readonly initConcurrency?: number;
}

/**
 * Starts one environment of every function (so a bundle that cannot start with its template's
 * environment stops the deployment here, naming the function) and registers the rule targets.
 *
 * @example
 * const functions = await startFunctions(spec, bus, { environmentFor, onLog });
 */
export async function startFunctions(
  spec: DeploymentSpec,
  bus: LocalBus,
  options: FunctionsOptions,
): Promise<LocalFunctions> {
  const deadLetters: LocalFunctions['deadLetters'] = [];
  const onDeadLetter = (_event: unknown, result: InvokeResult, fn: FunctionSpec) => {
    const error = result.ok ? 'ok' : `${result.errorType}: ${result.errorMessage}`;
    deadLetters.push({ fn: fn.path, error, at: Date.now() });
  };
  const all = spec.functions.map(
    (fn) =>
      new LocalLambda(fn, {
        extraEnvironment: options.environmentFor(fn),
        onLog: options.onLog,
        onDeadLetter,
      }),
  );
  const stop = async () => {
    await Promise.all(all.map((f) => f.stop()));
  };
  try {
    const queue = [...all];
    const failures: FunctionInitError[] = [];
    const worker = async () => {
      for (let fn = queue.shift(); fn !== undefined; fn = queue.shift()) {
        await fn.init().catch((e: unknown) => {
          failures.push(e instanceof FunctionInitError ? e : new FunctionInitError(fn.spec, String(e)));
        });
      }
    };
    await Promise.all(Array.from({ length: options.initConcurrency ?? 3 }, worker));
    if (failures.length > 0) {
      throw new Error(
        `the local deployment refuses to start: ${failures.length} function(s) failed to initialize\n` +
          failures.map((f) => `  - ${f.message}`).join('\n'),
      );
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const byPath = new Map(all.map((f) => [f.spec.path, f]));
  const byKey = new Map(all.map((f) => [f.spec.key, f]));
  for (const rule of spec.rules) {
    for (const target of rule.targets) {
      if (target.kind !== 'function') continue;
      const fn = byPath.get(target.path);
      if (fn === undefined) throw new Error(`rule ${rule.path} targets ${target.path}, which is no function`);
      bus.on(target.path, async (event) => fn.invokeAsync(event));
    }
  }
  return {
    all,
    deadLetters,
    find(region, suffix) {
      const fn = all.find((f) => f.spec.region === region && f.spec.path.endsWith(suffix));
      if (fn === undefined) throw new Error(`no function ${suffix} in ${region}`);
      return fn;
    },
    byPath: (path) => byPath.get(path),
    byKey(key) {
      const fn = byKey.get(key);
      if (fn === undefined) throw new Error(`no function ${key}`);
      return fn;
    },
    stop,
  };
}
