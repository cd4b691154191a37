import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import type { FunctionSpec } from '../drill/template.js';

/**
 * Lambda on one machine: each execution environment is a worker thread that loads the function's
 * bundle with exactly the template's environment (plus the local endpoints), and runs one invocation
 * at a time. Concurrent invocations get more environments (cold starts), up to the reserved
 * concurrency; an invocation that outlives the function's timeout is killed with its environment, as
 * Lambda does.
 */

export type InvokeResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string };

export interface LocalLambdaOptions {
  /** Variables added to the template's environment (AWS_REGION, credentials, local endpoints). */
  readonly extraEnvironment: Readonly<Record<string, string>>;
  /** Every line the function writes to stdout/stderr (logs, EMF metrics). */
  readonly onLog?: (line: string, fn: FunctionSpec) => void;
  /** An asynchronous invocation that failed all its attempts. */
  readonly onDeadLetter?: (event: unknown, result: InvokeResult, fn: FunctionSpec) => void;
  /** @default 10 - environments per function when no reserved concurrency is set */
  readonly maxEnvironments?: number;
  /** Waits before Lambda's async retries. @default [60_000, 120_000] (Lambda's documented 1 and 2 minutes) */
  readonly asyncRetryDelaysMs?: readonly number[];
}

export class FunctionInitError extends Error {
  constructor(
    readonly fn: FunctionSpec,
    detail: string,
  ) {
    super(`${fn.path} failed to initialize: ${detail}`);
    this.name = 'FunctionInitError';
  }
}

interface Pending {
  resolve(result: InvokeResult): void;
  timer: NodeJS.Timeout;
}

class Environment {
  readonly ready: Promise<void>;
  busy = false;
  dead = false;
  /** When the running invocation started (epoch ms). */
  startedAt = 0;
  private pending: Pending | undefined;

  constructor(
    readonly worker: Worker,
    fn: FunctionSpec,
    onLog: (line: string) => void,
  ) {
    for (const stream of [worker.stdout, worker.stderr]) {
      createInterface({ input: stream }).on('line', onLog);
    }
    this.ready = new Promise((resolve, reject) => {
      worker.once('message', (m: { type: string; errorType?: string; errorMessage?: string }) => {
        if (m.type === 'ready') resolve();
        else reject(new FunctionInitError(fn, `${m.errorType}: ${m.errorMessage}`));
      });
      worker.once('error', (e) => reject(new FunctionInitError(fn, e.message)));
      worker.once('exit', (code) => reject(new FunctionInitError(fn, `environment exited with ${code}`)));
    });
    this.ready.catch(() => undefined);
    worker.on('message', (m: { type: string; ok?: boolean } & Record<string, unknown>) => {
      if (m.type !== 'result') return;
      this.finish(
        m.ok
          ? { ok: true, value: m.value }
          : { ok: false, errorType: String(m.errorType), errorMessage: String(m.errorMessage) },
      );
    });
    const crashed = (detail: string) => {
      this.dead = true;
      this.finish({ ok: false, errorType: 'Runtime.ExitError', errorMessage: detail });
    };
    worker.on('error', (e) => crashed(`runtime error: ${e.message}`));
    worker.on('exit', (code) => crashed(`environment exited (${code}) during the invocation`));
  }

  run(event: unknown, timeoutMs: number): Promise<InvokeResult> {
    this.busy = true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.finish({
          ok: false,
          errorType: 'Sandbox.Timedout',
          errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
        });
        this.kill();
      }, timeoutMs);
      this.pending = { resolve, timer };
      this.worker.postMessage({
        type: 'invoke',
        event,
        deadline: Date.now() + timeoutMs,
        requestId: randomUUID(),
      });
    });
  }

  private finish(result: InvokeResult): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    this.busy = false;
    pending.resolve(result);
  }

  kill(): void {
    this.dead = true;
    void this.worker.terminate();
  }
}

export interface LambdaStats {
  invocations: number;
  errors: number;
  coldStarts: number;
  throttles: number;
}

/**
 * One function of the synthesized app, runnable locally.
 *
 * @example
 * const fn = new LocalLambda(spec, { extraEnvironment: { AWS_REGION: spec.region } });
 * await fn.init(); // fails with FunctionInitError if the bundle cannot start with this environment
 * const result = await fn.invoke({ version: '2.0', rawPath: '/' });
 */
