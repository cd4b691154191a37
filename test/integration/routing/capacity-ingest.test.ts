import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControlUnavailable } from '../../../functions/routing/budget.js';
import { type IngestDeps, ingestPartnerEvent } from '../../../functions/routing/capacity/ingest.js';
import { INGEST_METRICS } from '../../../functions/routing/capacity/metrics.js';
import { PartnerEventError } from '../../../functions/routing/capacity/partner-events.js';
import { lambdaEnvironment } from '../../../functions/shared/runtime-config.js';
import type { LocalWorld } from '../../../local/dynamo/world.js';
import { captureOutput } from '../../functions/oauth/harness.js';
import {
  about,
  at,
  fixture,
  type PartnerEventJson,
  FIXTURE_QUEUE as QUEUE,
  FIXTURE_USER as USER,
} from '../../functions/routing/capacity/fixtures.js';
import { lambdaContext } from '../../functions/shared/lambda-fixtures.js';
import { capacityFor, controlItems, shuffled } from './capacity-fixtures.js';
import { A, B, clearControl, useControlWorld } from './quorum-fixtures.js';

const OTHER = '66666666-6666-6666-6666-666666666666';

describe('capacity ingest on local ControlState', () => {
  let world: LocalWorld;
  let counted: string[];
  let deps: IngestDeps;
  let capacity: ReturnType<typeof capacityFor>;
  useControlWorld((w) => {
    world = w;
  });
  beforeEach(() => {
    counted = [];
    capacity = capacityFor(world, A);
    deps = { region: A, writer: capacity.writer, count: (m) => counted.push(m) };
  });

  const ingest = async (...events: PartnerEventJson[]) => {
    for (const event of events) await ingestPartnerEvent(event, deps);
  };
  const members = async () => (await capacity.reader.read(A, QUEUE)).members;

  it('updates the snapshot from membership, presence and routing status events', async () => {
    // Act + Assess, step by step
    await ingest(at(fixture('queue-user-joined'), '2026-03-01T10:00:00.000Z'));
    expect(await members()).toEqual([{ userId: USER, routingStatus: null, onQueue: null, skills: {} }]);

    await ingest(at(fixture('presence-on-queue'), '2026-03-01T10:00:01.000Z'));
    await ingest(at(fixture('routing-status-idle'), '2026-03-01T10:00:02.000Z'));
    expect(await members()).toEqual([{ userId: USER, routingStatus: 'IDLE', onQueue: true, skills: {} }]);

    await ingest(at(fixture('routing-status-interacting'), '2026-03-01T10:00:30.000Z'));
    await ingest(at(fixture('presence-break'), '2026-03-01T10:05:00.000Z'));
    expect(await members()).toEqual([
      { userId: USER, routingStatus: 'INTERACTING', onQueue: false, skills: {} },
    ]);

    await ingest(at(fixture('queue-user-left'), '2026-03-01T10:06:00.000Z'));
    expect(await members()).toEqual([]);
    expect(counted.every((m) => m === INGEST_METRICS.applied)).toBe(true);
  });

  it('brings the status and presence that came before a join onto the member', async () => {
    // Prepare: the agent was already on queue and idle (another queue's member, say)
    await ingest(
      at(fixture('presence-on-queue'), '2026-03-01T10:00:00.000Z'),
      at(fixture('routing-status-idle'), '2026-03-01T10:00:01.000Z'),
    );
    // Act
    await ingest(at(fixture('queue-user-joined'), '2026-03-01T10:00:02.000Z'));
    // Assess
    expect(await members()).toEqual([{ userId: USER, routingStatus: 'IDLE', onQueue: true, skills: {} }]);
  });

  it('updates the member items of every queue the agent joined on one status event', async () => {
    // Prepare
    const second = '99999999-9999-9999-9999-999999999999';
    await ingest(
      at(fixture('queue-user-joined'), '2026-03-01T10:00:00.000Z'),
      at(about(fixture('queue-user-joined'), { queue: second }), '2026-03-01T10:00:00.000Z'),
    );
    // Act
    await ingest(at(fixture('routing-status-interacting'), '2026-03-01T10:00:10.000Z'));
    // Assess
    const statuses = await Promise.all(
      [QUEUE, second].map(async (q) =>
        (await capacity.reader.read(A, q)).members.map((m) => m.routingStatus),
      ),
    );
    expect(statuses).toEqual([['INTERACTING'], ['INTERACTING']]);
  });

  it('leaves the snapshot unchanged for duplicates and for any order of the same events', async () => {
    // Prepare: two agents' histories, the snapshot they give in order
    const history = [
      at(fixture('presence-on-queue'), '2026-03-01T10:00:00.000Z'),
      at(fixture('queue-user-joined'), '2026-03-01T10:00:01.000Z'),
      at(fixture('routing-status-idle'), '2026-03-01T10:00:02.000Z'),
      at(fixture('routing-status-interacting'), '2026-03-01T10:00:40.000Z'),
      at(about(fixture('queue-user-joined'), { user: OTHER }), '2026-03-01T10:00:03.000Z'),
      at(about(fixture('presence-on-queue'), { user: OTHER }), '2026-03-01T10:00:04.000Z'),
      at(about(fixture('routing-status-idle'), { user: OTHER }), '2026-03-01T10:00:05.000Z'),
      at(about(fixture('presence-break'), { user: OTHER }), '2026-03-01T10:01:00.000Z'),
      at(about(fixture('queue-user-left'), { user: OTHER }), '2026-03-01T10:02:00.000Z'),
      at(about(fixture('queue-user-joined'), { user: OTHER }), '2026-03-01T10:03:00.000Z'),
    ];
    await ingest(...history);
    const expected = await capacity.reader.read(A, QUEUE);
    expect(expected.members).toEqual([
      { userId: USER, routingStatus: 'INTERACTING', onQueue: true, skills: {} },
      { userId: OTHER, routingStatus: 'IDLE', onQueue: false, skills: {} },
    ]);

    // Act + Assess: the same events delivered again, then reversed and shuffled with every one twice
    counted = [];
    await ingest(...history);
    expect(await capacity.reader.read(A, QUEUE)).toEqual(expected);
    expect(counted).toEqual(history.map(() => INGEST_METRICS.stale));
    for (const order of [[...history].reverse(), ...[1, 2, 3, 4].map((seed) => shuffled(history, seed))]) {
      await clearControl(world);
      await ingest(...shuffled([...order, ...order], order.length));
      expect(await capacity.reader.read(A, QUEUE)).toEqual(expected);
    }
  });

  it('lets no older event undo a newer one', async () => {
    // Prepare
    await ingest(
      at(fixture('queue-user-left'), '2026-03-01T10:10:00.000Z'),
      at(fixture('routing-status-interacting'), '2026-03-01T10:10:00.000Z'),
    );
    // Act: a join and an idle status from before them arrive late
    await ingest(
      at(fixture('queue-user-joined'), '2026-03-01T10:00:00.000Z'),
      at(fixture('routing-status-idle'), '2026-03-01T10:00:00.000Z'),
    );
    await ingest(at(fixture('queue-user-joined'), '2026-03-01T10:11:00.000Z'));
    // Assess: joined again only by the newer join, still interacting
    expect(await members()).toEqual([
      { userId: USER, routingStatus: 'INTERACTING', onQueue: null, skills: {} },
    ]);
    expect(counted).toEqual([
      INGEST_METRICS.applied,
      INGEST_METRICS.applied,
      INGEST_METRICS.stale,
      INGEST_METRICS.stale,
      INGEST_METRICS.applied,
    ]);
  });

  it('counts and drops a topic it does not handle, writing nothing', async () => {
    // Act
    const outcome = await ingestPartnerEvent(fixture('user-activity'), deps);
    // Assess
    expect(outcome).toMatchObject({ kind: 'unknown', detailType: 'v2.users.{id}.activity' });
    expect(counted).toEqual([INGEST_METRICS.dropped]);
    expect(await controlItems(world)).toEqual([]);
  });

  it('rejects a malformed event with its reason and writes nothing', async () => {
    // Prepare
    const event = fixture('queue-user-joined');
    delete event.detail.eventBody.joined;
    // Act
    const error = await ingestPartnerEvent(event, deps).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(PartnerEventError);
    expect((error as Error).message).toMatch(/eventBody\.joined/);
    expect(counted).toEqual([]);
    expect(await controlItems(world)).toEqual([]);
  });

  it("keeps each region's snapshots apart", async () => {
    // Act
    await ingest(at(fixture('queue-user-joined'), '2026-03-01T10:00:00.000Z'));
    // Assess
    expect((await capacityFor(world, B).reader.read(B, QUEUE)).members).toEqual([]);
    expect((await capacityFor(world, B).reader.read(A, QUEUE)).members).toHaveLength(1);
  });

  it('fails with ControlUnavailable when the region has lost quorum, so the event is retried', async () => {
    // Prepare
    world.partition(A);
    // Act
    const error = await ingestPartnerEvent(fixture('routing-status-idle'), deps).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ControlUnavailable);
  });

  describe('the deployed ingest handler', () => {
    const savedEnv = { ...process.env };
    let handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
    let output: ReturnType<typeof captureOutput>;

    beforeAll(async () => {
      Object.assign(process.env, lambdaEnvironment(world.config, { sections: ['quorum'] }), {
        AWS_REGION: A,
        DYNAMODB_ENDPOINT: world.region(A).endpoint,
      });
      handler = (await import('../../../functions/routing/capacity/ingest-handler.js'))
        .handler as typeof handler;
    });
    beforeEach(() => {
      output = captureOutput();
    });
    afterEach(() => {
      output.restore();
    });
    afterAll(() => {
      process.env = savedEnv;
    });

    /** The metric names of the EMF lines the handler wrote. */
    const metricsWritten = () =>
      output.lines.flatMap((line) => {
        const names = /"Metrics":\[(.*?)\]/.exec(line)?.[1] ?? '';
        return [...names.matchAll(/"Name":"(\w+)"/g)].map((m) => m[1]);
      });

    it('stores a capacity event and counts it', async () => {
      await handler(
        at(fixture('queue-user-joined'), '2026-03-01T10:00:00.000Z'),
        lambdaContext('capacity-ingest'),
      );
      expect(await members()).toHaveLength(1);
      expect(metricsWritten()).toContain(INGEST_METRICS.applied);
    });

    it('acknowledges and counts a topic it does not handle', async () => {
      await expect(
        handler(fixture('user-activity'), lambdaContext('capacity-ingest')),
      ).resolves.toBeUndefined();
      expect(metricsWritten()).toContain(INGEST_METRICS.dropped);
      expect(await controlItems(world)).toEqual([]);
    });

    it('throws on a malformed event, so Lambda retries it and then its failure destination keeps it', async () => {
      const event = fixture('routing-status-idle');
      (event.detail.eventBody.routingStatus as { status: string }).status = 'DANCING';
      const error = await handler(event, lambdaContext('capacity-ingest')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PartnerEventError);
      expect((error as Error).message).toMatch(
        /^malformed v2\.users\.\{id\}\.routingStatus event: eventBody\.routingStatus\.status/,
      );
    });
  });
});
