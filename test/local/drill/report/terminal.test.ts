import { describe, expect, it } from 'vitest';
import { progressLine, renderSummary, renderTimeline } from '../../../../local/drill/report/terminal.js';
import type { DrillReport, ScenarioReport } from '../../../../local/drill/report/types.js';
import { outageScenario, sampleReport, splitBrainScenario } from './sample-report.js';

const ESC = '\u001b';

function onlyOnce(report: DrillReport): DrillReport {
  const scenarios = [outageScenario(1)];
  return {
    ...report,
    passed: true,
    scenarios,
    summaries: report.summaries.map((s) => ({ ...s, samples: s.samples.slice(0, 1) })),
  };
}

describe('renderTimeline', () => {
  it('lists the entries in time order, whatever order they were recorded in', () => {
    // Prepare
    const outage = outageScenario();
    const shuffled: ScenarioReport = { ...outage, timeline: [...outage.timeline].reverse() };

    // Act
    const text = renderTimeline(shuffled);

    // Assess
    const positions = [
      'SIP proxies silent',
      'probe failed',
      'DOWN',
      'answer: us-west-2 only',
      'UP',
      'answer: both regions',
    ].map((label) => text.indexOf(label));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('writes one aligned line per entry: time since start, lane, label', () => {
    // Act
    const lines = renderTimeline(outageScenario()).split('\n');

    // Assess
    expect(lines).toContain('   +1.400 s  monitor us-east-1  DOWN');
    expect(lines).toContain('  +11.000 s  dns sip            answer: us-west-2 only');
  });

  it('lists the timings, writing a timing that never happened as never', () => {
    // Act
    const text = renderTimeline(splitBrainScenario());

    // Assess
    expect(text).toMatch(/fault-to-minority-stops +never/);
    expect(text).toMatch(/fault-to-quorum-lost +2\.100 s/);
  });

  it('marks a passed expectation ✔ and a failed one ✘, each with expected and measured', () => {
    // Act
    const lines = renderTimeline(splitBrainScenario()).split('\n');

    // Assess
    const failed = lines.find((l) => l.includes('minority side stops assigning'));
    const passed = lines.find((l) => l.includes('no double assignment'));
    expect(failed).toMatch(
      /✘ minority side stops assigning +expected ≤ 5\.000 s +measured still assigning after 35\.000 s/,
    );
    expect(passed).toMatch(/✔ no double assignment +expected 0 +measured 0/);
  });

  it('shows the error of a scenario that crashed', () => {
    // Prepare
    const crashed: ScenarioReport = { ...splitBrainScenario(), error: 'DynamoDB Local exited with code 1' };

    // Act
    const text = renderTimeline(crashed);

    // Assess
    expect(text).toContain('error: DynamoDB Local exited with code 1');
  });

  it('writes no ANSI escape when color is false or not given', () => {
    expect(renderTimeline(outageScenario(), { color: false })).not.toContain(ESC);
    expect(renderTimeline(splitBrainScenario())).not.toContain(ESC);
  });

  it('colors by kind and verdict when color is true', () => {
    // Act
    const text = renderTimeline(splitBrainScenario(), { color: true });

    // Assess
    expect(text).toContain('\u001b[31mreplication us-east-1 <-> us-west-2 cut\u001b[0m');
    expect(text).toContain('\u001b[32mlink restored\u001b[0m');
  });

  it('shows control characters in a label as spaces, so a label cannot drive the terminal', () => {
    // Prepare
    const scenario: ScenarioReport = {
      ...splitBrainScenario(),
      timeline: [{ atMs: 5, lane: 'api', label: 'evil\u001b[2Jlabel\nnext', kind: 'note' }],
    };

    // Act
    const text = renderTimeline(scenario);

    // Assess
    expect(text).not.toContain(ESC);
    expect(text).toContain('evil [2Jlabel next');
  });
});

describe('renderSummary', () => {
  it('fails the drill on its last line and lists each failed expectation with its measured value', () => {
    // Act
    const lines = renderSummary(sampleReport()).trimEnd().split('\n');

    // Assess
    expect(lines.at(-1)).toBe('✘ FAIL  1 of 3 scenario runs failed in 160.0 s');
    expect(lines).toContain('  ✘ split-brain      run 1  40.0 s');
    expect(lines).toContain('  ✔ regional-outage  run 2  78.0 s');
    expect(lines).toContain(
      '      minority side stops assigning: measured still assigning after 35.000 s, expected ≤ 5.000 s',
    );
  });

  it('shows median and p95 across runs when a scenario ran more than once', () => {
    // Act
    const text = renderSummary(sampleReport());

    // Assess
    expect(text).toMatch(/median +p95/);
    expect(text).toMatch(/regional-outage +fault-to-DOWN +2 +1\.470 s +1\.540 s +0/);
  });

  it('leaves the table across runs out when every scenario ran once', () => {
    // Act
    const text = renderSummary(onlyOnce(sampleReport()));

    // Assess
    expect(text).not.toContain('median');
    expect(text.trimEnd().split('\n').at(-1)).toBe('✔ PASS  1 of 1 scenario runs passed in 160.0 s');
  });

  it('shows the notes', () => {
    expect(renderSummary(sampleReport())).toContain('Route 53 health checks are emulated');
  });

  it('writes no ANSI escape when color is false', () => {
    expect(renderSummary(sampleReport(), { color: false })).not.toContain(ESC);
  });
});

describe('progressLine', () => {
  const step = { scenario: 'regional-outage', elapsedMs: 11_250, waitingFor: 'DNS answer for sip to change' };

  it('writes one line without a newline', () => {
    expect(progressLine(step)).toBe('⧗ regional-outage  +11.3 s  waiting for DNS answer for sip to change');
  });

  it('cuts the line to fit the terminal width so a \\r rewrite never wraps', () => {
    // Act
    const line = progressLine(step, { width: 40 });

    // Assess
    expect(line.length).toBeLessThanOrEqual(39);
    expect(line.endsWith('…')).toBe(true);
  });

  it('keeps a newline in what it waits for from breaking the line', () => {
    expect(progressLine({ ...step, waitingFor: 'two\nlines' })).not.toContain('\n');
  });
});
