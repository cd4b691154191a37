import { describe, expect, it } from 'vitest';
import {
  checkContextSize,
  describeIssues,
  interactionContextSchema,
  jsonProblem,
  MAX_JSON_DEPTH,
} from '../../../functions/context/context-schema.js';

function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { k: value };
  return value;
}

describe('interactionContextSchema', () => {
  it('fills in empty parts, so a minimal POST /contexts body is a whole context', () => {
    expect(interactionContextSchema.parse({ conversationId: 'conv-1' })).toEqual({
      conversationId: 'conv-1',
      ivrSelections: [],
      crm: {},
      queuePosition: null,
      attributes: {},
    });
  });

  it.each([
    ['conversationId', { conversationId: 'conv#1' }, 'conversationId: must be 1-64 characters'],
    ['an unknown part', { notes: 'x' }, '(body): Unrecognized key: "notes"'],
    ['an unknown crm part', { crm: { lead: {} } }, 'crm: Unrecognized key: "lead"'],
    ['a nested attribute', { attributes: { a: { b: 1 } } }, 'attributes.a:'],
    ['a negative queue position', { queuePosition: { queue: 'Q', position: -1 } }, 'queuePosition.position:'],
    ['an IVR selection without choice', { ivrSelections: [{ menu: 'm' }] }, 'ivrSelections[0].choice:'],
    ['a non-finite number', { crm: { contact: { score: Number.POSITIVE_INFINITY } } }, 'crm.contact.score:'],
  ])('rejects %s, naming the field', (_name, change, message) => {
    const result = interactionContextSchema.safeParse({ conversationId: 'conv-1', ...change });

    expect(result.success ? '' : describeIssues(result.error).join('; ')).toContain(message);
  });
});

describe('jsonProblem', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and rejects ${MAX_JSON_DEPTH + 1}`, () => {
    expect(jsonProblem(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBeNull();
    expect(jsonProblem(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)?.message).toBe(
      `must not nest deeper than ${MAX_JSON_DEPTH} levels`,
    );
  });

  it.each([
    ['a date', new Date(0)],
    ['a function', () => 1],
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['a class instance', new Map()],
  ])('rejects %s inside a JSON object', (_name, value) => {
    expect(jsonProblem({ list: [1, value] }, MAX_JSON_DEPTH)?.path).toEqual(['list', 1]);
  });
});

describe('checkContextSize', () => {
  const context = interactionContextSchema.parse({
    conversationId: 'conv-1',
    attributes: { note: 'é'.repeat(100) },
  });
  const bytes = Buffer.byteLength(JSON.stringify(context), 'utf8');

  it('measures UTF-8 bytes and accepts a context exactly at the cap', () => {
    expect(checkContextSize(context, bytes)).toEqual({ ok: true, bytes });
  });

  it('rejects a context one byte over the cap', () => {
    expect(checkContextSize(context, bytes - 1)).toEqual({ ok: false, bytes, maxBytes: bytes - 1 });
  });
});
