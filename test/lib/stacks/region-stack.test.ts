import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { busName, EVENT_SOURCE } from '../../../functions/shared/names.js';
import { buildContinuityApp } from '../../../lib/app-builder.js';
import { RegionStack } from '../../../lib/stacks/region-stack.js';
import { cdkApp, resourcesOf, ruleTargets, testConfig } from '../helpers.js';

const config = testConfig();
const [first, second] = config.regions.active;

/** The ARN CloudFormation will build for a peer bus in the same account. */
function peerBusArn(region: string) {
  return {
    'Fn::Join': [
      '',
      [`arn:aws:events:${region}:`, { Ref: 'AWS::AccountId' }, `:event-bus/${busName(config.env)}`],
    ],
  };
}

describe('RegionStack', () => {
  const templates = new Map<string, Template>();

  beforeAll(() => {
    // Prepare
    const { regions } = buildContinuityApp(cdkApp(), config);
    for (const stack of regions) templates.set(stack.region, Template.fromStack(stack));
  });

  function templateFor(region: string): Template {
    const t = templates.get(region);
    if (!t) throw new Error(`no Region stack for ${region}`);
    return t;
  }

  it('creates one stack per active region', () => {
    expect([...templates.keys()]).toEqual([first, second]);
  });

  it.each([first, second])('names the bus in %s after the environment', (region) => {
    templateFor(region).hasResourceProperties('AWS::Events::EventBus', { Name: busName(config.env) });
  });

  it.each([
    [first, second],
    [second, first],
  ])('in %s forwards only events that originate there, to the bus in %s', (region, peer) => {
    // Act
    // Forwarding rules are the ones whose target is a bus (quorum's rules target its function).
    const rules = Object.values(resourcesOf(templateFor(region), 'AWS::Events::Rule')).filter((r) =>
      JSON.stringify(r.Properties?.Targets ?? []).includes(':event-bus/'),
    );

    // Assess
    expect(rules).toHaveLength(1);
    const props = rules[0]?.Properties;
    expect(props?.EventPattern).toEqual({ source: [EVENT_SOURCE], detail: { originRegion: [region] } });
    const targets = props?.Targets as Record<string, unknown>[];
    expect(targets).toHaveLength(1);
    expect(targets[0]?.Arn).toEqual(peerBusArn(peer));
    expect(targets[0]?.RoleArn).toBeDefined();
  });

  it.each([first, second])('in %s gives every rule target a dead-letter queue', (region) => {
    const t = templateFor(region);
    const queues = Object.keys(resourcesOf(t, 'AWS::SQS::Queue'));
    const targets = ruleTargets(t);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      expect(target.DeadLetterConfig).toBeDefined();
      expect(queues).toContain(target.DeadLetterConfig?.Arn['Fn::GetAtt'][0]);
    }
  });

  it.each([first, second])('in %s keeps dead letters 14 days, encrypted, over TLS only', (region) => {
    const t = templateFor(region);
    t.allResourcesProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
          { Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' } },
        ],
      },
    });
  });

  it.each([first, second])('in %s lets the forwarding role put events on the peer bus only', (region) => {
    const peer = region === first ? second : first;
    templateFor(region).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: peerBusArn(peer) }],
      },
    });
  });

  it.each([first, second])('in %s archives every event of the bus for 7 days', (region) => {
    const t = templateFor(region);
    const bus = Object.keys(resourcesOf(t, 'AWS::Events::EventBus'))[0];
    t.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [bus, 'Arn'] },
      RetentionDays: 7,
      EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
    });
  });

  it.each([first, second])(
    'in %s serves POST /routing/resolve with its own throttle and a resolve function limited to its items',
    (region) => {
      const t = templateFor(region);
      t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /routing/resolve' });
      const stage = Object.values(resourcesOf(t, 'AWS::ApiGatewayV2::Stage'))[0];
      const settings = (stage?.Properties?.RouteSettings ?? {}) as Record<string, unknown>;
      expect(settings['POST /routing/resolve']).toEqual({
        ThrottlingRateLimit: config.api.routes.routingResolve.rateLimit,
        ThrottlingBurstLimit: config.api.routes.routingResolve.burstLimit,
      });
      // The conditional write of an answer only on ASSIGN# items; no Scan outside the sweep.
      const policies = JSON.stringify(resourcesOf(t, 'AWS::IAM::Policy'));
      expect(policies).toContain('"dynamodb:LeadingKeys":["ASSIGN#*"]');
      const scans = Object.entries(resourcesOf(t, 'AWS::IAM::Policy')).filter(([, p]) =>
        JSON.stringify(p).includes('dynamodb:Scan'),
      );
      expect(scans.map(([id]) => id)).toEqual([expect.stringMatching(/^RoutingSweep/)]);
    },
  );

  it('fails when asked for a region that is not active', () => {
    expect(() => new RegionStack(cdkApp(), 'R', { config, region: config.regions.witness })).toThrow(
      /is not an active region/,
    );
  });
});
