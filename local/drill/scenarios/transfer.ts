import { randomUUID } from 'node:crypto';
import { regionPair } from '../checks.js';
import { fetchContext, saveContext, sendCrmEvent } from '../flows.js';
import { formatSeconds as seconds } from '../report/stats.js';
import type { Scenario } from '../scenario.js';

/**
 * DESIGN.md section 9, case 3: an agent in A transfers to B. B gets the whole context by token while
 * replication is cut (the origin read); after the context's TTL it is rebuilt from the signed CRM
 * webhooks B received; a forged token gets 401.
 */
export const transfer: Scenario = {
  name: 'transfer',
  title: 'Cross-region transfer under failure: A saves, B reads by token with replication cut, then from CRM',
  async run(ctx) {
    const d = ctx.deployment;
    const { a, b } = regionPair(d);
    const ttlMs = d.config.context.contextTtlSeconds * 1000;
    // Warm both regions' API functions first: the cut then lasts a fraction of a second, too short to
    // count as replication lag (lagSamples), so the rotation is left alone.
    const warm = await saveContext(d, a, 'warm-up');
    if (warm.token) await fetchContext(d, b, warm.token);
    const fault = ctx.mark('fault', `replication ${a} -> ${b} cut`, 'fault');
    d.world.replication.cut(a, b);
    try {
      const conversationId = randomUUID();
      const saved = await saveContext(d, a, 'transfer', conversationId);
      const savedAt = ctx.mark('api', `${a} saves the context (${saved.status})`, 'observation');
      ctx.expect(
        'the save in A is accepted',
        saved.status === 201 && saved.token !== undefined,
        '201 with a token',
        String(saved.status),
      );
      if (saved.token === undefined) return;
      const read = await fetchContext(d, b, saved.token);
      const readAt = ctx.mark(
        'api',
        `${b} reads by token: ${read.status} from ${String(read.body.source)}`,
        'observation',
      );
      ctx.timing('save-to-read-in-B', savedAt, readAt);
      ctx.expect(
        'B gets the whole context from the origin while replication is cut',
        read.status === 200 && read.body.source === 'origin' && read.body.partial === false,
        '200, source origin, not partial',
        `${read.status}, source ${String(read.body.source)}, partial ${String(read.body.partial)}`,
      );

      const forged = `${saved.token.slice(0, -4)}${saved.token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
      const refused = await fetchContext(d, b, forged);
      ctx.mark('api', `forged token: ${refused.status}`, 'observation');
      ctx.expect('a forged token gets 401', refused.status === 401, '401', String(refused.status));
      d.world.replication.restore(a, b);
      ctx.mark('fault', `replication ${a} -> ${b} restored`, 'recovery');

      const crm = [
        { type: 'contact.updated', data: { id: 'c-transfer', tier: 'gold' } },
        { type: 'ivr.selection', data: { menu: 'main', choice: 'billing' } },
        { type: 'queue.position', data: { queue: 'PRIMARY_SUPPORT_QUEUE', position: 2 } },
      ];
      const accepted = [];
      for (const [i, event] of crm.entries()) {
        const answer = await sendCrmEvent(d, b, {
          eventId: `drill-${conversationId}-${i}`,
          conversationId,
          occurredAt: new Date().toISOString(),
          ...event,
        });
        accepted.push(answer.status);
      }
      ctx.mark('api', `CRM webhooks to ${b}: ${accepted.join(', ')}`, 'observation');
      ctx.expect(
        'signed CRM webhooks are accepted',
        accepted.every((s) => s === 202),
        'all 202',
        accepted.join(', '),
      );

      const expired = saved.body.expiresAt ? Date.parse(String(saved.body.expiresAt)) : Date.now() + ttlMs;
      await ctx.hold(Math.max(0, expired - Date.now()) + 1500, `context TTL (${ttlMs / 1000} s) running out`);
      const rebuilt = await fetchContext(d, b, saved.token);
      const rebuiltAt = ctx.mark(
        'api',
        `${b} reads after TTL: ${rebuilt.status} from ${String(rebuilt.body.source)}`,
        'observation',
      );
      ctx.timing('TTL-to-rebuilt', expired, rebuiltAt);
      const context = rebuilt.body.context as { crm?: { contact?: { id?: string } } } | undefined;
      ctx.expect(
        'after the TTL the context is rebuilt from CRM events',
        rebuilt.status === 200 && rebuilt.body.source === 'crm' && context?.crm?.contact?.id === 'c-transfer',
        '200, source crm, contact from the webhook',
        `${rebuilt.status}, source ${String(rebuilt.body.source)}, after ${seconds(rebuiltAt - fault)}`,
      );
    } finally {
      d.world.replication.restore(a, b);
    }
  },
};
