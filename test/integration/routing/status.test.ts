import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetHealthCheckStatusCommand,
  type HealthCheck,
  ListHealthChecksCommand,
  ListTagsForResourcesCommand,
  Route53Client,
  ThrottlingException,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cloudWatchAlarmReader } from '../../../functions/routing/alarm-states.js';
import { applyOperatorAction } from '../../../functions/routing/operator.js';
import type { TriggerSpec } from '../../../functions/routing/quorum/triggers.js';
import { evaluate } from '../../../functions/routing/quorum-service.js';
import { formatExplain } from '../../../functions/routing/status/explain.js';
import { formatStatus } from '../../../functions/routing/status/format.js';
import { statusJson } from '../../../functions/routing/status/json.js';
import { readStatus } from '../../../functions/routing/status/report.js';
import { route53StatusReader } from '../../../functions/routing/status/route53-status.js';
import { HEALTH_CHECK_TAGS } from '../../../functions/shared/names.js';
import type { LocalWorld } from '../../../local/dynamo/world.js';
import { cli } from '../../support/cli.js';
import { A, B, depsFor, OBSERVERS, SETTINGS, storeFor, useControlWorld } from './quorum-fixtures.js';

const route53 = mockClient(Route53Client);
const cloudWatch = mockClient(CloudWatchClient);
const TRIGGER: TriggerSpec = {
  alarmName: 'carrier-sbc-5xx',
  alarmRegion: B,
  region: B,
  clearAfterMs: 0,
  onlyWhenMonitorSilent: false,
  source: 'config',
};

/** The Dns stack's checks of both regions as Route 53 lists them, tagged as the stack tags them. */
function givenRoute53(checkers: Record<string, number | Error>): void {
  const checks: HealthCheck[] = [];
  const tags = new Map<string, Record<string, string>>();
  for (const region of [A, B]) {
    const id = (role: string) => `${region}-${role}`;
    checks.push(
      {
        Id: id('endpoint'),
        CallerReference: 'c',
        HealthCheckVersion: 1,
        HealthCheckConfig: { Type: 'HTTPS' },
      },
      {
        Id: id('sip-alarm'),
        CallerReference: 'c',
        HealthCheckVersion: 1,
        HealthCheckConfig: { Type: 'CLOUDWATCH_METRIC' },
      },
      {
        Id: id('region'),
        CallerReference: 'c',
        HealthCheckVersion: 1,
        HealthCheckConfig: {
          Type: 'CALCULATED',
          ChildHealthChecks: [id('endpoint'), id('sip-alarm')],
          HealthThreshold: 2,
        },
      },
    );
    for (const role of ['endpoint', 'sip-alarm', 'region'])
      tags.set(id(role), {
        [HEALTH_CHECK_TAGS.env]: 'dev',
        [HEALTH_CHECK_TAGS.region]: region,
        [HEALTH_CHECK_TAGS.check]: role,
      });
  }
  route53
    .on(ListHealthChecksCommand)
    .resolves({ HealthChecks: checks, IsTruncated: false, Marker: '', MaxItems: 100 });
  route53.on(ListTagsForResourcesCommand).callsFake((input: { ResourceIds: string[] }) => ({
    ResourceTagSets: input.ResourceIds.map((ResourceId) => ({
      ResourceId,
      ResourceType: 'healthcheck',
      Tags: Object.entries(tags.get(ResourceId) ?? {}).map(([Key, Value]) => ({ Key, Value })),
    })),
  }));
  route53.on(GetHealthCheckStatusCommand).resolves(observations(16));
  for (const [id, up] of Object.entries(checkers)) {
    if (up instanceof Error) route53.on(GetHealthCheckStatusCommand, { HealthCheckId: id }).rejects(up);
    else route53.on(GetHealthCheckStatusCommand, { HealthCheckId: id }).resolves(observations(up));
  }
}

/** 16 checkers, `up` of them reporting success. */
function observations(up: number) {
  return {
    HealthCheckObservations: Array.from({ length: 16 }, (_, i) => ({
      Region: 'us-west-1' as const,
      IPAddress: `15.177.2.${i}`,
      StatusReport: {
        Status: i < up ? 'Success: HTTP Status Code 200, OK' : 'Failure: HTTP Status Code 503',
      },
    })),
  };
}

