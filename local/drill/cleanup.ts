import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A drill must leave nothing behind, however it ends:
 * - a normal end or Ctrl-C stops every part in order (deployment.stop());
 * - each process it starts gets a watchdog that kills the process group when the drill's own process
 *   is gone (SIGKILL, a crash), as local/dynamo/reaper.ts does for DynamoDB Local;
 * - and a record of those processes, so the next drill reaps whatever a watchdog could not.
 */

const RECORD_DIR = join(tmpdir(), 'cc-continuity-drill');

interface RecordedProcess {
  readonly pid: number;
  /** A fragment of its command line, so a recycled PID is never killed. */
  readonly command: string;
}

interface DrillRecord {
  readonly owner: number;
  readonly processes: RecordedProcess[];
}

/** Whether a process with this PID exists (signal 0). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function killGroupAndProcess(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Gone already, or not a group leader.
    }
  }
}

/** Kills what earlier drills whose process is gone left behind; returns the PIDs it killed. */
export function reapLeftovers(dir = RECORD_DIR): number[] {
  const killed: number[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return killed;
  }
  for (const file of files) {
    const path = join(dir, file);
    let record: DrillRecord;
    try {
      record = JSON.parse(readFileSync(path, 'utf8')) as DrillRecord;
    } catch {
      rmSync(path, { force: true });
      continue;
    }
    if (processAlive(record.owner) && record.owner !== process.pid) continue;
    for (const p of record.processes) {
      if (processAlive(p.pid) && commandOf(p.pid).includes(p.command)) {
        killGroupAndProcess(p.pid);
        killed.push(p.pid);
      }
    }
    rmSync(path, { force: true });
  }
  return killed;
}

export interface ProcessRecord {
  /** Records a process (and starts its watchdog). */
  add(pid: number): void;
  /** Removes the record: call after an orderly stop. */
  close(): void;
}

/**
 * @example
 * reapLeftovers();
 * const record = processRecord();
 * record.add(kamailio.pid);
 * ...
 * await deployment.stop(); record.close();
 */
export function processRecord(dir = RECORD_DIR): ProcessRecord {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${process.pid}.json`);
  const record: DrillRecord = { owner: process.pid, processes: [] };
  const save = () => writeFileSync(path, JSON.stringify(record));
  save();
  return {
    add(pid) {
      const command = commandOf(pid).split(' ')[0] ?? '';
      record.processes.push({ pid, command });
      save();
      watchGroup(pid);
    },
    close() {
      rmSync(path, { force: true });
    },
  };
}

// Runs under `sh -c`: $1 = the drill's PID, $2 = the watched PID (a process-group leader or not).
const WATCHDOG = [
  'while kill -0 "$2" 2>/dev/null; do',
  '  if ! kill -0 "$1" 2>/dev/null; then kill -KILL -"$2" 2>/dev/null; kill -KILL "$2" 2>/dev/null; exit 0; fi',
  '  sleep 1',
  'done',
].join('\n');

/** A detached shell that kills `pid` (and its group) once this process is gone; it ends with `pid`. */
function watchGroup(pid: number): void {
  const watchdog = spawn(
    'sh',
    ['-c', WATCHDOG, 'cc-continuity-drill-watchdog', String(process.pid), String(pid)],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  watchdog.unref();
}
