import { dynamoControlStore } from '../../../functions/routing/control-store.js';
import {
  checkRotationFloor,
  firstEvent,
  health,
  regionPair,
  rotationChanges,
  sipAnswerRegion,
  steadyState,
  waitForFailback,
} from '../checks.js';
import type { Deployment } from '../deployment.js';
import { drillTriggerAlarm } from '../drill-config.js';
import { formatSeconds as seconds } from '../report/stats.js';
import type { Scenario, ScenarioContext } from '../scenario.js';

/** How long both alarms stay in ALARM once the last region is kept: any flap in it fails the scenario. */
const BOTH_IN_ALARM_MS = 8000;
const REASON = 'drill: SBC 5xx rate above threshold for 3 datapoints';

/**
 * Issue 12's failover triggers: A's user alarm (`drill-sbc-errors-<A>`, config `failover.triggers`)
 * goes to ALARM and the quorum takes A out (`AlarmTriggered`, its decision log naming the alarm); B's
 * goes to ALARM too and B stays in rotation (`MinRegionsKept`: minRegionsInRotation 1); both return to
 * OK and A comes back after the failback dwell. The alarms are set as SetAlarmState sets them; the
 * quorum sees them through DescribeAlarms and their state-change events on the default bus.
 */
export const triggers: Scenario = {
  name: 'triggers',
  title: 'Failover triggers: a user alarm takes its region out; the last region stays; both come back',
  async run(ctx) {
    const d = ctx.deployment;
    const { a, b } = regionPair(d);
    const alarmA = triggerAlarm(d, a);
    const alarmB = triggerAlarm(d, b);
    const min = d.config.quorum.minRegionsInRotation;
    ctx.expect(
      'the drill config has a trigger alarm per active region and keeps one region',
      alarmA !== undefined && alarmB !== undefined && min === 1,
      `${drillTriggerAlarm(a)}, ${drillTriggerAlarm(b)}; minRegionsInRotation 1`,
      `${alarmA ?? 'none'}, ${alarmB ?? 'none'}; minRegionsInRotation ${min}`,
    );
    if (alarmA === undefined || alarmB === undefined || min !== 1) return;
    if (!(await steadyState(ctx))) return;
    const since = Date.now();
    const alarms = d.cloudWatch.alarms;
    let aWentOut = false;
    try {
      aWentOut = await firstAlarmTakesOut(ctx, a, b, alarmA);
      if (aWentOut) {
        const setB = ctx.mark('fault', `${alarmB} (${b}) set to ALARM too`, 'fault');
        alarms.setState(alarmB, b, 'ALARM', REASON);
        await lastRegionKept(ctx, a, b, setB);
      }
    } finally {
      const okAt = ctx.mark('fault', 'both trigger alarms back to OK', 'recovery');
      alarms.setState(alarmA, a, 'OK', 'drill: SBC errors back to normal');
      alarms.setState(alarmB, b, 'OK', 'drill: SBC errors back to normal');
      if (aWentOut) await bothBack(ctx, a, b, okAt);
    }
    const changes = rotationChanges(ctx, since);
    ctx.expect(
      'one rotation change per region taken out and back (the second alarm changes nothing)',
      changes.length === 2,
      `2 decisions: ${a} out, ${a} back`,
      changes.map((c) => `epoch ${String(c.detail.epoch)} [${inRotation(c.detail).join(', ')}]`).join('; ') ||
        'none',
    );
    checkRotationFloor(ctx, since);
  },
};

const inRotation = (detail: Record<string, unknown>): string[] => (detail.inRotation as string[]) ?? [];

function triggerAlarm(d: Deployment, region: string): string | undefined {
  const name = drillTriggerAlarm(region);
  return d.config.failover.triggers.find((t) => t.alarmName === name && t.region === region)?.alarmName;
}

/** The stored decision as `region`'s health endpoint reads it (its replica of ControlState). */
function decisionIn(d: Deployment, region: string) {
  const store = dynamoControlStore({
    doc: d.world.region(region).doc,
    tableName: d.world.tables.controlState,
    budgetMs: d.config.quorum.controlBudgetMs * 5,
  });
  return () => store.readDecision().catch(() => null);
}

/** The quorum functions' `rotation changed` log lines from now on, until `stop`. */
function decisionLog(d: Deployment): { lines: Record<string, unknown>[]; stop(): void } {
  const lines: Record<string, unknown>[] = [];
  let listening = true;
  d.logs.onLine((line, fn) => {
    if (!listening || !fn.path.endsWith('/Quorum/Function') || !line.includes('"rotation changed"')) return;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not a structured line: not the decision log.
    }
  });
  return { lines, stop: () => (listening = false) };
}

