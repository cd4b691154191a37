import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryTokenStore } from '../../../functions/oauth/token-store.js';
import { ingestPartnerEvent } from '../../../functions/routing/capacity/ingest.js';
import { type ReconcileDeps, reconcileRegion } from '../../../functions/routing/capacity/reconcile.js';
import { dynamoDirectoryStore } from '../../../functions/routing/directory/store.js';
import { secretNames } from '../../../functions/shared/names.js';
import { lambdaEnvironment } from '../../../functions/shared/runtime-config.js';
import { scheduledEvent } from '../../../local/drill/oauth-access.js';
import type { LocalWorld } from '../../../local/dynamo/world.js';
import { AGGREGATES_PATH, type LocalQueueMember } from '../../../local/platform/server.js';
import { EAST, type Harness, startHarness, WEST } from '../../functions/oauth/harness.js';
import {
  about,
  at,
  fixture,
  FIXTURE_QUEUE as Q1,
  FIXTURE_USER as USER,
} from '../../functions/routing/capacity/fixtures.js';
import { lambdaContext } from '../../functions/shared/lambda-fixtures.js';
import { capacityFor } from './capacity-fixtures.js';
import { A, B, BUDGET_MS, useControlWorld } from './quorum-fixtures.js';

const OTHER = '66666666-6666-6666-6666-666666666666';
const THIRD = '77777777-7777-7777-7777-777777777777';
const Q2 = '88888888-8888-8888-8888-888888888888';
const QB = '99999999-9999-9999-9999-999999999999';
const iso = (ms: number) => new Date(ms).toISOString();

const member = (userId: string, status: string, startTime: number, skills: Record<string, number>) =>
  ({
    userId,
    joined: true,
    routingStatus: { status, startTime: iso(startTime) },
    skills: Object.entries(skills).map(([name, proficiency]) => ({ name, proficiency })),
  }) satisfies LocalQueueMember;

