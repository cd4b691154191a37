import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { secretNames } from '../../functions/shared/names.js';

/**
 * Why each secret has no rotation Lambda (cdk-nag AwsSolutions-SMG4): each reason is true of its own
 * secret. The two shared with a party outside AWS cannot be rotated without that party; the token key is
 * held by nobody outside, but tokens it signed stay in flight for their whole lifetime.
 */
export const SECRET_ROTATION_REASONS = {
  apiKeys:
    'Rotated by operators, not by a rotation Lambda: every caller of the context API (the contact-center ' +
    "platform's data actions) holds a key and must be moved to the new one in step, which a Lambda cannot do. " +
    'Two keys are valid at once, so callers move over without downtime; see README "Context API".',
  crmWebhook:
    'Rotated by operators, not by a rotation Lambda: the CRM signs its webhooks with the same secret and must be ' +
    'given the new one in step, which a Lambda cannot do. Current and previous secrets both verify during the ' +
    'change; see README "Context API".',
  tokenKey:
    'Nobody outside this application holds the token key, but every transfer token it signed must stay verifiable ' +
    'until the token expires (context.crmEventTtlHours), in both regions. Rotation is an operator procedure on the ' +
    'key list: add the new key as a verifying key, make it the signing key once every function has it (cache and ' +
    'replication), and drop the old key only after the token lifetime has passed. A rotation Lambda replacing the ' +
    'value would invalidate every token in flight; see README "Context API".',
} as const;

export interface ContextSecretsProps {
  /** Environment name; the secrets are named by `secretNames(env)`. */
  readonly env: string;
  /** Regions that get a replica (the other active region), so functions there read it locally. */
  readonly replicaRegions: readonly string[];
  /**
   * What happens to the secrets when the stack goes.
   * @default - RETAIN (a lost token key would invalidate every token in flight)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The secrets of the context API, created once (in the Data stack's region) and replicated to the other
 * active region: the bearer API keys, the transfer-token key and the CRM webhook secret. Each starts as
 * `{"current":"<64 random characters>"}`; operators rotate by writing `{"keys":["<new>","<old>"]}`
 * (see functions/shared/secrets.ts), so two keys are valid at once and nothing goes down.
 *
 * @example
 * new ContextSecrets(this, 'ContextSecrets', { env: config.env, replicaRegions: ['us-west-2'] });
 */
export class ContextSecrets extends Construct {
  public readonly apiKeys: secretsmanager.Secret;
  public readonly tokenKey: secretsmanager.Secret;
  public readonly crmWebhook: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ContextSecretsProps) {
    super(scope, id);
    const names = secretNames(props.env);
    const make = (sid: string, secretName: string, description: string, rotation: string) => {
      const secret = new secretsmanager.Secret(this, sid, {
        secretName,
        description,
        replicaRegions: props.replicaRegions.map((region) => ({ region })),
        generateSecretString: {
          secretStringTemplate: '{}',
          generateStringKey: 'current',
          passwordLength: 64,
          excludePunctuation: true,
        },
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: rotation });
      return secret;
    };
    this.apiKeys = make(
      'ApiKeys',
      names.apiKeys,
      'Bearer API keys of the context API: {"keys":[{"key","scopes","name"}, ...]} (plain strings mean every scope)',
      SECRET_ROTATION_REASONS.apiKeys,
    );
    this.tokenKey = make(
      'TokenKey',
      names.tokenKey,
      'Keys of the transfer context token: {"keys":[signing,previous]}',
      SECRET_ROTATION_REASONS.tokenKey,
    );
    this.crmWebhook = make(
      'CrmWebhook',
      names.crmWebhook,
      'CRM webhook signing secrets: {"keys":[current,previous]}',
      SECRET_ROTATION_REASONS.crmWebhook,
    );
  }
}
