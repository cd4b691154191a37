import { describe, expect, it } from 'vitest';
import {
  entryForSet,
  exportDocument,
  formatEntry,
  formatImportSummary,
  formatList,
  missingFallbackWarning,
} from '../../../../functions/routing/directory/commands.js';
import {
  type DirectoryEntry,
  DirectoryValidationError,
  parseDirectoryFile,
} from '../../../../functions/routing/directory/schema.js';

const ACTIVE = ['us-east-1', 'us-west-2'];

const STORED: DirectoryEntry = {
  name: 'PRIMARY_SUPPORT_QUEUE',
  // Stored maps come back in any order.
  regions: {
    'us-west-2': { queueId: 'q-west', transferAddress: 'tel:+15551230000' },
    'us-east-1': { queueId: 'q-east', transferAddress: 'sip:support@use1.example.com' },
  },
  skills: [
    { name: 'billing', minProficiency: 2 },
    { name: 'english', minProficiency: 0 },
  ],
  fallback: 'SECONDARY_SUPPORT_QUEUE',
  regionLock: 'us-east-1',
  version: 3,
  updatedAt: '2026-01-10T12:00:00.000Z',
  updatedBy: 'ana',
};

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof DirectoryValidationError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('entryForSet', () => {
  const body = { regions: { 'us-east-1': { queueId: 'q', transferAddress: 'tel:+15551230000' } } };

  it('takes the name from the NAME argument when the entry has none', () => {
    expect(entryForSet(body, 'BILLING_QUEUE', ACTIVE)).toEqual({
      entry: { name: 'BILLING_QUEUE', regions: body.regions, skills: [] },
    });
  });

  it('takes what get printed back, its version as the expected version', () => {
    // Act
    const { entry, expectedVersion } = entryForSet(STORED, 'PRIMARY_SUPPORT_QUEUE', ACTIVE);
    // Assess
    expect(expectedVersion).toBe(3);
    expect(entry).not.toHaveProperty('updatedBy');
    expect(Object.keys(entry.regions)).toEqual(ACTIVE);
  });

  it('rejects an entry whose name is not the NAME argument, with the entry problems too', () => {
    const problems = problemsOf(() =>
      entryForSet({ ...body, name: 'OTHER', skills: 'x' }, 'BILLING_QUEUE', ACTIVE),
    );
    expect(problems).toEqual([
      'name: "OTHER" does not match the NAME argument BILLING_QUEUE',
      'skills: must be a list of { "name", "minProficiency" }',
    ]);
  });

  it.each([
    [0, 'version: must be the whole number `get` printed (or leave it out)'],
    ['3', 'version: must be the whole number `get` printed (or leave it out)'],
  ])('rejects version %j', (version, expected) => {
    expect(problemsOf(() => entryForSet({ ...body, version }, 'BILLING_QUEUE', ACTIVE))).toEqual([expected]);
  });

  it('rejects an entry that is not an object', () => {
    expect(problemsOf(() => entryForSet([body], 'BILLING_QUEUE', ACTIVE))).toEqual([
      '(entry): must be a JSON object { "regions", "skills", ... }',
    ]);
  });
});

describe('exportDocument', () => {
  it('leaves out version and author, orders regions as the config does, and import reads it back', () => {
    // Act
    const document = exportDocument([STORED], ACTIVE);
    const text = JSON.stringify(document);
    // Assess
    expect(text).not.toMatch(/version|updatedAt|updatedBy/);
    expect(Object.keys(document.queues[0]?.regions ?? {})).toEqual(ACTIVE);
    expect(parseDirectoryFile(JSON.parse(text), ACTIVE, ['SECONDARY_SUPPORT_QUEUE'])).toEqual(
      document.queues,
    );
  });
});

describe('formatting', () => {
  it('shows an entry with its targets in config order, skills, fallback and lock', () => {
    expect(formatEntry(STORED, ACTIVE)).toBe(
      [
        'PRIMARY_SUPPORT_QUEUE  version 3, updated 2026-01-10T12:00:00.000Z by ana',
        '  us-east-1  queue q-east  transfer sip:support@use1.example.com',
        '  us-west-2  queue q-west  transfer tel:+15551230000',
        '  skills     billing >= 2, english',
        '  fallback   SECONDARY_SUPPORT_QUEUE',
        '  locked to  us-east-1',
      ].join('\n'),
    );
  });

  it('says when the directory is empty', () => {
    expect(formatList([], ACTIVE)).toBe('the directory is empty');
  });

  it('counts the outcomes of an import', () => {
    const results = [
      { name: 'A', outcome: 'created', version: 1 },
      { name: 'B', outcome: 'unchanged', version: 4 },
      { name: 'C', outcome: 'unchanged', version: 2 },
    ] as const;
    expect(formatImportSummary(results)).toBe('imported 3 queues: 1 created, 0 updated, 2 unchanged');
  });

  it('warns only when the configured fallback queue has no entry', () => {
    expect(missingFallbackWarning(['A'], 'FALLBACK_QUEUE')).toContain(
      'the fallback queue FALLBACK_QUEUE (routing.fallbackQueue) has no directory entry',
    );
    expect(missingFallbackWarning(['A', 'FALLBACK_QUEUE'], 'FALLBACK_QUEUE')).toBeUndefined();
  });
});