describe('capacity reconciliation against the local platform stand-in', () => {
  let world: LocalWorld;
  let h: Harness;
  let deps: ReconcileDeps;
  let capacity: ReturnType<typeof capacityFor>;
  useControlWorld((w) => {
    world = w;
  });
  beforeAll(async () => {
    h = await startHarness({ store: memoryTokenStore() });
  });
  afterAll(async () => {
    await h?.stop();
  });
  beforeEach(async () => {
    capacity = capacityFor(world, A);
    const directory = dynamoDirectoryStore({
      doc: capacity.doc,
      tableName: world.tables.controlState,
      budgetMs: BUDGET_MS,
    });
    const put = { by: 'test', now: h.clock.t };
    await directory.put(
      {
        name: 'PRIMARY_SUPPORT_QUEUE',
        regions: {
          [A]: { queueId: Q1, transferAddress: 'tel:+15551230000' },
          [B]: { queueId: QB, transferAddress: 'tel:+15551230001' },
        },
        skills: [],
      },
      put,
    );
    await directory.put(
      {
        name: 'BILLING_QUEUE',
        regions: { [A]: { queueId: Q2, transferAddress: 'tel:+15551230002' } },
        skills: [],
      },
      put,
    );
    for (const org of ['east', 'west']) for (const q of [Q1, Q2, QB]) h.platform.setQueue(org, q, null);
    h.platform.failApi('east', null);
    deps = {
      region: A,
      orgs: [{ name: 'east', client: h.client(EAST, A) }],
      directory,
      reader: capacity.reader,
      writer: capacity.writer,
      now: () => h.clock.t,
    };
  });

  const ingest = async (...events: ReturnType<typeof fixture>[]) => {
    for (const e of events)
      await ingestPartnerEvent(e, { region: A, writer: capacity.writer, count: () => undefined });
  };

  it('repairs a snapshot that missed events: joins, leaves, statuses, skills, waiting and handle time', async () => {
    // Prepare: the events left USER idle, OTHER joined (its leave was missed) and THIRD absent (its join missed)
    const t = h.clock.t;
    await ingest(
      at(fixture('queue-user-joined'), iso(t - 600_000)),
      at(fixture('presence-on-queue'), iso(t - 600_000)),
      at(fixture('routing-status-idle'), iso(t - 590_000)),
      at(about(fixture('queue-user-joined'), { user: OTHER }), iso(t - 600_000)),
    );
    h.platform.setQueue('east', Q1, {
      members: [
        member(USER, 'INTERACTING', t - 60_000, { billing: 4 }),
        member(THIRD, 'IDLE', t - 30_000, { billing: 2, french: 5 }),
      ],
      observed: { oWaiting: 3, oInteracting: 1, oOnQueueUsers: 2 },
      handle: { sum: 240_784, count: 2 },
    });
    // Act
    const report = await reconcileRegion(deps);
    // Assess
    expect(await capacity.reader.read(A, Q1)).toEqual({
      region: A,
      queueId: Q1,
      members: [
        { userId: USER, routingStatus: 'INTERACTING', onQueue: true, skills: { billing: 4 } },
        { userId: THIRD, routingStatus: 'IDLE', onQueue: null, skills: { billing: 2, french: 5 } },
      ],
      waiting: 3,
      handleTimeMs: 120_392,
      observedAt: t,
    });
    expect(report.queues).toMatchObject([{ queueId: Q1, org: 'east', listed: 2, joined: 2, observed: true }]);
    // THIRD's presence is not known (no presence event, and the members API has none): counted on queue.
    expect(report.queues[0]?.summary).toEqual({
      onQueue: 2,
      idle: 1,
      interacting: 1,
      idleBySkill: { billing: { '2': 1 }, french: { '5': 1 } },
      waiting: 3,
    });
    // BILLING_QUEUE's platform queue is not in the org: reported, not written. B's queue is not A's to reconcile.
    expect(report.failures).toEqual([
      { queueId: Q2, org: 'east', reason: expect.stringMatching(/answered 404/) },
    ]);
    expect((await capacity.reader.read(A, Q2)).observedAt).toBeNull();
    expect((await capacity.reader.read(A, QB)).observedAt).toBeNull();
  });

  it('lets an event newer than the reconciliation win, and not an older one', async () => {
    // Prepare: reconciled at t with USER joined and idle since t - 60 s
    const t = h.clock.t;
    h.platform.setQueue('east', Q1, { members: [member(USER, 'IDLE', t - 60_000, {})] });
    await reconcileRegion(deps);
    // Act: a leave sent before t arrives late, and a status that started after t
    await ingest(
      at(fixture('queue-user-left'), iso(t - 10_000)),
      at(fixture('routing-status-interacting'), iso(t + 1_500)),
    );
    const afterEvents = (await capacity.reader.read(A, Q1)).members;
    // the next run still sees the status that started at t - 60 s
    h.clock.t = t + 60_000;
    await reconcileRegion(deps);
    // Assess
    const interacting = [{ userId: USER, routingStatus: 'INTERACTING', onQueue: null, skills: {} }];
    expect(afterEvents).toEqual(interacting);
    expect((await capacity.reader.read(A, Q1)).members).toEqual(interacting);
  });

  it('keeps the handle time measured before when the aggregates query fails, and says why', async () => {
    // Prepare
    const t = h.clock.t;
    h.platform.setQueue('east', Q1, {
      members: [],
      observed: { oWaiting: 1 },
      handle: { sum: 300_000, count: 1 },
    });
    await reconcileRegion(deps);
    h.platform.setQueue('east', Q1, {
      members: [],
      observed: { oWaiting: 4 },
      handle: { sum: 100_000, count: 1 },
    });
    h.platform.failApi('east', { status: 503, path: AGGREGATES_PATH });
    h.clock.t = t + 60_000;
    // Act
    const report = await reconcileRegion(deps);
    // Assess
    const snapshot = await capacity.reader.read(A, Q1);
    expect([snapshot.waiting, snapshot.handleTimeMs, snapshot.observedAt]).toEqual([4, 300_000, t + 60_000]);
    expect(report.failures.filter((f) => f.queueId === Q1)).toEqual([
      { queueId: Q1, org: 'east', reason: expect.stringMatching(/aggregates\/query.* answered 503/) },
    ]);
  });

  it("reconciles a queue with the region's org that has it when the region takes two orgs' callers", async () => {
    // Prepare
    h.platform.setQueue('west', Q1, {
      members: [member(THIRD, 'IDLE', h.clock.t - 5_000, {})],
      observed: { oWaiting: 2 },
    });
    const orgs = [...deps.orgs, { name: 'west', client: h.client(WEST, A) }];
    // Act
    const report = await reconcileRegion({ ...deps, orgs });
    // Assess
    expect(report.queues.map((q) => [q.queueId, q.org])).toEqual([[Q1, 'west']]);
    const snapshot = await capacity.reader.read(A, Q1);
    expect([snapshot.members.map((m) => m.userId), snapshot.waiting]).toEqual([[THIRD], 2]);
  });

  describe('the deployed reconcile handler', () => {
    const secrets = mockClient(SecretsManagerClient);
    const savedEnv = { ...process.env };
    let handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

    beforeAll(async () => {
      const names = secretNames(world.config.env);
      const east = h.secrets[EAST.clientSecretName];
      secrets.on(GetSecretValueCommand, { SecretId: names.platformClient('east') }).resolves({
        SecretString: JSON.stringify({ clientId: east?.clientId, clientSecret: east?.clientSecret }),
        VersionId: 'v1',
      });
      secrets.on(GetSecretValueCommand, { SecretId: names.platformTokenKey }).resolves({
        SecretString: JSON.stringify({ keys: [randomBytes(48).toString('base64')] }),
        VersionId: 'k1',
      });
      Object.assign(
        process.env,
        lambdaEnvironment(world.config, { sections: ['quorum', 'routing', 'platform'] }),
        {
          AWS_REGION: A,
          DYNAMODB_ENDPOINT: world.region(A).endpoint,
          PLATFORM_BASE_URL: h.platform.endpoint,
        },
      );
      handler = (await import('../../../functions/routing/capacity/reconcile-handler.js'))
        .handler as typeof handler;
    });
    afterAll(() => {
      process.env = savedEnv;
      secrets.restore();
    });

    it("reconciles the region's queues with the org of its region on the schedule, logging no token", async () => {
      // Prepare: dev config's org east (mypurecloud.com) takes us-east-1's callers
      h.platform.setQueue('east', Q1, {
        members: [member(THIRD, 'IDLE', h.clock.t, { billing: 3 })],
        observed: { oWaiting: 5 },
      });
      // Act
      await handler(scheduledEvent(A, Date.now(), 'reconcile-1'), lambdaContext('capacity-reconcile'));
      // Assess
      const snapshot = await capacity.reader.read(A, Q1);
      expect([snapshot.members, snapshot.waiting]).toEqual([
        [{ userId: THIRD, routingStatus: 'IDLE', onQueue: null, skills: { billing: 3 } }],
        5,
      ]);
      // Its log lines were captured (the leak check reads them) and hold no token.
      expect(h.output.lines.some((line) => line.includes('"capacity reconciled"'))).toBe(true);
      expect(h.platform.issuedTokens().length).toBeGreaterThan(0);
      expect(h.leaks()).toEqual([]);
    });

    it('rejects an event that is not its schedule', async () => {
      const error = await handler(fixture('routing-status-idle'), lambdaContext()).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'EventValidationError' });
    });
  });
});
