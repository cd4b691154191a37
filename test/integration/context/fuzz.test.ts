import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRM_SIGNATURE_HEADER, signWebhook } from '../../../functions/context/webhook-signature.js';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';
import { httpEvent } from '../../functions/shared/lambda-fixtures.js';
import {
  API_KEY,
  type Clock,
  getEvent,
  type RegionApi,
  type Response,
  regionApi,
  WEBHOOK_SECRET,
  webhookEvent,
} from './harness.js';

/**
 * Every route against generated malformed requests, through the real handlers and DynamoDB Local:
 * never a 5xx, never an unhandled rejection, every error in the `{"error":{"code","message"}}` shape.
 */

const RUNS = 1000;
let world: LocalWorld;
const clock: Clock = { now: Date.now() };
let api: RegionApi;
let validToken = '';
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  world = await startLocalWorld({ env: 'dev' });
  api = regionApi(world, world.regions[0] ?? '', clock);
  const saved = await api.save({ conversationId: 'fuzz-conversation' });
  validToken = String(saved.body.token);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await world?.stop();
});

/**
 * Answers seen per route (the status of a success, the code of an error): the generators must reach
 * past auth and parsing, or the fuzz proves little.
 */
const seen = new Map<string, Map<string, number>>();

function assertWellFormed(r: Response, route: string): void {
  const error = r.body?.error as { code?: unknown; message?: unknown } | undefined;
  const answer = r.status >= 400 ? String(error?.code) : String(r.status);
  const tally = seen.get(route) ?? new Map<string, number>();
  tally.set(answer, (tally.get(answer) ?? 0) + 1);
  seen.set(route, tally);
  expect(r.status).toBeGreaterThanOrEqual(200);
  expect(r.status).toBeLessThan(500);
  if (r.status >= 400) {
    // code and message, and at most a public detail such as `omitted` or `scope`
    expect(Object.keys(r.body)).toEqual(['error']);
    expect(error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(String(error?.message)).not.toMatch(/at .+\.(ts|js):\d+/);
  }
}

const authHeader = fc.oneof(
  { weight: 6, arbitrary: fc.constant(`Bearer ${API_KEY}`) },
  fc.constant(undefined),
  fc.string(),
  fc.string().map((s) => `Bearer ${s}`),
  fc.constant(`bearer ${API_KEY}  `),
);
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  fc.constant(undefined),
  fc.constantFrom('text/plain', 'application/xml', 'application/json; charset=utf-8', 'multipart/form-data'),
  fc.string(),
);
const name = fc.string({ minLength: 1, maxLength: 12 });
const validContext = fc.record({
  conversationId: fc.uuid(),
  ivrSelections: fc.array(fc.record({ menu: name, choice: name }), { maxLength: 3 }),
  crm: fc.record({ contact: fc.dictionary(name, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }) }),
  queuePosition: fc.option(fc.record({ queue: name, position: fc.nat() }), { nil: null }),
  attributes: fc.dictionary(name, fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean()), {
    maxKeys: 4,
  }),
});
/** A valid context with one field replaced by anything at all (or an unknown field added). */
const brokenContext = fc
  .tuple(
    validContext,
    fc.constantFrom(
      'conversationId',
      'ivrSelections',
      'crm',
      'queuePosition',
      'attributes',
      'expectedVersion',
      'x',
    ),
    fc.oneof(fc.anything(), fc.double(), fc.string(), fc.constant('a#b')),
  )
  .map(([c, key, value]) => ({ ...c, [key]: value }));
const contextBody = fc.oneof(validContext, brokenContext).map((c) => JSON.stringify(c));
const bodyText = fc.oneof(
  fc.json(),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constant('{"conversationId":'),
  fc.nat(20_000).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
);
const headerBag = fc.oneof(
  { weight: 4, arbitrary: fc.constant({}) },
  fc.dictionary(
    fc.constantFrom(
      'x-forwarded-for',
      'authorization',
      'content-type',
      'Content-Type',
      CRM_SIGNATURE_HEADER,
      'x-a',
    ),
    fc.string(),
    { maxKeys: 3 },
  ),
);

/** The run reached the success path and several distinct rejections, so it tested more than the first check. */
function expectCoverage(route: string, success: number): void {
  const answers = [...(seen.get(route)?.keys() ?? [])];
  expect(answers).toContain(String(success));
  expect(answers.filter((a) => !/^\d+$/.test(a)).length).toBeGreaterThanOrEqual(2);
}

function withHeaders(base: Record<string, string | undefined>, extra: Record<string, string>) {
  const headers: Record<string, string> = { ...extra };
  for (const [k, v] of Object.entries(base)) if (v !== undefined) headers[k] = v;
  return headers;
}

