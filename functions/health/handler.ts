import { dynamoDocClientFor } from '../shared/clients/dynamodb.js';
import { eventBridgeClientFor, eventBridgePublisher } from '../shared/clients/eventbridge.js';
import { parseEvent } from '../shared/events.js';
import { observability } from '../shared/logger.js';
import { eventHandler } from '../shared/middleware.js';
import { runtimeConfig } from '../shared/runtime-config.js';
import { dynamoHeartbeatStore } from './heartbeat.js';
import { MONITOR_SERVICE, powertoolsMonitorMetrics } from './metrics.js';
import { type Clock, runMonitor } from './monitor.js';
import { dynamoMonitorStore } from './monitor-store.js';
import { probeSip } from './sip/probe.js';
import { monitoredTargets } from './tick.js';

// Module scope: parsed and connected once per container; a bad environment fails the cold start.
const config = runtimeConfig();
const { health, replication, sipTargets } = config.settings;
const { logger, metrics } = observability(MONITOR_SERVICE, { persistentKeys: { region: config.region } });
const doc = dynamoDocClientFor(config);
const publisher = eventBridgePublisher(eventBridgeClientFor(config));
const store = dynamoMonitorStore(
  doc,
  config.isWitness ? config.tables.witnessState : config.tables.controlState,
);
const heartbeats =
  config.peerRegion === null
    ? undefined
    : { store: dynamoHeartbeatStore(doc, config.tables.contextCache), peerRegion: config.peerRegion };
const targets = monitoredTargets(sipTargets, config.activeRegions);
const monitorMetrics = powertoolsMonitorMetrics(metrics);
const clock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Time kept back from Lambda's own deadline: the release write and the middleware's metric flush. */
const DEADLINE_RESERVE_MS = 1500;

/**
 * The SIP health monitor, started every minute by a schedule: runs the probe loop until shortly before
 * this invocation's timeout (DESIGN.md section 4). All the logic is in monitor.ts.
 */
export const handler = eventHandler(
  async (raw, context) => {
    parseEvent(raw, ['Schedule']);
    const run = await runMonitor({
      observer: config.region,
      invocationId: context.awsRequestId,
      activeRegions: config.activeRegions,
      targets,
      settings: {
        thresholds: {
          failureThreshold: health.failureThreshold,
          recoveryThreshold: health.recoveryThreshold,
        },
        minHealthyTargets: health.minHealthyTargets,
        voteRefreshMs: health.voteRefreshSeconds * 1000,
        intervalMs: health.probeIntervalMs,
        probeTimeoutMs: health.probeTimeoutMs,
        suspectIntervalMs: health.suspectIntervalMs,
        suspectTimeoutMs: health.suspectTimeoutMs,
        lag: replication,
      },
      clock,
      deadline: Date.now() + context.getRemainingTimeInMillis() - DEADLINE_RESERVE_MS,
      store,
      probe: (target, timeoutMs) =>
        probeSip(target, {
          probeTimeoutMs: timeoutMs,
          extraUpStatusCodes: health.extraUpStatusCodes,
        }),
      publisher,
      eventBusName: config.eventBusName,
      metrics: monitorMetrics,
      logger,
      heartbeats,
    });
    logger.info('monitor invocation done', { outcome: run.outcome, ticks: run.ticks.length });
    return run;
  },
  { logger, metrics },
);
