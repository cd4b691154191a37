import { describe, expect, it } from 'vitest';
import {
  DirectoryValidationError,
  parseDirectoryEntry,
  parseDirectoryFile,
  sameDirectoryEntry,
} from '../../../../functions/routing/directory/schema.js';

const ACTIVE = ['us-east-1', 'us-west-2'];

function valid(): Record<string, unknown> {
  return {
    name: 'PRIMARY_SUPPORT_QUEUE',
    regions: {
      'us-east-1': { queueId: 'q-east-1', transferAddress: 'sip:support@use1.example.com' },
      'us-west-2': { queueId: '6f3c0d6e-2a4b-4c1e-9b7a-0c5d2e8f1a3b', transferAddress: 'tel:+15551230000' },
    },
    skills: [{ name: 'billing', minProficiency: 2 }],
    fallback: 'SECONDARY_SUPPORT_QUEUE',
    regionLock: 'us-east-1',
  };
}

/** The valid entry with `path` (dotted) set to `value`, or removed when value is undefined. */
function withChange(path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(valid());
  const keys = path.split('.');
  let node = copy as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  const last = keys.at(-1) as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof DirectoryValidationError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('parseDirectoryEntry', () => {
  it('returns the entry with regions in config order and skills sorted, proficiency defaulted to 0', () => {
    // Prepare
    const raw = {
      name: 'A',
      regions: {
        'us-west-2': { queueId: 'w', transferAddress: 'sip:a@b.example.com:5061' },
        'us-east-1': { queueId: 'e', transferAddress: 'sip:a@10.0.0.1' },
      },
      skills: [{ name: 'spanish' }, { name: 'billing', minProficiency: 5 }],
    };
    // Act
    const entry = parseDirectoryEntry(raw, ACTIVE);
    // Assess
    expect(entry).toEqual({
      name: 'A',
      regions: {
        'us-east-1': { queueId: 'e', transferAddress: 'sip:a@10.0.0.1' },
        'us-west-2': { queueId: 'w', transferAddress: 'sip:a@b.example.com:5061' },
      },
      skills: [
        { name: 'billing', minProficiency: 5 },
        { name: 'spanish', minProficiency: 0 },
      ],
    });
    expect(Object.keys(entry.regions)).toEqual(ACTIVE);
    expect(entry).not.toHaveProperty('fallback');
  });

  it('accepts an entry without skills as needing none', () => {
    expect(parseDirectoryEntry(withChange('skills', undefined), ACTIVE).skills).toEqual([]);
  });

  it.each([
    ['name', 'primary_support', 'name: must be an upper-case logical queue name'],
    ['name', undefined, 'name: is required and must be an upper-case logical queue name'],
    ['name', `Q${'X'.repeat(64)}`, 'name: must be an upper-case'],
    ['regions', 'us-east-1', 'regions: must be an object of active region'],
    ['regions', {}, 'regions: needs at least one active region (us-east-1, us-west-2)'],
    [
      'regions.eu-west-1',
      { queueId: 'q', transferAddress: 'tel:+4420700000' },
      'regions.eu-west-1: not an active region',
    ],
    ['regions.us-east-1', 'q-1', 'regions.us-east-1: must be an object { "queueId", "transferAddress" }'],
    ['regions.us-east-1.queueId', 'q 1', 'regions.us-east-1.queueId: must be the platform queue id'],
    ['regions.us-east-1.queueId', '', 'regions.us-east-1.queueId: must be the platform queue id'],
    [
      'regions.us-east-1.queueId',
      'q'.repeat(129),
      'regions.us-east-1.queueId: must be the platform queue id',
    ],
    ['regions.us-east-1.queueId', undefined, 'regions.us-east-1.queueId: is required and must be'],
    [
      'regions.us-east-1.transferAddress',
      '+15551230000',
      'regions.us-east-1.transferAddress: must be tel:+<E.164 digits> or sip:<user>@<host>',
    ],
    ['regions.us-east-1.transferAddress', 'tel:+123456', 'regions.us-east-1.transferAddress: must be tel:+'],
    [
      'regions.us-east-1.transferAddress',
      'tel:+1234567890123456',
      'regions.us-east-1.transferAddress: must be tel:+',
    ],
    ['regions.us-east-1.transferAddress', 'sip:support@', 'regions.us-east-1.transferAddress: must be tel:+'],
    [
      'regions.us-east-1.transferAddress',
      'sip:support@host:70000',
      'regions.us-east-1.transferAddress: must be tel:+',
    ],
    [
      'regions.us-east-1.transferAddress',
      'sip:support@host;transport=tls',
      'regions.us-east-1.transferAddress: must be tel:+',
    ],
    [
      'regions.us-east-1.transferAddress',
      'https://example.com',
      'regions.us-east-1.transferAddress: must be tel:+',
    ],
    ['regions.us-east-1.extra', 'x', 'regions.us-east-1.extra: unknown field'],
    ['skills', 'billing', 'skills: must be a list of { "name", "minProficiency" }'],
    ['skills', [{ name: '  ' }], 'skills[0].name: must be a skill name'],
    ['skills', [{ minProficiency: 1 }], 'skills[0].name: is required and must be a skill name'],
    [
      'skills',
      [{ name: 'billing', minProficiency: 6 }],
      'skills[0].minProficiency: must be a whole number from 0 to 5',
    ],
    [
      'skills',
      [{ name: 'billing', minProficiency: 1.5 }],
      'skills[0].minProficiency: must be a whole number from 0 to 5',
    ],
    [
      'skills',
      [{ name: 'billing', minProficiency: '2' }],
      'skills[0].minProficiency: must be a whole number from 0 to 5',
    ],
    ['skills', [{ name: 'a' }, { name: 'a', minProficiency: 3 }], 'skills[1].name: skill a is listed twice'],
    ['fallback', 'fallback queue', 'fallback: must be an upper-case logical queue name'],
    ['fallback', 'PRIMARY_SUPPORT_QUEUE', 'fallback: must name another logical queue, not the entry itself'],
    [
      'regionLock',
      'us-east-2',
      "regionLock: must be one of the entry's active regions (us-east-1, us-west-2)",
    ],
    ['regionLock', 7, 'regionLock: must be an active region name'],
    ['priority', 1, 'priority: unknown field'],
  ])('rejects %s = %j, naming the field', (path, value, expected) => {
    const problems = problemsOf(() => parseDirectoryEntry(withChange(path, value), ACTIVE));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('rejects a region lock on a region the entry has no target in', () => {
    // Prepare
    const raw = withChange('regions.us-east-1', undefined);
    // Act
    const problems = problemsOf(() => parseDirectoryEntry(raw, ACTIVE));
    // Assess
    expect(problems).toEqual(["regionLock: must be one of the entry's active regions (us-west-2)"]);
  });

  it('rejects something that is not an object, naming the prefix it was given', () => {
    expect(problemsOf(() => parseDirectoryEntry('PRIMARY', ACTIVE, 'queues[3]'))).toEqual([
      'queues[3]: must be an object { "name", "regions", "skills", "fallback", "regionLock" }',
    ]);
  });

  it('lists every problem at once, the first ten and how many more', () => {
    // Prepare: 12 skills, each with a bad proficiency
    const raw = withChange(
      'skills',
      Array.from({ length: 12 }, (_, i) => ({ name: `s${i}`, minProficiency: -1 })),
    );
    // Act
    const problems = problemsOf(() => parseDirectoryEntry(raw, ACTIVE));
    // Assess
    expect(problems).toHaveLength(11);
    expect(problems[9]).toContain('skills[9].minProficiency');
    expect(problems[10]).toBe('and 2 more');
  });
});

describe('parseDirectoryFile', () => {
  const second = { ...withChange('name', 'SECONDARY_SUPPORT_QUEUE'), fallback: 'FALLBACK_QUEUE' };

  it('returns every entry when names are unique and fallbacks resolve in the file or the directory', () => {
    const entries = parseDirectoryFile({ queues: [valid(), second] }, ACTIVE, ['FALLBACK_QUEUE']);
    expect(entries.map((e) => [e.name, e.fallback])).toEqual([
      ['PRIMARY_SUPPORT_QUEUE', 'SECONDARY_SUPPORT_QUEUE'],
      ['SECONDARY_SUPPORT_QUEUE', 'FALLBACK_QUEUE'],
    ]);
  });

  it.each([
    [[], '(root): must be an object { "queues": [ ... ] }'],
    [{ queue: [] }, 'queues: is required and must be a list of queue entries'],
    [{ queues: [], version: 1 }, 'version: unknown field'],
  ])('rejects the file %j, naming the field', (raw, expected) => {
    expect(problemsOf(() => parseDirectoryFile(raw, ACTIVE))).toContain(expected);
  });

  it('rejects a fallback that names no queue of the file or the directory', () => {
    expect(problemsOf(() => parseDirectoryFile({ queues: [valid(), second] }, ACTIVE))).toEqual([
      'queues[1].fallback: no queue FALLBACK_QUEUE in the file or the directory',
    ]);
  });

  it('rejects a name used twice, naming both entries', () => {
    const raw = { queues: [valid(), second, withChange('fallback', undefined)] };
    expect(problemsOf(() => parseDirectoryFile(raw, ACTIVE, ['FALLBACK_QUEUE']))).toEqual([
      'queues[2].name: PRIMARY_SUPPORT_QUEUE is already the name of queues[0]',
    ]);
  });

  it('reports the problems of every entry with its index', () => {
    // Prepare
    const raw = { queues: [withChange('regions.us-west-2.queueId', 'bad id'), withChange('name', 'x')] };
    // Act
    const problems = problemsOf(() => parseDirectoryFile(raw, ACTIVE, ['SECONDARY_SUPPORT_QUEUE']));
    // Assess
    expect(problems).toEqual([
      expect.stringContaining('queues[0].regions.us-west-2.queueId: must be the platform queue id'),
      expect.stringContaining('queues[1].name: must be an upper-case logical queue name'),
    ]);
  });
});

describe('sameDirectoryEntry', () => {
  it('ignores region and skill order, version and author', () => {
    // Prepare
    const a = parseDirectoryEntry(valid(), ACTIVE);
    const b = {
      ...a,
      regions: { 'us-west-2': a.regions['us-west-2'], 'us-east-1': a.regions['us-east-1'] },
      version: 4,
      updatedAt: '2026-01-01T00:00:00.000Z',
      updatedBy: 'ana',
    } as typeof a;
    // Act / Assess
    expect(sameDirectoryEntry(a, b)).toBe(true);
    expect(sameDirectoryEntry(a, { ...a, skills: [{ name: 'billing', minProficiency: 3 }] })).toBe(false);
    expect(sameDirectoryEntry(a, { ...a, regionLock: undefined })).toBe(false);
  });
});
