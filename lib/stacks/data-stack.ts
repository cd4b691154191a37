import { RemovalPolicy, Stack, type StackProps, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { ContinuityConfig } from '../../config/schema.js';
import { stackNames, tableNames } from '../../functions/shared/names.js';
import { ContextSecrets } from '../constructs/context-secrets.js';
import { PlatformSecrets } from '../constructs/platform-secrets.js';

export interface DataStackProps extends StackProps {
  readonly config: ContinuityConfig;
}

/**
 * Only dev may lose its tables with its stack; every other environment gets deletion
 * protection and RETAIN, so a table never vanishes by accident.
 */
export function isDisposableEnv(config: ContinuityConfig): boolean {
  return config.env === 'dev';
}

/**
 * The three global tables, deployed in the first active region with a replica in the
 * second (DESIGN.md section 2): ContextCache and CrmEvents are MREC with TTL
 * `expiresAt`; ControlState is MRSC with the witness region and no TTL.
 *
 * @example
 * const data = new DataStack(app, 'Data', { config });
 * data.controlState.tableName; // 'continuity-<env>-control-state'
 */
export class DataStack extends Stack {
  public readonly contextCache: dynamodb.TableV2;
  public readonly crmEvents: dynamodb.TableV2;
  public readonly controlState: dynamodb.TableV2;
  /** API keys, token key and CRM webhook secret, replicated to the other active region. */
  public readonly contextSecrets: ContextSecrets;
  /** Platform OAuth client credentials per org (placeholders) and the platform token key, replicated likewise. */
  public readonly platformSecrets: PlatformSecrets;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    const { config, ...stackProps } = props;
    super(scope, id, {
      ...stackProps,
      stackName: props.stackName ?? stackNames(config.env).data,
      env: props.env ?? { account: config.account, region: config.regions.active[0] },
      description: props.description ?? `cc-continuity ${config.env}: global tables`,
    });
    if (Token.isUnresolved(this.region) || !config.regions.active.includes(this.region)) {
      throw new Error(
        `DataStack region ${this.region} is not an active region (${config.regions.active.join(', ')}); ` +
          'deploy it to the first active region',
      );
    }
    const replicas = config.regions.active.filter((r) => r !== this.region).map((region) => ({ region }));
    const names = tableNames(config.env);
    const disposable = isDisposableEnv(config);
    const common = {
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: !disposable,
      removalPolicy: disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      replicas,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    } satisfies Partial<dynamodb.TablePropsV2>;
    const sortKey = { name: 'sk', type: dynamodb.AttributeType.STRING };

    this.contextCache = new dynamodb.TableV2(this, 'ContextCache', {
      ...common,
      tableName: names.contextCache,
      timeToLiveAttribute: 'expiresAt',
      // Global tables replicate through the stream; both images let consumers see deletes by TTL.
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    });
    this.crmEvents = new dynamodb.TableV2(this, 'CrmEvents', {
      ...common,
      tableName: names.crmEvents,
      sortKey,
      timeToLiveAttribute: 'expiresAt',
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    });
    // MRSC: strongly consistent reads in either active region, quorum through the witness; no TTL exists.
    this.controlState = new dynamodb.TableV2(this, 'ControlState', {
      ...common,
      tableName: names.controlState,
      sortKey,
      multiRegionConsistency: dynamodb.MultiRegionConsistency.STRONG,
      witnessRegion: config.regions.witness,
    });
    const secrets = {
      env: config.env,
      replicaRegions: replicas.map((r) => r.region),
      removalPolicy: disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    };
    this.contextSecrets = new ContextSecrets(this, 'ContextSecrets', secrets);
    this.platformSecrets = new PlatformSecrets(this, 'PlatformSecrets', {
      ...secrets,
      orgs: config.platform.orgs,
    });
  }
}
