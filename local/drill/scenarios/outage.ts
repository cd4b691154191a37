import {
  checkRotationFloor,
  firstEvent,
  health,
  markVotes,
  regionPair,
  rotationChanges,
  sipAnswerRegion,
  steadyState,
  waitForFailback,
} from '../checks.js';
import { firstFailedProbe } from '../edge-probes.js';
import { formatSeconds as seconds } from '../report/stats.js';
import type { Scenario, ScenarioContext } from '../scenario.js';

/**
 * DESIGN.md section 9, case 1: region A's edges answer 503; A leaves rotation and DNS answers B only;
 * the edges then go silent (timeouts) and A stays out; they recover and A returns only after the
 * failback dwell.
 */
export const outage: Scenario = {
  name: 'outage',
  title: 'Regional outage: region A’s SIP edges answer 503, then go silent, then recover',
  async run(ctx) {
    const d = ctx.deployment;
    const { a, b } = regionPair(d);
    if (!(await steadyState(ctx))) return;
    const edges = d.region(a).edges;
    const since = Date.now();

    const fault = ctx.mark('fault', `${a} edges answer 503`, 'fault');
    await Promise.all(edges.map((e) => e.setReply(503)));
    await observeFailover(ctx, a, b, fault);

    const silent = ctx.mark('fault', `${a} edges go silent (timeouts)`, 'fault');
    await Promise.all(edges.map((e) => e.setReply('silent')));
    await ctx.hold(8000, `${a} silent: rotation must not change`);
    const changedWhileSilent = rotationChanges(ctx, silent).length;
    const stillOut = (await health(d, a)) === 503 && sipAnswerRegion(d, a) === b;
    ctx.expect(
      'silent edges keep A out, without another decision',
      changedWhileSilent === 0 && stillOut,
      'no rotation change; A 503; DNS answers B',
      `${changedWhileSilent} change(s); ${stillOut ? 'A still out' : 'A not out'}`,
    );

    const recovery = ctx.mark('fault', `${a} edges answer 200 again`, 'recovery');
    await Promise.all(edges.map((e) => e.setReply(200)));
    await observeRecovery(ctx, a, recovery);
    const changes = rotationChanges(ctx, since);
    ctx.expect(
      'one rotation change per injected fault (out, back)',
      changes.length === 2,
      '2 decisions: A out, A back',
      `${changes.length}`,
    );
    checkRotationFloor(ctx, since);
  },
};

async function observeFailover(ctx: ScenarioContext, a: string, b: string, fault: number): Promise<void> {
  const d = ctx.deployment;
  const inA = (x: Record<string, unknown>) => x.targetRegion === a;
  const down = await ctx.waitFor(
    `first DOWN transition of an ${a} edge`,
    () => firstEvent(ctx, 'SipTargetHealthChanged', fault, (x) => inA(x) && x.state === 'DOWN'),
    15_000,
    50,
  );
  const probe = firstFailedProbe(ctx, a, fault, down?.value);
  if (probe)
    ctx.mark(`edge ${a}`, `first failed probe${probe.derived ? ' (derived)' : ''}`, 'observation', probe.at);
  if (down)
    ctx.mark(
      `monitor ${down.value.detail.observer}`,
      `${String((down.value.detail.target as { name?: string })?.name)} DOWN`,
      'observation',
      down.value.at,
    );
  const decision = await ctx.waitFor(
    `decision taking ${a} out of rotation`,
    () => firstEvent(ctx, 'RegionRotationChanged', fault, (x) => !(x.inRotation as string[]).includes(a)),
    20_000,
    50,
  );
  markVotes(ctx, a, false, fault);
  if (decision)
    ctx.mark(
      'quorum',
      `decision: ${a} out (epoch ${String(decision.value.detail.epoch)})`,
      'observation',
      decision.value.at,
    );
  const unhealthy = await ctx.waitFor(
    `${a} health endpoint 503`,
    async () => (await health(d, a)) === 503,
    20_000,
    100,
  );
  if (unhealthy) ctx.mark(`health ${a}`, 'health endpoint 503', 'observation', unhealthy.at);
  const dns = await ctx.waitFor(
    `DNS answering ${b} to ${a}'s callers (Route 53 checks every 10 s)`,
    () => sipAnswerRegion(d, a) === b,
    60_000,
    100,
  );
  if (dns) ctx.mark('dns', `sip answers ${b} for ${a}'s callers`, 'observation', dns.at);
  ctx.timing('fault-to-first-failed-probe', fault, probe?.at);
  ctx.timing('fault-to-DOWN', fault, down?.value.at);
  ctx.timing('fault-to-decision', fault, decision?.value.at);
  ctx.timing('fault-to-endpoint-503', fault, unhealthy?.at);
  ctx.timing('fault-to-DNS-answer-changed', fault, dns?.at);
  const bHealth = await health(d, b);
  ctx.expect(
    `${a} leaves rotation`,
    decision !== undefined,
    'a decision without A',
    seconds(decision ? decision.at - fault : null),
  );
  ctx.expect(
    `${b} keeps traffic`,
    bHealth === 200 && sipAnswerRegion(d, b) === b,
    `${b} 200 and answered`,
    `${b} health ${bHealth}`,
  );
  ctx.expect(
    `DNS answers ${b} only`,
    dns !== undefined,
    `sip.<zone> -> ${b} for every caller`,
    seconds(dns ? dns.at - fault : null),
  );
}

async function observeRecovery(ctx: ScenarioContext, a: string, recovery: number): Promise<void> {
  const d = ctx.deployment;
  const dwellMs = d.config.quorum.failbackDwellSeconds * 1000;
  const up = await ctx.waitFor(
    `${a} edges UP again`,
    () =>
      firstEvent(ctx, 'SipTargetHealthChanged', recovery, (x) => x.targetRegion === a && x.state === 'UP'),
    20_000,
    50,
  );
  if (up) ctx.mark(`monitor ${up.value.detail.observer}`, 'edge UP', 'recovery', up.value.at);
  markVotes(ctx, a, true, recovery);
  const back = await waitForFailback(ctx, a, recovery);
  const healthy = await ctx.waitFor(
    `${a} health endpoint 200`,
    async () => (await health(d, a)) === 200,
    30_000,
    100,
  );
  if (healthy) ctx.mark(`health ${a}`, 'health endpoint 200', 'recovery', healthy.at);
  const dns = await ctx.waitFor(
    `DNS answering ${a} again (needs the 60 s SIP alarm back to OK too)`,
    () => sipAnswerRegion(d, a) === a,
    180_000,
    250,
  );
  if (dns) ctx.mark('dns', `sip answers ${a} again`, 'recovery', dns.at);
  ctx.timing('recovery-to-UP', recovery, up?.value.at);
  ctx.timing('UP-to-back-in-rotation', up?.value.at, back?.value.at);
  ctx.timing('recovery-to-endpoint-200', recovery, healthy?.at);
  ctx.timing('recovery-to-DNS-answer-back', recovery, dns?.at);
  const waited = up && back ? back.value.at - up.value.at : null;
  ctx.expect(
    `${a} returns only after the failback dwell`,
    waited !== null && waited >= dwellMs - 1000,
    `>= ${dwellMs / 1000} s from UP to back in rotation`,
    seconds(waited),
  );
  ctx.expect(
    `DNS answers ${a} to its callers again`,
    dns !== undefined,
    'within 180 s',
    seconds(dns ? dns.at - recovery : null),
  );
}