function givenAlarm(state: 'OK' | 'ALARM', since: Date): void {
  cloudWatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [{ AlarmName: TRIGGER.alarmName, StateValue: state, StateUpdatedTimestamp: since }],
  });
}

const alarmReader = (errors = new Map<string, string>()) =>
  cloudWatchAlarmReader({
    clientFor: (r) => new CloudWatchClient({ region: r, maxAttempts: 1 }),
    budgetMs: 2000,
    onError: (r, e) => errors.set(r, `${e.name}: ${e.message}`),
  });

describe('cc-continuity status against local ControlState and Route 53', () => {
  let world: LocalWorld;
  useControlWorld((w) => {
    world = w;
  });
  beforeEach(() => {
    route53.reset();
    cloudWatch.reset();
    givenAlarm('OK', new Date(Date.now() - 3_600_000));
  });

  async function healthyVotes(now: number): Promise<void> {
    const store = storeFor(world, A);
    for (const target of [A, B])
      for (const observer of OBSERVERS)
        await store.putVote(
          { observer, targetRegion: target, healthy: true, incarnation: 1, seq: 1, occurredAtMs: now },
          SETTINGS.voteStaleMs,
        );
  }

  async function status(now: number, errors = new Map<string, string>()) {
    const report = await readStatus({
      store: storeFor(world, A),
      settings: SETTINGS,
      env: 'dev',
      dns: route53StatusReader({ client: new Route53Client({ region: 'us-east-1', maxAttempts: 1 }) }),
      triggers: { specs: [TRIGGER], reader: alarmReader(errors), unreadable: (r) => errors.get(r) },
      now,
    });
    return { text: formatStatus(report, SETTINGS, now), json: statusJson(report, SETTINGS, now) };
  }

  it('says DNS agrees when both regions are in and both health checks are healthy', async () => {
    // Prepare
    const now = Date.now();
    await healthyVotes(now);
    await evaluate(depsFor(world, A), now);
    givenRoute53({});
    // Act
    const { text, json } = await status(now);
    // Assess
    expect(text).toContain(
      'route 53: healthy (2 of 2 child checks healthy, 2 needed; endpoint: healthy in 16 of 16 checkers; sip-alarm: healthy in 16 of 16 checkers)',
    );
    expect(text).toContain(
      'dns: agrees: DNS sends callers to us-west-2, as the decision includes it (Healthy)',
    );
    expect(text).not.toMatch(/DNS still|DNS does not|unknown/);
    expect(json.disagreements).toEqual([]);
    expect(json.regions[B]?.dns).toMatchObject({ healthy: true, sendsCallers: true, agreement: 'agree' });
    expect(json.regions[B]?.dns.checks).toContainEqual(
      expect.objectContaining({ role: 'endpoint', healthyCheckers: 16, checkers: 16 }),
    );
  });

  it('says plainly when DNS still sends callers to a region the decision excludes', async () => {
    // Prepare
    const now = Date.now();
    await healthyVotes(now);
    await applyOperatorAction(
      depsFor(world, A),
      { kind: 'drain', region: B, by: 'ana', reason: 'carrier' },
      now,
    );
    givenRoute53({});
    // Act
    const { text, json } = await status(now);
    // Assess
    expect(text).toContain('us-west-2: OUT (Drained)');
    expect(text).toContain(
      'DNS still sends callers to us-west-2: its health check is healthy (endpoint: healthy in 16 of 16 checkers; sip-alarm: healthy in 16 of 16 checkers) although the decision excludes it (Drained)',
    );
    expect(json.disagreements).toEqual([
      {
        region: B,
        kind: 'dns-sends-excluded',
        message: expect.stringContaining('DNS still sends callers to us-west-2'),
      },
    ]);
  });

  it('says plainly when DNS does not send callers to a region the decision includes', async () => {
    // Prepare
    const now = Date.now();
    await healthyVotes(now);
    await evaluate(depsFor(world, A), now);
    givenRoute53({ [`${B}-endpoint`]: 0 });
    // Act
    const { text, json } = await status(now);
    // Assess
    expect(text).toContain('route 53: unhealthy (1 of 2 child checks healthy, 2 needed');
    expect(text).toContain(
      'DNS does not send callers to us-west-2: its health check is unhealthy (endpoint: healthy in 0 of 16 checkers; sip-alarm: healthy in 16 of 16 checkers) although the decision includes it (Healthy)',
    );
    expect(json.regions[B]?.dns).toMatchObject({
      healthy: false,
      sendsCallers: false,
      agreement: 'dns-skips-included',
    });
    expect(json.regions[A]?.dns.agreement).toBe('agree');
  });

  it('shows a health check it cannot read as unknown, with why, and still prints the rest', async () => {
    // Prepare
    const now = Date.now();
    await healthyVotes(now);
    await evaluate(depsFor(world, A), now);
    givenRoute53({
      [`${B}-sip-alarm`]: new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }),
    });
    // Act
    const { text, json } = await status(now);
    // Assess
    expect(text).toContain(
      'route 53: unknown (1 of 2 child checks healthy, 2 needed; sip-alarm: throttled by Route 53 (Rate exceeded))',
    );
    expect(text).toMatch(/DNS for us-west-2 unknown \(.*Rate exceeded\)\): cannot tell whether it agrees/);
    expect(text).toContain('vote from us-east-2: healthy, seq 1');
    expect(json.regions[B]?.dns).toMatchObject({ healthy: null, sendsCallers: null, agreement: 'unknown' });
  });

  it('shows every region unknown when Route 53 cannot be listed at all', async () => {
    const now = Date.now();
    route53
      .on(ListHealthChecksCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    const { text, json } = await status(now);
    expect(text).toContain('rotation: no decision stored yet');
    expect(text).toContain(
      'route 53: unknown (Route 53 health checks could not be listed: throttled by Route 53 (Rate exceeded))',
    );
    expect(json.disagreements.map((d) => d.kind)).toEqual(['unknown', 'unknown']);
  });

  it('shows the trigger alarms, the one holding a region out, and DNS that has not followed yet', async () => {
    // Prepare: the carrier alarm of B fires; quorum (with the same reader) takes B out
    const now = Date.now();
    const since = new Date(now - 60_000);
    await healthyVotes(now);
    givenAlarm('ALARM', since);
    await evaluate({ ...depsFor(world, A), triggers: { specs: [TRIGGER], reader: alarmReader() } }, now);
    givenRoute53({});
    // Act
    const { text, json } = await status(now);
    // Assess
    expect(text).toContain('us-west-2: OUT (AlarmTriggered)');
    expect(text).toContain(
      `trigger carrier-sbc-5xx (us-west-2, config): ALARM since ${since.toISOString()} (60 s ago); holding us-west-2 out`,
    );
    expect(text).toMatch(/us-east-1: IN \(Healthy\)[\s\S]*triggers: none/);
    expect(text).toContain('DNS still sends callers to us-west-2');
    expect(text).toContain('although the decision excludes it (AlarmTriggered)');
    expect(json.regions[B]?.triggeredBy).toEqual(['carrier-sbc-5xx']);
    expect(json.regions[B]?.triggers).toEqual([
      {
        alarmName: 'carrier-sbc-5xx',
        alarmRegion: B,
        source: 'config',
        state: 'ALARM',
        since: since.toISOString(),
        unknown: null,
        holdingOut: true,
      },
    ]);
  });

  it('shows a trigger alarm it cannot read as unknown, with why', async () => {
    const now = Date.now();
    cloudWatch
      .on(DescribeAlarmsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    givenRoute53({});
    const { text, json } = await status(now);
    expect(text).toContain(
      'trigger carrier-sbc-5xx (us-west-2, config): unknown (Throttling: Rate exceeded)',
    );
    expect(json.regions[B]?.triggers[0]).toMatchObject({
      state: 'UNKNOWN',
      unknown: 'Throttling: Rate exceeded',
    });
  });

  it('explains the decision from the rule’s explanation: reasons, votes, lag, triggers, overrides, conditions', async () => {
    // Prepare: B's carrier alarm fires while an operator drains A; the drain wins and B is kept for the minimum
    const now = Date.now();
    await healthyVotes(now);
    givenAlarm('ALARM', new Date(now - 60_000));
    const deps = { ...depsFor(world, A), triggers: { specs: [TRIGGER], reader: alarmReader() } };
    await storeFor(world, A).addLagSample(A, { lagMs: 42, atMs: now, eventId: 'lag-1' });
    await applyOperatorAction(deps, { kind: 'drain', region: A, by: 'bob', reason: 'maintenance' }, now);
    const store = storeFor(world, A);
    // Act
    const text = formatExplain(await store.readDecision(), await store.readOverrides([A, B]), SETTINGS, now);
    // Assess
    expect(text).toMatch(
      /^decision: epoch 1, revision \d+, decided \S+ \(0 s ago\)\nin rotation: us-west-2\n/,
    );
    expect(text).toContain('us-east-1: OUT (Drained)\n  why: out: drained by bob (maintenance)');
    expect(text).toContain(
      '  votes: healthy us-east-1, us-west-2, us-east-2; unhealthy none; abstained none (quorum)',
    );
    expect(text).toContain('  latest inbound replication lag: 42 ms');
    expect(text).toMatch(/override now: drain by bob at \S+: maintenance/);
    expect(text).toContain('us-west-2: IN (MinRegionsKept)');
    expect(text).toContain(
      '  why: in: kept to hold minRegionsInRotation 1 although alarm carrier-sbc-5xx in us-west-2 is ALARM',
    );
    expect(text).toContain('  trigger carrier-sbc-5xx: firing: alarm carrier-sbc-5xx in us-west-2 is ALARM');
    expect(text).toMatch(
      /conditions \(safety rules and warnings\):\n {2}MinRegionsKept \(us-west-2\): us-west-2 kept in rotation although/,
    );
  });

  it('says plainly when the stored decision has no explanation (an item from before explanations)', async () => {
    // Prepare: a decision item as the previous version wrote it
    const now = Date.now();
    const store = storeFor(world, A);
    const state = {
      inRotation: true,
      reason: 'Healthy' as const,
      sipHealthy: true,
      lagExcluded: false,
      healthySinceMs: now,
    };
    await store.writeDecision(
      { epoch: 0, revision: 1, inRotation: [A, B], regions: { [A]: state, [B]: state }, decidedAtMs: now },
      {},
      null,
    );
    // Act
    const text = formatExplain(await store.readDecision(), {}, SETTINGS, now);
    // Assess
    expect(text).toContain('This decision carries no explanation');
    expect(text).toContain('us-west-2: IN (Healthy)');
    expect(text).toContain(
      'SIP verdict: healthy; replication: within the threshold; triggers holding it out: none',
    );
  });

  it('runs as npx cc-continuity: status --json and explain, an unreachable Route 53 shown as unknown', async () => {
    // Prepare
    const now = Date.now();
    await healthyVotes(now);
    await evaluate(depsFor(world, A), now);
    const local = ['--env', 'dev', '--endpoint', world.region(A).endpoint];
    // Act
    const json = await cli(['status', ...local, '--json', '--route53-endpoint', 'http://127.0.0.1:1']);
    const explained = await cli(['explain', ...local]);
    // Assess
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.out);
    expect(doc.decision).toMatchObject({ epoch: 0, inRotation: [A, B] });
    expect(doc.regions[B].dns).toMatchObject({ healthy: null, agreement: 'unknown' });
    expect(doc.regions[B].dns.unknown).toMatch(/^Route 53 health checks could not be listed: /);
    expect(doc.regions[B].triggers[0]).toMatchObject({
      state: 'UNKNOWN',
      unknown: 'not read: --endpoint is local and no --cloudwatch-endpoint was given',
    });
    expect(explained.code).toBe(0);
    expect(explained.out).toContain(
      'us-west-2: IN (Healthy)\n  why: in: SIP healthy by a majority of fresh votes',
    );
  });
});
