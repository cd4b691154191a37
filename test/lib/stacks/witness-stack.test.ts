import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { busName, EVENT_SOURCE, tableNames } from '../../../functions/shared/names.js';
import { buildContinuityApp } from '../../../lib/app-builder.js';
import type { WitnessStack } from '../../../lib/stacks/witness-stack.js';
import { cdkApp, resourcesOf, ruleTargets, testConfig } from '../helpers.js';

const config = testConfig();
const { witness: witnessRegion, active } = config.regions;

describe('WitnessStack', () => {
  let stack: WitnessStack;
  let template: Template;

  beforeAll(() => {
    // Prepare
    stack = buildContinuityApp(cdkApp(), config).witness;
    template = Template.fromStack(stack);
  });

  it('deploys to the witness region', () => {
    expect(stack.region).toBe(witnessRegion);
  });

  it('forwards its own events to the buses of both active regions', () => {
    // Act
    // Forwarding rules are the ones whose target is a bus (the monitor's schedule targets its function).
    const rules = Object.values(resourcesOf(template, 'AWS::Events::Rule')).filter((r) =>
      JSON.stringify(r.Properties?.Targets ?? []).includes(':event-bus/'),
    );

    // Assess
    expect(rules).toHaveLength(2);
    const targetRegions = rules.flatMap((rule) => {
      expect(rule.Properties?.EventPattern).toEqual({
        source: [EVENT_SOURCE],
        detail: { originRegion: [witnessRegion] },
      });
      const targets = rule.Properties?.Targets as { Arn: { 'Fn::Join': [string, unknown[]] } }[];
      return targets.map((t) => {
        const prefix = String(t.Arn['Fn::Join'][1][0]);
        expect(t.Arn['Fn::Join'][1][2]).toBe(`:event-bus/${busName(config.env)}`);
        return /^arn:aws:events:([a-z0-9-]+):$/.exec(prefix)?.[1];
      });
    });
    expect(targetRegions.sort()).toEqual([...active].sort());
  });

  it('gives every rule target a dead-letter queue', () => {
    const targets = ruleTargets(template);
    // Two forwarding rules and the monitor's schedule.
    expect(targets).toHaveLength(3);
    for (const target of targets) expect(target.DeadLetterConfig).toBeDefined();
  });

  it('archives the events of its bus', () => {
    template.resourceCountIs('AWS::Events::Archive', 1);
  });

  it('holds the regional witness table with pk + sk, on demand, with point-in-time recovery', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: tableNames(config.env).witnessState,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      Replicas: [
        { Region: witnessRegion, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } },
      ],
    });
  });
});
