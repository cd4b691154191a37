import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { EventPublisher } from '../../functions/shared/publisher.js';
import { matchesPattern } from './pattern.js';
import type { RuleBus, SynthesizedRule } from './rules.js';

/** An event as EventBridge hands it to a Lambda target. */
export interface DeliveredEvent {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly region: string;
  readonly account: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

export type LocalTarget = (event: DeliveredEvent) => Promise<unknown>;

export interface LocalBusOptions {
  readonly account?: string;
}

/**
 * EventBridge on one machine: the project's bus and the default bus of every active region, routing
 * by the synthesized rules' own patterns (see synthesizedRules). Forwarding rules re-put the event on
 * the peer region's bus; function targets call what `on()` registered for the function's construct
 * path. Delivery is in process and awaited: `put` resolves once every target (and every forward) has
 * finished, and rejects with the first target error.
 *
 * @example
 * const bus = new LocalBus(await synthesizedRules(config));
 * bus.on('Continuity-dev-Region-us-east-1/Quorum/Function', (e) => handleQuorumEvent(deps, parseEvent(e), Date.now()));
 * await bus.publisher('us-east-1').publish([entry]);
 */
export class LocalBus {
  private readonly targets = new Map<string, LocalTarget>();
  private sequence = 0;

  constructor(
    readonly rules: readonly SynthesizedRule[],
    private readonly options: LocalBusOptions = {},
  ) {}

  /** Registers the code behind a function target; unregistered functions are skipped. */
  on(functionPath: string, target: LocalTarget): this {
    this.targets.set(functionPath, target);
    return this;
  }

  /** Puts entries on `region`'s project bus (as PutEvents does). */
  putEvents(region: string, entries: readonly PutEventsRequestEntry[]): Promise<void> {
    return this.putOn(region, 'custom', entries);
  }

  /**
   * Puts platform events on `region`'s partner event bus, as the platform's EventBridge integration
   * delivers them (the entries' `Source` is the partner event source).
   */
  putPartner(region: string, entries: readonly PutEventsRequestEntry[]): Promise<void> {
    return this.putOn(region, 'partner', entries);
  }

  /** Puts an AWS service event (a CloudWatch alarm state change) on `region`'s default bus. */
  async putDefault(
    region: string,
    event: Omit<DeliveredEvent, 'id' | 'region' | 'account' | 'time' | 'resources'>,
  ) {
    await this.deliver(region, 'default', {
      id: `local-${++this.sequence}`,
      time: new Date().toISOString(),
      region,
      account: this.options.account ?? '000000000000',
      resources: [],
      ...event,
    });
  }

  /** An EventPublisher that puts on `region`'s project bus: hand it to the code under test. */
  publisher(region: string): EventPublisher {
    return { publish: (entries) => this.putEvents(region, entries) };
  }

  private async putOn(
    region: string,
    bus: RuleBus,
    entries: readonly PutEventsRequestEntry[],
  ): Promise<void> {
    for (const entry of entries) {
      await this.deliver(region, bus, {
        id: `local-${++this.sequence}`,
        source: String(entry.Source),
        'detail-type': String(entry.DetailType),
        time: (entry.Time ?? new Date()).toISOString(),
        region,
        account: this.options.account ?? '000000000000',
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail ?? '{}'),
      });
    }
  }

  private async deliver(region: string, bus: RuleBus, event: DeliveredEvent): Promise<void> {
    const matched = this.rules.filter(
      (r) =>
        r.region === region && r.bus === bus && r.pattern !== undefined && matchesPattern(r.pattern, event),
    );
    await Promise.all(
      matched.flatMap((rule) =>
        rule.targets.map(async (target) => {
          if (target.kind === 'bus') {
            await this.deliver(target.region, 'custom', {
              ...event,
              id: `local-${++this.sequence}`,
              region: target.region,
            });
            return;
          }
          await this.targets.get(target.path)?.(event);
        }),
      ),
    );
  }
}
