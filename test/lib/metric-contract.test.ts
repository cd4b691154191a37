import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONITOR_SERVICE, powertoolsMonitorMetrics } from '../../functions/health/metrics.js';
import { configuredOrgs } from '../../functions/oauth/orgs.js';
import { dynamoDirectoryStore } from '../../functions/routing/directory/store.js';
import { dynamoDocClientFor } from '../../functions/shared/clients.js';
import { buildEvent } from '../../functions/shared/events.js';
import { METRICS_NAMESPACE, observability } from '../../functions/shared/logger.js';
import { secretNames } from '../../functions/shared/names.js';
import { lambdaEnvironment, runtimeConfig } from '../../functions/shared/runtime-config.js';
import { buildContinuityApp } from '../../lib/app-builder.js';
import type { MetricDatapoint } from '../../local/cloudwatch/emf.js';
import { startDrillPlatform } from '../../local/drill/platform.js';
import type { LocalPlatform } from '../../local/platform/server.js';
import { lambdaContext, routeEvent } from '../functions/shared/lambda-fixtures.js';
import {
  alarmReferences,
  captureEmf,
  dashboardReferences,
  type MetricReference,
  memoryDynamo,
} from '../support/metric-contract.js';
import { cdkApp, templatesOf, testConfig } from './helpers.js';

/**
 * Issue 12: the dashboard graphs, and the alarms watch, what the functions emit. The emitted side is
 * the EMF the deployed handlers write (module scope and all; AWS SDK calls answered in memory), the
 * read side every alarm and dashboard widget of the synthesized app on our namespace.
 */

const config = testConfig();
const REGION = config.regions.active[0] as string;
const OBSERVERS = [...config.regions.active, config.regions.witness];
const API_KEY = 'k-metric-contract-0123456789abcdef';
const KEY = 'metric-contract-key-0123456789abcdef-0123456789abcdef';
const names = secretNames(config.env);
const orgs = configuredOrgs(config.env, config.platform);
const rejectedOrg = orgs.at(-1);

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
const handlerOf = async (path: string) => (await import(path)).handler as Handler;

/** Each org's client credentials as the platform stand-in accepts them. */
const credentials = (org: string) => JSON.stringify({ clientId: `${org}-id`, clientSecret: `${org}-secret` });

/**
 * Secrets as in a bad rotation: each rotatable secret's current value does not parse and the previous
 * one does, so every function that reads one serves with the last good value and says so (SecretFallback).
 * The last org's client credentials are ones the platform refuses (PlatformCredentialsRejected).
 */
function secretValue(name: string, stage: string | undefined): string {
  const org = orgs.find((o) => o.clientSecretName === name);
  if (org) return org === rejectedOrg ? credentials('revoked') : credentials(org.name);
  if (stage !== 'AWSPREVIOUS') return 'not what a rotation should write';
  if (name === names.apiKeys) {
    return JSON.stringify({
      keys: [{ key: API_KEY, scopes: ['contexts:write', 'contexts:read', 'routing:resolve'], name: 'flows' }],
    });
  }
  return JSON.stringify({ keys: [KEY] });
}

function eventOf(detailType: Parameters<typeof buildEvent>[0], detail: object, origin = REGION) {
  const entry = buildEvent(detailType, detail as never, {
    originRegion: origin,
    now: Date.now(),
    eventBusName: `continuity-${config.env}`,
  });
  return {
    source: entry.Source,
    'detail-type': entry.DetailType,
    id: 'eb-1',
    detail: JSON.parse(entry.Detail),
  };
}

const partnerEvent = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/genesys/queue-user-joined.json', import.meta.url)), 'utf8'),
) as unknown;

const schedule = { source: 'aws.events', 'detail-type': 'Scheduled Event', id: 'eb-s', detail: {} };

const key = (m: { namespace: string; metricName: string; dimensions: object }) =>
  `${m.namespace}/${m.metricName}{${Object.keys(m.dimensions).sort().join(',')}}`;

/** Emitted metrics by `namespace/name{dimension names}`, each with the `service` values seen. */
function emittedIndex(points: readonly MetricDatapoint[]): Map<string, Set<string>> {
  const index = new Map<string, Set<string>>();
  for (const p of points) {
    const services = index.get(key(p)) ?? new Set<string>();
    services.add(p.dimensions.service ?? '');
    index.set(key(p), services);
  }
  return index;
}

