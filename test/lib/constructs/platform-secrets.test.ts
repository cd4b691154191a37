import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { secretNames } from '../../../functions/shared/names.js';
import {
  PLATFORM_CLIENT_PLACEHOLDER,
  PlatformSecrets,
  type PlatformSecretsProps,
  platformClientSecretName,
} from '../../../lib/constructs/platform-secrets.js';
import { addNag, cdkApp, reportedViolations, resourcesOf, trySynth } from '../helpers.js';

const props: PlatformSecretsProps = {
  env: 'test',
  orgs: [{ name: 'east' }, { name: 'west', clientSecretName: 'ops/genesys/west' }],
  replicaRegions: ['us-west-2'],
};

function synth(p: PlatformSecretsProps = props) {
  const app = addNag(cdkApp({ bundle: false }));
  const stack = new Stack(app, 'Secrets', { env: { account: '123456789012', region: 'us-east-1' } });
  const secrets = new PlatformSecrets(stack, 'PlatformSecrets', p);
  const { assembly, error } = trySynth(app);
  if (!assembly) throw error;
  return {
    secrets,
    template: Template.fromJSON(assembly.getStackByName('Secrets').template as Record<string, unknown>),
    violations: reportedViolations(app),
  };
}

/** The reasons a construct acknowledges AwsSolutions-SMG4 with. */
const rotationReasonsOf = (c: Construct) =>
  c.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>))
    .filter(([rule]) => rule.endsWith('AwsSolutions-SMG4'))
    .map(([, reason]) => reason);

describe('platformClientSecretName', () => {
  it.each([
    ['the default name', { name: 'east' }, 'continuity/test/platform-client/east'],
    ['the org’s own name', { name: 'east', clientSecretName: 'ops/east' }, 'ops/east'],
  ])('gives %s', (_, org, name) => {
    expect(platformClientSecretName('test', org)).toBe(name);
  });
});

describe('PlatformSecrets', () => {
  it('creates one placeholder credentials secret per org and the generated token key, all replicated', () => {
    // Act
    const { template } = synth();
    // Assess
    const created = Object.values(resourcesOf(template, 'AWS::SecretsManager::Secret'));
    expect(created.map((s) => s.Properties?.Name).sort()).toEqual(
      [
        'continuity/test/platform-client/east',
        'ops/genesys/west',
        secretNames('test').platformTokenKey,
      ].sort(),
    );
    for (const secret of created)
      expect(secret.Properties?.ReplicaRegions).toEqual([{ Region: 'us-west-2' }]);
    const placeholders = created.filter((s) => s.Properties?.SecretString !== undefined);
    expect(placeholders.map((s) => JSON.parse(String(s.Properties?.SecretString)))).toEqual([
      PLATFORM_CLIENT_PLACEHOLDER,
      PLATFORM_CLIENT_PLACEHOLDER,
    ]);
    expect(PLATFORM_CLIENT_PLACEHOLDER).toEqual({ clientId: 'REPLACE_ME', clientSecret: 'REPLACE_ME' });
  });

  it.each([
    [undefined, 'Retain'],
    [RemovalPolicy.DESTROY, 'Delete'],
  ])('with removal policy %s gives every secret DeletionPolicy %s', (removalPolicy, policy) => {
    // Act
    const { template } = synth({ ...props, ...(removalPolicy ? { removalPolicy } : {}) });
    // Assess
    template.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: policy });
  });

  it('passes cdk-nag, each missing rotation acknowledged with a reason true of its secret', () => {
    // Act
    const { secrets, violations } = synth();
    // Assess
    expect(violations).toEqual([]);
    const client = rotationReasonsOf(secrets.clients.get('east') as Construct);
    const token = rotationReasonsOf(secrets.tokenKey);
    expect(client).toHaveLength(1);
    expect(token).toHaveLength(1);
    expect(client[0]).toMatch(/OAuth client admin/);
    expect(token[0]).toMatch(/Nobody outside/);
    expect(token[0]).not.toMatch(/client admin/);
  });

  it('fails when two orgs name the same secret', () => {
    // Act + Assess
    expect(() =>
      synth({
        ...props,
        orgs: [
          { name: 'east', clientSecretName: 'ops/x' },
          { name: 'west', clientSecretName: 'ops/x' },
        ],
      }),
    ).toThrow(/platform org west uses secret ops\/x, which another org uses too/);
  });
});
