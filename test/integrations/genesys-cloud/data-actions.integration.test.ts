import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { controlKeys } from '../../../functions/shared/keys.js';
import {
  type DataActionSource,
  fetchContext,
  resolveQueue,
  saveContext,
} from '../../../integrations/genesys-cloud/data-actions/source.js';
import type { LocalWorld } from '../../../local/dynamo/world.js';
import { httpEvent } from '../../functions/shared/lambda-fixtures.js';
import { API_KEY, getEvent, type Response, regionApi } from '../../integration/context/harness.js';
import { useControlWorld } from '../../integration/routing/quorum-fixtures.js';
import { EAST, resolveApi, seedDirectory, WEST } from '../../integration/routing/resolve-harness.js';
import { type ActionResult, applyResponse, renderRequest } from './data-action-runtime.js';

/**
 * The three data actions against the project's real handlers on DynamoDB Local: each request is
 * rendered from the action's templates (URL, headers with the API key from the integration's
 * credentials, body), sent to the route it names, and the real answer goes through the action's
 * translation map and success template and must satisfy its output contract.
 */

const ZONE = 'dev.cc.example.com';

describe('Genesys Cloud data actions against the real handlers', () => {
  let world: LocalWorld;
  useControlWorld((w) => {
    world = w;
  });
  const clock = { now: Date.now() };

  /** Sends what the platform would send for `action` with `input`, to the route its URL names. */
  async function call(action: DataActionSource, input: Record<string, unknown>): Promise<Response> {
    const request = renderRequest(action, input, { apiKey: API_KEY }, ZONE);
    expect(request.url.origin).toBe(`https://api.${ZONE}`);
    // API Gateway hands header names to the function in lower case.
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const route = `${request.method} ${request.url.pathname}`;
    if (route === 'POST /contexts') {
      return regionApi(world, EAST, clock).invoke('create', httpEvent({ body: request.body, headers }));
    }
    if (route === 'POST /routing/resolve') return resolveApi(world, EAST, clock).post(request.body, headers);
    const token = /^GET \/contexts\/([^/]+)$/.exec(route)?.[1];
    if (token !== undefined) {
      return regionApi(world, EAST, clock).invoke('get', getEvent(decodeURIComponent(token), headers));
    }
    throw new Error(`no route for ${route}`);
  }

  async function execute(action: DataActionSource, input: Record<string, unknown>, status: number) {
    const answer = await call(action, input);
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    return { answer: answer.body, result: applyResponse(action, answer.body) };
  }

  function output(result: ActionResult): Record<string, unknown> {
    if (!result.ok) throw new Error(result.error);
    return result.output;
  }

  const fullContext = () => ({
    conversationId: randomUUID(),
    ivrMenu: 'main',
    ivrChoice: 'billing "urgent"',
    queueName: 'support',
    queuePosition: 3,
    crmContactId: 'contact-1',
    crmCaseId: 'case-9',
    attributesJson: '{"language":"en","vip":true}',
  });

  it('saves a context built from flat inputs and gives back the token in the declared shape', async () => {
    const input = fullContext();

    const { answer, result } = await execute(saveContext, input, 201);

    expect(output(result)).toEqual({
      token: answer.token,
      conversationId: input.conversationId,
      version: 1,
      expiresAt: answer.expiresAt,
      tokenExpiresAt: answer.tokenExpiresAt,
    });
  });

  it('saves a context from the conversation id alone (every optional input left empty)', async () => {
    const { result } = await execute(saveContext, { conversationId: randomUUID() }, 201);

    expect(output(result)).toMatchObject({ version: 1 });
  });

  it('fetches a saved context by token, flattened for the flow', async () => {
    const input = fullContext();
    const saved = output((await execute(saveContext, input, 201)).result);

    const { result } = await execute(fetchContext, { token: saved.token }, 200);

    expect(output(result)).toEqual({
      source: 'cache',
      partial: false,
      missing: [],
      conversationId: input.conversationId,
      ivrMenus: ['main'],
      ivrChoices: ['billing "urgent"'],
      queueName: 'support',
      queuePosition: 3,
      crmContactJson: '{"id":"contact-1"}',
      crmCaseJson: '{"id":"case-9"}',
      attributesJson: '{"language":"en","vip":true}',
    });
  });

  it('fetches a context without queue or CRM data with the declared defaults', async () => {
    const conversationId = randomUUID();
    const saved = output((await execute(saveContext, { conversationId }, 201)).result);

    const { result } = await execute(fetchContext, { token: saved.token }, 200);

    expect(output(result)).toMatchObject({
      conversationId,
      ivrMenus: [],
      queueName: '',
      queuePosition: -1,
      crmContactJson: '{}',
      crmCaseJson: '{}',
      attributesJson: '{}',
    });
  });

  it('resolves a queue in the caller region', async () => {
    await seedDirectory(world);

    const { result } = await execute(
      resolveQueue,
      { conversationId: 'conv-da-1', queue: 'PRIMARY_SUPPORT_QUEUE', callerRegion: EAST, priority: 2 },
      200,
    );

    expect(output(result)).toMatchObject({
      region: EAST,
      queueId: 'q-east-primary',
      transferAddress: 'tel:+15550001000',
      sameRegion: true,
      reason: 'caller_region',
      priority: 2,
    });
  });

  it('resolves to the fallback queue when no region qualifies, in the same declared shape', async () => {
    await seedDirectory(world);
    for (const r of [EAST, WEST]) {
      await world.control.doc.send(
        new PutCommand({
          TableName: world.tables.controlState,
          Item: {
            ...controlKeys.lag(r),
            samples: [{ lagMs: 900, atMs: clock.now - 1000, eventId: `e-${r}` }],
            version: 1,
          },
        }),
      );
    }

    const { result } = await execute(
      resolveQueue,
      { conversationId: 'conv-da-fb', queue: 'PRIMARY_SUPPORT_QUEUE', callerRegion: WEST },
      200,
    );

    expect(output(result)).toMatchObject({
      reason: 'fallback',
      resolvedQueue: 'SECONDARY_SUPPORT_QUEUE',
      queueId: 'q-west-secondary',
      sameRegion: true,
      detail: expect.stringMatching(/breaker/),
    });
  });

  describe('fails the contract when a handler answer changes', () => {
    /** A real answer of each action, and a change to it that the action cannot absorb. */
    const cases: [
      string,
      DataActionSource,
      () => Promise<Record<string, unknown>>,
      (a: Record<string, unknown>) => void,
    ][] = [
      [
        'save: token renamed',
        saveContext,
        async () => (await execute(saveContext, { conversationId: randomUUID() }, 201)).answer,
        (a) => {
          a.contextToken = a.token;
          delete a.token;
        },
      ],
      [
        'save: version turned into a string',
        saveContext,
        async () => (await execute(saveContext, { conversationId: randomUUID() }, 201)).answer,
        (a) => {
          a.version = String(a.version);
        },
      ],
      [
        'fetch: context moved under another name',
        fetchContext,
        async () => {
          const saved = output((await execute(saveContext, fullContext(), 201)).result);
          return (await execute(fetchContext, { token: saved.token }, 200)).answer;
        },
        (a) => {
          a.data = a.context;
          delete a.context;
        },
      ],
      [
        'resolve: transferAddress renamed',
        resolveQueue,
        async () => {
          await seedDirectory(world);
          const input = {
            conversationId: `conv-${randomUUID()}`,
            queue: 'PRIMARY_SUPPORT_QUEUE',
            callerRegion: EAST,
          };
          return (await execute(resolveQueue, input, 200)).answer;
        },
        (a) => {
          a.transfer = a.transferAddress;
          delete a.transferAddress;
        },
      ],
      [
        'resolve: sameRegion turned into a string',
        resolveQueue,
        async () => {
          await seedDirectory(world);
          const input = {
            conversationId: `conv-${randomUUID()}`,
            queue: 'PRIMARY_SUPPORT_QUEUE',
            callerRegion: EAST,
          };
          return (await execute(resolveQueue, input, 200)).answer;
        },
        (a) => {
          a.sameRegion = String(a.sameRegion);
        },
      ],
    ];

    it.each(cases)('rejects %s', async (_name, action, realAnswer, change) => {
      const answer = await realAnswer();
      const changed = structuredClone(answer);
      change(changed);

      const before = applyResponse(action, answer);
      const after = applyResponse(action, changed);

      expect(before.ok).toBe(true);
      expect(after.ok).toBe(false);
    });
  });
});
