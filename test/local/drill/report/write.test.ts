import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeReports } from '../../../../local/drill/report/write.js';
import { sampleReport } from './sample-report.js';

describe('writeReports', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'drill-report-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the directory and writes drill-report.json and drill-report.html in it', async () => {
    // Prepare
    const dir = join(root, 'nested', 'out');

    // Act
    const written = await writeReports(sampleReport(), dir);

    // Assess
    expect(written).toEqual({ json: join(dir, 'drill-report.json'), html: join(dir, 'drill-report.html') });
    expect(isAbsolute(written.json)).toBe(true);
    expect(existsSync(written.json)).toBe(true);
    expect(await readFile(written.html, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('writes JSON that reads back as the same report, pretty-printed', async () => {
    // Prepare
    const report = sampleReport();

    // Act
    const { json } = await writeReports(report, root);

    // Assess
    const text = await readFile(json, 'utf8');
    expect(JSON.parse(text)).toEqual(report);
    expect(text).toContain('\n  "startedAt": ');
  });

  it('replaces the reports of an earlier drill', async () => {
    // Prepare
    await writeReports(sampleReport(), root);
    const passing = { ...sampleReport(), passed: true, notes: ['second drill'] };

    // Act
    const { json } = await writeReports(passing, root);

    // Assess
    expect(JSON.parse(await readFile(json, 'utf8'))).toMatchObject({ passed: true, notes: ['second drill'] });
  });
});
