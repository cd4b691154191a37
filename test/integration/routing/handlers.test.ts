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
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    world = await startLocalWorld({ env: 'dev' });
    Object.assign(process.env, lambdaEnvironment(world.config, { sections: ['quorum', 'replication'] }), {
      AWS_REGION: A,
      DYNAMODB_ENDPOINT: world.region(A).endpoint,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    quorum = (await import('../../../functions/routing/quorum-handler.js')).handler as Handler;
    health = (await import('../../../functions/routing/health-endpoint.js')).handler as Handler;
  });
  afterAll(async () => {
    process.env = savedEnv;
    eventBridge.restore();
    await world?.stop();
  });
  beforeEach(async () => {
    await clearControl(world);
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
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
