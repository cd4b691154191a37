import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs bin/app.ts the way the CDK CLI does: context in CDK_CONTEXT_JSON, output dir in CDK_OUTDIR. */
function runApp(context: Record<string, unknown>) {
  const outdir = mkdtempSync(join(tmpdir(), 'cc-continuity-bin-'));
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
  });
  return { ...result, outdir };
}

describe('bin/app.ts', () => {
  it('synthesizes the five stacks of dev', () => {
    // Act
    const { status, stderr, outdir } = runApp({ env: 'dev' });

    // Assess
    // CDK announces every local esbuild bundling on stderr, and the npm it runs for that may warn about the
    // machine's own npm config; anything else there is a warning or an error of the app.
    const noise = /^(Bundling asset \S+\.\.\.|npm warn .*)$/;
    expect(stderr.split('\n').filter((l) => l.trim() !== '' && !noise.test(l))).toEqual([]);
    expect(status).toBe(0);
    expect(readdirSync(outdir).filter((f) => f.endsWith('.template.json'))).toHaveLength(5);
  });

  it('fails with the config message and no stack trace when the environment has no config', () => {
    // Act
    const { status, stderr } = runApp({ env: 'nosuchenv' });

    // Assess
    expect(status).toBe(1);
    expect(stderr).toContain('invalid configuration in config/nosuchenv.json');
    expect(stderr).toContain('no such environment');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