describe('fuzzing the context API', () => {
  it(`POST /contexts answers ${RUNS} malformed requests with a 4xx (or success) in the error shape`, async () => {
    await fc.assert(
      fc.asyncProperty(
        authHeader,
        contentType,
        fc.option(fc.oneof({ weight: 4, arbitrary: contextBody }, bodyText), { nil: undefined }),
        fc.boolean(),
        headerBag,
        async (auth, type, body, base64, extra) => {
          const encoded = base64 && body !== undefined ? Buffer.from(body).toString('base64') : body;
          const event = httpEvent({
            headers: withHeaders({ authorization: auth, 'content-type': type }, extra),
            isBase64Encoded: base64,
            ...(encoded === undefined ? {} : { body: encoded }),
          });
          assertWellFormed(await api.invoke('create', event), 'create');
        },
      ),
      { numRuns: RUNS },
    );
    expect(unhandled).toEqual([]);
    expectCoverage('create', 201);
  });

  it(`GET /contexts/{token} answers ${RUNS} malformed requests with a 4xx (or success) in the error shape`, async () => {
    const mutated = fc
      .tuple(fc.nat(validToken.length - 1), fc.constantFrom(...'AZaz09-_=+/.%'))
      .map(([i, c]) => validToken.slice(0, i) + c + validToken.slice(i + 1));
    const token = fc.oneof(
      fc.string(),
      fc.string({ maxLength: 400 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,220}$/),
      mutated,
      fc.constant(validToken.slice(0, -1)),
      fc.constant(validToken),
      fc.constant(undefined),
    );
    await fc.assert(
      fc.asyncProperty(authHeader, token, headerBag, async (auth, t, extra) => {
        const event: APIGatewayProxyEventV2 = getEvent(t, withHeaders({ authorization: auth }, extra));
        assertWellFormed(await api.invoke('get', event), 'get');
      }),
      { numRuns: RUNS },
    );
    expect(unhandled).toEqual([]);
    expectCoverage('get', 200);
  });

  it(`POST /webhooks/crm answers ${RUNS} malformed requests with a 4xx (or success) in the error shape`, async () => {
    const validEvent = fc
      .record({
        eventId: fc.stringMatching(/^[A-Za-z0-9._:-]{1,24}$/),
        conversationId: fc.uuid(),
        occurredAt: fc
          .date({ min: new Date(0), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })
          .map((d) => d.toISOString()),
        payload: fc.oneof(
          fc.record({
            type: fc.constant('contact.updated'),
            data: fc.dictionary(name, fc.jsonValue({ maxDepth: 3 })),
          }),
          fc.record({
            type: fc.constant('attributes.set'),
            data: fc.dictionary(name, fc.oneof(fc.string(), fc.double({ noNaN: true }), fc.constant(null))),
          }),
          fc.record({
            type: fc.constant('queue.position'),
            data: fc.record({ queue: name, position: fc.nat() }),
          }),
        ),
      })
      .map(({ payload, ...envelope }) => ({ ...envelope, ...payload }));
    const brokenEvent = fc
      .tuple(
        validEvent,
        fc.constantFrom('eventId', 'conversationId', 'occurredAt', 'type', 'data', 'x'),
        fc.oneof(fc.anything(), fc.string(), fc.constant('+275760-09-13T00:00:00.000Z'), fc.constant('a#b')),
      )
      .map(([e, key, value]) => ({ ...e, [key]: value }));
    const crmLike = fc.oneof(validEvent, brokenEvent);
    const webhookBody = fc.oneof({ weight: 3, arbitrary: crmLike.map((e) => JSON.stringify(e)) }, bodyText);
    const signature = fc.oneof(
      { weight: 5, arbitrary: fc.constant('valid') },
      fc.constant(undefined),
      fc.string(),
      fc.integer({ min: -100_000, max: 100_000 }).map((s) => `skew:${s}`),
    );
    await fc.assert(
      fc.asyncProperty(webhookBody, signature, contentType, headerBag, async (body, sig, type, extra) => {
        const nowS = Math.floor(clock.now / 1000);
        const header =
          sig === 'valid'
            ? signWebhook(body, WEBHOOK_SECRET, nowS)
            : sig?.startsWith('skew:')
              ? signWebhook(body, WEBHOOK_SECRET, nowS + Number(sig.slice(5)))
              : sig;
        const headers = withHeaders({ 'content-type': type, [CRM_SIGNATURE_HEADER]: header }, extra);
        assertWellFormed(await api.invoke('webhook', webhookEvent(body, headers)), 'webhook');
      }),
      { numRuns: RUNS },
    );
    expect(unhandled).toEqual([]);
    expectCoverage('webhook', 202);
  });
});
