import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { secretNames } from '../../functions/shared/names.js';

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
    const make = (sid: string, secretName: string, description: string) => {
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
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotated by operators, not by a rotation Lambda: the other holder of the value (the contact-center platform ' +
          'or the CRM) must be updated in step, which a Lambda cannot do. The two-keys-valid format lets them rotate ' +
          'without downtime; see README "Context API".',
      });
      return secret;
    };
    this.apiKeys = make(
      'ApiKeys',
      names.apiKeys,
      'Bearer API keys of the context API: {"keys":[current,next]}',
    );
    this.tokenKey = make(
      'TokenKey',
      names.tokenKey,
      'Keys of the transfer context token: {"keys":[signing,previous]}',
    );
    this.crmWebhook = make(
      'CrmWebhook',
      names.crmWebhook,
      'CRM webhook signing secrets: {"keys":[current,previous]}',
    );
  }
}
