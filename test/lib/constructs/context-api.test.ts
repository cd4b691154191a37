import { Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { busName, secretNames, tableNames } from '../../../functions/shared/names.js';
import { SECRET_FALLBACK_METRIC } from '../../../functions/shared/secrets.js';
import { ContextApi } from '../../../lib/constructs/context-api.js';
import { ContinuityBus } from '../../../lib/constructs/continuity-bus.js';
import { secretFallbackAlarmName } from '../../../lib/constructs/secret-fallback-alarm.js';
import { DataStack } from '../../../lib/stacks/data-stack.js';
import { type CfnResource, cdkApp, resourcesOf, testConfig } from '../helpers.js';

const config = testConfig();
const [region = '', peer = ''] = config.regions.active;
const tables = tableNames(config.env);
const secrets = secretNames(config.env);

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string[]>>;
}

let template: Template;

beforeAll(() => {
  // Prepare
  const stack = new Stack(cdkApp(), 'ContextApiTest', { env: { account: '123456789012', region } });
  const bus = new ContinuityBus(stack, 'Events', { env: config.env });
  new ContextApi(stack, 'ContextApi', { config, bus: bus.bus, peerRegion: peer });
  template = Template.fromStack(stack);
});

/** The statements of the function whose description starts with `route`, with tokens as JSON text. */
function statementsOf(
  route: string,
): { actions: string[]; resources: string; condition?: Statement['Condition'] }[] {
  const fns = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).filter((f) =>
    String(f.Properties?.Description ?? '').startsWith(route),
  );
  expect(fns).toHaveLength(1);
  const role = fns[0]?.Properties?.Role as { 'Fn::GetAtt': [string] } | undefined;
  const roleId = role?.['Fn::GetAtt'][0];
  const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).filter((p: CfnResource) =>
    JSON.stringify(p.Properties?.Roles).includes(`"${roleId}"`),
  );
  return policies.flatMap((p) =>
    ((p.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? []).map((s) => ({
      actions: [s.Action].flat(),
      resources: JSON.stringify(s.Resource),
      condition: s.Condition,
    })),
  );
}

/** Table names (with region) reachable by DynamoDB actions, e.g. `GetItem us-east-1 continuity-dev-context-cache`. */
function tableGrants(route: string): string[] {
  const grants: string[] = [];
  for (const { actions, resources } of statementsOf(route)) {
    for (const action of actions.filter((a) => a.startsWith('dynamodb:'))) {
      for (const [, r, table] of resources.matchAll(/dynamodb:([a-z0-9-]+):.*?:table\/([a-z0-9-]+)/g)) {
        grants.push(`${action.slice(9)} ${r} ${table}`);
      }
    }
  }
  return grants.sort();
}

function secretGrants(route: string): string[] {
  const names = Object.values(secrets).filter((n): n is Extract<typeof n, string> => typeof n === 'string');
  return statementsOf(route)
    .filter((s) => s.actions.includes('secretsmanager:GetSecretValue'))
    .flatMap((s) => names.filter((n) => s.resources.includes(`secret:${n}`)))
    .sort();
}

