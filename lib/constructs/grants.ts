import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { MONITOR_SERVICE } from '../../functions/health/metrics.js';
import type { ContinuityDetailType } from '../../functions/shared/event-schemas.js';
import { EVENT_SOURCE } from '../../functions/shared/names.js';

/**
 * Which function (by its Powertools service name) may put which `cc.continuity` detail-types on its bus:
 * the detail-types its code passes to `buildEvent` (functions/shared/events.ts), nothing more. A function
 * that is not listed may not put events at all. test/lib/event-grants.test.ts checks this map against
 * the catalogue and the code, and every PutEvents statement of the app against this map.
 */
export const EVENT_EMITTERS = {
  [MONITOR_SERVICE]: ['SipTargetHealthChanged', 'RegionHealthVote', 'ReplicationLagMeasured'],
  quorum: ['RegionRotationChanged'],
  'context-get': ['ContextReconstructed'],
  // The refresher announces new tokens; platformClient (the same area's code, bundled into the refresher)
  // reports a 401. Functions that call the platform through platformClient get their own entry.
  oauth: ['PlatformTokenRefreshed', 'PlatformTokenRejected'],
  // Capacity reconciliation calls the platform through platformClient, which reports a 401.
  'capacity-reconcile': ['PlatformTokenRejected'],
} as const satisfies Readonly<Record<string, readonly ContinuityDetailType[]>>;

/** A function that can be granted PutEvents: it names its Powertools service. */
export interface EventEmitterFunction extends iam.IGrantable {
  readonly serviceName: string;
}

/**
 * Lets `fn` put on `bus` only events with source `cc.continuity` and the detail-types
 * {@link EVENT_EMITTERS} lists for its service. EventBridge authorizes each entry of a PutEvents call
 * on its own (a refused entry fails with NotAuthorizedForDetailTypeException), so plain StringEquals
 * over the allowed values is exact.
 *
 * @example
 * grantPutEvents(this.getFunction, props.bus); // ContextReconstructed only
 */
export function grantPutEvents(fn: EventEmitterFunction, bus: events.IEventBus): void {
  const detailTypes: readonly string[] | undefined = (
    EVENT_EMITTERS as Readonly<Record<string, readonly string[]>>
  )[fn.serviceName];
  if (!detailTypes) {
    throw new Error(
      `${fn.serviceName} emits no events; add it to EVENT_EMITTERS (lib/constructs/grants.ts) with the detail-types it builds`,
    );
  }
  fn.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [bus.eventBusArn],
      conditions: {
        StringEquals: { 'events:source': [EVENT_SOURCE], 'events:detail-type': [...detailTypes] },
      },
    }),
  );
}

type LeadingKeysCondition = Record<string, Record<string, string[]>>;

/**
 * A `dynamodb:LeadingKeys` condition: every partition key the request touches is one of `patterns`.
 * Exact keys compare with StringEquals; a pattern with `*` (see {@link keyFamily}) with StringLike.
 * Only for item actions (GetItem, PutItem, UpdateItem, DeleteItem, Query): they always carry the key.
 *
 * @example
 * onlyLeadingKeys([keyFamily(contextCacheKeys.context('x').pk)]) // CTX#* only, never HB#<region>
 */
export function onlyLeadingKeys(patterns: readonly string[]): LeadingKeysCondition {
  if (patterns.length === 0) throw new Error('onlyLeadingKeys needs at least one key or pattern');
  const operator = patterns.some((p) => p.includes('*'))
    ? 'ForAllValues:StringLike'
    : 'ForAllValues:StringEquals';
  return { [operator]: { 'dynamodb:LeadingKeys': [...patterns] } };
}

/**
 * The family of a key built by functions/shared/keys.ts: its prefix up to and including the first `#`,
 * then `*`; a key without `#` (`ROTATION`) is its own family.
 *
 * @example
 * keyFamily(contextCacheKeys.context('c-1').pk) // 'CTX#*'
 */
export function keyFamily(sampleKey: string): string {
  const hash = sampleKey.indexOf('#');
  return hash < 0 ? sampleKey : `${sampleKey.slice(0, hash + 1)}*`;
}

/**
 * Adds item actions on exact table ARNs, limited to the partition keys `keys` (exact keys or
 * {@link keyFamily} patterns): no wildcards, no other tables, no other items.
 */
export function allowItems(
  fn: iam.IGrantable,
  actions: readonly string[],
  tableArns: readonly string[],
  keys: readonly string[],
): void {
  fn.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [...actions],
      resources: [...tableArns],
      conditions: onlyLeadingKeys(keys),
    }),
  );
}