describe('metrics the stacks read and the functions emit', () => {
  let emitted: MetricDatapoint[] = [];
  let references: MetricReference[] = [];
  let platform: LocalPlatform;
  const dynamo = memoryDynamo();
  const secrets = mockClient(SecretsManagerClient);
  const eventBridge = mockClient(EventBridgeClient);
  const cloudWatch = mockClient(CloudWatchClient);
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    // Prepare: the read side, every stack of the app (no bundling: templates only)
    const app = cdkApp({ bundle: false });
    buildContinuityApp(app, config);
    for (const [stack, template] of templatesOf(app.synth())) {
      references.push(...alarmReferences(stack, template), ...dashboardReferences(stack, template));
    }
    references = references.filter((r) => !r.namespace.startsWith('AWS/'));

    // Prepare: the emitting side, the deployed handlers of one active region
    platform = await startDrillPlatform(config, {
      value: (name) => credentials(orgs.find((o) => o.clientSecretName === name)?.name ?? 'none'),
    });
    Object.assign(process.env, lambdaEnvironment(config), {
      AWS_REGION: REGION,
      PLATFORM_BASE_URL: platform.endpoint,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    secrets.on(GetSecretValueCommand).callsFake((input: { SecretId: string; VersionStage?: string }) => ({
      SecretString: secretValue(input.SecretId, input.VersionStage),
      VersionId: input.VersionStage ?? 'v2',
    }));
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    const run = runtimeConfig();
    await dynamoDirectoryStore({
      doc: dynamoDocClientFor(run),
      tableName: run.tables.controlState,
      budgetMs: run.settings.quorum.controlBudgetMs,
    }).put(
      {
        name: 'SUPPORT',
        regions: Object.fromEntries(
          config.regions.active.map((r, i) => [
            r,
            { queueId: `queue-${i}`, transferAddress: `tel:+1555123000${i}` },
          ]),
        ),
        skills: [],
      },
      { by: 'metric-contract', now: Date.now() },
    );

    // Act
    const quorum = await handlerOf('../../functions/routing/quorum-handler.js');
    const health = await handlerOf('../../functions/routing/health-endpoint.js');
    const create = await handlerOf('../../functions/context/handlers/create-context.js');
    const get = await handlerOf('../../functions/context/handlers/get-context.js');
    const webhook = await handlerOf('../../functions/context/handlers/crm-webhook.js');
    const resolve = await handlerOf('../../functions/routing/resolve-handler.js');
    const sweep = await handlerOf('../../functions/routing/assignment-sweep-handler.js');
    const oauth = await handlerOf('../../functions/oauth/handler.js');
    const reconcile = await handlerOf('../../functions/routing/capacity/reconcile-handler.js');
    const ingest = await handlerOf('../../functions/routing/capacity/ingest-handler.js');
    const ctx = lambdaContext();
    const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
    emitted = await captureEmf(async () => {
      // The monitor's tick is driven by SIP probes; its publisher is the one the handler builds.
      const monitor = powertoolsMonitorMetrics(
        observability(MONITOR_SERVICE, { logLevel: 'SILENT' }).metrics,
      );
      monitor.publish({
        observer: REGION,
        at: Date.now(),
        targets: config.regions.active.map((r) => ({ region: r, name: `${r}-edge`, up: true, rttMs: 3 })),
        regions: config.regions.active.map((r) => ({ region: r, healthyTargets: 1 })),
        lag: { sourceRegion: config.regions.active[1] as string, lagMs: 80, sentAt: null, maxErrorMs: 5 },
      });
      for (const target of config.regions.active) {
        for (const observer of OBSERVERS) {
          const vote = {
            observer,
            targetRegion: target,
            healthy: target === REGION,
            healthyTargets: 1,
            reason: 'probe',
          };
          await quorum(
            eventOf('RegionHealthVote', { ...vote, totalTargets: 2, incarnation: 1, seq: 1 }),
            ctx,
          );
        }
      }
      const [here, peer] = config.regions.active as [string, string];
      const lag = { measuringRegion: peer, sourceRegion: here, lagMs: 900, level: 'excluded' };
      await quorum(
        eventOf('ReplicationLagMeasured', { ...lag, previousLevel: 'ok', thresholdMs: 500 }, peer),
        ctx,
      );
      dynamo.fail(true);
      await quorum(schedule, ctx);
      dynamo.fail(false);
      await health(routeEvent('GET /', '/', { body: undefined }), ctx);
      const saved = (await create(
        routeEvent('POST /contexts', '/contexts', {
          headers: auth,
          body: JSON.stringify({ conversationId: 'conv-metric-contract' }),
        }),
        ctx,
      )) as { statusCode: number; body: string };
      const { token } = JSON.parse(saved.body) as { token: string };
      await get(
        routeEvent('GET /contexts/{token}', `/contexts/${token}`, {
          headers: auth,
          pathParameters: { token },
        }),
        ctx,
      );
      await webhook(routeEvent('POST /webhooks/crm', '/webhooks/crm', { body: '{"unsigned":true}' }), ctx);
      await resolve(
        routeEvent('POST /routing/resolve', '/routing/resolve', {
          headers: auth,
          body: JSON.stringify({ conversationId: 'conv-1', queue: 'SUPPORT', callerRegion: REGION }),
        }),
        ctx,
      );
      await oauth(schedule, ctx);
      await reconcile(schedule, ctx);
      await ingest(partnerEvent, ctx);
      // Last: the in-memory table checks no condition, so the sweep deletes whatever it scans.
      await sweep(schedule, ctx);
    });
  }, 120_000);

  afterAll(async () => {
    process.env = savedEnv;
    dynamo.restore();
    secrets.restore();
    eventBridge.restore();
    cloudWatch.restore();
    await platform?.close();
  });

  it('captures the EMF of every emitting function, the monitor and quorum included', () => {
    const index = emittedIndex(emitted);
    const services = new Set(emitted.map((p) => p.dimensions.service));
    expect([...services].sort()).toEqual(
      [
        'assignment-sweep',
        'capacity-ingest',
        'capacity-reconcile',
        'context-create',
        'context-get',
        'crm-webhook',
        MONITOR_SERVICE,
        'health-endpoint',
        'oauth',
        'quorum',
        'routing-resolve',
      ].sort(),
    );
    expect(index.get(`${METRICS_NAMESPACE}/SipHealthyTargets{Observer,TargetRegion,service}`)).toEqual(
      new Set([MONITOR_SERVICE]),
    );
    for (const metric of [
      'RegionVote{Observer,Region,service}',
      'RegionInRotation{Region,service}',
      'ControlFenced{service}',
    ]) {
      expect(index.get(`${METRICS_NAMESPACE}/${metric}`), metric).toEqual(new Set(['quorum']));
    }
  });

  it('reads, in every alarm and dashboard widget, only metrics a function emits', () => {
    // Prepare
    const index = emittedIndex(emitted);
    // Act
    const unmatched = references.filter((r) => {
      const services = index.get(key(r));
      const service = r.dimensions.service;
      return !services || (typeof service === 'string' && !services.has(service));
    });
    // Assess
    expect(references.filter((r) => r.kind === 'alarm').length).toBeGreaterThan(0);
    expect(references.filter((r) => r.kind === 'widget').length).toBeGreaterThan(0);
    expect(unmatched.map((r) => `${r.where}: ${key(r)} service=${r.dimensions.service}`)).toEqual([]);
  });

  it('has each alarm see every datapoint of its metric (no emission with other dimensions)', () => {
    // Prepare: what each service emits per metric name, by dimension-name set
    const shapes = new Map<string, Set<string>>();
    for (const p of emitted) {
      const id = `${p.metricName}@${p.dimensions.service}`;
      shapes.set(id, (shapes.get(id) ?? new Set()).add(key(p)));
    }
    // Act
    const blind = references
      .filter((r) => r.kind === 'alarm')
      .flatMap((r) => {
        const others = [...(shapes.get(`${r.metricName}@${r.dimensions.service}`) ?? [])].filter(
          (k) => k !== key(r),
        );
        return others.map((k) => `${r.where} reads ${key(r)} but ${r.dimensions.service} also emits ${k}`);
      });
    // Assess
    expect(blind).toEqual([]);
  });
});
