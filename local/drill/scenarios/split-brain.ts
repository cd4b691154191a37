import {
  checkRotationFloor,
  health,
  regionPair,
  rotationChanges,
  sipAnswerRegion,
  steadyState,
} from '../checks.js';
import { hasContextItem, saveContext } from '../flows.js';
import { formatSeconds as seconds } from '../report/stats.js';
import type { Scenario } from '../scenario.js';

/**
 * DESIGN.md section 9, case 2: both SIP edges stay healthy, but the replication link is cut both ways
 * and region B loses its path to ControlState (MRSC quorum). B must fence itself (health 503), A keeps
 * the traffic, nothing accepted is lost, and B returns after the heal plus the failback dwell.
 */
export const splitBrain: Scenario = {
  name: 'split-brain',
  title: 'Split brain: replication cut and region B partitioned from ControlState, edges healthy',
  async run(ctx) {
    const d = ctx.deployment;
    const { a, b } = regionPair(d);
    if (!(await steadyState(ctx))) return;
    const since = Date.now();
    const before = await saveContext(d, a, 'split-before');

    const fault = ctx.mark('fault', `replication cut both ways; ${b} loses ControlState quorum`, 'fault');
    d.world.replication.cut(a, b);
    d.world.replication.cut(b, a);
    d.world.partition(b);

    const fenced = await ctx.waitFor(
      `${b} fences itself (health 503)`,
      async () => (await health(d, b)) === 503,
      20_000,
      100,
    );
    if (fenced) ctx.mark(`health ${b}`, 'fenced: health endpoint 503', 'observation', fenced.at);
    const aHealth = await health(d, a);
    const dns = await ctx.waitFor(
      `DNS sending ${b}'s callers to ${a}`,
      () => sipAnswerRegion(d, b) === a,
      60_000,
      100,
    );
    if (dns) ctx.mark('dns', `sip answers ${a} for ${b}'s callers`, 'observation', dns.at);
    const during = await saveContext(d, a, 'split-during');
    ctx.mark('api', `context saved in ${a} during the split (${during.status})`, 'note');
    ctx.timing('fault-to-fenced-503', fault, fenced?.at);
    ctx.timing('fault-to-DNS-answer-changed', fault, dns?.at);
    ctx.expect(
      `${b} fences itself`,
      fenced !== undefined,
      `${b} health 503`,
      seconds(fenced ? fenced.at - fault : null),
    );
    ctx.expect(
      `${a} keeps traffic`,
      aHealth === 200 && sipAnswerRegion(d, a) === a,
      `${a} 200 and answered`,
      `${a} health ${aHealth}`,
    );
    ctx.expect(
      `DNS moves ${b}'s callers to ${a}`,
      dns !== undefined,
      `sip.<zone> -> ${a}`,
      seconds(dns ? dns.at - fault : null),
    );
    ctx.expect(
      'saves keep working in the majority region',
      during.status === 201,
      '201',
      String(during.status),
    );
    await ctx.hold(5000, 'split held');

    const heal = ctx.mark('fault', 'partition healed, replication restored', 'recovery');
    d.world.heal(b);
    d.world.replication.restore(a, b);
    d.world.replication.restore(b, a);
    const healthy = await ctx.waitFor(
      `${b} back: health 200 after the heal and the ${d.config.quorum.failbackDwellSeconds} s dwell`,
      async () => (await health(d, b)) === 200,
      d.config.quorum.failbackDwellSeconds * 1000 + 90_000,
      200,
    );
    if (healthy) ctx.mark(`health ${b}`, 'health endpoint 200', 'recovery', healthy.at);
    const dnsBack = await ctx.waitFor(
      `DNS answering ${b} to its callers again`,
      () => sipAnswerRegion(d, b) === b,
      180_000,
      250,
    );
    if (dnsBack) ctx.mark('dns', `sip answers ${b} again`, 'recovery', dnsBack.at);
    ctx.timing('heal-to-endpoint-200', heal, healthy?.at);
    ctx.timing('heal-to-DNS-answer-back', heal, dnsBack?.at);
    ctx.expect(
      `${b} comes back`,
      healthy !== undefined && dnsBack !== undefined,
      'health 200 and DNS answer',
      seconds(dnsBack ? dnsBack.at - heal : null),
    );

    // Raw replica reads: the contexts may have outlived their TTL by now, but the items must be there.
    const lost: string[] = [];
    for (const saved of [before, during]) {
      if (saved.status !== 201) continue;
      const arrived = await ctx.waitFor(
        `${saved.label} replicated to ${b}`,
        () => hasContextItem(d, b, saved.conversationId),
        15_000,
        250,
      );
      if (arrived === undefined) lost.push(saved.label);
    }
    ctx.expect(
      'nothing accepted is lost',
      lost.length === 0,
      'every context saved in A is in B’s replica after the heal',
      lost.length === 0 ? 'all there' : `missing: ${lost.join(', ')}`,
    );
    ctx.mark('fault', `decisions during the drill: ${rotationChanges(ctx, since).length}`, 'note');
    checkRotationFloor(ctx, since);
  },
};
