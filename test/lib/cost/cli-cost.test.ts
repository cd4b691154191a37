import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/load.js';
import { estimateCost } from '../../../lib/cost/model.js';
import { loadPrices } from '../../../lib/cost/prices.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const cli = (...args: string[]) =>
  execFileSync(process.execPath, ['bin/cc-continuity.mjs', 'cost', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: 'pipe',
  });

describe('cc-continuity cost', () => {
  it('prints the total for dev, the five biggest drivers and the knob savings', () => {
    const expected = estimateCost(loadConfig('dev'), { prices: loadPrices() }).totalUsd;
    const out = cli('--env', 'dev');
    expect(out).toContain(`cc-continuity dev: estimated $${expected.toFixed(2)} a month at 5000 calls a day`);
    const drivers = out.split('Five biggest drivers:\n')[1]?.split('\n\n')[0] ?? '';
    expect(drivers.split('\n').filter((l) => /^\s+\$/.test(l))).toHaveLength(5);
    expect(out).toMatch(/\$\d+\.\d\d {2}health\.probeIntervalMs 1000 -> 2000/);
    expect(out).toMatch(/monitor memory 256 -> 128 MB/);
  });

  it('takes --calls-per-day and --json', () => {
    const doc = JSON.parse(cli('--env', 'dev', '--calls-per-day', '20000', '--json'));
    const expected = estimateCost(loadConfig('dev'), { prices: loadPrices(), callsPerDay: 20000 });
    expect(doc.bill.callsPerDay).toBe(20000);
    expect(doc.bill.totalUsd).toBeCloseTo(expected.totalUsd, 9);
    expect(doc.prices.date).toBe(loadPrices().date);
  });

  it('fails with exit code 2 without --env', () => {
    expect(() => cli()).toThrow(expect.objectContaining({ status: 2 }));
  });
});
