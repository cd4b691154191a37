import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretValue, type LocalSecrets, startLocalSecrets } from '../../../local/aws/secrets.js';
import type { SecretSpec } from '../../../local/drill/template.js';

const API_KEYS: SecretSpec = {
  name: 'continuity/test/api-keys',
  regions: ['us-east-1', 'us-west-2'],
  generate: { templateJson: '{}', key: 'current', length: 64 },
};
const WEBHOOK: SecretSpec = {
  name: 'continuity/test/webhook',
  regions: ['us-west-2'],
  generate: { templateJson: '{"algorithm":"sha256"}', key: 'secret', length: 32 },
};
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('generateSecretValue', () => {
  it.each([
    [
      'one random key in an empty template',
      API_KEYS,
      { current: expect.stringMatching(/^[A-Za-z0-9]{64}$/) },
    ],
    [
      'the template’s own keys beside the random one',
      WEBHOOK,
      { algorithm: 'sha256', secret: expect.stringMatching(/^[A-Za-z0-9]{32}$/) },
    ],
  ])('generates %s', (_, spec, expected) => {
    // Act
    const value = JSON.parse(generateSecretValue(spec)) as unknown;
    // Assess
    expect(value).toStrictEqual(expected);
  });

  it('generates a different value each time', () => {
    // Act
    const values = new Set(Array.from({ length: 5 }, () => generateSecretValue(API_KEYS)));
    // Assess
    expect(values.size).toBe(5);
  });

  it('answers the value the template gives a secret it does not generate', () => {
    // Prepare
    const value = '{"clientId":"REPLACE_ME","clientSecret":"REPLACE_ME"}';
    // Act
    const answer = generateSecretValue({
      name: 'continuity/test/platform-client/east',
      regions: ['us-east-1'],
      value,
    });
    // Assess
    expect(answer).toBe(value);
  });

  it('answers {} for a secret CloudFormation does not generate', () => {
    // Act
    const value = generateSecretValue({ name: 'continuity/test/manual', regions: ['us-east-1'] });
    // Assess
    expect(value).toBe('{}');
  });
});

describe('startLocalSecrets', () => {
  let secrets: LocalSecrets;
  const clients: SecretsManagerClient[] = [];
  const get = (region: string, secretId: string) => {
    const client = new SecretsManagerClient({
      region,
      endpoint: secrets.endpoint,
      credentials,
      maxAttempts: 1,
    });
    clients.push(client);
    return client.send(new GetSecretValueCommand({ SecretId: secretId }));
  };

  beforeAll(async () => {
    secrets = await startLocalSecrets([API_KEYS, WEBHOOK]);
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await secrets.close();
  });

  it('holds a generated value of the template’s shape', () => {
    // Act
    const value = JSON.parse(secrets.value(API_KEYS.name)) as Record<string, unknown>;
    // Assess
    expect(Object.keys(value)).toEqual(['current']);
    expect(value.current).toMatch(/^[A-Za-z0-9]{64}$/);
  });

  it.each([
    ['us-east-1', 'name', API_KEYS.name],
    ['us-west-2', 'name', API_KEYS.name],
    ['us-east-1', 'ARN', `arn:aws:secretsmanager:us-east-1:000000000000:secret:${API_KEYS.name}-AbC123`],
    ['us-west-2', 'ARN', `arn:aws:secretsmanager:us-west-2:000000000000:secret:${API_KEYS.name}-AbC123`],
  ])('answers GetSecretValue in %s by %s with the same value', async (region, _, secretId) => {
    // Act
    const answer = await get(region, secretId);
    // Assess
    expect(answer).toMatchObject({
      Name: API_KEYS.name,
      SecretString: secrets.value(API_KEYS.name),
      VersionStages: ['AWSCURRENT'],
    });
    expect(answer.ARN).toMatch(
      new RegExp(`^arn:aws:secretsmanager:${region}:000000000000:secret:${API_KEYS.name}-`),
    );
    expect(answer.CreatedDate).toBeInstanceOf(Date);
  });

  it('answers the ARN it hands out', async () => {
    // Prepare
    const { ARN } = await get('us-west-2', WEBHOOK.name);
    // Act
    const answer = await get('us-west-2', ARN ?? '');
    // Assess
    expect(answer.SecretString).toBe(secrets.value(WEBHOOK.name));
  });

  it.each([
    ['a region the secret is not replicated to', 'eu-west-1', API_KEYS.name],
    ['the primary region of a secret that lives elsewhere', 'us-east-1', WEBHOOK.name],
    ['an unknown name', 'us-east-1', 'continuity/test/nothing'],
    ['an unknown ARN', 'us-east-1', 'arn:aws:secretsmanager:us-east-1:000000000000:secret:nothing-AbC123'],
  ])('rejects %s with ResourceNotFoundException', async (_, region, secretId) => {
    // Act
    const answer = get(region, secretId);
    // Assess
    await expect(answer).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(answer).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('fails value() for a secret the stacks do not create', () => {
    // Act
    const read = () => secrets.value('continuity/test/nothing');
    // Assess
    expect(read).toThrow('no secret continuity/test/nothing in the synthesized stacks');
  });
});
