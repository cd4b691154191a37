import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DIR } from '../../../config/load.js';
import { ConfigError, parseConfig } from '../../../config/schema.js';

/**
 * The suspect-probing settings of `health` (config/health-schema.ts) through the whole config parse, so the
 * paths and messages are the ones an operator sees. (The rest of `health` is covered in test/config.)
 */
const devRaw = JSON.parse(readFileSync(join(CONFIG_DIR, 'dev.json'), 'utf8')) as Record<string, unknown>;

function parseWithHealth(health: Record<string, unknown>): { health?: unknown; problems: string[] } {
  try {
    const config = parseConfig({ ...structuredClone(devRaw), health }, 'config/test.json');
    return { health: config.health, problems: [] };
  } catch (e) {
    if (e instanceof ConfigError) return { problems: [...e.problems] };
    throw e;
  }
}

describe('health suspect probing config', () => {
  it('defaults to a 200 ms suspect interval with a 150 ms suspect timeout', () => {
    const { health, problems } = parseWithHealth({});

    expect(problems).toEqual([]);
    expect(health).toMatchObject({
      probeIntervalMs: 1000,
      probeTimeoutMs: 500,
      suspectIntervalMs: 200,
      suspectTimeoutMs: 150,
    });
  });

  it('accepts the suspect interval equal to the probe interval (suspect probing off)', () => {
    const { problems } = parseWithHealth({ suspectIntervalMs: 1000 });

    expect(problems).toEqual([]);
  });

  it.each([
    [
      'rejects a suspect interval above the probe interval',
      { suspectIntervalMs: 1200 },
      'health.suspectIntervalMs',
      'set it to probeIntervalMs to turn suspect probing off',
    ],
    [
      'rejects a suspect interval under 100 ms',
      { suspectIntervalMs: 80 },
      'health.suspectIntervalMs',
      'at least 100 ms',
    ],
    [
      'rejects a suspect timeout under 50 ms',
      { suspectTimeoutMs: 40 },
      'health.suspectTimeoutMs',
      'at least 50 ms',
    ],
    [
      'rejects a suspect timeout above the probe timeout',
      { probeTimeoutMs: 120, suspectIntervalMs: 300 },
      'health.suspectTimeoutMs',
      '150 ms is above probeTimeoutMs (120 ms); a suspect probe never waits longer than a steady one: lower it to at most 120 ms',
    ],
    [
      'rejects a suspect timeout not below the suspect interval',
      { suspectTimeoutMs: 200 },
      'health.suspectTimeoutMs',
      '200 ms is not below suspectIntervalMs (200 ms); a suspect probe must time out before the next one starts: lower suspectTimeoutMs or raise suspectIntervalMs',
    ],
  ])('%s', (_name, health, field, message) => {
    const { problems } = parseWithHealth(health);

    const problem = problems.find((p) => p.startsWith(`${field} = `));
    expect(problem, `problems were: ${problems.join(' | ')}`).toContain(message);
  });
});
