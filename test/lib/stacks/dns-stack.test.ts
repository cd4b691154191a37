import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { alarmNames, HEALTH_CHECK_TAGS, stackNames } from '../../../functions/shared/names.js';
import { buildContinuityApp } from '../../../lib/app-builder.js';
import { DnsStack } from '../../../lib/stacks/dns-stack.js';
import { type CfnResource, cdkApp, resourcesOf, testConfig } from '../helpers.js';

const config = testConfig();
const [first, second] = config.regions.active as [string, string];
const url = (region: string) => `https://abc${region.replace(/-/g, '')}.lambda-url.${region}.on.aws/`;

function dnsTemplate(options: { api?: boolean; sipTargets?: unknown } = {}): Template {
  const cfg = options.sipTargets ? testConfig({ sipTargets: options.sipTargets }) : config;
  const stack = new DnsStack(cdkApp(), 'Dns', {
    config: cfg,
    regions: [first, second].map((region) => ({
      region,
      healthUrl: url(region),
      ...(options.api ? { apiRegionalDomainName: `d-${region}.execute-api.${region}.amazonaws.com` } : {}),
    })),
  });
  return Template.fromStack(stack);
}

/** Logical id of the one health check of `type` for `region`. */
function checkId(t: Template, type: string, region: string): string {
  const found = Object.entries(resourcesOf(t, 'AWS::Route53::HealthCheck')).filter(([, r]) => {
    const c = r.Properties?.HealthCheckConfig as Record<string, unknown>;
    return c.Type === type && JSON.stringify(r.Properties?.HealthCheckTags).includes(region);
  });
  expect(found).toHaveLength(1);
  return found[0]?.[0] as string;
}

