import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { secretNames } from '../../functions/shared/names.js';

/** What a new org credentials secret holds until an operator puts the real client in (README "Platform OAuth"). */
export const PLATFORM_CLIENT_PLACEHOLDER = { clientId: 'REPLACE_ME', clientSecret: 'REPLACE_ME' } as const;

/**
 * Why neither secret has a rotation Lambda (cdk-nag AwsSolutions-SMG4); each reason is true of its own
 * secret.
 */
export const PLATFORM_SECRET_ROTATION_REASONS = {
  client:
    "Rotated by operators, not by a rotation Lambda: the credential is issued by the platform org's OAuth client " +
    'admin (a new client secret is created there), which a Lambda here cannot do. The operator creates it on the ' +
    'platform, puts {"clientId","clientSecret"} here, and the refresher uses it from its next run (a refused ' +
    'credential is retried only once the secret has a new version); see README "Platform OAuth".',
  tokenKey:
    'Nobody outside this application holds the platform token key, but the tokens it encrypted are stored in ' +
    'ControlState and read by functions in both regions until they are replaced. Rotation is an operator ' +
    'procedure on the key list: add the new key as a decrypting key, make it the encrypting key once every ' +
    "function has it (cache and replication), and drop the old key after the next refresh of every org's token. " +
    'A rotation Lambda replacing the value would leave every stored token unreadable until the refresher ' +
    'replaced it; see README "Platform OAuth".',
} as const;

/** One platform org as the secrets need it (config `platform.orgs[]`). */
export interface PlatformSecretOrg {
  readonly name: string;
  /** @default - `secretNames(env).platformClient(name)` */
  readonly clientSecretName?: string;
}

/**
 * The Secrets Manager name of an org's OAuth client credentials: its own `clientSecretName` or the
 * project's default name. The Data stack creates it by this name and the refresher's role reads it by
 * this name, so the two cannot disagree.
 *
 * @example
 * platformClientSecretName('dev', { name: 'east' }) // 'continuity/dev/platform-client/east'
 */
export function platformClientSecretName(env: string, org: PlatformSecretOrg): string {
  return org.clientSecretName ?? secretNames(env).platformClient(org.name);
}

export interface PlatformSecretsProps {
  /** Environment name; default secret names come from `secretNames(env)`. */
  readonly env: string;
  /** The platform orgs (config `platform.orgs[]`): one credentials secret each. */
  readonly orgs: readonly PlatformSecretOrg[];
  /** Regions that get a replica (the other active region), so the refresher there reads it locally. */
  readonly replicaRegions: readonly string[];
  /**
   * What happens to the secrets when the stack goes.
   * @default - RETAIN (the credentials were put in by hand)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The secrets of the platform OAuth refresher (DESIGN.md section 6), created once (in the Data stack's
 * region) and replicated to the other active region:
 * - one per org, `{clientId, clientSecret}`, created with the placeholder
 *   {@link PLATFORM_CLIENT_PLACEHOLDER} (not generated: the platform issues the credential);
 * - the platform token key, `{"current":"<64 random characters>"}`, whose keys encrypt the stored
 *   tokens (same key-list form as the context secrets).
 *
 * @example
 * new PlatformSecrets(this, 'PlatformSecrets', { env: 'dev', orgs: config.platform.orgs, replicaRegions: ['us-west-2'] });
 */
export class PlatformSecrets extends Construct {
  /** The credentials secret of each org, by org name. */
  public readonly clients: ReadonlyMap<string, secretsmanager.Secret>;
  public readonly tokenKey: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: PlatformSecretsProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const replicaRegions = props.replicaRegions.map((region) => ({ region }));
    const seen = new Set<string>();
    const clients = new Map<string, secretsmanager.Secret>();
    for (const org of props.orgs) {
      const secretName = platformClientSecretName(props.env, org);
      if (seen.has(secretName)) {
        throw new Error(
          `platform org ${org.name} uses secret ${secretName}, which another org uses too; give each org its own clientSecretName`,
        );
      }
      seen.add(secretName);
      const secret = new secretsmanager.Secret(this, `Client-${org.name}`, {
        secretName,
        description: `OAuth client credentials of platform org ${org.name}: {"clientId","clientSecret"} (put in by an operator)`,
        replicaRegions,
        // A placeholder, not a secret: the real value is put in by hand and never passes through a template.
        secretStringValue: SecretValue.unsafePlainText(JSON.stringify(PLATFORM_CLIENT_PLACEHOLDER)),
        removalPolicy,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: PLATFORM_SECRET_ROTATION_REASONS.client,
      });
      clients.set(org.name, secret);
    }
    this.clients = clients;

    this.tokenKey = new secretsmanager.Secret(this, 'TokenKey', {
      secretName: secretNames(props.env).platformTokenKey,
      description: 'Keys that encrypt the stored platform tokens: {"keys":[encrypting,previous]}',
      replicaRegions,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'current',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy,
    });
    Validations.of(this.tokenKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: PLATFORM_SECRET_ROTATION_REASONS.tokenKey,
    });
  }
}
