import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/cc-continuity.mjs', import.meta.url));

/**
 * Runs the operator command as `npx cc-continuity` does (the bin shim), awaiting its exit.
 *
 * @example
 * const { code, out } = await cli(['status', '--env', 'dev', '--endpoint', world.region(A).endpoint]);
 */
export function cli(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}
