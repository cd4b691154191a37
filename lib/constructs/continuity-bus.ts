import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { busArn, busName, EVENT_SOURCE } from '../../functions/shared/names.js';
import { DeadLetterQueue, deadLettersAlarmName } from './dead-letter-queue.js';

export interface ContinuityBusProps {
  /** Environment name; the bus is named `busName(env)` in every region. */
  readonly env: string;
  /**
   * How long the archive keeps events for replay.
   * @default - 7 days
   */
  readonly archiveRetention?: Duration;
  /**
   * How long a forwarding dead-letter queue keeps undelivered events.
   * @default - 14 days (the SQS maximum)
   */
  readonly deadLetterRetention?: Duration;
}

/** One forwarding link from this region's bus to a peer region's bus. */
export interface BusForwarding {
  readonly peerRegion: string;
  readonly rule: events.Rule;
  /** Events the peer bus did not accept after EventBridge's retries; alarm on its depth. */
  readonly deadLetterQueue: sqs.Queue;
}

/**
 * The project's custom event bus in one region: named `busName(env)` everywhere,
 * with an archive for replay and rules that forward this region's own events to
 * peer regions' buses.
 *
 * A forwarding rule matches `detail.originRegion` = this stack's region only. An
 * event that arrives from a peer keeps the peer's `originRegion`, so it never
 * matches a local forwarding rule again: forwarding cannot loop.
 *
 * @example
 * const bus = new ContinuityBus(this, 'Bus', { env: 'prod' });
 * bus.forwardTo('us-west-2');
 */
export class ContinuityBus extends Construct {
  public readonly bus: events.EventBus;
  public readonly archive: events.Archive;
  /** The region whose events this bus forwards (the stack's region). */
  public readonly region: string;
  private readonly env: string;
  private readonly deadLetterRetention: Duration;
  private readonly links = new Map<string, BusForwarding>();

  constructor(scope: Construct, id: string, props: ContinuityBusProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region)) {
      throw new Error(
        `ContinuityBus ${this.node.path} needs a stack with a concrete region (env: { region }); ` +
          'its forwarding rules match events by their origin region',
      );
    }
    this.region = stack.region;
    this.env = props.env;
    this.deadLetterRetention = props.deadLetterRetention ?? Duration.days(14);

    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: busName(props.env),
      description: `cc-continuity ${props.env} events in ${this.region}`,
    });
    // Every event on the bus (own and forwarded) has this account, so the archive keeps all of them.
    this.archive = this.bus.archive('Archive', {
      description: `Replay archive of ${busName(props.env)} in ${this.region}`,
      eventPattern: { account: [stack.account] },
      retention: props.archiveRetention ?? Duration.days(7),
    });
  }

  /** The forwarding links added so far, in the order they were added. */
  public get forwardings(): readonly BusForwarding[] {
    return [...this.links.values()];
  }

  /**
   * Forwards events that originate in this region to the same-named bus in `peerRegion`
   * (same account). EventBridge retries a failed delivery for up to 24 hours
   * (event-bus targets accept no custom retry policy); what still fails lands in the DLQ.
   */
  public forwardTo(peerRegion: string): BusForwarding {
    if (peerRegion === this.region) {
      throw new Error(`${this.node.path} cannot forward to its own region ${peerRegion}; name a peer region`);
    }
    const existing = this.links.get(peerRegion);
    if (existing) return existing;

    const stack = Stack.of(this);
    const scope = new Construct(this, `To-${peerRegion}`);
    const peerBus = events.EventBus.fromEventBusArn(
      scope,
      'PeerBus',
      busArn(this.env, peerRegion, stack.account, stack.partition),
    );
    const deadLetterQueue = new DeadLetterQueue(scope, 'DeadLetterQueue', {
      catches: `the rule forwarding to ${peerRegion}`,
      retentionPeriod: this.deadLetterRetention,
      alarmName: deadLettersAlarmName(this.env, this.region, `forwarding-${peerRegion}`),
    });
    const rule = new events.Rule(scope, 'Rule', {
      eventBus: this.bus,
      description: `Forward ${EVENT_SOURCE} events that originate in ${this.region} to ${peerRegion}`,
      eventPattern: { source: [EVENT_SOURCE], detail: { originRegion: [this.region] } },
      targets: [new targets.EventBus(peerBus, { deadLetterQueue })],
    });
    const link: BusForwarding = { peerRegion, rule, deadLetterQueue };
    this.links.set(peerRegion, link);
    return link;
  }
}
