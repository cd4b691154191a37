import { randomUUID } from 'node:crypto';
import type { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { secretNames } from '../../../functions/shared/names.js';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';
import {
  API_KEY,
  apiSecretValues,
  type Clock,
  getEvent,
  hasContext,
  type RegionApi,
  regionApi,
} from './harness.js';

/**
 * Who may do what with the context API: API-key scopes, and one answer for every bad token. The
 * api-keys secret mixes scoped keys with a plain-string key (every scope, as before scopes existed).
 */

const WRITER = 'origin-flow-key-0123456789abcdef';
const READER = 'receiving-flow-key-0123456789abcdef';
const INVALID_TOKEN = {
  error: { code: 'invalid_token', message: 'the transfer context token is not valid or has expired' },
};

let world: LocalWorld;
const clock: Clock = { now: Date.now() };
let api: RegionApi;
let region: string;

beforeAll(async () => {
  world = await startLocalWorld({ env: 'dev' });
  region = world.regions[0] ?? '';
  const values: Record<string, string> = {
    ...apiSecretValues(world.config.env),
    [secretNames(world.config.env).apiKeys]: JSON.stringify({
      keys: [
        API_KEY,
        { key: WRITER, scopes: ['contexts:write'], name: 'origin-flow' },
        { key: READER, scopes: ['contexts:read'], name: 'receiving-flow' },
      ],
    }),
  };
  const secretsClient = {
    send: async (command: GetSecretValueCommand) => ({
      SecretString: values[command.input.SecretId ?? ''],
      $metadata: {},
    }),
  } as unknown as NonNullable<Parameters<typeof regionApi>[3]>['secretsClient'];
  api = regionApi(world, region, clock, { secretsClient });
});

afterAll(async () => {
  await world?.stop();
});

const context = (conversationId = randomUUID()) => ({ conversationId, attributes: { language: 'en' } });

describe('API-key scopes', () => {
  it('lets a write-only key save but answers its read with 403 naming the scope', async () => {
    // Prepare
    const saved = await api.save(context(), WRITER);
    const token = String(saved.body.token);

    // Act
    const readByWriter = await api.fetch(token, WRITER);
    const readByReader = await api.fetch(token, READER);

    // Assess
    expect(saved.status).toBe(201);
    expect(readByWriter.status).toBe(403);
    expect(readByWriter.body).toEqual({
      error: {
        code: 'insufficient_scope',
        message: 'this API key does not have the contexts:read scope this route needs',
        scope: 'contexts:read',
      },
    });
    expect(readByReader.status).toBe(200);
  });

  it('rejects a save with a read-only key with 403 and stores nothing', async () => {
    // Prepare
    const conversationId = randomUUID();

    // Act
    const saved = await api.save(context(conversationId), READER);

    // Assess
    expect(saved.status).toBe(403);
    expect(saved.body).toMatchObject({ error: { code: 'insufficient_scope', scope: 'contexts:write' } });
    expect(await hasContext(world, region, conversationId, 1)).toBe(false);
  });

  it('does not let a write-only key unlock CRM events by minting a token for their conversation', async () => {
    // Prepare: the CRM knows the conversation; a write-only key saves something for its id
    const conversationId = randomUUID();
    const crm = await api.sendCrmEvent({
      eventId: `evt-${randomUUID()}`,
      conversationId,
      occurredAt: new Date(clock.now - 1000).toISOString(),
      type: 'contact.updated',
      data: { name: 'Grace Hopper' },
    });
    const minted = await api.save({ conversationId }, WRITER);
    clock.now += (api.config.settings.context.contextTtlSeconds + 1) * 1000;

    // Act
    const byWriter = await api.fetch(String(minted.body.token), WRITER);
    const byReader = await api.fetch(String(minted.body.token), READER);

    // Assess: the token does unlock the events, but only for a key that may read
    expect(crm.status).toBe(202);
    expect(byWriter.status).toBe(403);
    expect(JSON.stringify(byWriter.body)).not.toContain('Grace Hopper');
    expect(byReader.body).toMatchObject({
      source: 'crm',
      context: { crm: { contact: { name: 'Grace Hopper' } } },
    });
  });

  it('keeps a plain-string key working for saves and reads (every scope)', async () => {
    // Act
    const saved = await api.save(context(), API_KEY);
    const read = await api.fetch(String(saved.body.token), API_KEY);

    // Assess
    expect(saved.status).toBe(201);
    expect(read.status).toBe(200);
  });

  it("puts the key's name, never the key, on the request's log lines", async () => {
    // Prepare
    const appended = vi.spyOn(api.deps.logger, 'appendKeys');

    // Act
    await api.save(context(), WRITER);
    await api.save(context(), READER);

    // Assess
    expect(appended.mock.calls).toEqual([
      [{ apiKeyName: 'origin-flow' }],
      [{ apiKeyName: 'receiving-flow' }],
    ]);
    expect(JSON.stringify(appended.mock.calls)).not.toContain(WRITER);
    appended.mockRestore();
  });

  it('answers a wrong key with 401 on either route, whatever scopes the right keys have', async () => {
    // Act
    const saved = await api.save(context(), `${WRITER}x`);
    const read = await api.fetch('anything', `${READER}x`);

    // Assess
    expect([saved.status, read.status]).toEqual([401, 401]);
    expect(saved.body).toMatchObject({ error: { code: 'invalid_api_key' } });
  });
});

describe('bad tokens', () => {
  it.each([
    ['over the longest token and the old 200-character limit', 'A'.repeat(201)],
    ['of a thousand characters', 'A'.repeat(1000)],
    ['of 500 characters a token never has', '%'.repeat(500)],
    ['that is empty', ''],
  ])('answers a token %s with the same 401 as a forged token', async (_name, token) => {
    // Act
    const forged = await api.fetch('AgAA'.repeat(25), READER);
    const got = await api.fetch(token, READER);

    // Assess
    expect(forged.body).toEqual(INVALID_TOKEN);
    expect([got.status, got.body]).toEqual([401, INVALID_TOKEN]);
  });

  it('answers a request without a token path parameter with the same 401', async () => {
    // Act
    const got = await api.invoke('get', getEvent(undefined, { authorization: `Bearer ${READER}` }));

    // Assess
    expect([got.status, got.body]).toEqual([401, INVALID_TOKEN]);
  });
});

describe('validation errors', () => {
  it('answers a save with hundreds of problems in a bounded answer that counts what it left out', async () => {
    // Prepare: 200 IVR selections with neither menu nor choice: 400 problems
    const body = { conversationId: randomUUID(), ivrSelections: Array.from({ length: 200 }, () => ({})) };

    // Act
    const got = await api.save(body, WRITER);

    // Assess
    const error = got.body.error as Record<string, unknown>;
    expect(got.status).toBe(400);
    expect(error).toMatchObject({ code: 'invalid_body', omitted: 390 });
    expect(String(error.message).split('; ')).toHaveLength(11);
    expect(String(error.message)).toMatch(/and 390 more problems/);
    expect(JSON.stringify(got.body).length).toBeLessThan(2500);
  });
});
