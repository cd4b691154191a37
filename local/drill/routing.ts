import { randomUUID } from 'node:crypto';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { dynamoCapacityReader } from '../../functions/routing/capacity/reader.js';
import type { QueueSnapshot } from '../../functions/routing/capacity/types.js';
import type { DirectoryEntryInput } from '../../functions/routing/directory/schema.js';
import { dynamoDirectoryStore } from '../../functions/routing/directory/store.js';
import type { Deployment } from './deployment.js';
import { type ApiAnswer, callApi } from './observe.js';

/** What a flow does against `POST /routing/resolve`, and what the platform's partner events bring. */

export const PRIMARY = 'PRIMARY_SUPPORT_QUEUE';
export const SECONDARY = 'SECONDARY_SUPPORT_QUEUE';

/** The platform queue id of a logical queue in a region, as the drill's directory names it. */
export const queueIdOf = (queue: string, region: string) => `drill-${queue.toLowerCase()}-${region}`;

/** The directory the drill runs with: both logical queues in both regions, the primary falling back. */
export async function seedDirectory(d: Deployment): Promise<void> {
  const [a] = d.config.regions.active;
  const store = dynamoDirectoryStore({
    doc: d.world.region(a).doc,
    tableName: d.world.tables.controlState,
    budgetMs: 5000,
  });
  const entry = (name: string, digits: string, fallback?: string): DirectoryEntryInput => ({
    name,
    regions: Object.fromEntries(
      d.config.regions.active.map((r, i) => [
        r,
        { queueId: queueIdOf(name, r), transferAddress: `tel:+1555${i}00${digits}` },
      ]),
    ),
    skills: [],
    ...(fallback ? { fallback } : {}),
  });
  await store.put(entry(SECONDARY, '2000'), { by: 'drill', now: Date.now() });
  await store.put(entry(PRIMARY, '1000', SECONDARY), { by: 'drill', now: Date.now() });
}

/**
 * `POST /routing/resolve` in `region` as a flow's data action calls it: an answer in {@link RETRIED}
 * is asked again, up to {@link RESOLVE_ATTEMPTS} calls in all.
 */
export async function resolve(
  d: Deployment,
  region: string,
  conversationId: string,
  callerRegion: string,
  priority = 0,
): Promise<ApiAnswer & { readonly attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    // A call that gets no answer in time (the client's 10 s) is status 0, as a data action's timeout.
    const answer = await callApi(d.region(region).api.url, 'POST', '/routing/resolve', {
      body: JSON.stringify({ conversationId, queue: PRIMARY, callerRegion, priority }),
      headers: { authorization: `Bearer ${d.apiKey}`, 'content-type': 'application/json' },
    }).catch((error: unknown) => ({ status: 0, body: { error: String(error) } }) as ApiAnswer);
    if (!RETRIED.has(answer.status) || attempt >= RESOLVE_ATTEMPTS) return { ...answer, attempts: attempt };
    const after = Number(answer.headers?.['retry-after'] ?? 1);
    const floor = Math.min(5, Number.isFinite(after) ? after : 1);
    // Retry-After, growing with each attempt (capped at 8 s), with full jitter on top.
    const wait = (Math.min(8, floor * 2 ** (attempt - 1)) + Math.random() * 2) * 1000;
    await new Promise((r) => setTimeout(r, wait));
  }
}

export const newConversation = () => randomUUID();

const RESOLVE_ATTEMPTS = 12;
/**
 * Answers a data action asks again: 503 (this region could not reach ControlState in budget), 429 (the
 * function's concurrency: ten environments per function here, as `maxEnvironments`), 0 (no answer in
 * time). Waits the Retry-After (else 1 s), doubled per attempt up to 8 s, plus up to 2 s of jitter.
 */
const RETRIED = new Set([0, 429, 503]);

/** The org whose callers `region` takes (config.platform.orgs[].region). */
function orgOf(d: Deployment, region: string) {
  const org = d.config.platform.orgs.find((o) => o.region === region && o.eventSourceName);
  if (!org?.eventSourceName)
    throw new Error(`no platform org with an event source takes ${region}'s callers`);
  return { ...org, eventSourceName: org.eventSourceName };
}

/** A platform notification as the EventBridge integration delivers it (docs/research/genesys-routing-facts.md). */
function partnerEntry(source: string, template: string, topicName: string, eventBody: unknown, at: number) {
  return {
    Source: source,
    DetailType: template,
    Detail: JSON.stringify({
      topicName,
      version: '2',
      eventBody,
      metadata: { CorrelationId: randomUUID() },
      timestamp: new Date(at).toISOString(),
    }),
  } satisfies PutEventsRequestEntry;
}

/**
 * `agents` agents of `region`'s org join the region's primary queue, go On Queue and idle: the events a
 * shift start produces, on the org's partner event bus.
 */
export async function staffPrimary(d: Deployment, region: string, agents: number): Promise<void> {
  const org = orgOf(d, region);
  const queueId = queueIdOf(PRIMARY, region);
  const at = Date.now();
  const entries: PutEventsRequestEntry[] = [];
  for (let i = 0; i < agents; i++) {
    const userId = `drill-agent-${region}-${i}`;
    entries.push(
      partnerEntry(
        org.eventSourceName,
        'v2.routing.queues.{id}.users',
        `v2.routing.queues.${queueId}.users`,
        { id: userId, user: { id: userId }, queueId, joined: true },
        at,
      ),
      partnerEntry(
        org.eventSourceName,
        'v2.users.{id}.presence',
        `v2.users.${userId}.presence`,
        {
          source: 'PURECLOUD',
          presenceDefinition: { id: 'drill-on-queue', systemPresence: 'On Queue' },
          primary: true,
          message: '',
          modifiedDate: new Date(at).toISOString(),
        },
        at,
      ),
      partnerEntry(
        org.eventSourceName,
        'v2.users.{id}.routingStatus',
        `v2.users.${userId}.routingStatus`,
        {
          id: userId,
          routingStatus: { status: 'IDLE', startTime: new Date(at).toISOString() },
        },
        at,
      ),
    );
  }
  // As a shift starts: agent after agent, not all in one millisecond (on this machine a burst would
  // cold-start ten ingest environments at once and stall DynamoDB Local).
  for (const entry of entries) {
    await d.bus.putPartner(region, [entry]);
    await new Promise((r) => setTimeout(r, EVENT_SPACING_MS));
  }
}

const EVENT_SPACING_MS = 250;

/**
 * One routing-status event of a user in no queue: its ingest writes the agent item only, so the ingest
 * function of `region` is started before the scenario's events arrive.
 */
export async function warmIngest(d: Deployment, region: string): Promise<void> {
  const org = orgOf(d, region);
  const userId = `drill-warmup-${region}`;
  const at = Date.now();
  await d.bus.putPartner(region, [
    partnerEntry(
      org.eventSourceName,
      'v2.users.{id}.routingStatus',
      `v2.users.${userId}.routingStatus`,
      { id: userId, routingStatus: { status: 'OFF_QUEUE', startTime: new Date(at).toISOString() } },
      at,
    ),
  ]);
}

/** The primary queue's capacity snapshot in `region`, as resolve reads it. */
export function primarySnapshot(d: Deployment, region: string): Promise<QueueSnapshot> {
  const reader = dynamoCapacityReader({
    doc: d.world.region(region).doc,
    tableName: d.world.tables.controlState,
    budgetMs: 5000,
  });
  return reader.read(region, queueIdOf(PRIMARY, region));
}
