import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Keeps a spawned server from outliving the Node process that started it.
 *
 * Two layers, because no single one covers every way a test run ends:
 * - an `exit` hook kills every guarded child synchronously when Node exits normally
 *   (including `process.exit()` and an uncaught exception);
 * - a detached watchdog shell polls once a second and kills the child when the parent
 *   PID is gone, which also covers SIGKILL, signals without handlers and a crashed worker.
 *   The watchdog exits by itself once the child is gone, and `release()` stops it early.
 *
 * Signal handlers are deliberately not installed: they would change how the host
 * process (vitest, the drill) reacts to Ctrl-C.
 */
const guarded = new Set<ChildProcess>();
let exitHookInstalled = false;

// Runs under `sh -c`: $1 = parent PID, $2 = child PID.
const WATCHDOG_SCRIPT = [
  'while kill -0 "$2" 2>/dev/null; do',
  '  if ! kill -0 "$1" 2>/dev/null; then',
  '    kill -TERM "$2" 2>/dev/null; sleep 2; kill -KILL "$2" 2>/dev/null; exit 0',
  '  fi',
  '  sleep 1',
  'done',
].join('\n');

function killGuardedNow(): void {
  for (const child of guarded) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/**
 * Guards `child` (see module comment). Returns `release`, to call once the child has
 * been stopped on purpose; it stops the watchdog by its PID.
 */
export function guardChild(child: ChildProcess): () => void {
  if (child.pid === undefined) throw new Error('guardChild: the child has no PID (spawn failed)');
  if (!exitHookInstalled) {
    process.once('exit', killGuardedNow);
    exitHookInstalled = true;
  }
  guarded.add(child);
  const watchdog = spawn(
    'sh',
    ['-c', WATCHDOG_SCRIPT, 'dynamo-local-watchdog', String(process.pid), String(child.pid)],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  watchdog.unref();
  return () => {
    guarded.delete(child);
    if (watchdog.pid !== undefined && watchdog.exitCode === null && watchdog.signalCode === null) {
      watchdog.kill('SIGTERM');
    }
  };
}
