import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { ContinuityConfig } from '../../config/schema.js';
import { stackNames } from '../../functions/shared/names.js';
import { buildContinuityApp } from '../../lib/app-builder.js';
import {
  addNag,
  type CfnResource,
  cdkApp,
  reportedViolations,
  resourcesOf,
  templatesOf,
  trySynth,
  type Violation,
} from '../lib/helpers.js';

/**
 * config/example-prod.json is the file README "Deploy" walks through: it must load as an environment
 * of its own (env = file name), name every field production needs, and synthesize, cdk-nag clean,
 * into stacks that carry its values.
 */

describe('config/example-prod.json', () => {
  let config: ContinuityConfig;

  beforeAll(() => {
    config = loadConfig('example-prod');
  });

  it('loads through the schema as the environment example-prod, with a deployable account', () => {
    expect(config.env).toBe('example-prod');
    expect(config.account).toBe('123456789012');
  });

  it('has SIP targets in both active regions, two each, so one SBC can fail without the region', () => {
    for (const region of config.regions.active) {
      expect(config.sipTargets[region]?.length ?? 0).toBeGreaterThanOrEqual(2);
    }
  });

  it('has one platform org per active region, each with its partner event source', () => {
    const byRegion = new Map(config.platform.orgs.map((o) => [o.region, o]));
    for (const region of config.regions.active) {
      expect(byRegion.get(region)?.eventSourceName).toMatch(
        /^aws\.partner\/genesys\.com\/cloud\/[\w-]+\/[\w.-]+$/,
      );
    }
    expect(new Set(config.platform.orgs.map((o) => o.apiHost)).size).toBe(config.platform.orgs.length);
  });

  it('has one SBC failover trigger per active region', () => {
    expect(config.failover.triggers.map((t) => t.region).sort()).toEqual([...config.regions.active].sort());
    for (const trigger of config.failover.triggers) expect(trigger.effect).toBe('exclude');
  });
});

describe('config/example-prod.json synthesized', () => {
  let config: ContinuityConfig;
  let assembly: CloudAssembly | undefined;
  let synthError: Error | undefined;
  let violations: Violation[];

  beforeAll(() => {
    // Prepare: the whole app as bin/app.ts builds it (cdk-nag included), without bundling the functions
    config = loadConfig('example-prod');
    const app = addNag(cdkApp({ bundle: false }));
    buildContinuityApp(app, config);

    // Act
    ({ assembly, error: synthError } = trySynth(app));
    violations = reportedViolations(app);
  }, 120_000);

  function templates() {
    if (!assembly) throw synthError ?? new Error('synth produced no assembly');
    return templatesOf(assembly);
  }

  it('synthesizes the five stacks in the account, with no unacknowledged cdk-nag finding', () => {
    expect(synthError).toBeUndefined();
    expect(violations.map((v) => v.ruleName)).toEqual([]);
    const names = stackNames(config.env);
    const [a, b] = config.regions.active;
    expect(assembly?.stacks.map((s) => `${s.stackName} ${s.environment.account}`).sort()).toEqual(
      [names.data, names.region(a), names.region(b), names.witness, names.dns]
        .map((n) => `${n} 123456789012`)
        .sort(),
    );
  });

  it('associates each org partner event source with a bus of the same name in its region', () => {
    const names = stackNames(config.env);
    for (const org of config.platform.orgs) {
      const template = templates().get(names.region(org.region));
      const buses = Object.values(resourcesOf(template ?? fail(), 'AWS::Events::EventBus'));
      expect(buses.map((b) => b.Properties)).toContainEqual(
        expect.objectContaining({ Name: org.eventSourceName, EventSourceName: org.eventSourceName }),
      );
    }
  });

  it('answers sip.<zone> in each region with an A record of its SBCs, in the configured zone', () => {
    const dns = templates().get(stackNames(config.env).dns) ?? fail();
    const records = Object.values(resourcesOf(dns, 'AWS::Route53::RecordSet')).map(
      (r: CfnResource) => r.Properties,
    );
    for (const region of config.regions.active) {
      expect(records).toContainEqual(
        expect.objectContaining({
          Name: `sip.${config.dns.zoneName}.`,
          HostedZoneId: config.dns.hostedZoneId,
          Region: region,
          Type: 'A',
          ResourceRecords: (config.sipTargets[region] ?? []).map((t) => t.host),
        }),
      );
    }
  });

  it('re-evaluates quorum when a trigger alarm of the region changes state', () => {
    const names = stackNames(config.env);
    for (const trigger of config.failover.triggers) {
      const template = templates().get(names.region(trigger.region)) ?? fail();
      const patterns = Object.values(resourcesOf(template, 'AWS::Events::Rule')).map((r) =>
        JSON.stringify(r.Properties?.EventPattern ?? {}),
      );
      expect(patterns.some((p) => p.includes(JSON.stringify(trigger.alarmName)))).toBe(true);
    }
  });
});

function fail(): never {
  throw new Error('stack not synthesized');
}
