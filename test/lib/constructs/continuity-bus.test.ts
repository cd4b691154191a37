import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ContinuityBus } from '../../../lib/constructs/continuity-bus.js';
import { cdkApp, resourcesOf } from '../helpers.js';

function regionalStack(region = 'eu-west-1'): Stack {
  return new Stack(cdkApp(), 'Bus', { env: { region } });
}

describe('ContinuityBus', () => {
  it('keeps the archive for the configured retention', () => {
    // Prepare
    const stack = regionalStack();

    // Act
    new ContinuityBus(stack, 'Events', { env: 'qa', archiveRetention: Duration.days(30) });

    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Archive', { RetentionDays: 30 });
  });

  it('adds one rule and one dead-letter queue per peer, and reuses them when asked twice', () => {
    // Prepare
    const stack = regionalStack();
    const bus = new ContinuityBus(stack, 'Events', { env: 'qa' });

    // Act
    const first = bus.forwardTo('eu-west-2');
    const again = bus.forwardTo('eu-west-2');
    bus.forwardTo('eu-central-1');

    // Assess
    expect(again).toBe(first);
    expect(bus.forwardings.map((f) => f.peerRegion)).toEqual(['eu-west-2', 'eu-central-1']);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.resourceCountIs('AWS::SQS::Queue', 2);
  });

  it('matches only events whose originRegion is its own region, so forwarded events stop here', () => {
    // Prepare
    const stack = regionalStack('eu-west-1');
    const bus = new ContinuityBus(stack, 'Events', { env: 'qa' });

    // Act
    bus.forwardTo('eu-west-2');

    // Assess
    const [rule] = Object.values(resourcesOf(Template.fromStack(stack), 'AWS::Events::Rule'));
    expect(rule?.Properties?.EventPattern).toEqual({
      source: ['cc.continuity'],
      detail: { originRegion: ['eu-west-1'] },
    });
  });

  it('fails when asked to forward to its own region', () => {
    const bus = new ContinuityBus(regionalStack('eu-west-1'), 'Events', { env: 'qa' });
    expect(() => bus.forwardTo('eu-west-1')).toThrow(/cannot forward to its own region eu-west-1/);
  });

  it('fails in a stack without a concrete region', () => {
    const stack = new Stack(cdkApp(), 'Agnostic');
    expect(() => new ContinuityBus(stack, 'Events', { env: 'qa' })).toThrow(
      /needs a stack with a concrete region/,
    );
  });
});
