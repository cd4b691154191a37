import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REASON_PHRASES, reasonPhrase } from '../sip/reply.js';
import { REASON_VAR, REPLY_VAR, renderKamailioConfig, renderTlsConfig } from './config.js';
import { canConnect, createSelfSignedCertificate, findExecutable, freePort, run } from './support.js';

/** What the proxy answers OPTIONS with: a status code (100-699), or `'silent'` to drop them unanswered. */
export type ReplyMode = number | 'silent';

export interface KamailioOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Also listen for SIP over TLS on a second port, with a fresh self-signed certificate. @default false */
  readonly tls?: boolean;
  /** @default 200 */
  readonly initialReply?: ReplyMode;
}

export interface KamailioProxy {
  readonly host: string;
  /** UDP and TCP port. */
  readonly port: number;
  readonly pid: number;
  /** The instance's own temp dir (config, ctl socket, certificate); removed by stop(). */
  readonly runDir: string;
  /** Present when started with `tls: true`; `certificatePem` is the CA a client must trust. */
  readonly tls?: { readonly port: number; readonly certificatePem: string };
  /** Changes the answer to OPTIONS at runtime; resolves once Kamailio has taken the new value. */
  setReply(mode: ReplyMode): Promise<void>;
  /** The last lines Kamailio wrote, for a failing test's message. */
  logTail(): string;
  /** Stops Kamailio (SIGTERM, then SIGKILL to its process group) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const START_ATTEMPTS = 3;

function checkReply(mode: ReplyMode): void {
  if (mode === 'silent') return;
  if (!Number.isInteger(mode) || mode < 100 || mode > 699) {
    throw new RangeError(`reply ${mode} is not a SIP status code; use 100-699 or 'silent'`);
  }
}

class RunningKamailio implements KamailioProxy {
  private readonly log: string[] = [];
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly host: string,
    readonly port: number,
    readonly tls: KamailioProxy['tls'],
    readonly runDir: string,
    private readonly kamcmd: string,
    private readonly ctlSocket: string,
  ) {
    const keep = (chunk: Buffer) => {
      this.log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      this.log.splice(0, Math.max(0, this.log.length - 200));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (error) => this.log.push(`launcher: ${error.message}`));
    // If the test process dies without stop(), do not leave Kamailio workers behind.
    process.once('exit', this.killGroup);
    child.once('exit', () => process.off('exit', this.killGroup));
  }

  /** SIGKILL to the process group we created with `detached` (Kamailio and all its workers). */
  private readonly killGroup = (): void => {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  logTail(): string {
    return this.log.slice(-40).join('\n');
  }

  async rpc(...args: string[]): Promise<string> {
    const { stdout } = await run(this.kamcmd, ['-s', `unix:${this.ctlSocket}`, ...args], { timeout: 5000 });
    return stdout;
  }

  async setReply(mode: ReplyMode): Promise<void> {
    checkReply(mode);
    if (mode === 'silent') {
      await this.rpc('pv.shvSet', REPLY_VAR, 'int', '0');
      return;
    }
    // One RPC for a code the script names (a flapping edge's 503 lasts as long as the caller means);
    // otherwise the phrase first: between the two calls the old code may go out with the new phrase,
    // never the reverse.
    if (!REASON_PHRASES.has(mode)) await this.rpc('pv.shvSet', REASON_VAR, 'str', reasonPhrase(mode));
    await this.rpc('pv.shvSet', REPLY_VAR, 'int', String(mode));
  }

  /** Waits until the ctl socket answers and the TCP listener accepts; fails early if Kamailio exits. */
  async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      if (this.exited) throw new Error(`kamailio exited during startup:\n${this.logTail()}`);
      const ready = await this.rpc('core.version')
        .then(() => canConnect(this.host, this.port))
        .then(() => true)
        .catch(() => false);
      if (ready) return;
      if (Date.now() > deadline)
        throw new Error(`kamailio not ready after ${STARTUP_TIMEOUT_MS} ms:\n${this.logTail()}`);
      await sleep(50);
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.terminate();
    return this.stopping;
  }

  private async terminate(): Promise<void> {
    try {
      if (!this.exited) {
        const exit = once(this.child, 'exit');
        this.child.kill('SIGTERM');
        const stopped = await Promise.race([exit.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
        if (!stopped) {
          // The main process did not take its workers down in time: kill the whole group we created.
          this.killGroup();
          await exit;
        }
      }
      // A worker that outlived its main process would hold the ports; the group id is the child's PID.
      this.killGroup();
    } finally {
      await rm(this.runDir, { recursive: true, force: true });
    }
  }
}

async function launchOnce(
  options: KamailioOptions,
  kamailio: string,
  kamcmd: string,
): Promise<RunningKamailio> {
  const host = options.host ?? '127.0.0.1';
  const dir = await mkdtemp(path.join(tmpdir(), 'kamailio-'));
  try {
    const port = await freePort(host, true);
    const ctlSocket = path.join(dir, 'ctl.sock');
    let tls: { port: number; configFile: string; certificatePem: string } | undefined;
    if (options.tls) {
      const cert = await createSelfSignedCertificate(dir);
      const configFile = path.join(dir, 'tls.cfg');
      await writeFile(configFile, renderTlsConfig(cert.certificateFile, cert.privateKeyFile));
      tls = { port: await freePort(host, false), configFile, certificatePem: cert.certificatePem };
    }
    const configPath = path.join(dir, 'kamailio.cfg');
    await writeFile(configPath, renderKamailioConfig({ host, port, ctlSocket, ...(tls ? { tls } : {}) }));
    // -DD: stay in the foreground (but fork workers), -E: log to stderr, -Y: runtime dir of our own.
    const args = ['-DD', '-E', '-f', configPath, '-Y', dir, '-P', path.join(dir, 'kamailio.pid'), '-m', '32'];
    const child = spawn(kamailio, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) {
      await once(child, 'error').catch(() => undefined);
      throw new Error(`could not start ${kamailio}`);
    }
    const tlsInfo = tls ? { port: tls.port, certificatePem: tls.certificatePem } : undefined;
    const proxy = new RunningKamailio(child, child.pid, host, port, tlsInfo, dir, kamcmd, ctlSocket);
    try {
      await proxy.waitUntilReady();
      if (options.initialReply !== undefined) await proxy.setReply(options.initialReply);
      return proxy;
    } catch (error) {
      await proxy.stop();
      throw error;
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Starts Kamailio as a local SIP edge on free loopback ports, answering OPTIONS with a status that the
 * caller changes at runtime. The caller must `await proxy.stop()` (in an afterAll / finally).
 *
 * @example
 * const proxy = await startKamailio();
 * await proxy.setReply(503);
 * const result = await probeSip({ host: proxy.host, port: proxy.port, transport: 'udp' });
 * await proxy.stop();
 */
export async function startKamailio(options: KamailioOptions = {}): Promise<KamailioProxy> {
  if (options.initialReply !== undefined) checkReply(options.initialReply);
  const kamailio = await findExecutable('kamailio', 'KAMAILIO_BIN');
  const kamcmd = await findExecutable('kamcmd', 'KAMCMD_BIN');
  let lastError: unknown;
  // A port picked as free can be taken before Kamailio binds it; a fresh pick fixes that.
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt += 1) {
    try {
      return await launchOnce(options, kamailio, kamcmd);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
