import { checkRotationFloor, health, regionPair, rotationChanges, steadyState } from '../checks.js';
import { formatSeconds as seconds } from '../report/stats.js';
import type { Scenario } from '../scenario.js';

const FLAP_CYCLE_MS = 3000;
/**
 * Bad for well under one probe interval per cycle: each observer sees at most one failed probe in
 * three. The switch back to 200 takes time of its own (a kamcmd call, slow on a loaded machine), so
 * the hold is shortened by the longest switch seen so far, and the report gives the longest window.
 */
const FLAP_BAD_MS = 600;
const FLAP_CYCLES = 6;
const SKEW_MS = 2000;
const THROTTLE_MS = 8000;
const MAX_EVENT_DELAY_MS = 400;

/**
 * DESIGN.md section 9, case 5, all at once: duplicated and re-ordered events, a monitor killed
 * mid-loop, a flapping edge (one bad probe in three), 2 s of clock skew on the witness's monitor, and
 * throttled ControlState writes in A. None is a real outage: the rotation must not change.
 */
export const noise: Scenario = {
  name: 'noise',
  title: 'Noise: duplicate and re-ordered events, a killed monitor, a flapping edge, clock skew, throttling',
  async run(ctx) {
    const d = ctx.deployment;
    const { a } = regionPair(d);
    if (!(await steadyState(ctx))) return;
    const since = Date.now();
    const witnessMonitor = d.functions.find(d.config.regions.witness, '/HealthMonitor/Function');
    const monitorA = d.functions.find(a, '/HealthMonitor/Function');
    const controlTable = d.world.tables.controlState;
    const quorums = d.config.regions.active.map((r) => d.functions.find(r, '/Quorum/Function'));
    const errorsBefore = quorums.reduce((n, q) => n + q.stats.errors, 0);
    let throttleTimer: NodeJS.Timeout | undefined;
    let longestBadMs = 0;
    try {
      d.events.setFaults({ duplicate: true, maxDelayMs: MAX_EVENT_DELAY_MS });
      ctx.mark('fault', `every event delivered twice, up to ${MAX_EVENT_DELAY_MS} ms out of order`, 'fault');
      witnessMonitor.setClockSkew(SKEW_MS);
      ctx.mark('fault', `witness monitor clock +${SKEW_MS / 1000} s`, 'fault');

      const killed = monitorA.crashRunning('oldest');
      const killAt = ctx.mark('fault', `${a} monitor killed mid-loop (${killed} run)`, 'fault');

      d.world
        .region(a)
        .setFaults({ throttle: true, throttleWritesOnly: true, throttleTables: [controlTable] });
      ctx.mark('fault', `${a} ControlState writes throttled for ${THROTTLE_MS / 1000} s`, 'fault');
      // Lifted on a timer, not at a flap-cycle boundary: a slow machine stretches the cycles, and
      // throttling past compareAndSet's 10 s throttle budget would be a different fault.
      throttleTimer = setTimeout(() => {
        d.world.region(a).setFaults({});
        ctx.mark('fault', `${a} ControlState throttling lifted`, 'recovery');
      }, THROTTLE_MS);
      const flapEdge = d.region(a).edges[0];
      if (flapEdge === undefined) throw new Error(`no edge in ${a}`);
      ctx.mark(
        'fault',
        `${a} edge a flaps: 503 for ${FLAP_BAD_MS} ms every ${FLAP_CYCLE_MS / 1000} s`,
        'fault',
      );
      let switchMs = 0;
      for (let cycle = 0; cycle < FLAP_CYCLES; cycle++) {
        const label = `flapping edge, cycle ${cycle + 1}/${FLAP_CYCLES}`;
        const badFrom = Date.now();
        await flapEdge.setReply(503);
        await ctx.hold(Math.max(0, FLAP_BAD_MS - (Date.now() - badFrom) - switchMs), label);
        const backAt = Date.now();
        await flapEdge.setReply(200);
        const badUntil = Date.now();
        switchMs = Math.max(switchMs, badUntil - backAt);
        // At most this long: from before the 503 took effect to after the 200 did.
        longestBadMs = Math.max(longestBadMs, badUntil - badFrom);
        await ctx.hold(Math.max(0, FLAP_CYCLE_MS - (badUntil - badFrom)), label);
      }
      d.world.region(a).setFaults({});
      ctx.mark('fault', 'flapping stopped', 'recovery');

      const takeover = await ctx.waitFor(
        `the next ${a} monitor run takes over (schedule every minute)`,
        () => ctx.observer.find('RegionHealthVote', killAt + 1000, (x) => x.observer === a)[0],
        75_000,
        200,
      );
      if (takeover) ctx.mark(`monitor ${a}`, 'next run votes again', 'recovery', takeover.value.at);
      ctx.timing('kill-to-takeover', killAt, takeover?.value.at);
      ctx.expect(
        `the next ${a} monitor run takes over`,
        takeover !== undefined,
        'votes again within 75 s',
        seconds(takeover ? takeover.value.at - killAt : null),
      );
    } finally {
      clearTimeout(throttleTimer);
      d.events.setFaults({});
      witnessMonitor.setClockSkew(0);
      d.world.region(a).setFaults({});
      await d.region(a).edges[0]?.setReply(200);
    }
    await ctx.hold(3000, 'settling');
    ctx.mark('fault', `longest 503 window of the flapping edge: at most ${longestBadMs} ms`, 'observation');
    const changes = rotationChanges(ctx, since);
    for (const c of changes)
      ctx.mark(
        'quorum',
        `decision epoch ${String(c.detail.epoch)}: ${(c.detail.inRotation as string[]).join(', ')}`,
        'observation',
        c.at,
      );
    ctx.expect(
      'noise changes nothing: no rotation change',
      changes.length === 0,
      '0 decisions',
      changes.length === 0
        ? '0'
        : `${changes.length}: ${changes
            .map(
              (c) =>
                `epoch ${String(c.detail.epoch)} -> [${(c.detail.inRotation as string[]).join(', ')}] ${JSON.stringify(c.detail.reasons)}`,
            )
            .join('; ')}`,
    );
    const healthy = (await Promise.all(d.config.regions.active.map((r) => health(d, r)))).every(
      (s) => s === 200,
    );
    ctx.expect(
      'both regions still in rotation',
      healthy,
      'both health endpoints 200',
      healthy ? 'both 200' : 'not both 200',
    );
    const errors = quorums.reduce((n, q) => n + q.stats.errors, 0) - errorsBefore;
    ctx.expect(
      'quorum takes duplicated and re-ordered events without failing an invocation',
      errors === 0,
      '0 failed quorum invocations',
      String(errors),
    );
    checkRotationFloor(ctx, since);
  },
};
