import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoControlStore } from '../functions/routing/control-store.js';
import { healthCheck } from '../functions/routing/health-check.js';
import { quorumSettings } from '../functions/routing/quorum/settings.js';
import { handleQuorumEvent, type QuorumDeps } from '../functions/routing/quorum-service.js';
import { dynamoDocClient } from '../functions/shared/clients.js';
import { buildEvent, parseEvent } from '../functions/shared/events.js';
import { stableEventId } from '../functions/shared/identifiers.js';
import { alarmNames, busName, stackNames } from '../functions/shared/names.js';
import { LocalBus } from '../local/bus/bus.js';
import { synthesizedRules } from '../local/bus/rules.js';
import { type LocalWorld, startLocalWorld } from '../local/dynamo/world.js';
import { report } from './harness.js';

/**
 * `npm run bench quorum`: time from the vote that completes a DOWN majority being published (the
 * monitor publishes it on the target's second failed probe) to (a) the decision being readable by a
 * strongly consistent read in the other active region and (b) the failed region's health endpoint
 * answering 503. Against DynamoDB Local (both regions' endpoints, the shared MRSC store), with the
 * quorum core and the health check called in process. The vote is published on the observer's bus of
 * the local bus (local/bus), which routes it by the synthesized rules to both regions' quorum cores.
 */

const TRIALS = Number(process.env.BENCH_TRIALS ?? 25);
const BUDGET_MS = 1000;

process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';

function voteEntry(observer: string, target: string, healthy: boolean, seq: number, at: number) {
  return buildEvent(
    'RegionHealthVote',
    {
      observer,
      targetRegion: target,
      healthy,
      healthyTargets: healthy ? 2 : 0,
      totalTargets: 2,
      incarnation: 1,
      seq,
      reason: healthy ? 'targets up' : 'targets down',
    },
    {
      originRegion: observer,
      now: at,
      eventBusName: busName('dev'),
      eventId: stableEventId('vote', observer, target, seq),
    },
  );
}

async function clear(world: LocalWorld): Promise<void> {
  const TableName = world.tables.controlState;
  const out = await world.control.doc.send(new ScanCommand({ TableName }));
  for (const item of out.Items ?? []) {
    await world.control.doc.send(new DeleteCommand({ TableName, Key: { pk: item.pk, sk: item.sk } }));
  }
}

export async function run(): Promise<string> {
  const world = await startLocalWorld({ env: 'dev' });
  try {
    const settings = quorumSettings(world.config);
    const [a, b] = settings.activeRegions as [string, string];
    const witness = settings.witnessRegion;
    const storeIn = (region: string) =>
      dynamoControlStore({
        doc: dynamoDocClient(region, world.region(region).endpoint, {
          maxAttempts: 1,
          requestTimeoutMs: BUDGET_MS,
        }),
        tableName: world.tables.controlState,
        budgetMs: BUDGET_MS,
      });
    // EventBridge on one machine, routing by the synthesized rules (forwarding included).
    const bus = new LocalBus(await synthesizedRules(world.config));
    const depsIn = (region: string): QuorumDeps => ({
      store: storeIn(region),
      publisher: bus.publisher(region),
      settings,
      region,
      eventBusName: busName('dev'),
      announceGraceMs: 10 * BUDGET_MS,
      alarmNames: settings.activeRegions.map((r) => alarmNames('dev').sipHealth(r)),
    });
    for (const region of [a, b]) {
      const deps = depsIn(region);
      bus.on(`${stackNames('dev').region(region)}/Quorum/Function`, (e) =>
        handleQuorumEvent(deps, parseEvent(e), Date.now()),
      );
    }
    const readerInA = storeIn(a);
    const endpointOfB = storeIn(b);
    const toDecision: number[] = [];
    const to503: number[] = [];

    for (let trial = 0; trial < TRIALS; trial++) {
      // Prepare (untimed): both regions healthy and in rotation, the witness already sees b down.
      await clear(world);
      const start = Date.now();
      for (const observer of [a, b, witness]) {
        await bus
          .publisher(observer)
          .publish([voteEntry(observer, a, true, 1, start), voteEntry(observer, b, true, 1, start)]);
      }
      await bus.publisher(witness).publish([voteEntry(witness, b, false, 2, start)]);
      const before = (await readerInA.readDecision())?.decision.epoch ?? 0;

      // Act: a's monitor publishes its DOWN vote on b (its second failed probe); both regions consume it.
      const t0 = performance.now();
      const delivered = bus.publisher(a).publish([voteEntry(a, b, false, 2, Date.now())]);
      let decisionAt: number | undefined;
      let unhealthyAt: number | undefined;
      while (decisionAt === undefined || unhealthyAt === undefined) {
        const [current, answer] = await Promise.all([readerInA.readDecision(), healthCheck(endpointOfB, b)]);
        const now = performance.now();
        if (decisionAt === undefined && (current?.decision.epoch ?? 0) > before) decisionAt = now;
        if (unhealthyAt === undefined && answer.status === 503) unhealthyAt = now;
        if (now - t0 > 10_000) throw new Error(`trial ${trial}: no decision within 10 s`);
      }
      await delivered;
      toDecision.push(decisionAt - t0);
      to503.push(unhealthyAt - t0);
    }
    return [
      report(`Quorum: DOWN vote published -> decision and 503 (${TRIALS} trials, DynamoDB Local)`, [
        { name: `decision readable in ${a} (strong read)`, unit: 'ms', values: toDecision },
        { name: `${b} health endpoint answers 503`, unit: 'ms', values: to503 },
      ]),
      '',
      'The vote goes through the local bus (local/bus: the synthesized rules, forwarding included) to both',
      "regions' quorum cores in process; each poll is one strongly consistent read per measure, so the",
      'figures include up to one poll round trip. Lambda, EventBridge and cross-region latency are not in them.',
    ].join('\n');
  } finally {
    await world.stop();
  }
}
