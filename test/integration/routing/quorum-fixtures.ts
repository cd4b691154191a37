import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type ControlStore, dynamoControlStore } from '../../../functions/routing/control-store.js';
import type { QuorumSettings } from '../../../functions/routing/quorum/types.js';
import type { QuorumDeps } from '../../../functions/routing/quorum-service.js';
import { dynamoDocClient } from '../../../functions/shared/clients.js';
import { buildEvent, type ParsedEvent, parseEvent } from '../../../functions/shared/events.js';
import { stableEventId } from '../../../functions/shared/identifiers.js';
import { alarmNames, busName } from '../../../functions/shared/names.js';
import { type EventPublisher, memoryPublisher } from '../../../functions/shared/publisher.js';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';

export const A = 'us-east-1';
export const B = 'us-west-2';
export const W = 'us-east-2';
export const OBSERVERS = [A, B, W] as const;
export const BUDGET_MS = 1000;
export const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

export const SETTINGS: QuorumSettings = {
  activeRegions: [A, B],
  witnessRegion: W,
  voteStaleMs: 15_000,
  replicationExclusionMs: 200,
  lagSamples: 3,
  minRegionsInRotation: 1,
  failbackDwellSeconds: 30,
};

/** A store for `region` as that region's functions make it: one attempt, the control budget. */
export function storeFor(world: LocalWorld, region: string, budgetMs = BUDGET_MS): ControlStore {
  const doc = dynamoDocClient(region, world.region(region).endpoint, {
    maxAttempts: 1,
    requestTimeoutMs: budgetMs,
  });
  return dynamoControlStore({ doc, tableName: world.tables.controlState, budgetMs });
}

export function depsFor(
  world: LocalWorld,
  region: string,
  publisher: EventPublisher = memoryPublisher(),
): QuorumDeps {
  return {
    store: storeFor(world, region),
    publisher,
    settings: SETTINGS,
    region,
    eventBusName: busName('dev'),
    announceGraceMs: 10 * BUDGET_MS,
    alarmNames: SETTINGS.activeRegions.map((r) => alarmNames('dev').sipHealth(r)),
    lagSampleIntervalMs: 1000,
    // Tests wait for nothing: a lost race retries at once.
    cas: { attempts: 10, sleep: async () => undefined },
  };
}

/**
 * The local world of one describe block: started before its tests and stopped after them; before each
 * test every region is healed, its faults cleared and ControlState emptied. `onStart` receives it.
 *
 * @example
 * let world: LocalWorld;
 * useControlWorld((w) => { world = w; });
 */
export function useControlWorld(onStart: (world: LocalWorld) => void): void {
  let world: LocalWorld | undefined;
  beforeAll(async () => {
    world = await startLocalWorld({ env: 'dev' });
    onStart(world);
  });
  afterAll(async () => {
    await world?.stop();
  });
  beforeEach(async () => {
    if (world === undefined) throw new Error('the local world did not start; see the beforeAll error');
    for (const region of world.regions) {
      world.heal(region);
      world.region(region).setFaults({});
    }
    await clearControl(world);
  });
}

/** Empties ControlState between tests (through the store directly, never partitioned). */
export async function clearControl(world: LocalWorld): Promise<void> {
  const TableName = world.tables.controlState;
  const out = await world.control.doc.send(new ScanCommand({ TableName }));
  for (const item of out.Items ?? []) {
    await world.control.doc.send(new DeleteCommand({ TableName, Key: { pk: item.pk, sk: item.sk } }));
  }
}

/** A PutEvents entry as EventBridge delivers it to a Lambda target. */
export function delivered(entry: PutEventsRequestEntry): ParsedEvent {
  return parseEvent({
    source: entry.Source,
    'detail-type': entry.DetailType,
    detail: JSON.parse(entry.Detail ?? '{}'),
    id: stableEventId('delivery', entry.Detail ?? ''),
    time: entry.Time?.toISOString(),
    region: A,
  });
}

export interface VoteSpec {
  readonly observer: string;
  readonly target: string;
  readonly healthy: boolean;
  readonly seq: number;
  readonly at: number;
}

export function voteEvent(v: VoteSpec): ParsedEvent {
  return delivered(
    buildEvent(
      'RegionHealthVote',
      {
        observer: v.observer,
        targetRegion: v.target,
        healthy: v.healthy,
        healthyTargets: v.healthy ? 2 : 0,
        totalTargets: 2,
        incarnation: 1,
        seq: v.seq,
        reason: v.healthy ? 'targets up' : 'targets down',
      },
      {
        originRegion: v.observer,
        now: v.at,
        eventBusName: busName('dev'),
        eventId: stableEventId('vote', v.observer, v.target, 1, v.seq),
      },
    ),
  );
}

/** One vote per observer on `target`, cast at `at`. */
export function votesOn(target: string, healthy: boolean, seq: number, at: number): ParsedEvent[] {
  return OBSERVERS.map((observer) => voteEvent({ observer, target, healthy, seq, at }));
}

export function scheduleEvent(): ParsedEvent {
  return parseEvent({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
}

export function alarmEvent(alarmName: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'): ParsedEvent {
  return parseEvent({
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    detail: {
      alarmName,
      state: { value: state, reason: 'test' },
      previousState: { value: state === 'OK' ? 'ALARM' : 'OK', reason: 'test' },
    },
  });
}

/** A deterministic shuffle (mulberry32), so a failing trial can be replayed by its seed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
