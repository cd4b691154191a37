import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildEvent } from '../../../functions/shared/events.js';
import { alarmNames } from '../../../functions/shared/names.js';
import { lambdaEnvironment } from '../../../functions/shared/runtime-config.js';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';
import { lambdaContext } from '../../functions/shared/lambda-fixtures.js';
import { A, B, clearControl, OBSERVERS, SETTINGS, storeFor } from './quorum-fixtures.js';

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

function alarmChange(alarmName: string) {
  return {
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    id: 'cw-1',
    detail: { alarmName, state: { value: 'ALARM' }, previousState: { value: 'OK' } },
  };
}

function scheduled() {
  return { source: 'aws.events', 'detail-type': 'Scheduled Event', id: 'sch-1', detail: {} };
}

const urlRequest = {
  version: '2.0',
  routeKey: '$default',
  rawPath: '/',
  rawQueryString: '',
  headers: { host: 'example.lambda-url.us-east-1.on.aws' },
  isBase64Encoded: false,
  requestContext: { http: { method: 'GET', path: '/' } },
};

/** The deployed handlers (module scope and all), with ControlState on DynamoDB Local. */
describe('quorum and health endpoint handlers in us-east-1', () => {
  let world: LocalWorld;
  let quorum: Handler;
  let health: Handler;
  const eventBridge = mockClient(EventBridgeClient);
  const cloudWatch = mockClient(CloudWatchClient);
  const savedEnv = { ...process.env };
  const SBC_ALARM = 'sbc-5xx-us-east-1';
  /** DescribeAlarms answers: the user's trigger alarm in `state`, the backstop OK. */
  const alarmsIn = (state: 'OK' | 'ALARM') =>
    cloudWatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames?: string[] }) => ({
      MetricAlarms: (input.AlarmNames ?? []).map((name) => ({
        AlarmName: name,
        StateValue: name === SBC_ALARM ? state : 'OK',
        StateUpdatedTimestamp: new Date(Date.now() - 60_000),
      })),
    }));

  beforeAll(async () => {
    world = await startLocalWorld({ env: 'dev' });
    const failover = {
      triggers: [{ alarmName: SBC_ALARM, region: A, effect: 'exclude' as const, clearAfterSeconds: 0 }],
      replicationLatencyBackstop: true,
    };
    const config = { ...world.config, failover };
    Object.assign(
      process.env,
      lambdaEnvironment(config, { sections: ['quorum', 'replication', 'failover'] }),
      {
        AWS_REGION: A,
        DYNAMODB_ENDPOINT: world.region(A).endpoint,
        POWERTOOLS_METRICS_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      },
    );
    quorum = (await import('../../../functions/routing/quorum-handler.js')).handler as Handler;
    health = (await import('../../../functions/routing/health-endpoint.js')).handler as Handler;
  });
  afterAll(async () => {
    process.env = savedEnv;
    eventBridge.restore();
    cloudWatch.restore();
    await world?.stop();
  });
  beforeEach(async () => {
    await clearControl(world);
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    cloudWatch.reset();
    alarmsIn('OK');
  });

  /** Every vote healthy about both regions: only an alarm can take one out. */
  async function allHealthy(): Promise<void> {
    const store = storeFor(world, A);
    for (const target of [A, B])
      for (const observer of OBSERVERS)
        await store.putVote(
          { observer, targetRegion: target, healthy: true, incarnation: 1, seq: 1, occurredAtMs: Date.now() },
          SETTINGS.voteStaleMs,
        );
  }

  it('takes a region out on its trigger alarm, read from CloudWatch, and names the alarm in the decision', async () => {
    // Prepare
    await allHealthy();
    alarmsIn('ALARM');
    // Act
    await quorum(alarmChange(SBC_ALARM), lambdaContext());
    // Assess
    const stored = await storeFor(world, A).readDecision();
    expect(stored?.decision.inRotation).toEqual([B]);
    expect(stored?.decision.regions[A]).toMatchObject({ reason: 'AlarmTriggered', triggeredBy: [SBC_ALARM] });
    expect(stored?.explanation?.reasons[A]).toMatch(
      /^out: alarm sbc-5xx-us-east-1 in us-east-1 is ALARM since /,
    );
    const asked = cloudWatch
      .commandCalls(DescribeAlarmsCommand)
      .map((c) => c.args[0].input.AlarmNames?.sort());
    expect(asked.sort()).toEqual(
      [
        [alarmNames('dev').replicationLatency(A), SBC_ALARM].sort(),
        [alarmNames('dev').replicationLatency(B)],
      ].sort(),
    );
    const sent = eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(sent.map((e) => JSON.parse(e.Detail ?? '{}').reasons)).toEqual([
      { [A]: 'AlarmTriggered', [B]: 'Healthy' },
    ]);
  });

  it('heals a missed alarm state change at the next scheduled evaluation', async () => {
    // Prepare: the alarm went to ALARM but its event never came.
    await allHealthy();
    alarmsIn('ALARM');
    // Act
    await quorum(scheduled(), lambdaContext());
    // Assess
    expect((await storeFor(world, A).readDecision())?.decision.inRotation).toEqual([B]);
  });

  it('keeps the last verdict while CloudWatch throttles, and says so', async () => {
    // Prepare: out by the alarm, then CloudWatch refuses.
    await allHealthy();
    alarmsIn('ALARM');
    await quorum(scheduled(), lambdaContext());
    cloudWatch.reset();
    cloudWatch
      .on(DescribeAlarmsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    // Act
    await quorum(scheduled(), lambdaContext());
    // Assess
    const stored = await storeFor(world, A).readDecision();
    expect(stored?.decision.inRotation).toEqual([B]);
    expect(stored?.explanation?.conditions.map((c) => c.type)).toContain('TriggerUnreadable');
  });

  it('re-evaluates at once on a SIP-health alarm state change and announces the change', async () => {
    // Prepare: votes that take us-east-1 out are stored, but nothing has evaluated them yet.
    const store = storeFor(world, A);
    for (const observer of OBSERVERS) {
      await store.putVote(
        { observer, targetRegion: A, healthy: false, incarnation: 1, seq: 1, occurredAtMs: Date.now() },
        SETTINGS.voteStaleMs,
      );
    }
    // Act
    await quorum(alarmChange(alarmNames('dev').sipHealth(A)), lambdaContext());
    const answer = (await health(urlRequest, lambdaContext())) as { statusCode: number; body: string };
    // Assess
    const sent = eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(sent.map((e) => [e.DetailType, JSON.parse(e.Detail ?? '{}').inRotation])).toEqual([
      ['RegionRotationChanged', [B]],
    ]);
    expect((await store.readDecision())?.decision.epoch).toBe(1);
    expect(answer.statusCode).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ region: A, inRotation: false, reason: 'SipUnhealthy' });
  });

  it('stores a vote that arrives while ControlState writes are throttled for seconds, without failing', async () => {
    // Prepare: throttling outlasts the five race attempts (about 0.3 s of back-off) several times over.
    const entry = buildEvent(
      'RegionHealthVote',
      {
        observer: OBSERVERS[0],
        targetRegion: A,
        healthy: false,
        healthyTargets: 0,
        totalTargets: 2,
        incarnation: 1,
        seq: 1,
        reason: 'edges answer 503',
      },
      { originRegion: A, now: Date.now(), eventBusName: 'continuity-dev' },
    );
    const event = {
      source: entry.Source,
      'detail-type': entry.DetailType,
      id: 'eb-1',
      detail: JSON.parse(entry.Detail),
    };
    world
      .region(A)
      .setFaults({ throttle: true, throttleWritesOnly: true, throttleTables: [world.tables.controlState] });
    const lifted = new Promise<void>((resolve) =>
      setTimeout(() => {
        world.region(A).setFaults({});
        resolve();
      }, 1500),
    );
    try {
      // Act
      await quorum(event, lambdaContext());
    } finally {
      await lifted;
    }
    // Assess
    const votes = await storeFor(world, A).readVotes([A]);
    expect(votes.map((v) => [v.observer, v.healthy, v.seq])).toEqual([[OBSERVERS[0], false, 1]]);
  });

  it('ignores the state changes of alarms it does not watch', async () => {
    // Act
    await quorum(alarmChange('someone-elses-alarm'), lambdaContext());
    // Assess
    expect(await storeFor(world, A).readDecision()).toBeNull();
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 200 with the region, in rotation and reason only', async () => {
    // Act
    const answer = (await health(urlRequest, lambdaContext())) as { statusCode: number; body: string };
    // Assess
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ region: A, inRotation: true, reason: 'NoDecisionYet' });
  });
});
