import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * What keeps the function bundles small (bench/bundles.bench.ts measures it): the code bundled into a
 * function (functions/ and the config schemas it reads) imports zod/mini as a namespace, which esbuild
 * tree-shakes, never classic zod or mini's re-exported `z` object (about 410 KiB each); and a handler
 * imports only the AWS SDK clients it calls (functions/shared/clients/<service>.ts), not the barrel that
 * loads all five at cold start.
 */
describe('imports of the bundled code', () => {
  const files = [...sources('functions'), ...sources('config')].map((f) => ({
    file: relative(ROOT, join(ROOT, f)),
    text: readFileSync(join(ROOT, f), 'utf8'),
  }));

  it('uses zod/mini as a namespace only', () => {
    const bad = files
      .filter(({ text }) =>
        /from 'zod'|import \{[^}]*\} from 'zod\/mini'/.test(
          text.replace(/import \{ config \} from 'zod\/mini'/, ''),
        ),
      )
      .map(({ file }) => file);

    expect(files.length).toBeGreaterThan(50);
    expect(bad).toEqual([]);
  });

  it('lets no function import the all-clients barrel', () => {
    const bad = files
      .filter(({ file }) => file !== 'functions/shared/clients.ts')
      .filter(({ text }) => /shared\/clients\.js'/.test(text))
      .map(({ file }) => file);

    expect(bad).toEqual([]);
  });
});

describe('the bundles of the functions that rarely publish', () => {
  /** A function bundled as ContinuityFunction does (ESM, the AWS SDK external), unminified for reading. */
  async function bundle(entry: string): Promise<string> {
    const out = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      external: ['@aws-sdk/*'],
      logLevel: 'silent',
    });
    return out.outputFiles[0]?.text ?? '';
  }
  const STATIC = /^import\s[^;]*from\s*"@aws-sdk\/client-eventbridge"/m;
  const DYNAMIC = /import\(\s*"@aws-sdk\/client-eventbridge"\s*\)/;

  it.each([
    ['functions/context/handlers/get-context.ts', DYNAMIC],
    ['functions/context/handlers/create-context.ts', DYNAMIC],
    ['functions/context/handlers/crm-webhook.ts', null],
    ['functions/oauth/handler.ts', DYNAMIC],
    ['functions/routing/capacity/reconcile-handler.ts', DYNAMIC],
    ['functions/routing/quorum-handler.ts', DYNAMIC],
  ])('%s loads the EventBridge SDK only when it publishes (if ever)', async (entry, lazy) => {
    const text = await bundle(entry);
    expect(text).not.toMatch(STATIC);
    if (lazy) expect(text).toMatch(lazy);
    else expect(text).not.toContain('@aws-sdk/client-eventbridge');
  });

  it('keeps the static import where publishing is the job (the monitor), so the check can see one', async () => {
    expect(await bundle('functions/health/handler.ts')).toMatch(STATIC);
  });
});
