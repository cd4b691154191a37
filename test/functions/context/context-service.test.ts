import { describe, expect, it } from 'vitest';
import { contextSchema } from '../../../config/schema.js';
import {
  type ContextServiceDeps,
  fetchContext,
  saveContext,
} from '../../../functions/context/context-service.js';
import type { ContextStore, StoredContext } from '../../../functions/context/context-store.js';
import type { CrmEvent } from '../../../functions/context/crm-event.js';
import type { CrmEventStore } from '../../../functions/context/crm-event-store.js';
import { tokenKeyring } from '../../../functions/context/token-keys.js';
import { memoryPublisher } from '../../../functions/shared/publisher.js';

/**
 * The fetch rules' edge cases on in-memory ports (the DynamoDB paths are covered against DynamoDB Local
 * in test/integration/context): which source is asked, in which order, and what a failure of one does.
 */

const HERE = 'us-east-1';
const PEER = 'us-west-2';
const NOW = Date.parse('2025-06-15T12:00:00Z');
const settings = contextSchema.parse({});
const keys = tokenKeyring(['unit-test-token-secret-0123456789abcdef']);

function memoryStore(): ContextStore & { items: Map<string, StoredContext>; reads: number } {
  const items = new Map<string, StoredContext>();
  const store = {
    items,
    reads: 0,
    async get(id: string, nowMs: number) {
      store.reads++;
      const item = items.get(id);
      return item && item.expiresAt * 1000 > nowMs ? item : undefined;
    },
    async save(
      context: StoredContext['context'],
      o: { nowMs: number; ttlSeconds: number; originRegion: string },
    ) {
      const version = (items.get(context.conversationId)?.version ?? 0) + 1;
      const saved = {
        conversationId: context.conversationId,
        version,
        context,
        originRegion: o.originRegion,
        savedAt: new Date(o.nowMs).toISOString(),
        expiresAt: Math.ceil(o.nowMs / 1000) + o.ttlSeconds,
      };
      items.set(context.conversationId, saved);
      return saved;
    },
  };
  return store;
}

function crmStore(events: CrmEvent[] = []): CrmEventStore {
  return {
    accept: async () => 'accepted',
    list: async () => ({ events, invalid: 0, truncated: false }),
  };
}

function deps(overrides: Partial<ContextServiceDeps> = {}) {
  const warnings: string[] = [];
  const local = memoryStore();
  const peer = memoryStore();
  const publisher = memoryPublisher();
  const d: ContextServiceDeps = {
    env: 'dev',
    region: HERE,
    settings,
    tokenKeys: async () => keys,
    local,
    origin: (r) => (r === PEER ? peer : undefined),
    crm: crmStore(),
    publisher,
    eventBusName: 'bus',
    logger: { info: () => undefined, warn: (m: string) => void warnings.push(m) },
    ...overrides,
  };
  return { d, local, peer, publisher, warnings };
}

const context = { conversationId: 'conv-1', ivrSelections: [], crm: {}, queuePosition: null, attributes: {} };
const queueEvent: CrmEvent = {
  eventId: 'e1',
  conversationId: 'conv-1',
  occurredAt: new Date(NOW).toISOString(),
  type: 'queue.position',
  data: { queue: 'q', position: 2 },
};