export class LocalLambda {
  readonly stats: LambdaStats = { invocations: 0, errors: 0, coldStarts: 0, throttles: 0 };
  private readonly environments: Environment[] = [];
  private skewMs = 0;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly spec: FunctionSpec,
    private readonly options: LocalLambdaOptions,
  ) {}

  /** Starts one environment and waits until the module has loaded (the template's env must be complete). */
  async init(): Promise<void> {
    const env = this.spawn();
    await env.ready;
  }

  /** A synchronous invocation (RequestResponse): the function's answer or its error. */
  async invoke(event: unknown): Promise<InvokeResult> {
    if (this.stopped) return { ok: false, errorType: 'ResourceNotFoundException', errorMessage: 'stopped' };
    this.stats.invocations += 1;
    const env = this.environments.find((e) => !e.busy && !e.dead) ?? this.spawnIfAllowed();
    if (env === undefined) {
      this.stats.throttles += 1;
      return { ok: false, errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' };
    }
    env.busy = true;
    // Picked now: a cold environment counts as running from here, not from the end of its init.
    env.startedAt = Date.now();
    try {
      await env.ready;
    } catch (e) {
      env.kill();
      this.forget(env);
      this.stats.errors += 1;
      return { ok: false, errorType: 'Runtime.ImportModuleError', errorMessage: (e as Error).message };
    }
    const result = await env.run(event, this.spec.timeoutMs);
    if (env.dead) this.forget(env);
    if (!result.ok) this.stats.errors += 1;
    return result;
  }

  /** An asynchronous invocation (Event): retried as Lambda does, then handed to onDeadLetter. */
  invokeAsync(event: unknown): void {
    const delays = this.options.asyncRetryDelaysMs ?? [60_000, 120_000];
    const attempt = async (n: number): Promise<void> => {
      const result = await this.invoke(event);
      if (result.ok || this.stopped) return;
      if (n < this.spec.asyncRetries) {
        const timer = setTimeout(
          () => {
            this.timers.delete(timer);
            void attempt(n + 1);
          },
          delays[Math.min(n, delays.length - 1)] ?? 60_000,
        );
        timer.unref();
        this.timers.add(timer);
        return;
      }
      this.options.onDeadLetter?.(event, result, this.spec);
    };
    void attempt(0);
  }

  /**
   * Kills environments that are running an invocation (a crash mid-invocation): every one, or only the
   * one that started first. Returns how many.
   */
  crashRunning(which: 'all' | 'oldest' = 'all'): number {
    const busy = this.environments.filter((e) => e.busy && !e.dead).sort((x, y) => x.startedAt - y.startedAt);
    const victims = which === 'oldest' ? busy.slice(0, 1) : busy;
    for (const env of victims) env.kill();
    return victims.length;
  }

  /** Number of invocations running now. */
  get running(): number {
    return this.environments.filter((e) => e.busy && !e.dead).length;
  }

  /** Skews the wall clock of this function's environments (new ones too). */
  setClockSkew(ms: number): void {
    this.skewMs = ms;
    for (const env of this.environments) env.worker.postMessage({ type: 'skew', skewMs: ms });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.all(this.environments.map((e) => e.worker.terminate()));
    this.environments.length = 0;
  }

  private spawnIfAllowed(): Environment | undefined {
    const live = this.environments.filter((e) => !e.dead).length;
    const cap = this.spec.reservedConcurrency ?? this.options.maxEnvironments ?? 10;
    return live < cap ? this.spawn() : undefined;
  }

  private spawn(): Environment {
    const fn = this.spec;
    const functionName = fn.path.replaceAll('/', '-').slice(0, 64);
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
      env: {
        ...fn.environment,
        AWS_LAMBDA_FUNCTION_NAME: functionName,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        ...this.options.extraEnvironment,
      },
      workerData: {
        file: fn.file,
        exportName: fn.exportName,
        functionName,
        functionArn: `arn:aws:lambda:${fn.region}:000000000000:function:${functionName}`,
        memoryMb: fn.memoryMb,
        skewMs: this.skewMs,
      },
      stdout: true,
      stderr: true,
      // Lambda's memory setting, as the V8 heap cap of the environment.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(128, fn.memoryMb) },
    });
    const env = new Environment(worker, fn, (line) => this.options.onLog?.(line, fn));
    this.stats.coldStarts += 1;
    this.environments.push(env);
    return env;
  }

  private forget(env: Environment): void {
    const i = this.environments.indexOf(env);
    if (i >= 0) this.environments.splice(i, 1);
  }
}
