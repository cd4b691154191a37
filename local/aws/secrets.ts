import { randomBytes } from 'node:crypto';
import type { SecretSpec } from '../drill/template.js';
import { AwsServiceError, type JsonService, startJsonService } from './json-service.js';

/**
 * Secrets Manager's GetSecretValue on loopback, holding the secrets the synthesized stacks create, in
 * the regions they are replicated to, with the value the template gives (`SecretString`) or one
 * generated the way CloudFormation generates it (the template object plus one random key, letters and
 * digits).
 */
export interface LocalSecrets extends JsonService {
  /** The current value of a secret (for the drill's own clients: the API key, the webhook secret). */
  value(name: string): string;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function generateSecretValue(spec: SecretSpec): string {
  if (spec.value !== undefined) return spec.value;
  if (!spec.generate) return '{}';
  const bytes = randomBytes(spec.generate.length);
  const random = Array.from(bytes, (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
  const value = JSON.parse(spec.generate.templateJson) as Record<string, unknown>;
  value[spec.generate.key] = random;
  return JSON.stringify(value);
}

/**
 * @example
 * const secrets = await startLocalSecrets(deployment.secrets);
 * const apiKey = JSON.parse(secrets.value('continuity/dev/api-keys')).current;
 */
export async function startLocalSecrets(specs: readonly SecretSpec[]): Promise<LocalSecrets> {
  const values = new Map(specs.map((s) => [s.name, { spec: s, text: generateSecretValue(s) }]));
  const service = await startJsonService('secretsmanager', {
    GetSecretValue: (input, region) => {
      const id = String(input.SecretId ?? '');
      const name = id.startsWith('arn:') ? id.split(':secret:')[1]?.replace(/-[A-Za-z0-9]{6}$/, '') : id;
      const secret = name === undefined ? undefined : values.get(name);
      // One version per secret here (nothing rotates in the drill): AWSPREVIOUS does not exist.
      const stage = input.VersionStage ?? 'AWSCURRENT';
      if (secret === undefined || !secret.spec.regions.includes(region) || stage !== 'AWSCURRENT') {
        throw new AwsServiceError(
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret.",
        );
      }
      return {
        ARN: `arn:aws:secretsmanager:${region}:000000000000:secret:${secret.spec.name}-local0`,
        Name: secret.spec.name,
        SecretString: secret.text,
        VersionId: 'local-version-1',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Math.floor(Date.now() / 1000),
      };
    },
  });
  return {
    ...service,
    value: (name) => {
      const secret = values.get(name);
      if (secret === undefined) throw new Error(`no secret ${name} in the synthesized stacks`);
      return secret.text;
    },
  };
}
