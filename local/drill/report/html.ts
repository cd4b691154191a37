import { formatSeconds } from './stats.js';
import { COLORS, esc, renderTimelineSvg } from './timeline-svg.js';
import type { DrillReport, ScenarioReport } from './types.js';

/**
 * The drill report as one self-contained HTML page: inline CSS and SVG, no script, no external
 * asset, so it opens from a CI artifact or a mail attachment exactly as it was written. Every string
 * from the report is escaped, and the same report always gives the same bytes.
 *
 * @example
 * await writeFile('drill-report.html', renderHtml(report));
 */
export function renderHtml(report: DrillReport): string {
  const ids = sectionIds(report.scenarios);
  const total = report.scenarios.length;
  const passedCount = report.scenarios.filter((s) => s.passed).length;
  const env = report.environment;
  const facts = [
    ['environment', env.env],
    ['active regions', env.activeRegions.join(', ')],
    ['witness', env.witness],
    ['SIP edge', env.sipEdge],
    ['node', env.node],
    ['host', env.host],
  ];
  const settings = Object.entries(env.settings).map(([k, v]) => [esc(k), esc(String(v))]);
  const toc = report.scenarios.map(
    (s, i) =>
      `<li>${badge(s.passed)} <a href="#${ids[i]}">${esc(s.title)}</a> <span class="dim">${esc(s.name)} · run ${s.run}</span></li>`,
  );
  const notes = report.notes.map((note) => `<li>${esc(note)}</li>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Failover drill ${report.passed ? 'PASS' : 'FAIL'} · ${esc(report.startedAt)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${badge(report.passed)} Failover drill</h1>
<p class="meta">${passedCount} of ${total} scenario runs passed · started ${esc(report.startedAt)} · finished ${esc(report.finishedAt)} · ${formatSeconds(report.durationMs, 1)}</p>
<div class="env">
<dl>${facts.map(([k, v]) => `<dt>${k}</dt><dd>${esc(v ?? '')}</dd>`).join('')}</dl>
${table(['setting', 'value'], settings, 'settings')}
</div>
<ol class="toc">
${toc.join('\n')}
</ol>
</header>
<main>
${report.scenarios.map((s, i) => scenarioSection(s, ids[i] ?? `scenario-${i + 1}`)).join('\n')}
${summariesSection(report)}
${notes === '' ? '' : `<section><h2>Notes</h2><ul>${notes}</ul></section>`}
</main>
</body>
</html>
`;
}

function scenarioSection(s: ScenarioReport, id: string): string {
  const timings = s.timings.map((t) => [
    esc(t.name),
    t.ms === null ? '<span class="bad">never</span>' : formatSeconds(t.ms),
  ]);
  const expectations = s.expectations.map((e) => [
    e.passed ? '<span class="ok">✔ pass</span>' : '<span class="bad">✘ fail</span>',
    esc(e.name),
    esc(e.expected),
    e.passed ? esc(e.measured) : `<strong class="bad">${esc(e.measured)}</strong>`,
  ]);
  const verdicts = s.expectations.map((e) => (e.passed ? '' : 'fail'));
  return `<section class="scenario ${s.passed ? 'pass' : 'fail'}" id="${id}">
<h2>${badge(s.passed)} ${esc(s.title)}</h2>
<p class="meta">${esc(s.name)} · run ${s.run} · started ${esc(s.startedAt)} · ${formatSeconds(s.durationMs, 1)}</p>
${s.error === undefined ? '' : `<pre class="error">${esc(s.error)}</pre>`}
<p class="legend">${(['fault', 'observation', 'recovery', 'note'] as const).map((k) => `<span class="key ${k}"></span>${k}`).join(' ')} <span class="key band"></span>fault active</p>
${renderTimelineSvg(s)}
<div class="tables">
${table(['timing', 'measured'], timings, 'timings')}
${table(['verdict', 'expectation', 'expected', 'measured'], expectations, 'expectations', verdicts)}
</div>
</section>`;
}

function summariesSection(report: DrillReport): string {
  if (report.summaries.length === 0) return '';
  const rows = report.summaries.map((s) => [
    esc(s.scenario),
    esc(s.name),
    String(s.samples.length),
    formatSeconds(s.median),
    formatSeconds(s.p95),
    s.missing > 0 ? `<span class="bad">${s.missing}</span>` : '0',
    `<span class="dim">${s.samples.map((v) => formatSeconds(v, 2)).join(', ')}</span>`,
  ]);
  const head = ['scenario', 'timing', 'runs', 'median', 'p95', 'missing', 'samples (run order)'];
  return `<section><h2>Timings across runs</h2>
<p class="dim">Median and nearest-rank 95th percentile over the runs that saw the event; runs that never did are counted as missing.</p>
${table(head, rows, 'summaries')}
</section>`;
}

function badge(passed: boolean): string {
  return passed ? '<span class="badge pass">✔ PASS</span>' : '<span class="badge fail">✘ FAIL</span>';
}

function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  cls: string,
  rowClasses: readonly string[] = [],
): string {
  if (rows.length === 0) return '';
  const body = rows
    .map(
      (r, i) =>
        `<tr${rowClasses[i] ? ` class="${rowClasses[i]}"` : ''}>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Unique fragment ids per scenario run, from characters that need no escaping. */
function sectionIds(scenarios: readonly ScenarioReport[]): string[] {
  const seen = new Map<string, number>();
  return scenarios.map((s) => {
    const slug = s.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    const base = `${slug || 'scenario'}-run-${s.run}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}-${count}`;
  });
}

const CSS = `
:root{--fault:${COLORS.fault};--obs:${COLORS.observation};--rec:${COLORS.recovery};--note:${COLORS.note};--ink:#1f2328;--dim:#656d76;--line:#d0d7de}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1180px;padding:24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:#fff}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:0 0 4px}
.meta,.dim{color:var(--dim)}.meta{margin:0 0 12px}
.badge{display:inline-block;padding:1px 10px;border-radius:12px;font-size:.8em;color:#fff;vertical-align:middle}
.badge.pass{background:var(--rec)}.badge.fail{background:var(--fault)}
.ok{color:var(--rec)}.bad{color:var(--fault)}
.env{display:flex;gap:32px;flex-wrap:wrap;align-items:flex-start}
dl{display:grid;grid-template-columns:auto auto;gap:2px 16px;margin:0}dt{color:var(--dim)}dd{margin:0}
.toc{padding-left:20px}.toc li{margin:2px 0}
section{border-top:1px solid var(--line);padding:20px 0}
section.fail h2{color:var(--fault)}
table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 12px 3px 0;text-align:left;vertical-align:top;border-bottom:1px solid #eaeef2}
th{color:var(--dim);font-weight:600}
.timings td:last-child,.summaries td:nth-child(n+3):nth-child(-n+6){text-align:right;font-variant-numeric:tabular-nums}
tr.fail td{background:#ffebe9}
.tables{display:flex;gap:40px;flex-wrap:wrap;align-items:flex-start}
pre.error{background:#ffebe9;color:var(--fault);padding:8px;white-space:pre-wrap}
.legend{font-size:12px;color:var(--dim);margin:0 0 4px}
.key{display:inline-block;width:10px;height:10px;border-radius:50%;margin:0 4px 0 12px;vertical-align:-1px}
.key.fault{background:var(--fault);border-radius:0;transform:rotate(45deg)}.key.observation{background:var(--obs)}
.key.recovery{background:var(--rec)}.key.note{background:var(--note)}.key.band{background:#fbe3e3;border-radius:0}
svg.timeline{display:block;width:100%;height:auto;font:11px system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
.timeline .stripe{fill:#f6f8fa}.timeline .grid{stroke:#e4e8ec}.timeline .tick{fill:var(--dim)}
.timeline .zoom{fill:none;stroke:var(--dim);stroke-dasharray:3 2}
.timeline .band{fill:var(--fault);fill-opacity:.09}
.timeline .fault-line{stroke:var(--fault);stroke-width:1.5;stroke-dasharray:5 3}
.timeline .lane-name{fill:var(--ink);font-weight:600}
.timeline .leader{fill:none;stroke:#8c959f;stroke-width:.8}
.timeline .mark{stroke:#fff;stroke-width:1.5}
.timeline .entry text{fill:var(--ink)}.timeline .fault text{fill:var(--fault)}.timeline .recovery text{fill:var(--rec)}
.timeline .at{fill:var(--dim);font-size:10px}
`;
