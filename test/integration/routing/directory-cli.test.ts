import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dynamoDirectoryStore } from '../../../functions/routing/directory/store.js';
import { dynamoDocClient } from '../../../functions/shared/clients.js';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';
import { cli } from '../../support/cli.js';
import { A, B, clearControl } from './quorum-fixtures.js';

const target = (queueId: string, transferAddress: string) => ({ queueId, transferAddress });

const FILE = {
  queues: [
    {
      name: 'PRIMARY_SUPPORT_QUEUE',
      regions: {
        [A]: target('q-east-primary', 'sip:support@use1.example.com'),
        [B]: target('q-west-primary', 'tel:+15551230000'),
      },
      skills: [{ name: 'billing', minProficiency: 2 }],
      fallback: 'SECONDARY_SUPPORT_QUEUE',
    },
    {
      name: 'SECONDARY_SUPPORT_QUEUE',
      regions: { [A]: target('q-east-secondary', 'sip:support2@use1.example.com:5061') },
      skills: [],
      regionLock: A,
    },
    {
      name: 'FALLBACK_QUEUE',
      regions: { [B]: target('q-west-fallback', 'tel:+15551239999') },
      skills: [],
    },
  ],
};

describe('cc-continuity directory against local ControlState', () => {
  let world: LocalWorld;
  let local: string[];
  let dir: string;
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const stored = () =>
    dynamoDirectoryStore({
      doc: dynamoDocClient(B, world.region(B).endpoint),
      tableName: world.tables.controlState,
      budgetMs: 1000,
    }).list();

  beforeAll(async () => {
    world = await startLocalWorld({ env: 'dev' });
    local = ['--env', 'dev', '--endpoint', world.region(A).endpoint, '--by', 'ana'];
    dir = mkdtempSync(join(tmpdir(), 'cc-directory-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await world?.stop();
  });
  beforeEach(async () => {
    await clearControl(world);
  });

  it('prints its usage with directory --help', async () => {
    const { code, out } = await cli(['directory', '--help']);
    expect(code).toBe(0);
    expect(out).toContain('npx cc-continuity directory import <file> --env <env>');
  });

  it('sets, gets and lists an entry, and warns that the fallback queue has no entry', async () => {
    // Act
    const entry = { regions: { [A]: target('q-1', 'tel:+15551230000') } };
    const set = await cli(['directory', 'set', 'BILLING_QUEUE', ...local, '--json', JSON.stringify(entry)]);
    const get = await cli(['directory', 'get', 'BILLING_QUEUE', ...local]);
    const list = await cli(['directory', 'list', ...local]);
    // Assess
    expect(set).toMatchObject({ code: 0, out: 'created   BILLING_QUEUE (version 1)\n' });
    expect(JSON.parse(get.out)).toMatchObject({
      name: 'BILLING_QUEUE',
      ...entry,
      version: 1,
      updatedBy: 'ana',
    });
    expect(list.code).toBe(0);
    expect(list.out).toContain('  us-east-1  queue q-1  transfer tel:+15551230000');
    expect(list.err).toContain(
      'the fallback queue FALLBACK_QUEUE (routing.fallbackQueue) has no directory entry',
    );
  });

  it('refuses to set an entry edited from a stale get, exiting 1 without writing', async () => {
    // Prepare: two operators read version 1; the first writes version 2
    await cli([
      'directory',
      'set',
      'BILLING_QUEUE',
      ...local,
      '--json',
      '{"regions":{"us-east-1":{"queueId":"q-1","transferAddress":"tel:+15551230000"}}}',
    ]);
    const read = JSON.parse((await cli(['directory', 'get', 'BILLING_QUEUE', ...local])).out);
    const first = file('first.json', { ...read, skills: [{ name: 'billing' }] });
    const second = file('second.json', { ...read, fallback: 'FALLBACK_QUEUE' });
    await cli(['directory', 'set', 'BILLING_QUEUE', ...local, '--file', first]);
    // Act
    const stale = await cli(['directory', 'set', 'BILLING_QUEUE', ...local, '--file', second]);
    // Assess
    expect(stale.code).toBe(1);
    expect(stale.err).toContain('conflict: BILLING_QUEUE: expected version 1, found version 2');
    expect((await stored())[0]).toMatchObject({ version: 2, skills: [{ name: 'billing' }] });
    expect((await stored())[0]).not.toHaveProperty('fallback');
  });

  it('imports a file, exports what import accepts again, and reports unchanged and updated entries', async () => {
    // Act
    const imported = await cli(['directory', 'import', file('queues.json', FILE), ...local]);
    const exported = await cli(['directory', 'export', ...local]);
    const out = join(dir, 'exported.json');
    await cli(['directory', 'export', ...local, '--out', out]);
    const changed = structuredClone(FILE);
    if (changed.queues[2]) changed.queues[2].skills = [{ name: 'triage', minProficiency: 1 }];
    const reimported = await cli(['directory', 'import', file('changed.json', changed), ...local]);
    // Assess
    expect(imported.code).toBe(0);
    expect(imported.out).toBe(
      [
        'created   PRIMARY_SUPPORT_QUEUE (version 1)',
        'created   SECONDARY_SUPPORT_QUEUE (version 1)',
        'created   FALLBACK_QUEUE (version 1)',
        'imported 3 queues: 3 created, 0 updated, 0 unchanged',
        '',
      ].join('\n'),
    );
    expect(imported.err).toBe('');
    const byName = [...FILE.queues].sort((a, b) => a.name.localeCompare(b.name));
    expect(JSON.parse(exported.out)).toEqual({ queues: byName });
    expect(readFileSync(out, 'utf8')).toBe(exported.out);
    expect(reimported.out).toContain('unchanged PRIMARY_SUPPORT_QUEUE (version 1)');
    expect(reimported.out).toContain('updated   FALLBACK_QUEUE (version 2)');
    expect(reimported.out).toContain('imported 3 queues: 0 created, 1 updated, 2 unchanged');
    expect((await stored()).map((e) => [e.name, e.version])).toEqual([
      ['FALLBACK_QUEUE', 2],
      ['PRIMARY_SUPPORT_QUEUE', 1],
      ['SECONDARY_SUPPORT_QUEUE', 1],
    ]);
  });

  it('rejects a bad import file with exit 2, naming each field, and writes none of it', async () => {
    // Prepare: the first entry is fine, the second has a bad address, the third an unknown region
    const bad = structuredClone(FILE) as { queues: Record<string, unknown>[] };
    bad.queues[1] = { ...bad.queues[1], regions: { [A]: target('q-2', 'sip:support') } };
    bad.queues[2] = { ...bad.queues[2], regions: { 'eu-west-1': target('q-3', 'tel:+4420700000') } };
    // Act
    const result = await cli(['directory', 'import', file('bad.json', bad), ...local]);
    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toContain(
      `queues[1].regions.${A}.transferAddress: must be tel:+<E.164 digits> or sip:<user>@<host>`,
    );
    expect(result.err).toContain('queues[2].regions.eu-west-1: not an active region (us-east-1, us-west-2)');
    expect(result.err).not.toMatch(/\n\s+at /);
    expect(result.out).toBe('');
    expect(await stored()).toEqual([]);
  });

  it.each([
    [['set', 'BILLING_QUEUE', '--json', '{"regions": {'], '--json: not valid JSON'],
    [
      ['set', 'BILLING_QUEUE', '--json', '{"regions": {"us-east-1": {"queueId": "q"}}}'],
      'regions.us-east-1.transferAddress: is required',
    ],
    [['set', 'billing', '--json', '{"regions": {}}'], 'name: must be an upper-case logical queue name'],
    [['set', 'BILLING_QUEUE'], 'directory set needs one of --file <entry.json> or --json <entry>'],
    [
      ['set', 'BILLING_QUEUE', '--json', '{}', '--expect-version', 'two'],
      '--expect-version two: must be a whole number',
    ],
    [['import', '/nonexistent/queues.json'], 'cannot read /nonexistent/queues.json'],
    [['remove', 'BILLING_QUEUE'], 'unknown directory command remove'],
    [['list', '--out', 'queues.json'], '--out is an option of directory export only'],
  ])('rejects directory %j with exit 2: %s', async (args, expected) => {
    const result = await cli(['directory', ...args, ...local]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(expected);
    expect(result.err).not.toMatch(/\n\s+at /);
  });
});
