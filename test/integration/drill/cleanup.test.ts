import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { processAlive as alive, reapLeftovers } from '../../../local/drill/cleanup.js';

// A drill that is stopped (Ctrl-C) or killed outright must leave no DynamoDB Local, no Kamailio and no
// listening port behind. Each test starts the real drill (`bin/drill.ts`) and ends it mid-scenario.

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const RECORDS = join(tmpdir(), 'cc-continuity-drill');
let drill: ChildProcess | undefined;
let reportDir: string | undefined;

afterEach(() => {
  if (drill?.exitCode === null && drill.signalCode === null) drill.kill('SIGKILL');
  if (reportDir) rmSync(reportDir, { recursive: true, force: true });
});

interface Started {
  readonly child: ChildProcess;
  readonly pids: number[];
  readonly ports: { host: string; port: number }[];
}

/** Starts the drill and waits until its deployment is up; returns the processes and ports it holds. */
async function startDrill(): Promise<Started> {
  reportDir = mkdtempSync(join(tmpdir(), 'drill-cleanup-'));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/drill.ts',
      '--scenario',
      'transfer',
      '--edge',
      'kamailio',
      '--report-dir',
      reportDir,
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  drill = child;
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const deadline = Date.now() + 150_000;
  while (!/local deployment up/.test(output)) {
    if (child.exitCode !== null) throw new Error(`the drill ended before its deployment was up:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the drill's deployment was not up in time:\n${output}`);
    await sleep(200);
  }
  const line = /local deployment up.*/.exec(output)?.[0] ?? '';
  const addresses = [...line.matchAll(/(127\.\d+\.\d+\.\d+):(\d+)/g)].map((m) => ({
    host: m[1] ?? '',
    port: Number(m[2]),
  }));
  const record = JSON.parse(readFileSync(join(RECORDS, `${child.pid}.json`), 'utf8')) as {
    processes: { pid: number }[];
  };
  return { child, pids: record.processes.map((p) => p.pid), ports: addresses };
}

/** Whether a TCP listener answers on host:port. */
function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function gone(started: Started, timeoutMs: number): Promise<{ pids: number[]; ports: string[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = started.pids.filter(alive);
    const open: string[] = [];
    for (const { host, port } of started.ports) if (await listening(host, port)) open.push(`${host}:${port}`);
    if ((pids.length === 0 && open.length === 0) || Date.now() > deadline) return { pids, ports: open };
    await sleep(250);
  }
}

describe('a drill that is stopped or killed', () => {
  it('leaves no process and no listening port after Ctrl-C (SIGINT)', async () => {
    // Prepare
    const started = await startDrill();
    expect(started.pids.length).toBeGreaterThanOrEqual(5); // DynamoDB Local + four Kamailio edges
    expect(started.ports.length).toBeGreaterThanOrEqual(5); // DNS + four edges
    // Act
    started.child.kill('SIGINT');
    const [code] = (await once(started.child, 'exit')) as [number | null];
    // Assess
    expect(code).toBe(130);
    expect(await gone(started, 5_000)).toEqual({ pids: [], ports: [] });
    expect(existsSync(join(RECORDS, `${started.child.pid}.json`))).toBe(false);
  }, 240_000);

  it('leaves no process and no listening port after SIGKILL of the drill', async () => {
    // Prepare
    const started = await startDrill();
    // Act
    started.child.kill('SIGKILL');
    await once(started.child, 'exit');
    // Assess: the watchdogs take everything down within seconds; the next start clears the record
    expect(await gone(started, 15_000)).toEqual({ pids: [], ports: [] });
    reapLeftovers();
    expect(existsSync(join(RECORDS, `${started.child.pid}.json`))).toBe(false);
  }, 240_000);
});

describe('reapLeftovers', () => {
  it('kills what a dead drill recorded and leaves a live drill alone', async () => {
    // Prepare: a dead owner's record naming a live process, and a live owner's record
    const dir = mkdtempSync(join(tmpdir(), 'drill-records-'));
    const orphan = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    const kept = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    const deadOwner = spawn('true');
    await once(deadOwner, 'exit');
    writeFileSync(
      join(dir, `${deadOwner.pid}.json`),
      JSON.stringify({ owner: deadOwner.pid, processes: [{ pid: orphan.pid, command: 'sleep' }] }),
    );
    writeFileSync(
      join(dir, `${process.pid}.json`),
      JSON.stringify({ owner: process.ppid, processes: [{ pid: kept.pid, command: 'sleep' }] }),
    );
    try {
      // Act
      const killed = reapLeftovers(dir);
      await sleep(100);
      // Assess
      expect(killed).toEqual([orphan.pid]);
      expect(alive(orphan.pid ?? 0)).toBe(false);
      expect(alive(kept.pid ?? 0)).toBe(true);
      expect(existsSync(join(dir, `${deadOwner.pid}.json`))).toBe(false);
    } finally {
      kept.kill('SIGKILL');
      orphan.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never kills a recycled PID that now runs another command', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'drill-records-'));
    const other = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    writeFileSync(
      join(dir, '1.json'),
      JSON.stringify({ owner: 999_999_999, processes: [{ pid: other.pid, command: 'kamailio' }] }),
    );
    try {
      // Act
      const killed = reapLeftovers(dir);
      // Assess
      expect(killed).toEqual([]);
      expect(alive(other.pid ?? 0)).toBe(true);
    } finally {
      other.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
