import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../../local/drill/report/html.js';
import type { DrillReport, ScenarioReport } from '../../../../local/drill/report/types.js';
import { outageScenario, sampleReport, splitBrainScenario } from './sample-report.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Open tags left unclosed and close tags that close nothing, in order; empty when the markup nests. */
function unbalanced(markup: string): string[] {
  const stack: string[] = [];
  const problems: string[] = [];
  for (const [, close, name = '', selfClosing] of markup.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^<>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (!close) stack.push(name);
    else if (stack.pop() !== name) problems.push(`</${name}>`);
  }
  return [...problems, ...stack.map((name) => `<${name}>`)];
}

function svgs(html: string): string[] {
  return [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
}

function sections(html: string): string[] {
  return [...html.matchAll(/<section class="scenario[\s\S]*?<\/section>/g)].map((m) => m[0]);
}

function withScenarios(...scenarios: ScenarioReport[]): DrillReport {
  return { ...sampleReport(), scenarios, passed: scenarios.every((s) => s.passed) };
}

describe('renderHtml', () => {
  it('writes well-formed SVG: every <svg> closed and every element inside it nested', () => {
    // Act
    const html = renderHtml(sampleReport());

    // Assess
    const parts = svgs(html);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(html.split('<svg').length).toBe(html.split('</svg>').length);
    for (const svg of parts) {
      expect(unbalanced(svg)).toEqual([]);
      expect(svg).not.toMatch(/&(?!#\d+;|[a-z]+;)/);
    }
  });

  it('nests the elements of the whole page', () => {
    // Prepare
    const voids = /<(meta|br|hr|img|input|link)\b[^>]*>/g;

    // Act
    const html = renderHtml(sampleReport())
      .replace(/<!doctype html>/, '')
      .replace(voids, '');

    // Assess
    expect(unbalanced(html)).toEqual([]);
  });

  it('references nothing outside the page: no URL but the SVG namespace, no script, no stylesheet link', () => {
    // Act
    const html = renderHtml(sampleReport());

    // Assess
    const urls = [...html.matchAll(/https?:\/\/[^"'\s)]*/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set([SVG_NS]));
    expect(html).not.toMatch(/<script|<link|@import|url\(|@font-face|src=/i);
  });

  it('escapes every string from the report, a <script> label included', () => {
    // Prepare
    const hostile = '<script>alert("x")</script> & \'q\'';
    const scenario: ScenarioReport = {
      ...splitBrainScenario(),
      name: hostile,
      title: hostile,
      error: hostile,
      timeline: [{ atMs: 100, lane: hostile, label: hostile, kind: 'fault', detail: hostile }],
      timings: [{ name: hostile, ms: 1 }],
      expectations: [{ name: hostile, passed: false, expected: hostile, measured: hostile }],
    };
    const report: DrillReport = {
      ...withScenarios(scenario),
      notes: [hostile],
      environment: { ...sampleReport().environment, host: hostile, settings: { [hostile]: hostile } },
    };

    // Act
    const html = renderHtml(report);

    // Assess
    expect(html).not.toContain('<script');
    expect(html).not.toContain('"x"');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;q&#39;');
    expect(unbalanced(html.replace(/<!doctype html>|<meta[^>]*>/g, ''))).toEqual([]);
  });

  it('writes one section per scenario run, each with its own anchor', () => {
    // Act
    const html = renderHtml(sampleReport());

    // Assess
    const found = sections(html);
    expect(found).toHaveLength(3);
    const ids = found.map((s) => /id="([^"]+)"/.exec(s)?.[1]);
    expect(ids).toEqual(['regional-outage-run-1', 'regional-outage-run-2', 'split-brain-run-1']);
    for (const id of ids) expect(html).toContain(`href="#${id}"`);
  });

  it('fails a scenario visibly and shows the measured value of its failed expectation', () => {
    // Act
    const [, , splitBrain = ''] = sections(renderHtml(sampleReport()));

    // Assess
    expect(splitBrain).toContain('class="scenario fail"');
    expect(splitBrain).toMatch(
      /<tr class="fail"><td><span class="bad">✘ fail<\/span><\/td><td>minority side stops assigning<\/td><td>≤ 5\.000 s<\/td><td><strong class="bad">still assigning after 35\.000 s<\/strong>/,
    );
    expect(splitBrain).toMatch(/fault-to-minority-stops<\/td><td><span class="bad">never/);
  });

  it('states the verdict of the whole drill in the title and header', () => {
    // Act
    const failed = renderHtml(sampleReport());
    const passed = renderHtml(withScenarios(outageScenario()));

    // Assess
    expect(failed).toMatch(/<title>Failover drill FAIL/);
    expect(failed).toMatch(/<h1><span class="badge fail">✘ FAIL<\/span>/);
    expect(passed).toMatch(/<h1><span class="badge pass">✔ PASS<\/span>/);
  });

  it('draws a dashed line at each fault and colors markers by kind', () => {
    // Act
    const [whole = ''] = svgs(renderHtml(withScenarios(outageScenario())));

    // Assess
    expect(whole.match(/class="fault-line"/g)).toHaveLength(1);
    expect(whole).toMatch(/<g class="entry fault">[\s\S]*?fill="#c62828"/);
    expect(whole).toMatch(/<g class="entry recovery">[\s\S]*?fill="#2e7d32"/);
    expect(whole).toMatch(/<g class="entry observation">[\s\S]*?fill="#1565c0"/);
    expect(whole).toMatch(/<g class="entry note">[\s\S]*?fill="#757575"/);
  });

  it('labels the time axis in seconds', () => {
    // Act
    const [whole = ''] = svgs(renderHtml(withScenarios(outageScenario())));

    // Assess
    for (const tick of ['0 s', '10 s', '40 s', '80 s']) expect(whole).toContain(`>${tick}</text>`);
  });

  it('puts labels of events within a second of each other on rows of their own', () => {
    // Act
    const [whole = ''] = svgs(renderHtml(withScenarios(outageScenario())));

    // Assess
    const rowOf = (label: string) =>
      new RegExp(`<text x="[\\d.]+" y="([\\d.]+)"[^>]*>${label} <tspan`).exec(whole)?.[1];
    const rows = ['us-east-1 votes DOWN', 'us-west-2 votes DOWN', 'us-east-2 \\(witness\\) votes DOWN'].map(
      rowOf,
    );
    expect(rows.every((r) => r !== undefined)).toBe(true);
    expect(new Set(rows).size).toBe(3);
    // Earliest on top: reading down the rows is reading forward in time.
    expect(rows.map(Number)).toEqual([...rows.map(Number)].sort((a, b) => a - b));
  });

  it('adds a detail chart for the crowded seconds after the fault, and none when nothing crowds', () => {
    // Act
    const [outage = '', splitBrain = ''] = sections(
      renderHtml(withScenarios(outageScenario(), splitBrainScenario())),
    );

    // Assess
    expect(svgs(outage)).toHaveLength(2);
    expect(outage).toContain('Detail: 8 events from +0.0 s to +2.3 s');
    expect(svgs(splitBrain)).toHaveLength(1);
  });

  it('shows the timings across runs with median and p95, and leaves the table out when there are none', () => {
    // Act
    const withSummaries = renderHtml(sampleReport());
    const without = renderHtml({ ...sampleReport(), summaries: [] });

    // Assess
    expect(withSummaries).toMatch(
      /<td>regional-outage<\/td><td>fault-to-DOWN<\/td><td>2<\/td><td>1\.470 s<\/td><td>1\.540 s<\/td><td>0<\/td>/,
    );
    expect(without).not.toContain('Timings across runs');
  });

  it('renders a scenario that crashed before recording anything', () => {
    // Prepare
    const crashed: ScenarioReport = {
      ...splitBrainScenario(),
      timeline: [],
      timings: [],
      expectations: [],
      error: 'Kamailio did not start',
    };

    // Act
    const html = renderHtml(withScenarios(crashed));

    // Assess
    const [svg = ''] = svgs(html);
    expect(unbalanced(svg)).toEqual([]);
    expect(html).toContain('<pre class="error">Kamailio did not start</pre>');
  });

  it('writes the same bytes for the same report', () => {
    expect(renderHtml(sampleReport())).toBe(renderHtml(structuredClone(sampleReport())));
  });
});
