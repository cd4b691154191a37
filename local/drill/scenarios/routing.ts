import { dynamoControlStore } from '../../../functions/routing/control-store.js';
import { applyOperatorAction } from '../../../functions/routing/operator.js';
import { quorumSettings } from '../../../functions/routing/quorum/settings.js';
import type { QuorumDeps } from '../../../functions/routing/quorum-service.js';
import { alarmNames, busName } from '../../../functions/shared/names.js';
import { regionPair, steadyState } from '../checks.js';
import type { Deployment } from '../deployment.js';
import { formatSeconds as seconds } from '../report/stats.js';
import { newConversation, primarySnapshot, resolve, seedDirectory, staffPrimary } from '../routing.js';
import type { Scenario } from '../scenario.js';

const LAG_MS = 600;
const CONCURRENT = 100;

/**
 * DESIGN.md section 7 under failure: capacity events from both local organizations; region B's inbound
 * replication lag rises over the 300 ms breaker and resolves move to A with reason `circuit_open`; 100
 * concurrent resolves of one conversation split across both regions record one answer; A leaves
 * rotation (an operator drain) and new resolves go to B.
 */
export const routing: Scenario = {
  name: 'routing',
  title: 'Routing under failure: capacity events, the 300 ms breaker, 100 racing resolves, a drained region',
  async run(ctx) {
    const d = ctx.deployment;
    const { a, b } = regionPair(d);
    const breakerMs = d.config.replication.circuitBreakerMs;
    // Both regions in rotation and the deployment settled (its functions started, alarms evaluated).
    if (!(await steadyState(ctx))) return;
    await seedDirectory(d);
    // The first call of a function on this machine starts it (a cold start among twenty others): wait for it.
    const warm = await ctx.waitFor(
      'the resolve route answers in both regions',
      async () =>
        (await Promise.all([a, b].map((r) => resolve(d, r, newConversation(), r)))).every(
          (r) => r.status === 200,
        ),
      60_000,
      1000,
    );
    ctx.expect(
      'the resolve route answers in both regions',
      warm !== undefined,
      '200',
      warm ? 'answered' : 'never',
    );
    ctx.mark(
      'routing',
      'directory: PRIMARY_SUPPORT_QUEUE (falls back to SECONDARY_SUPPORT_QUEUE) in both regions',
      'note',
    );

    // 1. Capacity from both organizations' partner events.
    const sent = ctx.mark(
      'platform',
      `3 agents join ${a}'s and ${b}'s primary queue, On Queue and idle`,
      'fault',
    );
    await Promise.all([staffPrimary(d, a, 3), staffPrimary(d, b, 3)]);
    const staffed = await ctx.waitFor(
      'both snapshots show 3 idle agents on queue',
      async () => {
        const snaps = await Promise.all([a, b].map((r) => primarySnapshot(d, r))).catch(() => []);
        return (
          snaps.length > 0 &&
          snaps.every(
            (s) => s.members.filter((m) => m.routingStatus === 'IDLE' && m.onQueue === true).length === 3,
          )
        );
      },
      // An event whose write fails is retried by Lambda a minute later, as in AWS.
      90_000,
      200,
    );
    ctx.timing('capacity-events-to-snapshot', sent, staffed?.at);
    ctx.expect(
      'capacity events update both regions\u2019 snapshots',
      staffed !== undefined,
      '3 idle on queue in each',
      seconds(staffed ? staffed.at - sent : null),
    );
    const before = await resolve(d, b, newConversation(), b);
    ctx.expect(
      `a caller in ${b} stays in ${b} while both are healthy`,
      before.status === 200 && before.body.region === b && before.body.sameRegion === true,
      `200, region ${b}, caller_region`,
      `${before.status} ${String(before.body.region)} ${String(before.body.reason)}`,
    );

    // 2. The breaker.
    const lagAt = ctx.mark(
      'fault',
      `replication ${a} -> ${b} delayed ${LAG_MS} ms (${b}'s inbound lag over the ${breakerMs} ms breaker)`,
      'fault',
    );
    d.world.replication.setDelay(a, b, LAG_MS);
    let moved: Awaited<ReturnType<typeof resolve>> | undefined;
    try {
      const open = await ctx.waitFor(
        `resolves for ${b}'s callers move to ${a} with circuit_open`,
        async () => {
          const r = await resolve(d, a, newConversation(), b);
          if (r.status === 200 && r.body.region === a && r.body.reason === 'circuit_open') {
            moved = r;
            return true;
          }
          return false;
        },
        30_000,
        250,
      );
      if (open)
        ctx.mark(
          'routing',
          `${b}'s callers resolved to ${a}: ${String(moved?.body.detail)}`,
          'observation',
          open.at,
        );
      ctx.timing('lag-to-circuit-open-resolve', lagAt, open?.at);
      ctx.expect(
        `${b} over the breaker gets no new assignment`,
        open !== undefined,
        `region ${a}, reason circuit_open`,
        open ? `${seconds(open.at - lagAt)}: ${String(moved?.body.reason)}` : 'never',
      );
    } finally {
      d.world.replication.setDelay(a, b, 0);
    }

    // 3. 100 racing resolves of one conversation across both regions.
    const conversation = newConversation();
    const raced = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) =>
        resolve(d, i % 2 === 0 ? a : b, conversation, i % 2 === 0 ? a : b),
      ),
    );
    const ok = raced.filter((r) => r.status === 200);
    const answers = new Set(
      ok.map((r) => `${String(r.body.region)} ${String(r.body.queueId)} ${String(r.body.decidedAt)}`),
    );
    ctx.mark(
      'routing',
      `${CONCURRENT} resolves of one conversation: ${ok.length} answered, ${answers.size} distinct answer(s)`,
      'observation',
    );
    ctx.expect(
      `${CONCURRENT} concurrent resolves of one conversation in both regions give one assignment`,
      ok.length === CONCURRENT && answers.size === 1,
      `${CONCURRENT} x 200, 1 distinct answer`,
      `${ok.length} x 200 (others: ${
        raced
          .filter((r) => r.status !== 200)
          .map((r) => r.status)
          .join(',') || 'none'
      }), ${answers.size} distinct: ${[...answers].join(' | ')}`,
    );

    // 4. A leaves rotation: wait for B's lag to clear first (the floor would keep A otherwise).
    const cleared = await ctx.waitFor(
      `${b}'s breaker closes after the lag clears`,
      async () => {
        const r = await resolve(d, b, newConversation(), b);
        return r.status === 200 && r.body.region === b;
      },
      // The lag clearing, then quorum's failback dwell: slower after a loaded stretch of the drill.
      180_000,
      1000,
    );
    ctx.expect(
      `${b} takes its own callers again once its lag clears`,
      cleared !== undefined,
      `region ${b} for ${b}'s callers`,
      cleared ? seconds(cleared.at - lagAt) : 'not within 180 s',
    );
    if (!cleared) return;
    ctx.mark('routing', `${b}'s callers stay in ${b} again`, 'recovery', cleared.at);
    const deps = quorumDeps(d, b);
    const drainAt = ctx.mark('operator', `drain ${a}`, 'fault');
    try {
      await applyOperatorAction(
        deps,
        { kind: 'drain', region: a, by: 'drill', reason: 'routing scenario', force: false },
        Date.now(),
      );
      // The drain's evaluation, or the next scheduled one, takes A out with B in rotation.
      let after = await resolve(d, a, newConversation(), a);
      const elsewhere = await ctx.waitFor(
        `${a}'s callers resolved to ${b} after the drain`,
        async () => {
          after = await resolve(d, a, newConversation(), a);
          return after.status === 200 && after.body.region === b;
        },
        90_000,
        1000,
      );
      if (!elsewhere) ctx.mark('routing', `${a}'s caller still: ${String(after.body.detail)}`, 'observation');
      ctx.mark(
        'routing',
        `${a}'s caller resolved to ${String(after.body.region)} (${String(after.body.reason)})`,
        'observation',
      );
      ctx.timing('drain-to-resolve-elsewhere', drainAt, Date.now());
      ctx.expect(
        `with ${a} out of rotation, new resolves go to ${b}`,
        after.status === 200 && after.body.region === b && after.body.reason === 'not_in_rotation',
        `region ${b}, reason not_in_rotation`,
        `${after.status} ${String(after.body.region)} ${String(after.body.reason)}`,
      );
      const repeat = await resolve(d, b, conversation, b);
      ctx.expect(
        'an earlier conversation keeps its answer after the rotation change',
        repeat.status === 200 && same(repeat.body, ok[0]?.body),
        'the recorded answer',
        repeat.status === 200
          ? `${String(repeat.body.region)} decided ${String(repeat.body.decidedAt)}`
          : String(repeat.status),
      );
    } finally {
      await applyOperatorAction(deps, { kind: 'resume', region: a }, Date.now());
      ctx.mark('operator', `resume ${a}`, 'recovery');
    }
  },
};

/** An answer's identity: where it sends the call and when it was decided (JSON key order varies). */
const key = (b: Record<string, unknown> | undefined) =>
  `${String(b?.region)} ${String(b?.queueId)} ${String(b?.transferAddress)} ${String(b?.decidedAt)}`;
const same = (x: Record<string, unknown> | undefined, y: Record<string, unknown> | undefined) =>
  key(x) === key(y);

/** What the operator command builds: the quorum rule over `via`'s ControlState endpoint, events on the bus. */
function quorumDeps(d: Deployment, via: string): QuorumDeps {
  const budgetMs = d.config.quorum.controlBudgetMs * 5;
  return {
    store: dynamoControlStore({
      doc: d.world.region(via).doc,
      tableName: d.world.tables.controlState,
      budgetMs,
    }),
    publisher: d.bus.publisher(via),
    settings: quorumSettings(d.config),
    region: via,
    eventBusName: busName(d.config.env),
    announceGraceMs: 10 * d.config.quorum.controlBudgetMs,
    alarmNames: d.config.regions.active.map((r) => alarmNames(d.config.env).sipHealth(r)),
  };
}
