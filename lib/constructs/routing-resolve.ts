import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ContinuityConfig } from '../../config/schema.js';
import { controlKeys } from '../../functions/shared/keys.js';
import { secretNames, tableNames } from '../../functions/shared/names.js';
import { lambdaEnvironment } from '../../functions/shared/runtime-config.js';
import { ContinuityFunction } from './continuity-function.js';
import { DeadLetterQueue, deadLettersAlarmName } from './dead-letter-queue.js';
import { allowItems, keyFamily } from './grants.js';
import { secretFallbackAlarm } from './secret-fallback-alarm.js';

/**
 * What `POST /routing/resolve` does on ControlState (functions/routing/resolve/), by item family:
 * - GetItem: the decision (ROTATION), lag samples (LAG#), a directory entry (DIRECTORY), the
 *   conversation's answer (ASSIGN#)
 * - Query: queue capacity (CAPACITY#), the overflow window (OVERFLOW#)
 * - PutItem: the conversation's answer (ASSIGN#, conditional)
 * - UpdateItem: the overflow counters (OVERFLOW#)
 */
const RESOLVE_GRANTS: readonly { actions: readonly string[]; keys: readonly string[] }[] = (() => {
  const assign = keyFamily(controlKeys.assignment('c').pk);
  const overflow = keyFamily(controlKeys.overflowWindow('r').pk);
  return [
    {
      actions: ['dynamodb:GetItem'],
      keys: [
        controlKeys.rotation().pk,
        keyFamily(controlKeys.lag('r').pk),
        controlKeys.directory().pk,
        assign,
      ],
    },
    { actions: ['dynamodb:Query'], keys: [keyFamily(controlKeys.capacityOf('r', 'q').pk), overflow] },
    { actions: ['dynamodb:PutItem'], keys: [assign] },
    { actions: ['dynamodb:UpdateItem'], keys: [overflow] },
  ];
})();

export interface RoutingResolveProps {
  readonly config: ContinuityConfig;
}

/**
 * Region-agnostic routing in one active region (DESIGN.md section 7): the resolve function (the context
 * API adds it as `POST /routing/resolve`) and the sweep that deletes expired answers, since ControlState
 * has no TTL.
 *
 * @example
 * const routing = new RoutingResolve(this, 'Routing', { config });
 * contextApi.addRoute(API_ROUTES.routingResolve, routing.resolveFunction);
 */
export class RoutingResolve extends Construct {
  public readonly resolveFunction: ContinuityFunction;
  public readonly sweepFunction: ContinuityFunction;

  constructor(scope: Construct, id: string, props: RoutingResolveProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const tableArn = stack.formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: tableNames(config.env).controlState,
    });
    const environment = lambdaEnvironment(config, { sections: ['quorum', 'replication', 'routing'] });

    this.resolveFunction = new ContinuityFunction(this, 'Resolve', {
      entry: 'functions/routing/resolve-handler.ts',
      serviceName: 'routing-resolve',
      description: 'POST /routing/resolve: which region queue takes a conversation, recorded once',
      environment,
    });
    for (const { actions, keys } of RESOLVE_GRANTS)
      allowItems(this.resolveFunction, actions, [tableArn], keys);
    secretsmanager.Secret.fromSecretNameV2(this, 'ApiKeysSecret', secretNames(config.env).apiKeys).grantRead(
      this.resolveFunction,
    );
    secretFallbackAlarm(this, this.resolveFunction, config.env);

    this.sweepFunction = new ContinuityFunction(this, 'Sweep', {
      entry: 'functions/routing/assignment-sweep-handler.ts',
      serviceName: 'assignment-sweep',
      description: 'Deletes expired resolve answers and overflow counters from ControlState',
      environment: lambdaEnvironment(config, { sections: ['quorum'] }),
      timeout: Duration.minutes(5),
    });
    // Scan cannot be limited by partition key (dynamodb:LeadingKeys does not apply to it): it reads
    // keys and expiry only (a projection), and deletes are limited to the two expiring families.
    this.sweepFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [tableArn] }),
    );
    allowItems(
      this.sweepFunction,
      ['dynamodb:DeleteItem'],
      [tableArn],
      [keyFamily(controlKeys.assignment('c').pk), keyFamily(controlKeys.overflowWindow('r').pk)],
    );
    const dlq = new DeadLetterQueue(this, 'SweepDeadLetterQueue', {
      catches: 'the assignment sweep schedule',
      handling: 'nothing needs replaying: the next run sweeps what this one missed',
      alarmName: deadLettersAlarmName(config.env, Stack.of(this).region, 'assignment-sweep'),
    });
    new events.Rule(this, 'SweepSchedule', {
      description: 'Deletes expired resolve answers (ControlState has no TTL)',
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [new targets.LambdaFunction(this.sweepFunction, { deadLetterQueue: dlq, retryAttempts: 2 })],
    });
  }
}