describe('ContextApi', () => {
  it('creates an HTTP API reachable only through its custom domain', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      DisableExecuteApiEndpoint: true,
    });
  });

  it('routes the three context routes to Lambda integrations', () => {
    const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties?.RouteKey,
    );
    expect(routes.sort()).toEqual(['GET /contexts/{token}', 'POST /contexts', 'POST /webhooks/crm']);
    template.resourcePropertiesCountIs(
      'AWS::ApiGatewayV2::Integration',
      { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' },
      3,
    );
  });

  it('throttles the stage with the configured limits and logs access without the token path', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: config.api.throttleRateLimit,
        ThrottlingBurstLimit: config.api.throttleBurstLimit,
      },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('routeKey') },
    });
    const stage = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Stage'))[0];
    expect(JSON.stringify(stage?.Properties?.AccessLogSettings)).not.toContain('$context.path');
  });

  it('serves api.<zone> with a certificate validated in the hosted zone', () => {
    const domainName = `api.${config.dns.zoneName}`;
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: domainName,
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: domainName, HostedZoneId: config.dns.hostedZoneId }],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: domainName,
      DomainNameConfigurations: [Match.objectLike({ EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' })],
    });
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
  });

  it.each([
    [
      'POST /contexts',
      [`GetItem ${region} ${tables.contextCache}`, `PutItem ${region} ${tables.contextCache}`],
    ],
    [
      'GET /contexts/{token}',
      [
        `GetItem ${peer} ${tables.contextCache}`,
        `GetItem ${region} ${tables.contextCache}`,
        `Query ${region} ${tables.crmEvents}`,
      ],
    ],
    [
      'POST /webhooks/crm',
      [`GetItem ${region} ${tables.crmEvents}`, `PutItem ${region} ${tables.crmEvents}`],
    ],
  ])('lets %s use only its own tables and actions', (route, expected) => {
    expect(tableGrants(route)).toEqual(expected.sort());
  });

  it.each([
    ['POST /contexts', ['GetItem,PutItem context-cache -> CTX#*']],
    ['GET /contexts/{token}', ['GetItem context-cache -> CTX#*', 'Query crm-events -> CONV#*']],
    ['POST /webhooks/crm', ['GetItem crm-events -> CRMEVT#*', 'PutItem crm-events -> CONV#* CRMEVT#*']],
  ])('lets %s touch only the item families it reads and writes', (route, expected) => {
    // Act
    const grants = statementsOf(route)
      .filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')))
      .map((s) => {
        const keys = s.condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? ['(any key)'];
        const table = /table\/continuity-[a-z0-9]+-([a-z-]+)/.exec(s.resources)?.[1];
        return `${s.actions
          .map((a) => a.slice(9))
          .sort()
          .join(',')} ${table} -> ${[...keys].sort().join(' ')}`;
      });

    // Assess: never HB#<region> (heartbeats drive lag exclusion), never another family
    expect(grants.sort()).toEqual(expected);
  });

  it('throttles each route by its own limits from config.api.routes, after the routes exist', () => {
    // Prepare
    const custom = testConfig({
      api: { routes: { crmWebhook: { rateLimit: 7, burstLimit: 9 } } },
    });
    const stack = new Stack(cdkApp({ bundle: false }), 'Throttled', {
      env: { account: '123456789012', region },
    });
    const bus = new ContinuityBus(stack, 'Events', { env: custom.env });

    // Act
    new ContextApi(stack, 'ContextApi', { config: custom, bus: bus.bus, peerRegion: peer });
    const t = Template.fromStack(stack);

    // Assess
    const stage = Object.values(t.findResources('AWS::ApiGatewayV2::Stage'))[0] as {
      Properties: Record<string, unknown>;
      DependsOn?: string[];
    };
    expect(stage.Properties.RouteSettings).toEqual({
      'POST /contexts': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      'GET /contexts/{token}': { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      'POST /webhooks/crm': { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 },
    });
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: custom.api.throttleRateLimit,
      ThrottlingBurstLimit: custom.api.throttleBurstLimit,
    });
    const routeIds = Object.keys(t.findResources('AWS::ApiGatewayV2::Route'));
    expect(routeIds).toHaveLength(3);
    expect(stage.DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it.each(['context-create', 'context-get', 'crm-webhook'])(
    'alarms when %s serves with a last good secret value, at the first fallback in a minute',
    (service) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: secretFallbackAlarmName(config.env, region, service),
        Namespace: 'CcContinuity',
        MetricName: SECRET_FALLBACK_METRIC,
        Dimensions: [{ Name: 'service', Value: service }],
        Statistic: 'Sum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    },
  );

  it('names each secret-fallback alarm after its function, one per function', () => {
    const names = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties?.AlarmName)
      .sort();
    expect(names).toEqual([
      `continuity-${config.env}-secret-fallback-context-create-${region}`,
      `continuity-${config.env}-secret-fallback-context-get-${region}`,
      `continuity-${config.env}-secret-fallback-crm-webhook-${region}`,
    ]);
  });

  it.each([
    ['POST /contexts', [secrets.apiKeys, secrets.tokenKey]],
    ['GET /contexts/{token}', [secrets.apiKeys, secrets.tokenKey]],
    ['POST /webhooks/crm', [secrets.crmWebhook]],
  ])('lets %s read only its own secrets', (route, expected) => {
    expect(secretGrants(route)).toEqual([...expected].sort());
  });

  it('lets only GET /contexts/{token} put events, on this region bus', () => {
    const puts = (route: string) =>
      statementsOf(route)
        .filter((s) => s.actions.includes('events:PutEvents'))
        .map((s) => s.resources);
    expect(puts('GET /contexts/{token}')).toHaveLength(1);
    expect(puts('POST /contexts')).toEqual([]);
    expect(puts('POST /webhooks/crm')).toEqual([]);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: busName(config.env) });
  });

  it('fails with a clear message when the peer region is not the other active region', () => {
    const stack = new Stack(cdkApp(), 'Bad', { env: { region } });
    const bus = new ContinuityBus(stack, 'Events', { env: config.env });
    expect(() => new ContextApi(stack, 'ContextApi', { config, bus: bus.bus, peerRegion: region })).toThrow(
      /must be the other active region/,
    );
  });
});

describe('DataStack secrets', () => {
  it('acknowledges each missing rotation with a reason of its own, true of that secret', () => {
    // Prepare
    const data = new DataStack(cdkApp({ bundle: false }), 'Data', { config });
    const { apiKeys, tokenKey, crmWebhook } = data.contextSecrets;

    // Act
    // Validations.acknowledge records `{ "<prefix>::<rule id>": reason }` on the construct.
    const reasonOf = (secret: Construct) =>
      secret.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>))
        .filter(([rule]) => rule.endsWith('AwsSolutions-SMG4'))
        .map(([, reason]) => reason);
    const reasons = [apiKeys, tokenKey, crmWebhook].map(reasonOf);

    // Assess
    for (const r of reasons) expect(r).toHaveLength(1);
    const [api, token, webhook] = reasons.map((r) => r[0] ?? '');
    expect(new Set([api, token, webhook]).size).toBe(3);
    expect(api).toMatch(/caller/);
    expect(webhook).toMatch(/CRM/);
    // Nobody outside holds the token key: its reason must not claim another holder.
    expect(token).not.toMatch(/platform|CRM|other holder/);
    expect(token).toMatch(/Nobody outside/);
    expect(token).toMatch(/token lifetime|until the token expires/);
  });

  it('creates the three context secrets once, replicated to the other active region', () => {
    const data = Template.fromStack(new DataStack(cdkApp(), 'Data', { config }));
    // The platform's secrets live beside them (test/lib/constructs/platform-secrets.test.ts).
    const created = Object.values(resourcesOf(data, 'AWS::SecretsManager::Secret')).filter(
      (s) => !String(s.Properties?.Name).includes('/platform-'),
    );
    expect(created.map((s) => s.Properties?.Name).sort()).toEqual(
      [secrets.apiKeys, secrets.crmWebhook, secrets.tokenKey].sort(),
    );
    for (const secret of created) {
      expect(secret.Properties?.ReplicaRegions).toEqual([{ Region: peer }]);
      expect(secret.Properties?.GenerateSecretString).toMatchObject({ GenerateStringKey: 'current' });
    }
  });
});