describe('DnsStack', () => {
  it('lives in us-east-1 under the environment name', () => {
    const stack = new DnsStack(cdkApp(), 'Dns', {
      config,
      regions: [first, second].map((region) => ({ region, healthUrl: url(region) })),
    });
    expect([stack.region, stack.stackName]).toEqual(['us-east-1', `Continuity-${config.env}-Dns`]);
  });

  it.each([first, second])(
    'checks the health endpoint of %s over HTTPS every 10 s, threshold 1',
    (region) => {
      const t = dnsTemplate();
      t.hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: {
          Type: 'HTTPS',
          FullyQualifiedDomainName: `abc${region.replace(/-/g, '')}.lambda-url.${region}.on.aws`,
          ResourcePath: '/',
          Port: 443,
          EnableSNI: true,
          RequestInterval: 10,
          FailureThreshold: 1,
        },
      });
    },
  );

  it.each([first, second])(
    'checks the standard-resolution SIP-health alarm of %s, unhealthy without data',
    (region) => {
      dnsTemplate().hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: {
          Type: 'CLOUDWATCH_METRIC',
          AlarmIdentifier: { Name: alarmNames(config.env).sipHealthStandard(region), Region: region },
          InsufficientDataHealthStatus: 'Unhealthy',
        },
      });
    },
  );

  it.each([first, second])('combines both checks of %s in a CALCULATED check that needs both', (region) => {
    const t = dnsTemplate();
    const calculated = resourcesOf(t, 'AWS::Route53::HealthCheck')[checkId(t, 'CALCULATED', region)];
    expect(calculated?.Properties?.HealthCheckConfig).toEqual({
      Type: 'CALCULATED',
      HealthThreshold: 2,
      ChildHealthChecks: [
        { 'Fn::GetAtt': [checkId(t, 'HTTPS', region), 'HealthCheckId'] },
        { 'Fn::GetAtt': [checkId(t, 'CLOUDWATCH_METRIC', region), 'HealthCheckId'] },
      ],
    });
  });

  it.each([first, second])(
    'tags every check of %s with environment, region and role, so the operator command can find it',
    (region) => {
      const t = dnsTemplate();
      const roles = { HTTPS: 'endpoint', CLOUDWATCH_METRIC: 'sip-alarm', CALCULATED: 'region' } as const;
      for (const [type, role] of Object.entries(roles)) {
        const check = resourcesOf(t, 'AWS::Route53::HealthCheck')[checkId(t, type, region)];
        expect(check?.Properties?.HealthCheckTags).toEqual(
          expect.arrayContaining([
            { Key: HEALTH_CHECK_TAGS.env, Value: config.env },
            { Key: HEALTH_CHECK_TAGS.region, Value: region },
            { Key: HEALTH_CHECK_TAGS.check, Value: role },
          ]),
        );
      }
    },
  );

  it('gives sip.<zone> one latency record per region, TTL 10, behind that region’s calculated check', () => {
    const t = dnsTemplate();
    const records = Object.values(resourcesOf(t, 'AWS::Route53::RecordSet')).map((r) => r.Properties);
    expect(records).toHaveLength(2);
    for (const region of [first, second]) {
      expect(records).toContainEqual({
        HostedZoneId: config.dns.hostedZoneId,
        Name: `sip.${config.dns.zoneName}.`,
        Type: 'CNAME',
        TTL: '10',
        SetIdentifier: region,
        Region: region,
        HealthCheckId: { 'Fn::GetAtt': [checkId(t, 'CALCULATED', region), 'HealthCheckId'] },
        ResourceRecords: [config.sipTargets[region]?.[0]?.host],
      });
    }
  });

  it('uses A records with every proxy when the SIP targets are addresses', () => {
    const t = dnsTemplate({
      sipTargets: {
        [first]: [{ host: '192.0.2.10' }, { host: '192.0.2.11' }],
        [second]: [{ host: '198.51.100.10' }],
      },
    });
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Type: 'A',
      Region: first,
      ResourceRecords: ['192.0.2.10', '192.0.2.11'],
    });
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Type: 'A',
      Region: second,
      ResourceRecords: ['198.51.100.10'],
    });
  });

  it('gives api.<zone> a latency CNAME per region to its API domain, TTL 10, behind the same check', () => {
    const t = dnsTemplate({ api: true });
    for (const region of [first, second]) {
      t.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `api.${config.dns.zoneName}.`,
        Type: 'CNAME',
        TTL: '10',
        SetIdentifier: region,
        Region: region,
        HealthCheckId: { 'Fn::GetAtt': [checkId(t, 'CALCULATED', region), 'HealthCheckId'] },
        ResourceRecords: [`d-${region}.execute-api.${region}.amazonaws.com`],
      });
    }
    // Nothing routes without a health check: every record (sip and api) sits behind its region's calculated check.
    for (const r of Object.values(resourcesOf(t, 'AWS::Route53::RecordSet'))) {
      const region = String(r.Properties?.Region);
      expect(r.Properties?.HealthCheckId).toEqual({
        'Fn::GetAtt': [checkId(t, 'CALCULATED', region), 'HealthCheckId'],
      });
    }
  });

  it('fails when a region is missing', () => {
    expect(
      () => new DnsStack(cdkApp(), 'Dns', { config, regions: [{ region: first, healthUrl: url(first) }] }),
    ).toThrow(/one entry per active region/);
  });

  it('takes each region’s health endpoint URL and API domain from the region stacks of the app', () => {
    // Prepare: the whole app with cdk.json's flags, without bundling (only the references matter here)
    const app = cdkApp();
    app.node.setContext('aws:cdk:bundling-stacks', []);
    const { dns } = buildContinuityApp(app, config);
    // Act
    const resources = Template.fromStack(dns).toJSON().Resources as Record<string, CfnResource>;
    // Assess: CloudFormation's own cross-stack output reads, in the same region as across regions
    const outputOf = (region: string) => ({
      'Fn::GetStackOutput': expect.objectContaining({
        StackName: stackNames(config.env).region(region),
        Region: region,
      }),
    });
    const expected = { [first]: outputOf(first), [second]: outputOf(second) };
    for (const region of [first, second]) {
      const endpoint = resources[`Endpoint${region.replace(/-/g, '')}`]?.Properties
        ?.HealthCheckConfig as Record<string, unknown>;
      expect(endpoint.FullyQualifiedDomainName).toEqual({
        'Fn::Select': [2, { 'Fn::Split': ['/', expected[region]] }],
      });
      expect(JSON.stringify(endpoint.FullyQualifiedDomainName)).toContain('HealthEndpoint');
      const api = resources[`Api${region.replace(/-/g, '')}`]?.Properties;
      expect(api?.ResourceRecords).toEqual([expected[region]]);
      expect(JSON.stringify(api?.ResourceRecords)).toContain('ContextApiDomain');
    }
    // No custom resource reads the values across regions (nothing for cdk-nag to flag).
    expect(Object.values(resources).map((r) => r.Type)).not.toContain('Custom::CrossRegionExportReader');
  });
});
