import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { ContinuityConfig } from '../../config/schema.js';
import { stackNames, tableNames } from '../../functions/shared/names.js';
import { AlarmNotifications } from '../constructs/alarm-notifications.js';
import { type BusForwarding, ContinuityBus } from '../constructs/continuity-bus.js';
import { HealthMonitor } from '../constructs/health-monitor.js';
import { isDisposableEnv } from './data-stack.js';

export interface WitnessStackProps extends StackProps {
  readonly config: ContinuityConfig;
}

/**
 * The witness region (DESIGN.md section 1): an event bus that forwards its own events
 * (the third observer's votes) to both active regions, and a small regional table for
 * the monitor there. The MRSC witness itself holds no readable replica, hence this table.
 *
 * @example
 * const witness = new WitnessStack(app, 'Witness', { config });
 */
export class WitnessStack extends Stack {
  public readonly bus: ContinuityBus;
  public readonly forwardings: readonly BusForwarding[];
  public readonly witnessState: dynamodb.TableV2;
  /** The third observer: its lease and counters live in `witnessState`, its votes go out through the bus. */
  public readonly healthMonitor: HealthMonitor;
  /** The witness region's alert topic: the witness monitor's alarms notify it. */
  public readonly alerts: AlarmNotifications;

  constructor(scope: Construct, id: string, props: WitnessStackProps) {
    const { config, ...stackProps } = props;
    super(scope, id, {
      ...stackProps,
      stackName: props.stackName ?? stackNames(config.env).witness,
      env: props.env ?? { account: config.account, region: config.regions.witness },
      description:
        props.description ?? `cc-continuity ${config.env}: witness region ${config.regions.witness}`,
    });
    this.bus = new ContinuityBus(this, 'Events', { env: config.env });
    this.forwardings = config.regions.active.map((region) => this.bus.forwardTo(region));

    const disposable = isDisposableEnv(config);
    this.witnessState = new dynamodb.TableV2(this, 'WitnessState', {
      tableName: tableNames(config.env).witnessState,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: !disposable,
      removalPolicy: disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.healthMonitor = new HealthMonitor(this, 'HealthMonitor', {
      config,
      bus: this.bus.bus,
      leaseTable: this.witnessState,
    });
    this.alerts = new AlarmNotifications(this, 'Alerts', {
      env: config.env,
      emails: config.alarms.notifyEmails,
      removalPolicy: disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
  }
}