async function firstAlarmTakesOut(
  ctx: ScenarioContext,
  a: string,
  b: string,
  alarm: string,
): Promise<boolean> {
  const d = ctx.deployment;
  const log = decisionLog(d);
  try {
    const setAt = ctx.mark('fault', `${alarm} (${a}) set to ALARM`, 'fault');
    d.cloudWatch.alarms.setState(alarm, a, 'ALARM', REASON);
    const decision = await ctx.waitFor(
      `decision taking ${a} out of rotation`,
      () => firstEvent(ctx, 'RegionRotationChanged', setAt, (x) => !inRotation(x).includes(a)),
      30_000,
      50,
    );
    const detail = decision?.value.detail;
    const reasons = (detail?.reasons ?? {}) as Record<string, string>;
    if (decision)
      ctx.mark(
        'quorum',
        `decision: ${a} out, ${reasons[a]} (epoch ${String(detail?.epoch)})`,
        'observation',
        decision.value.at,
      );
    ctx.timing('trigger-alarm-to-decision', setAt, decision?.value.at);
    ctx.expect(
      `${a} leaves rotation on its trigger alarm`,
      decision !== undefined && reasons[a] === 'AlarmTriggered' && inRotation(detail ?? {}).includes(b),
      `a decision with ${b} only, ${a}: AlarmTriggered`,
      decision
        ? `${seconds(decision.at - setAt)}: [${inRotation(detail ?? {}).join(', ')}], ${a}: ${reasons[a]}`
        : 'no decision within 30 s',
    );
    if (decision === undefined) return false;

    const line = await ctx.waitFor(
      `the quorum's 'rotation changed' log of epoch ${String(detail?.epoch)}`,
      () => log.lines.find((l) => l.epoch === detail?.epoch),
      10_000,
      100,
    );
    const sentence = String((line?.value.reasons as Record<string, unknown> | undefined)?.[a] ?? '');
    if (line)
      ctx.mark('quorum', `log (${String(line.value.trigger)}): ${a} ${sentence}`, 'observation', line.at);
    ctx.expect(
      `the decision log names the alarm that took ${a} out`,
      sentence.includes(alarm),
      `${a}'s reason mentions ${alarm}`,
      line ? sentence || 'no reason for A' : 'no rotation changed line',
    );
    const unhealthy = await ctx.waitFor(
      `${a} health endpoint 503`,
      async () => (await health(d, a)) === 503,
      20_000,
      100,
    );
    if (unhealthy) ctx.mark(`health ${a}`, 'health endpoint 503', 'observation', unhealthy.at);
    ctx.timing('trigger-alarm-to-endpoint-503', setAt, unhealthy?.at);
    ctx.expect(
      `${a}'s health endpoint answers 503`,
      unhealthy !== undefined,
      '503',
      seconds(unhealthy ? unhealthy.at - setAt : null),
    );
    return true;
  } finally {
    log.stop();
  }
}

async function lastRegionKept(ctx: ScenarioContext, a: string, b: string, setB: number): Promise<void> {
  const d = ctx.deployment;
  const read = decisionIn(d, b);
  const kept = await ctx.waitFor(
    `${b} kept in rotation (MinRegionsKept) with its own trigger in ALARM`,
    async () => {
      const stored = await read();
      return stored?.decision.regions[b]?.reason === 'MinRegionsKept' ? stored : undefined;
    },
    30_000,
    250,
  );
  if (kept)
    ctx.mark(
      'quorum',
      `${b}: ${kept.value.explanation?.reasons[b] ?? 'MinRegionsKept'}`,
      'observation',
      kept.at,
    );
  await ctx.hold(BOTH_IN_ALARM_MS, `both alarms in ALARM: ${b} must stay in rotation`);
  const changes = rotationChanges(ctx, setB);
  const [bStatus, aStatus, now] = await Promise.all([health(d, b), health(d, a), read()]);
  const reasonB = now?.decision.regions[b]?.reason ?? 'no decision';
  ctx.expect(
    `${b}'s trigger in ALARM cannot take the last region out`,
    kept !== undefined && changes.length === 0 && bStatus === 200 && reasonB === 'MinRegionsKept',
    `no rotation change; ${b} 200, reason MinRegionsKept`,
    `${kept ? seconds(kept.at - setB) : 'never MinRegionsKept'}; ${changes.length} change(s); ${b} ${bStatus}, ${reasonB}`,
  );
  ctx.expect(`${a} stays out meanwhile`, aStatus === 503, `${a} 503`, `${a} ${aStatus}`);
}

async function bothBack(ctx: ScenarioContext, a: string, b: string, okAt: number): Promise<void> {
  const d = ctx.deployment;
  const dwellMs = d.config.quorum.failbackDwellSeconds * 1000;
  const read = decisionIn(d, b);
  const back = await waitForFailback(ctx, a, okAt);
  ctx.timing('trigger-alarm-OK-to-back-in-rotation', okAt, back?.value.at);
  ctx.expect(
    `${a} returns only after the failback dwell`,
    back !== undefined && back.value.at - okAt >= dwellMs - 1000,
    `>= ${dwellMs / 1000} s from OK to back in rotation`,
    seconds(back ? back.value.at - okAt : null),
  );
  const settled = await ctx.waitFor(
    'both health endpoints 200, both reasons Healthy, DNS answering each region its own callers',
    async () => {
      const stored = await read();
      return (
        (await health(d, a)) === 200 &&
        (await health(d, b)) === 200 &&
        stored?.decision.regions[a]?.reason === 'Healthy' &&
        stored.decision.regions[b]?.reason === 'Healthy' &&
        sipAnswerRegion(d, a) === a &&
        sipAnswerRegion(d, b) === b
      );
    },
    180_000,
    500,
  );
  if (settled) ctx.mark('dns', `sip answers ${a} again`, 'recovery', settled.at);
  ctx.timing('trigger-alarm-OK-to-DNS-answer-back', okAt, settled?.at);
  ctx.expect(
    'both regions back in rotation, healthy and answered by DNS',
    settled !== undefined,
    'both 200 and Healthy; sip answers each region',
    seconds(settled ? settled.at - okAt : null),
  );
}
