import { formatSeconds } from './stats.js';
import type { EntryKind, ScenarioReport, TimelineEntry } from './types.js';

/** Marker color per entry kind; the page's CSS uses the same colors for its legend and text. */
export const COLORS: Record<EntryKind, string> = {
  fault: '#c62828',
  observation: '#1565c0',
  recovery: '#2e7d32',
  note: '#757575',
};
const W = 1120;
const LEFT = 150;
const RIGHT = 20;
const PLOT = W - LEFT - RIGHT;
const AXIS = 30;
const ROW = 15;
const MARK_ROW = 20;
/** Entries closer than this on the whole-scenario chart form a cluster worth a detail chart. */
const CLUSTER_GAP_PX = 14;

interface Placed {
  readonly entry: TimelineEntry;
  readonly x: number;
  readonly level: number;
  readonly from: number;
  readonly to: number;
}

/**
 * A scenario's timeline as inline SVG: the whole scenario on one chart, and below it a detail chart
 * of its densest cluster when it has one.
 */
export function renderTimelineSvg(s: ScenarioReport): string {
  const entries = [...s.timeline].sort((a, b) => a.atMs - b.atMs);
  const end = Math.max(s.durationMs, ...entries.map((e) => e.atMs), 1);
  const zoom = detailWindow(entries, end);
  // Entries before the scenario's zero (a baseline check, say) widen the chart to the left.
  const whole = chartSvg(s, entries, Math.min(0, entries[0]?.atMs ?? 0), end, zoom);
  if (zoom === undefined) return whole;
  const count = entries.filter((e) => e.atMs >= zoom[0] && e.atMs <= zoom[1]).length;
  return `${whole}
<p class="legend">Detail: ${count} events from +${formatSeconds(zoom[0], 1)} to +${formatSeconds(zoom[1], 1)}</p>
${chartSvg(s, entries, zoom[0], zoom[1])}`;
}

/**
 * The span of the largest run of entries that sit within a few pixels of each other on the whole
 * chart (the seconds between a fault and its detection, typically), padded a little; undefined when
 * no three entries crowd together.
 */
function detailWindow(entries: readonly TimelineEntry[], endMs: number): [number, number] | undefined {
  const pxPerMs = PLOT / (Math.ceil(endMs / tickStep(endMs)) * tickStep(endMs));
  let best: TimelineEntry[] = [];
  let group: TimelineEntry[] = [];
  for (const e of entries) {
    const last = group[group.length - 1];
    if (last !== undefined && (e.atMs - last.atMs) * pxPerMs > CLUSTER_GAP_PX) group = [];
    group.push(e);
    if (group.length > best.length) best = group;
  }
  const first = best[0]?.atMs ?? 0;
  const last = best[best.length - 1]?.atMs ?? 0;
  if (best.length < 3 || last === first || last - first > endMs * 0.4) return undefined;
  const from = Math.max(Math.min(0, first), first - (last - first) * 0.08);
  // Wide enough that every label of the cluster fits to the right of its marker.
  const to = Math.max(
    ...best.map((e) => from + ((e.atMs - from) * PLOT) / Math.max(PLOT / 2, PLOT - labelWidth(e))),
  );
  return [from, to];
}

/**
 * One timeline chart from `fromMs` to `toMs`: time runs left to right in seconds, one band per lane,
 * markers colored by kind, a dashed line at each fault and a shaded band while it is active. A label
 * sits beside its marker when nothing is in the way, else on a row above the lane's markers with a
 * leader; the earliest label of a cluster takes the top row, so a cluster reads down in time order.
 */
