import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type LocalEventBridge,
  type PutRecord,
  startLocalEventBridge,
} from '../../../local/aws/eventbridge.js';
import { type DeliveredEvent, LocalBus } from '../../../local/bus/bus.js';
import type { SynthesizedRule } from '../../../local/bus/rules.js';

const BUS = 'continuity-test';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const targetOf = (region: string) => `Continuity-test-Region-${region}/Quorum/Function`;
const rules: SynthesizedRule[] = ['us-east-1', 'us-west-2'].map((region) => ({
  path: `Continuity-test-Region-${region}/Quorum/Inputs`,
  region,
  bus: 'custom',
  pattern: { source: ['cc.continuity'] },
  targets: [{ kind: 'function', path: targetOf(region) }],
}));

const entry = (n: number, overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: BUS,
  Source: 'cc.continuity',
  DetailType: 'RegionHealthVote',
  Detail: JSON.stringify({ n }),
  ...overrides,
});

describe('startLocalEventBridge', () => {
  let bus: LocalBus;
  let events: LocalEventBridge;
  let delivered: [string, DeliveredEvent][];
  const clients: EventBridgeClient[] = [];
  const put = (region: string, entries: PutEventsRequestEntry[]) => {
    const client = new EventBridgeClient({ region, endpoint: events.endpoint, credentials, maxAttempts: 1 });
    clients.push(client);
    return client.send(new PutEventsCommand({ Entries: entries }));
  };
  const deliveredN = () => delivered.map(([, e]) => (e.detail as { n: number }).n);

  beforeEach(async () => {
    delivered = [];
    bus = new LocalBus(rules);
    for (const region of ['us-east-1', 'us-west-2']) {
      bus.on(targetOf(region), async (e) => {
        delivered.push([region, e]);
      });
    }
    events = await startLocalEventBridge(bus, BUS);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await events.close();
  });

  it.each([
    ['its name', BUS],
    ['its ARN', `arn:aws:events:us-east-1:000000000000:event-bus/${BUS}`],
  ])('accepts an entry for the project bus by %s and delivers it to the rule target', async (_, name) => {
    // Prepare
    const time = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    // Act
    const answer = await put('us-east-1', [entry(1, { EventBusName: name, Time: time })]);
    await events.idle();
    // Assess
    expect(answer.FailedEntryCount).toBe(0);
    expect(answer.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.[0]).toBe('us-east-1');
    expect(delivered[0]?.[1]).toMatchObject({
      source: 'cc.continuity',
      'detail-type': 'RegionHealthVote',
      region: 'us-east-1',
      time: '2026-01-02T03:04:05.678Z',
      detail: { n: 1 },
    });
    expect(events.deliveryErrors).toEqual([]);
  });

  it.each([
    ['another bus', { EventBusName: 'someone-else' }, 'NotAuthorizedForSourceException'],
    ['the default bus', { EventBusName: undefined }, 'NotAuthorizedForSourceException'],
    [
      'a bus whose name only ends like ours',
      { EventBusName: `old-${BUS}` },
      'NotAuthorizedForSourceException',
    ],
    ['an entry without Detail', { Detail: undefined }, 'MalformedDetail'],
    ['an entry without Source', { Source: undefined }, 'MalformedDetail'],
  ])('fails the entry for %s and delivers only the others', async (_, overrides, errorCode) => {
    // Prepare
    const puts: PutRecord[] = [];
    events.onPut((record) => puts.push(record));
    // Act
    const answer = await put('us-east-1', [entry(1), entry(2, overrides), entry(3)]);
    await events.idle();
    // Assess
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries?.[1]).toMatchObject({ ErrorCode: errorCode });
    expect(answer.Entries?.[1]?.EventId).toBeUndefined();
    expect(answer.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.Entries?.[2]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(deliveredN().sort()).toEqual([1, 3]);
    expect(puts.map((p) => JSON.parse(p.entry.Detail ?? '{}').n)).toEqual([1, 3]);
  });

  it.each([
    ['us-east-1', 'us-east-1'],
    ['us-west-2', 'us-west-2'],
  ])('tells onPut listeners the region of a %s client and delivers there', async (clientRegion, region) => {
    // Prepare
    const puts: PutRecord[] = [];
    events.onPut((record) => puts.push(record));
    const time = new Date(Date.UTC(2026, 5, 7, 8, 9, 10, 11));
    // Act
    await put(clientRegion, [entry(5, { Time: time })]);
    await events.idle();
    // Assess
    expect(puts).toHaveLength(1);
    expect(puts[0]?.region).toBe(region);
    expect(puts[0]?.entry.Time).toBeInstanceOf(Date);
    expect(puts[0]?.entry.Time?.getTime()).toBe(time.getTime());
    expect(delivered.map(([r]) => r)).toEqual([region]);
  });

  it('stamps an entry without Time with the time it was put', async () => {
    // Prepare
    const puts: PutRecord[] = [];
    events.onPut((record) => puts.push(record));
    const before = Date.now();
    // Act
    await put('us-east-1', [entry(1)]);
    // Assess
    const stamped = puts[0]?.entry.Time?.getTime() ?? Number.NaN;
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(Date.now());
  });

  it('delivers every event twice with the duplicate fault, and once again when cleared', async () => {
    // Prepare
    events.setFaults({ duplicate: true });
    // Act
    await put('us-east-1', [entry(1), entry(2)]);
    await events.idle();
    const withFault = deliveredN().sort();
    events.setFaults({});
    await put('us-east-1', [entry(3)]);
    await events.idle();
    // Assess
    expect(withFault).toEqual([1, 1, 2, 2]);
    expect(deliveredN().slice(4)).toEqual([3]);
  });

  it('delivers in put order without faults', async () => {
    // Act
    await put('us-east-1', [entry(0), entry(1), entry(2), entry(3), entry(4)]);
    await events.idle();
    // Assess
    expect(deliveredN()).toEqual([0, 1, 2, 3, 4]);
  });

  it('reorders deliveries with maxDelayMs', async () => {
    // Prepare
    const sent = Array.from({ length: 20 }, (_, n) => n);
    events.setFaults({ maxDelayMs: 50 });
    // Act
    await put(
      'us-east-1',
      sent.map((n) => entry(n)),
    );
    await events.idle();
    // Assess
    // 20 random delays over 50 ms all in send order: about 1 chance in 10^16.
    expect(deliveredN()).not.toEqual(sent);
    expect(deliveredN().sort((a, b) => a - b)).toEqual(sent);
  });

  it('resolves idle() only once every started delivery has finished', async () => {
    // Prepare
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    let finished = 0;
    bus.on(targetOf('us-east-1'), async () => {
      started += 1;
      await gate;
      finished += 1;
    });
    events.setFaults({ maxDelayMs: 20 });
    await put('us-east-1', [entry(1), entry(2), entry(3)]);
    await vi.waitFor(() => expect(started).toBe(3));
    // Act
    let idle = false;
    const waiting = events.idle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const idleWhileBlocked = idle;
    release();
    await waiting;
    // Assess
    expect(idleWhileBlocked).toBe(false);
    expect(finished).toBe(3);
  });

  it('records a target failure in deliveryErrors after answering the put', async () => {
    // Prepare
    bus.on(targetOf('us-east-1'), async () => {
      throw new Error('quorum table unavailable');
    });
    // Act
    const answer = await put('us-east-1', [entry(1)]);
    await events.idle();
    // Assess
    expect(answer.FailedEntryCount).toBe(0);
    expect(events.deliveryErrors).toEqual(['quorum table unavailable']);
  });
});
