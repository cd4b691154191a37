import { formatSeconds } from './stats.js';
import type { DrillReport, EntryKind, ScenarioReport } from './types.js';

export interface TerminalOptions {
  /** ANSI colors; pass `process.stdout.isTTY`. @default false */
  readonly color?: boolean;
}

export interface ProgressStep {
  readonly scenario: string;
  readonly elapsedMs: number;
  /** What the scenario is waiting for: 'DNS answer for sip to change'. */
  readonly waitingFor: string;
}

type Style = 'bold' | 'dim' | 'red' | 'green' | 'blue' | 'grey' | 'yellow';
const ANSI: Record<Style, string> = {
  bold: '1',
  dim: '2',
  red: '31',
  green: '32',
  blue: '34',
  grey: '90',
  yellow: '33',
};
const KIND_STYLE: Record<EntryKind, Style> = {
  fault: 'red',
  recovery: 'green',
  observation: 'blue',
  note: 'grey',
};

/**
 * One scenario as a compact table for the terminal: its entries sorted by time
 * (`  +12.345 s  lane  label`), then its timings, then a ✔/✘ line per expectation with expected
 * and measured values. Colors only when `opts.color`.
 *
 * @example
 * process.stdout.write(renderTimeline(scenario, { color: process.stdout.isTTY }));
 */
