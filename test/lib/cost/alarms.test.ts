import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { describe, expect, it } from 'vitest';
import { buildContinuityApp } from '../../../lib/app-builder.js';
import { alarmCounts } from '../../../lib/cost/observability.js';
import { cdkApp, resourcesOf, templatesOf, testConfig } from '../helpers.js';

/**
 * The cost model counts alarms by hand (lib/cost/observability.ts); this keeps the count equal to the
 * alarms the app really creates, per region and resolution, for configs that change the count.
 */

function synthesized(config: ReturnType<typeof testConfig>): CloudAssembly {
  const app = cdkApp({ bundle: false });
  buildContinuityApp(app, config);
  return app.synth();
}

/** Alarms per region: those at a period under 60 s (high resolution) and the rest. */
function alarmsByRegion(assembly: CloudAssembly): Map<string, { fast: number; standard: number }> {
  const counts = new Map<string, { fast: number; standard: number }>();
  const templates = templatesOf(assembly);
  for (const stack of assembly.stacks) {
    const template = templates.get(stack.stackName);
    if (!template) continue;
    for (const alarm of Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'))) {
      const c = counts.get(stack.environment.region) ?? { fast: 0, standard: 0 };
      if (Number(alarm.Properties?.Period) < 60) c.fast += 1;
      else c.standard += 1;
      counts.set(stack.environment.region, c);
    }
  }
  return counts;
}

describe('alarmCounts', () => {
  it.each([
    ['the dev config', {}],
    ['one more org and no replication-latency backstop', { failover: { replicationLatencyBackstop: false } }],
  ])('counts the alarms the app creates in each region, for %s', (_, overrides) => {
    // Prepare
    const base = testConfig();
    const config = testConfig({
      ...overrides,
      platform: {
        orgs: [
          ...base.platform.orgs,
          ...('failover' in overrides ? [{ name: 'north', regionHost: 'cac1.pure.cloud' }] : []),
        ],
      },
    });

    // Act
    const actual = alarmsByRegion(synthesized(config));
    const model = alarmCounts(config);

    // Assess
    const expected = new Map([
      ...config.regions.active.map(
        (r) => [r, { fast: model.activeFast, standard: model.activeStandard }] as const,
      ),
      [config.regions.witness, { fast: 0, standard: model.witness }] as const,
    ]);
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
  });
});
