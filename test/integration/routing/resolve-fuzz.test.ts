import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';
import type { Response } from '../context/harness.js';
import { EAST, resolveApi, seedDirectory } from './resolve-harness.js';

/**
 * `POST /routing/resolve` against 1,000+ generated malformed requests through the real handler and
 * DynamoDB Local: never a 5xx, never a stack trace, every error in the `{"error":{"code","message"}}`
 * shape, and the generators reach past parsing (some answers are 200, 404 or 400 from the service).
 */

let world: LocalWorld;
let api: ReturnType<typeof resolveApi>;
const clock = { now: Date.now() };
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const seen = new Map<string, number>();

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  world = await startLocalWorld({ env: 'dev' });
  await seedDirectory(world);
  api = resolveApi(world, EAST, clock);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await world?.stop();
});

function assertWellFormed(r: Response): void {
  const error = r.body?.error as { code?: unknown; message?: unknown } | undefined;
  const key = r.status >= 400 ? `${r.status} ${String(error?.code)}` : String(r.status);
  seen.set(key, (seen.get(key) ?? 0) + 1);
  expect(r.status).toBeGreaterThanOrEqual(200);
  expect(r.status).toBeLessThan(500);
  if (r.status >= 400) {
    expect(Object.keys(r.body)).toEqual(['error']);
    expect(typeof error?.code).toBe('string');
    expect(typeof error?.message).toBe('string');
    expect(JSON.stringify(r.body)).not.toMatch(/\n\s+at |\.ts:\d+|Exception/);
  }
}

const valid = { conversationId: 'c-1', queue: 'PRIMARY_SUPPORT_QUEUE', callerRegion: EAST, priority: 1 };

const fieldValue = fc.oneof(
  fc.anything(),
  fc.string({ maxLength: 300 }),
  fc.constantFrom(
    '',
    'PRIMARY_SUPPORT_QUEUE',
    'primary',
    'us-east-1',
    'eu-west-9',
    '../etc',
    '#',
    'A'.repeat(5000),
  ),
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, [], {}, -1, 1e12, Number.NaN),
);

const body = fc.oneof(
  // well-formed, the service decides: an unknown queue, a region that is not active, priorities
  fc
    .record({
      queue: fc.constantFrom('PRIMARY_SUPPORT_QUEUE', 'SECONDARY_SUPPORT_QUEUE', 'NO_SUCH_QUEUE'),
      callerRegion: fc.constantFrom('us-east-1', 'us-west-2', 'eu-west-1'),
      priority: fc.integer({ min: 0, max: 1_000_000 }),
      skills: fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 3 }),
    })
    .map((b) => JSON.stringify({ ...b, conversationId: `c-${Math.random()}` })),
  // a valid body with one field replaced, removed or added
  fc
    .record({
      field: fc.constantFrom('conversationId', 'queue', 'callerRegion', 'priority', 'skills', 'extra'),
      value: fieldValue,
      drop: fc.boolean(),
    })
    .map(({ field, value, drop }) => {
      const b: Record<string, unknown> = { ...valid, conversationId: `c-${Math.random()}` };
      if (drop) delete b[field];
      else b[field] = value;
      return JSON.stringify(b);
    }),
  fc.anything().map((v) => JSON.stringify(v) ?? 'undefined'),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{',
    '{"queue":',
    'null',
    '[]',
    '""',
    '{"conversationId":"c","queue":"Q"}',
    'x'.repeat(5000),
  ),
);

describe('POST /routing/resolve fuzz', () => {
  it('never answers 5xx or leaks internals for 1,000 malformed requests', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8'),
        async (b, type) => {
          assertWellFormed(await api.post(b, { 'content-type': type }));
        },
      ),
      { numRuns: 1000 },
    );
    expect(unhandled).toEqual([]);
    // The generators reach the service, not only the parser.
    expect([...seen.keys()]).toEqual(
      expect.arrayContaining(['200', '400 invalid_body', '400 invalid_request', '404 unknown_queue']),
    );
  });

  it('refuses a request without the routing:resolve scope or key', async () => {
    const none = await api.post(valid, { authorization: '' });
    expect(none.status).toBe(401);
  });
});