describe('fetchContext', () => {
  it('serves an older saved version, marked partial, when neither the origin nor CRM has anything', async () => {
    // Prepare: v1 replicated here; v2 saved at the peer, then the peer became unreachable.
    const here = deps({ region: HERE });
    await here.local.save(context, { nowMs: NOW, ttlSeconds: 300, originRegion: PEER });
    const peer = deps({ region: PEER, local: here.peer });
    await peer.d.local.save(context, { nowMs: NOW, ttlSeconds: 300, originRegion: PEER });
    const { token } = await saveContext({ ...context, attributes: { a: 'b' } }, peer.d, NOW);
    here.peer.get = async () => {
      throw Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    };

    // Act
    const got = await fetchContext(token, here.d, NOW + 1000);

    // Assess
    expect(got).toMatchObject({ source: 'cache', partial: true, version: 1 });
    expect(here.warnings).toEqual(['origin replica read failed']);
  });

  it('does not read the origin replica for a token issued in this region', async () => {
    const { d, local, peer } = deps();
    const { token } = await saveContext(context, d, NOW);
    local.items.clear();

    await expect(fetchContext(token, d, NOW + 1000)).rejects.toMatchObject({ status: 404 });
    expect(peer.reads).toBe(0);
  });

  it('does not read the origin replica once the token is older than the replication budget', async () => {
    const here = deps();
    const there = deps({ region: PEER, local: here.peer });
    const { token } = await saveContext(context, there.d, NOW);

    await expect(
      fetchContext(token, here.d, NOW + settings.replicationBudgetMs + 1000),
    ).rejects.toMatchObject({
      status: 404,
      code: 'context_not_found',
    });
    expect(here.peer.reads).toBe(0);
  });

  it("tries the peer replica, then the CRM events, when this region's replica fails", async () => {
    // Prepare: a token issued here; this region's replica throws, the peer's never got the context
    const { d, local, peer, warnings } = deps({ peerRegion: PEER, crm: crmStore([queueEvent]) });
    const { token } = await saveContext(context, d, NOW);
    local.get = async () => {
      throw Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    };

    // Act
    const got = await fetchContext(token, d, NOW + 1000);

    // Assess
    expect(peer.reads).toBe(1);
    expect(got).toMatchObject({ source: 'crm', partial: true, conversationId: 'conv-1' });
    expect(warnings).toEqual(['local replica read failed']);
  });

  it('still answers from CRM events when ContextReconstructed cannot be published', async () => {
    // Prepare
    const { d, warnings } = deps({
      crm: crmStore([queueEvent]),
      publisher: { publish: async () => Promise.reject(new Error('throttled')) },
    });
    const { token } = await saveContext(context, d, NOW);

    // Act
    const got = await fetchContext(token, d, NOW + (settings.contextTtlSeconds + 1) * 1000);

    // Assess
    expect(got).toMatchObject({ source: 'crm', partial: true, missing: ['crm', 'ivrSelections'] });
    expect(warnings).toEqual(['could not publish ContextReconstructed']);
  });

  describe('the CRM events of a token older than the context TTL', () => {
    const late = NOW + (settings.contextTtlSeconds + 1) * 1000;

    /** A CRM store whose reads are counted and whose answer the test releases. */
    function gatedCrm(answer: () => Promise<CrmEvent[]>) {
      const gate: { calls: number; release: () => void } = { calls: 0, release: () => undefined };
      const opened = new Promise<void>((resolve) => {
        gate.release = resolve;
      });
      const store: CrmEventStore = {
        accept: async () => 'accepted',
        list: async () => {
          gate.calls++;
          await opened;
          return { events: await answer(), invalid: 0, truncated: false };
        },
      };
      return { gate, store };
    }

    it("reads them while this region's replica is still answering", async () => {
      // Prepare: the replica answers only once the CRM read has started.
      const { gate, store } = gatedCrm(async () => [queueEvent]);
      const { d, local, publisher } = deps({ crm: store });
      const { token } = await saveContext(context, d, NOW);
      const get = local.get.bind(local);
      let crmStartedFirst = false;
      local.get = async (id, nowMs) => {
        await Promise.resolve();
        crmStartedFirst = gate.calls === 1;
        gate.release();
        return get(id, nowMs);
      };

      // Act
      const got = await fetchContext(token, d, late);

      // Assess
      expect(crmStartedFirst).toBe(true);
      expect(got).toMatchObject({ source: 'crm', partial: true });
      expect(publisher.published).toHaveLength(1);
    });

    it('still prefers a later save of the context this region holds, and publishes nothing', async () => {
      // Prepare: the token names version 1; version 2 was saved later and is live.
      const { gate, store } = gatedCrm(async () => [queueEvent]);
      const { d, publisher } = deps({ crm: store });
      const { token } = await saveContext(context, d, NOW);
      await saveContext({ ...context, attributes: { a: 'b' } }, d, late - 1000);
      gate.release();

      // Act
      const got = await fetchContext(token, d, late);

      // Assess
      expect(got).toMatchObject({ source: 'cache', partial: false, version: 2 });
      expect(publisher.published).toEqual([]);
    });

    it('ignores a failed early read when the replica had the context', async () => {
      const { gate, store } = gatedCrm(() => Promise.reject(new Error('throttled')));
      const { d, warnings } = deps({ crm: store });
      const { token } = await saveContext(context, d, NOW);
      await saveContext(context, d, late - 1000);
      gate.release();

      await expect(fetchContext(token, d, late)).resolves.toMatchObject({ source: 'cache', version: 2 });
      expect(gate.calls).toBe(1);
      expect(warnings).toEqual([]);
    });

    it('reports a failed early read when the context had to be rebuilt', async () => {
      const { gate, store } = gatedCrm(() => Promise.reject(new Error('throttled')));
      const { d, warnings } = deps({ crm: store });
      const { token } = await saveContext(context, d, NOW);
      gate.release();

      await expect(fetchContext(token, d, late)).rejects.toMatchObject({
        status: 503,
        code: 'context_store_unavailable',
      });
      expect(warnings).toEqual(['CRM events read failed']);
    });

    it('does not read them for a token younger than the context TTL whose context is here', async () => {
      const { gate, store } = gatedCrm(async () => [queueEvent]);
      const { d } = deps({ crm: store });
      const { token } = await saveContext(context, d, NOW);

      await expect(fetchContext(token, d, NOW + 1000)).resolves.toMatchObject({ source: 'cache' });
      expect(gate.calls).toBe(0);
    });
  });

  it('rejects a token of another environment with the one 401 answer', async () => {
    const { token } = await saveContext(context, deps({ env: 'staging' }).d, NOW);

    await expect(fetchContext(token, deps().d, NOW)).rejects.toMatchObject({
      status: 401,
      message: 'the transfer context token is not valid or has expired',
    });
  });
});

describe('saveContext', () => {
  it('issues a token that outlives the context by the CRM event TTL', async () => {
    const saved = await saveContext(context, deps().d, NOW);

    expect(Date.parse(saved.expiresAt) - NOW).toBe(settings.contextTtlSeconds * 1000);
    expect(Date.parse(saved.tokenExpiresAt) - NOW).toBe(settings.crmEventTtlHours * 3600 * 1000);
  });
});
