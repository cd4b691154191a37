import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { secretNames, tableNames } from '../../../functions/shared/names.js';
import { buildContinuityApp } from '../../../lib/app-builder.js';
import { DataStack } from '../../../lib/stacks/data-stack.js';
import { type CfnResource, cdkApp, resourcesOf, testConfig } from '../helpers.js';

const config = testConfig();
const names = tableNames(config.env);
const [first, second] = config.regions.active;

function tableByName(template: Template, name: string): CfnResource {
  const tables = Object.values(resourcesOf(template, 'AWS::DynamoDB::GlobalTable')).filter(
    (t) => t.Properties?.TableName === name,
  );
  expect(tables).toHaveLength(1);
  return tables[0] as CfnResource;
}

function replicasOf(table: CfnResource): Record<string, unknown>[] {
  return table.Properties?.Replicas as Record<string, unknown>[];
}

describe('DataStack', () => {
  let template: Template;
  let stack: DataStack;

  beforeAll(() => {
    // Prepare
    stack = buildContinuityApp(cdkApp(), config).data;
    template = Template.fromStack(stack);
  });

  it('deploys to the first active region', () => {
    expect(stack.region).toBe(first);
  });

  it('holds exactly the three global tables, on demand', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 3);
    template.allResourcesProperties('AWS::DynamoDB::GlobalTable', { BillingMode: 'PAY_PER_REQUEST' });
  });

  it.each([
    ['contextCache', names.contextCache, [{ AttributeName: 'pk', KeyType: 'HASH' }]],
    [
      'crmEvents',
      names.crmEvents,
      [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    ],
    [
      'controlState',
      names.controlState,
      [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    ],
  ])('keys %s (%s) exactly as the contract says', (_, name, keySchema) => {
    expect(tableByName(template, name).Properties?.KeySchema).toEqual(keySchema);
  });

  it.each([names.contextCache, names.crmEvents])('expires items of %s by the expiresAt attribute', (name) => {
    expect(tableByName(template, name).Properties?.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
  });

  it('makes ControlState strongly consistent across regions with the witness region, without TTL', () => {
    const props = tableByName(template, names.controlState).Properties;
    expect(props?.MultiRegionConsistency).toBe('STRONG');
    expect(props?.GlobalTableWitnesses).toEqual([{ Region: config.regions.witness }]);
    expect(props?.TimeToLiveSpecification).toBeUndefined();
  });

  it.each([names.contextCache, names.crmEvents])('keeps %s eventually consistent (MREC)', (name) => {
    const props = tableByName(template, name).Properties;
    expect(props?.MultiRegionConsistency).toBeUndefined();
    expect(props?.GlobalTableWitnesses).toBeUndefined();
  });

  it.each([names.contextCache, names.crmEvents, names.controlState])(
    'replicates %s to both active regions with point-in-time recovery',
    (name) => {
      const replicas = replicasOf(tableByName(template, name));
      expect(replicas.map((r) => r.Region).sort()).toEqual([first, second].sort());
      for (const replica of replicas) {
        expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      }
    },
  );

  it.each([
    ['dev', false, 'Delete'],
    ['prod', true, 'Retain'],
    ['staging', true, 'Retain'],
  ])('in env %s sets deletion protection %s and DeletionPolicy %s', (env, protectedTables, policy) => {
    // Prepare
    const envConfig = testConfig({ env });

    // Act
    const t = Template.fromStack(new DataStack(cdkApp(), 'Data', { config: envConfig }));

    // Assess
    const tables = Object.values(resourcesOf(t, 'AWS::DynamoDB::GlobalTable'));
    expect(tables).toHaveLength(3);
    for (const table of tables) {
      for (const replica of replicasOf(table))
        expect(replica.DeletionProtectionEnabled).toBe(protectedTables);
    }
    t.allResources('AWS::DynamoDB::GlobalTable', { DeletionPolicy: policy });
    // Context and platform secrets alike.
    t.resourceCountIs('AWS::SecretsManager::Secret', 3 + 1 + envConfig.platform.orgs.length);
    t.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: policy });
  });

  it('defaults its stack name and region when built on its own', () => {
    // Act
    const standalone = new DataStack(cdkApp(), 'Data', { config });

    // Assess
    expect(standalone.stackName).toBe(`Continuity-${config.env}-Data`);
    expect(standalone.region).toBe(first);
    Template.fromStack(standalone).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: names.controlState,
      Replicas: Match.arrayWith([Match.objectLike({ Region: second })]),
    });
  });

  it.each(config.platform.orgs.map((o) => o.name))(
    'creates the credentials secret of platform org %s with the placeholder, replicated to the other region',
    (org) => {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: secretNames(config.env).platformClient(org),
        SecretString: '{"clientId":"REPLACE_ME","clientSecret":"REPLACE_ME"}',
        GenerateSecretString: Match.absent(),
        ReplicaRegions: [{ Region: second }],
      });
    },
  );

  it('generates the platform token key like the context keys, replicated to the other region', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: secretNames(config.env).platformTokenKey,
      SecretString: Match.absent(),
      GenerateSecretString: {
        SecretStringTemplate: '{}',
        GenerateStringKey: 'current',
        PasswordLength: 64,
        ExcludePunctuation: true,
      },
      ReplicaRegions: [{ Region: second }],
    });
  });

  it('creates a platform org secret under the name the config gives it', () => {
    // Prepare
    const named = testConfig({
      platform: { orgs: [{ name: 'east', regionHost: 'mypurecloud.com', clientSecretName: 'ops/east' }] },
    });

    // Act
    const t = Template.fromStack(new DataStack(cdkApp(), 'Data', { config: named }));

    // Assess
    const names = Object.values(resourcesOf(t, 'AWS::SecretsManager::Secret')).map((r) => r.Properties?.Name);
    expect(names).toContain('ops/east');
    expect(names).not.toContain(secretNames(config.env).platformClient('east'));
  });

  it('fails when two platform orgs name the same credentials secret', () => {
    // Prepare
    const shared = testConfig({
      platform: {
        orgs: [
          { name: 'east', regionHost: 'mypurecloud.com', clientSecretName: 'ops/shared' },
          { name: 'west', regionHost: 'usw2.pure.cloud', clientSecretName: 'ops/shared' },
        ],
      },
    });

    // Act + Assess
    expect(() => new DataStack(cdkApp(), 'Data', { config: shared })).toThrow(
      /platform org west uses secret ops\/shared, which another org uses too/,
    );
  });

  it('exposes the three tables under their contract names', () => {
    expect(stack.contextCache.node.id).toBe('ContextCache');
    expect(stack.crmEvents.node.id).toBe('CrmEvents');
    expect(stack.controlState.node.id).toBe('ControlState');
  });

  it('fails when deployed to a region that is not active', () => {
    expect(
      () => new DataStack(cdkApp(), 'Data', { config, env: { region: config.regions.witness } }),
    ).toThrow(/is not an active region/);
  });
});