export function renderTimeline(scenario: ScenarioReport, opts: TerminalOptions = {}): string {
  const paint = painter(opts.color ?? false);
  const lines = [
    `${paint('bold', `${clean(scenario.title)}`)}  ${paint('dim', `${clean(scenario.name)} · run ${scenario.run}`)}  ${verdict(scenario.passed, paint)}  ${formatSeconds(scenario.durationMs, 1)}`,
  ];
  const entries = [...scenario.timeline].sort((a, b) => a.atMs - b.atMs);
  const times = entries.map((e) => `+${formatSeconds(e.atMs)}`);
  const timeWidth = Math.max(0, ...times.map((t) => t.length));
  const laneWidth = Math.max(0, ...entries.map((e) => clean(e.lane).length));
  entries.forEach((entry, i) => {
    const time = (times[i] ?? '').padStart(timeWidth);
    const lane = clean(entry.lane).padEnd(laneWidth);
    lines.push(`  ${paint('dim', time)}  ${lane}  ${paint(KIND_STYLE[entry.kind], clean(entry.label))}`);
  });
  if (scenario.timings.length > 0) {
    lines.push('', `  ${paint('bold', 'timings')}`);
    const rows = scenario.timings.map((t) => [clean(t.name), formatSeconds(t.ms)]);
    lines.push(...table(rows, ['left', 'right']).map((row) => `    ${row}`));
  }
  if (scenario.expectations.length > 0) {
    lines.push('', `  ${paint('bold', 'expectations')}`);
    const rows = scenario.expectations.map((e) => [
      clean(e.name),
      `expected ${clean(e.expected)}`,
      `measured ${clean(e.measured)}`,
    ]);
    table(rows, ['left', 'left', 'left']).forEach((row, i) => {
      const passed = scenario.expectations[i]?.passed ?? false;
      lines.push(`  ${mark(passed, paint)} ${passed ? row : paint('red', row)}`);
    });
  }
  if (scenario.error !== undefined) lines.push('', `  ${paint('red', `error: ${clean(scenario.error)}`)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The end of a drill for the terminal: one ✔/✘ line per scenario run, the timings across runs
 * (median and nearest-rank p95) when any scenario ran more than once, the failed expectations with
 * what was measured, the notes, and the final verdict as the last line.
 *
 * @example
 * process.stdout.write(renderSummary(report, { color: process.stdout.isTTY }));
 */
export function renderSummary(report: DrillReport, opts: TerminalOptions = {}): string {
  const paint = painter(opts.color ?? false);
  const lines = [paint('bold', 'Failover drill')];
  const rows = report.scenarios.map((s) => [clean(s.name), `run ${s.run}`, formatSeconds(s.durationMs, 1)]);
  table(rows, ['left', 'left', 'right']).forEach((row, i) => {
    const passed = report.scenarios[i]?.passed ?? false;
    lines.push(`  ${mark(passed, paint)} ${row}`);
  });

  const repeated = report.summaries.filter((s) => s.samples.length > 1);
  if (repeated.length > 0) {
    lines.push('', `  ${paint('bold', 'timings across runs')}`);
    const header = ['scenario', 'timing', 'runs', 'median', 'p95', 'missing'];
    const body = repeated.map((s) => [
      clean(s.scenario),
      clean(s.name),
      String(s.samples.length),
      formatSeconds(s.median),
      formatSeconds(s.p95),
      String(s.missing),
    ]);
    const [head = '', ...rest] = table(
      [header, ...body],
      ['left', 'left', 'right', 'right', 'right', 'right'],
    );
    lines.push(`    ${paint('dim', head)}`, ...rest.map((row) => `    ${row}`));
  }

  const failed = report.scenarios.filter((s) => !s.passed);
  if (failed.length > 0) {
    lines.push('', `  ${paint('bold', 'failed')}`);
    for (const s of failed) {
      lines.push(`  ${mark(false, paint)} ${clean(s.name)} (run ${s.run})`);
      for (const e of s.expectations.filter((x) => !x.passed)) {
        lines.push(`      ${clean(e.name)}: measured ${clean(e.measured)}, expected ${clean(e.expected)}`);
      }
      if (s.error !== undefined) lines.push(`      error: ${clean(s.error)}`);
    }
  }
  if (report.notes.length > 0) {
    lines.push('', `  ${paint('bold', 'notes')}`, ...report.notes.map((n) => `    ${clean(n)}`));
  }

  const total = report.scenarios.length;
  const passedCount = total - failed.length;
  const tally =
    failed.length > 0
      ? `${failed.length} of ${total} scenario runs failed`
      : `${passedCount} of ${total} scenario runs passed`;
  lines.push('', `${verdict(report.passed, paint)}  ${tally} in ${formatSeconds(report.durationMs, 1)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The one status line shown while a scenario waits, without a newline: on a TTY the caller rewrites
 * it in place with `\r` (and `opts.width`, the terminal's columns, keeps it from wrapping).
 *
 * @example
 * process.stdout.write(`\r${progressLine({ scenario: 'regional-outage', elapsedMs: 11_250, waitingFor: 'DNS answer for sip to change' }, { width: process.stdout.columns })}`);
 * // '⧗ regional-outage  +11.3 s  waiting for DNS answer for sip to change'
 */
export function progressLine(
  step: ProgressStep,
  opts: TerminalOptions & { readonly width?: number } = {},
): string {
  const paint = painter(opts.color ?? false);
  const head = `⧗ ${clean(step.scenario)}  +${formatSeconds(step.elapsedMs, 1)}  `;
  let tail = `waiting for ${clean(step.waitingFor)}`;
  const room = opts.width === undefined ? Number.POSITIVE_INFINITY : opts.width - 1 - head.length;
  if (tail.length > room) tail = room > 1 ? `${tail.slice(0, room - 1)}…` : '';
  // Clear to the end of the line so a shorter line leaves nothing of the previous one behind.
  const clear = opts.color ? '\u001b[K' : '';
  return `${paint('dim', head)}${tail}${clear}`;
}

type Paint = (style: Style, text: string) => string;

function painter(color: boolean): Paint {
  return color ? (style, text) => `\u001b[${ANSI[style]}m${text}\u001b[0m` : (_style, text) => text;
}

function verdict(passed: boolean, paint: Paint): string {
  return passed ? paint('green', '✔ PASS') : paint('red', '✘ FAIL');
}

function mark(passed: boolean, paint: Paint): string {
  return passed ? paint('green', '✔') : paint('red', '✘');
}

/** Control characters in a label would move the cursor or recolor the terminal; show them as spaces. */
function clean(text: string): string {
  return text.replace(/\p{Cc}/gu, ' ');
}

function table(rows: readonly (readonly string[])[], align: readonly ('left' | 'right')[]): string[] {
  const widths = align.map((_, col) => Math.max(0, ...rows.map((r) => (r[col] ?? '').length)));
  return rows.map((r) =>
    align
      .map((a, col) => {
        const cell = r[col] ?? '';
        const width = widths[col] ?? 0;
        return a === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd(),
  );
}
