import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AgentCapacity, QueueSnapshot } from '../functions/routing/capacity/types.js';
import type { DirectoryEntryInput } from '../functions/routing/directory/schema.js';
import { decide } from '../functions/routing/resolve/decide.js';
import { dynamoDocClient } from '../functions/shared/clients.js';
import { controlKeys } from '../functions/shared/keys.js';
import { startLocalWorld } from '../local/dynamo/world.js';
import { EAST, resolveApi, seedDirectory, WEST } from '../test/integration/routing/resolve-harness.js';
import { median, percentile, report, timeSideBySide } from './harness.js';

/**
 * `npm run bench routing`:
 * 1. one BEST_AVAILABLE decision in process over 200 queues and 5,000 agents in two regions (each agent
 *    a member of 5 queues of its region, random status and skills): the decision reads the asked
 *    queue's snapshot in both regions, counts skilled idle agents and compares expected waits;
 * 2. the resolve handler (the real middy route: API key, body, the stored answer, five more ControlState
 *    reads, the conditional write, the overflow counter) against DynamoDB Local, interleaved with the bare
 *    conditional write it makes, one new conversation per run.
 */

// DynamoDB Local accepts any credentials but the SDK wants some.
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const QUEUES = 200;
const AGENTS = 5000;
const DECISIONS = Number(process.env.BENCH_ROUTING_DECISIONS ?? 5000);
const RESOLVES = Number(process.env.BENCH_ROUTING_RUNS ?? 300);

function world200(): { entries: DirectoryEntryInput[]; snapshots: Map<string, QueueSnapshot> } {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const statuses = ['IDLE', 'INTERACTING', 'INTERACTING', 'COMMUNICATING', 'OFF_QUEUE', 'NOT_RESPONDING'];
  const members = new Map<string, AgentCapacity[]>();
  for (let a = 0; a < AGENTS; a++) {
    const region = a % 2 === 0 ? EAST : WEST;
    const agent: AgentCapacity = {
      userId: `u-${a}`,
      routingStatus: statuses[Math.floor(rand() * statuses.length)] ?? 'IDLE',
      onQueue: rand() > 0.1,
      skills: { billing: Math.floor(rand() * 6), sales: Math.floor(rand() * 6) },
    };
    for (let k = 0; k < 5; k++) {
      const key = `${region}/q-${Math.floor(rand() * QUEUES)}`;
      members.set(key, [...(members.get(key) ?? []), agent]);
    }
  }
  const snapshots = new Map<string, QueueSnapshot>();
  const entries: DirectoryEntryInput[] = [];
  for (let q = 0; q < QUEUES; q++) {
    for (const region of [EAST, WEST]) {
      snapshots.set(`${region}/q-${q}`, {
        region,
        queueId: `q-${q}`,
        members: members.get(`${region}/q-${q}`) ?? [],
        waiting: Math.floor(rand() * 30),
        handleTimeMs: 120_000 + Math.floor(rand() * 300_000),
        observedAt: 1,
      });
    }
    entries.push({
      name: `QUEUE_${q}`,
      regions: {
        [EAST]: { queueId: `q-${q}`, transferAddress: 'tel:+15550001000' },
        [WEST]: { queueId: `q-${q}`, transferAddress: 'tel:+15550002000' },
      },
      skills: [{ name: 'billing', minProficiency: 2 }],
    });
  }
  return { entries, snapshots };
}

function decisions(): number[] {
  const { entries, snapshots } = world200();
  const out: number[] = [];
  let sink = 0;
  for (let i = 0; i < DECISIONS + 200; i++) {
    const entry = entries[i % QUEUES] as DirectoryEntryInput;
    const t0 = performance.now();
    const d = decide({
      entry,
      callerRegion: i % 2 === 0 ? EAST : WEST,
      extraSkills: i % 3 === 0 ? ['sales'] : [],
      regions: [
        { region: EAST, inRotation: true, lagMs: 40 },
        { region: WEST, inRotation: true, lagMs: i % 7 === 0 ? 400 : 40 },
      ],
      capacity: {
        [EAST]: snapshots.get(`${EAST}/q-${i % QUEUES}`),
        [WEST]: snapshots.get(`${WEST}/q-${i % QUEUES}`),
      },
      overflow: { total: 100, overflowed: i % 25 },
      settings: {
        circuitBreakerMs: 300,
        maxOverflowPercentage: 20,
        preferCallerRegionMarginMs: 30_000,
        defaultHandleTimeMs: 300_000,
      },
    });
    const elapsed = performance.now() - t0;
    sink += d.kind === 'queue' ? 1 : 0;
    if (i >= 200) out.push(elapsed);
  }
  if (sink === 0) throw new Error('no decision chose a queue');
  return out;
}

export async function run(): Promise<string> {
  const inProcess = decisions();
  const world = await startLocalWorld({ env: 'dev' });
  try {
    await seedDirectory(world);
    const clock = { now: Date.now() };
    const api = resolveApi(world, EAST, clock);
    const doc = dynamoDocClient(EAST, world.region(EAST).endpoint, { maxAttempts: 1 });
    let n = 0;
    const { a: handler, b: bare } = await timeSideBySide(
      async () => {
        const r = await api.post({
          conversationId: `bench-${++n}`,
          queue: 'PRIMARY_SUPPORT_QUEUE',
          callerRegion: EAST,
        });
        if (r.status !== 200) throw new Error(`resolve answered ${r.status}`);
      },
      () =>
        doc.send(
          new PutCommand({
            TableName: world.tables.controlState,
            Item: { ...controlKeys.assignment(`bare-${++n}`), priority: 0, expiresAt: Date.now() + 60_000 },
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now OR priority < :p',
            ExpressionAttributeValues: { ':now': Date.now(), ':p': 0 },
          }),
        ),
      RESOLVES,
    );
    return [
      report(`One resolve decision in process: ${QUEUES} queues, ${AGENTS} agents, two regions`, [
        { name: 'decide (snapshot summaries, breaker, overflow, scoring)', unit: 'ms', values: inProcess },
      ]),
      '',
      `Decision: median **${median(inProcess).toFixed(3)} ms**, p99 **${percentile(inProcess, 99).toFixed(3)} ms** over ${inProcess.length} decisions.`,
      '',
      report('POST /routing/resolve against DynamoDB Local, interleaved with the bare conditional write', [
        { name: 'resolve handler (new conversation)', unit: 'ms', values: handler },
        { name: 'bare conditional PutItem of the answer', unit: 'ms', values: bare },
      ]),
      '',
      `Resolve handler / bare conditional write: **${(median(handler) / median(bare)).toFixed(2)}x** (medians ` +
        `${median(handler).toFixed(2)} ms and ${median(bare).toFixed(2)} ms): five round trips in sequence against ` +
        'one (the stored answer; decision, lag, directory entry and overflow window in parallel; both regions\u2019 ' +
        'capacity; the conditional write; the overflow counter).',
    ].join('\n');
  } finally {
    await world.stop();
  }
}
