import { cloudWatchClient } from '../shared/clients/cloudwatch.js';
import { dynamoDocClientFor } from '../shared/clients/dynamodb.js';
import { lazyEventBridgePublisher } from '../shared/clients/eventbridge-lazy.js';
import { parseEvent } from '../shared/events.js';
import { observability } from '../shared/logger.js';
import { eventHandler } from '../shared/middleware.js';
import { alarmNames } from '../shared/names.js';
import { runtimeConfig } from '../shared/runtime-config.js';
import { cloudWatchAlarmReader } from './alarm-states.js';
import { dynamoControlStore } from './control-store.js';
import { failoverTriggers } from './quorum/triggers.js';
import { reportQuorumMetrics } from './quorum-metrics.js';
import { handleQuorumEvent, type QuorumDeps } from './quorum-service.js';

const config = runtimeConfig();
const { logger, metrics } = observability('quorum', { persistentKeys: { region: config.region } });
const budgetMs = config.settings.quorum.controlBudgetMs;
const triggers = failoverTriggers(config.env, config.activeRegions, config.settings.failover);
// One client per region the trigger alarms live in; one attempt each, the control budget is the deadline.
const cloudWatch = new Map(
  [...new Set(triggers.map((t) => t.alarmRegion))].map((r) => [
    r,
    cloudWatchClient(r, config.endpoints.cloudWatch, { requestTimeoutMs: budgetMs, maxAttempts: 1 }),
  ]),
);

const deps: QuorumDeps = {
  // One attempt per call: the control budget is the deadline, not the SDK's retries.
  store: dynamoControlStore({
    doc: dynamoDocClientFor(config, config.region, { requestTimeoutMs: budgetMs, maxAttempts: 1 }),
    tableName: config.tables.controlState,
    budgetMs,
  }),
  // Only a rotation change is announced (the decision itself is in ControlState before that): the SDK
  // loads at an instance's first announcement, not at every cold start of a function invoked on every vote.
  publisher: lazyEventBridgePublisher(config),
  settings: {
    activeRegions: [...config.activeRegions],
    witnessRegion: config.witnessRegion,
    voteStaleMs: config.settings.quorum.voteStaleMs,
    replicationExclusionMs: config.settings.replication.replicationExclusionMs,
    lagSamples: config.settings.replication.lagSamples,
    minRegionsInRotation: config.settings.quorum.minRegionsInRotation,
    failbackDwellSeconds: config.settings.quorum.failbackDwellSeconds,
  },
  region: config.region,
  eventBusName: config.eventBusName,
  // Well past the winner's own worst case (four budgeted calls and a publish) before another takes over.
  announceGraceMs: 10 * budgetMs,
  alarmNames: [
    alarmNames(config.env).sipHealth(config.region),
    ...triggers.filter((t) => t.alarmRegion === config.region).map((t) => t.alarmName),
  ],
  triggers: {
    specs: triggers,
    reader: cloudWatchAlarmReader({
      clientFor: (r) => {
        const client = cloudWatch.get(r);
        if (client === undefined) throw new Error(`no CloudWatch client for ${r}`);
        return client;
      },
      budgetMs,
      onError: (region, error) =>
        logger.warn('trigger alarms unreadable: their last verdict is kept', { alarmRegion: region, error }),
    }),
  },
  lagSampleIntervalMs: config.settings.health.probeIntervalMs,
};

/** Quorum (DESIGN.md section 4): votes, lag samples, SIP-health and trigger alarm changes, and a schedule. */
export const handler = eventHandler(
  async (raw) => {
    const event = parseEvent(raw, [
      'RegionHealthVote',
      'ReplicationLagMeasured',
      'AlarmStateChange',
      'Schedule',
    ]);
    const result = await handleQuorumEvent(deps, event, Date.now());
    reportQuorumMetrics(metrics, result);
    if (result.kind === 'fenced') {
      logger.warn('ControlState out of reach: this region has lost quorum and decides nothing', {
        trigger: result.trigger,
        error: result.error,
      });
    } else if (result.kind === 'evaluated' && result.evaluation.announced.length > 0) {
      logger.info('rotation changed', {
        trigger: result.trigger,
        epoch: result.evaluation.outcome.decision.epoch,
        inRotation: result.evaluation.outcome.decision.inRotation,
        reasons: result.evaluation.outcome.reasons,
        conditions: result.evaluation.outcome.conditions,
      });
    }
  },
  { logger, metrics },
);