function chartSvg(
  s: ScenarioReport,
  entries: readonly TimelineEntry[],
  fromMs: number,
  toMs: number,
  zoom?: readonly [number, number],
): string {
  const step = tickStep(toMs - fromMs);
  const start = Math.floor(fromMs / step) * step;
  const end = Math.max(start + step, Math.ceil(toMs / step) * step);
  const sx = (ms: number) => LEFT + ((Math.min(Math.max(ms, start), end) - start) / (end - start)) * PLOT;
  const visible = entries.filter((e) => e.atMs >= start && e.atMs <= end);
  const parts: string[] = [];
  let y = AXIS;
  [...new Set(visible.map((e) => e.lane))].forEach((lane, i) => {
    const placed = placeLabels(
      visible.filter((e) => e.lane === lane),
      sx,
    );
    const above = Math.max(0, ...placed.map((p) => p.level));
    const height = above * ROW + MARK_ROW + 4;
    const base = y + 2 + above * ROW + MARK_ROW / 2;
    if (i % 2 === 0) parts.push(`<rect class="stripe" x="0" y="${y}" width="${W}" height="${height}"/>`);
    parts.push(
      `<text class="lane-name" x="${LEFT - 10}" y="${base + 4}" text-anchor="end"><title>${esc(lane)}</title>${esc(shorten(lane, 20))}</text>`,
    );
    for (const p of placed) {
      const rowY = base - p.level * ROW;
      const right = p.from >= p.x - 1;
      const tx = right ? p.x + 9 : p.x - 9;
      const e = p.entry;
      const title = `+${formatSeconds(e.atMs)} · ${e.lane} · ${e.label}${e.detail ? ` · ${e.detail}` : ''}`;
      parts.push(
        `<g class="entry ${e.kind}"><title>${esc(title)}</title>`,
        p.level > 0
          ? `<path class="leader" d="M${n(p.x)} ${n(base)}V${n(rowY)}H${n(right ? tx - 2 : tx + 2)}"/>`
          : '',
        marker(e.kind, p.x, base),
        `<text x="${n(tx)}" y="${n(rowY + 4)}"${right ? '' : ' text-anchor="end"'}>${esc(e.label)} <tspan class="at">+${formatSeconds(e.atMs, step < 1000 ? 2 : 1)}</tspan></text></g>`,
      );
    }
    y += height;
  });
  const bottom = Math.max(y, AXIS + 20);
  const ticks: string[] = [];
  for (let t = start; t <= end; t += step) {
    const x = n(sx(t));
    ticks.push(
      `<line class="grid" x1="${x}" y1="${AXIS - 4}" x2="${x}" y2="${bottom}"/><text class="tick" x="${x}" y="${AXIS - 10}" text-anchor="middle">${formatTick(t, step)}</text>`,
    );
  }
  const faults = entries.filter((e) => e.kind === 'fault');
  const bands = faults.map((f) => {
    const until =
      entries.find((e) => e.kind === 'recovery' && e.lane === f.lane && e.atMs >= f.atMs)?.atMs ?? end;
    const [x1, x2] = [sx(f.atMs), sx(until)];
    return x2 > x1
      ? `<rect class="band" x="${n(x1)}" y="${AXIS}" width="${n(x2 - x1)}" height="${bottom - AXIS}"/>`
      : '';
  });
  const lines = faults
    .filter((f) => f.atMs >= start && f.atMs <= end)
    .map(
      (f) =>
        `<line class="fault-line" x1="${n(sx(f.atMs))}" y1="${AXIS - 4}" x2="${n(sx(f.atMs))}" y2="${bottom}"/>`,
    );
  if (zoom !== undefined) {
    const [x1, x2] = [sx(zoom[0]), sx(zoom[1])];
    lines.push(
      `<rect class="zoom" x="${n(x1 - 2)}" y="${AXIS - 2}" width="${n(x2 - x1 + 4)}" height="${bottom - AXIS + 4}"/>`,
      `<text class="tick" x="${n(x1 - 2)}" y="${bottom + 14}">▲ in detail below</text>`,
    );
  }
  const height = bottom + (zoom === undefined ? 4 : 20);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${esc(`timeline of ${s.title}`)}">
${ticks.join('\n')}
${bands.join('\n')}
${parts.filter((p) => p !== '').join('\n')}
${lines.join('\n')}
<text class="tick" x="${LEFT - 28}" y="${AXIS - 10}" text-anchor="end">seconds</text>
</svg>`;
}

/**
 * Rows for one lane's labels, latest entry first, each taking the lowest row that works. Row 0 is
 * the marker row: a label there may not cover another marker. A label on a higher row may not
 * overlap another on its row, its leader may not cross a label below it, and it may not cover the
 * leader of a label above it. Labels that would leave the chart hang to the left of their marker.
 */
function placeLabels(entries: readonly TimelineEntry[], sx: (ms: number) => number): Placed[] {
  const xs = entries.map((e) => sx(e.atMs));
  const placed: Placed[] = [];
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i] as TimelineEntry;
    const x = xs[i] as number;
    const width = labelWidth(entry);
    const [from, to] = x + width > W - 4 ? [x - width, x] : [x, x + width];
    const clear = (v: number) => v < from - 1 || v > to + 1;
    const fits = (level: number, strict: boolean) =>
      level === 0
        ? xs.every((v, j) => j === i || clear(v)) &&
          placed.every((p) => p.level !== 0 || to + 4 <= p.from || from >= p.to + 4)
        : placed.every((p) => {
            if (p.level === level) return to + 4 <= p.from || from >= p.to + 4;
            if (p.level > level) return clear(p.x);
            return !strict || p.level === 0 || x < p.from - 1 || x > p.to + 1;
          });
    let level = 0;
    while (level <= placed.length + 1 && !fits(level, true)) level++;
    if (level > placed.length + 1) for (level = 1; !fits(level, false); level++);
    placed.push({ entry, x, level, from, to });
  }
  return placed.reverse();
}

function marker(kind: EntryKind, x: number, y: number): string {
  if (kind === 'fault') {
    return `<path class="mark" fill="${COLORS.fault}" d="M${n(x)} ${n(y - 7)}l7 7l-7 7l-7 -7z"/>`;
  }
  return `<circle class="mark" fill="${COLORS[kind]}" cx="${n(x)}" cy="${n(y)}" r="${kind === 'note' ? 4 : 5.5}"/>`;
}

function tickStep(spanMs: number): number {
  const steps = [10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5];
  return steps.find((s) => spanMs / s <= 12) ?? Math.ceil(spanMs / 12 / 600_000) * 600_000;
}

function formatTick(ms: number, step: number): string {
  return `${(ms / 1000).toFixed(step < 100 ? 2 : step < 1000 ? 1 : 0)} s`;
}

/** Width of a label with its time and gap; generous, since the page does not know which sans-serif draws it. */
function labelWidth(e: TimelineEntry): number {
  return [...e.label].length * 6.4 + [...` +${formatSeconds(e.atMs, 2)}`].length * 5.8 + 14;
}

/** A lane name cut to what fits left of the chart; the whole name is in its tooltip. */
function shorten(text: string, chars: number): string {
  const glyphs = [...text];
  return glyphs.length > chars ? `${glyphs.slice(0, chars - 1).join('')}…` : text;
}

function n(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/** Escapes text for HTML and SVG markup, attributes included. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
