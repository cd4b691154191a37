import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { renderHtml } from './html.js';
import type { DrillReport } from './types.js';

/**
 * Writes the drill report to `dir` (created when missing) as `drill-report.json`, the model as is,
 * pretty-printed so a diff between two drills reads line by line, and `drill-report.html`, the page
 * for people. Existing reports there are replaced. Resolves with the absolute paths written.
 *
 * @example
 * const { html } = await writeReports(report, 'drill-out');
 * console.log(`report: file://${html}`);
 */
export async function writeReports(
  report: DrillReport,
  dir: string,
): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const json = resolve(dir, 'drill-report.json');
  const html = resolve(dir, 'drill-report.html');
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
  await writeFile(html, renderHtml(report), 'utf8');
  return { json, html };
}
