import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_SCOPES, findApiKey, MAX_API_KEYS, parseApiKeys } from '../../../functions/shared/api-keys.js';

const KEY = 'flows-key-0123456789abcdef';
const OTHER = 'crm-key-0123456789abcdef';

const scopesOf = (text: string) => parseApiKeys(text).map((e) => [e.name, [...e.scopes].sort()]);
const ALL = [...API_SCOPES].sort();

describe('parseApiKeys', () => {
  it('reads scoped entries with their names and scopes', () => {
    const text = JSON.stringify({
      keys: [
        { key: KEY, scopes: ['contexts:read', 'contexts:write'], name: 'genesys-flows' },
        { key: OTHER, scopes: ['contexts:read', 'contexts:read'] },
      ],
    });

    expect(scopesOf(text)).toEqual([
      ['genesys-flows', ['contexts:read', 'contexts:write']],
      ['keys[1]', ['contexts:read']],
    ]);
  });

  it.each([
    [
      '{"keys":["a","b"]}',
      [
        ['keys[0]', ALL],
        ['keys[1]', ALL],
      ],
    ],
    ['{"current":"a"}', [['current', ALL]]],
    [
      '{"current":"a","next":"b","previous":"c"}',
      [
        ['current', ALL],
        ['next', ALL],
        ['previous', ALL],
      ],
    ],
    [
      `{"keys":["a",{"key":"${KEY}","scopes":["routing:resolve"],"name":"router"}]}`,
      [
        ['keys[0]', ALL],
        ['router', ['routing:resolve']],
      ],
    ],
  ])('reads the plain-string form %s as keys with every scope', (text, expected) => {
    expect(scopesOf(text)).toEqual(expected);
  });

  it.each([
    ['not JSON', `{"keys":["${KEY}"`, /^is not valid JSON$/],
    ['not an object', `["${KEY}"]`, /must be a JSON object/],
    ['no keys', '{"other":1}', /must have "keys" \(a list\) or "current"/],
    ['an empty list', '{"keys":[]}', /^keys must be a non-empty list$/],
    ['an empty plain key', '{"keys":[""]}', /^keys\[0\] must be a non-empty string/],
    ['an empty current key', '{"current":""}', /^current must be a non-empty string/],
    ['a number', '{"keys":[42]}', /^keys\[0\] must be a key string or/],
    [
      'an empty scoped key',
      '{"keys":[{"key":"","scopes":["contexts:read"]}]}',
      /^keys\[0\]\.key must be a non-empty string$/,
    ],
    [
      'a short scoped key',
      '{"keys":[{"key":"short","scopes":["contexts:read"]}]}',
      /^keys\[0\]\.key must be 16-512 printable/,
    ],
    [
      'a key with a space',
      `{"keys":[{"key":"${KEY} x","scopes":["contexts:read"]}]}`,
      /^keys\[0\]\.key must be 16-512/,
    ],
    [
      'an unknown scope',
      `{"keys":[{"key":"${KEY}","scopes":["contexts:read","contexts:delete"]}]}`,
      /^keys\[0\]\.scopes\[1\] is not a known scope \(contexts:write, contexts:read, routing:resolve\)$/,
    ],
    ['no scopes', `{"keys":[{"key":"${KEY}","scopes":[]}]}`, /^keys\[0\]\.scopes must be a non-empty list/],
    ['missing scopes', `{"keys":[{"key":"${KEY}"}]}`, /^keys\[0\]\.scopes must be a non-empty list/],
    [
      'a misspelt field',
      `{"keys":[{"key":"${KEY}","scope":["contexts:read"]}]}`,
      /^keys\[0\] may only have the fields key, scopes and name$/,
    ],
    [
      'a bad name',
      `{"keys":[{"key":"${KEY}","scopes":["contexts:read"],"name":"has space"}]}`,
      /^keys\[0\]\.name must be/,
    ],
    [
      'a duplicate key',
      `{"keys":["${KEY}",{"key":"${KEY}","scopes":["contexts:read"]}]}`,
      /^keys\[1\] repeats the key of keys\[0\]$/,
    ],
    [
      'a duplicate name',
      `{"keys":[{"key":"${KEY}","scopes":["contexts:read"],"name":"a"},{"key":"${OTHER}","scopes":["contexts:read"],"name":"a"}]}`,
      /^keys\[1\] repeats the name of keys\[0\]$/,
    ],
    [
      'too many keys',
      JSON.stringify({ keys: Array.from({ length: MAX_API_KEYS + 1 }, (_, i) => `k${i}`) }),
      /at most 20 entries/,
    ],
  ])('rejects %s with a message naming the problem', (_name, text, message) => {
    expect(() => parseApiKeys(text)).toThrow(message);
  });

  it('never puts any part of the secret text in its message', () => {
    const secretish = fc.stringMatching(/^[A-Za-z0-9]{16,40}$/);
    const broken = fc.oneof(
      secretish.map((k) => `{"keys":[{"key":"${k}","scopes":["${k}"]}]}`),
      secretish.map((k) => `{"keys":[{"key":"${k}","scopes":["contexts:read"],"name":"${k} "}]}`),
      secretish.map((k) => `{"keys":[{"key":"${k}","${k}":1,"scopes":["contexts:read"]}]}`),
      secretish.map((k) => `{"keys":["${k}","${k}"]}`),
      secretish.map((k) => `{"keys":["${k}"`),
      secretish.map((k) => `{"${k}":["${k}"]}`),
    );
    fc.assert(
      fc.property(broken, (text) => {
        const secret = /"([A-Za-z0-9]{16,40})/.exec(text)?.[1] ?? '';
        let message = '';
        try {
          parseApiKeys(text);
        } catch (e) {
          message = (e as Error).message;
        }

        expect(message).not.toBe('');
        expect(message).not.toContain(secret);
      }),
    );
  });

  it('keeps no key in the parsed entries, only its digest', () => {
    const shown = JSON.stringify(parseApiKeys(JSON.stringify({ keys: [KEY] })));

    expect(shown).not.toContain(KEY);
  });
});

describe('findApiKey', () => {
  const entries = parseApiKeys(
    JSON.stringify({
      keys: [
        { key: KEY, scopes: ['contexts:write'], name: 'writer' },
        { key: OTHER, scopes: ['contexts:read'], name: 'reader' },
        'legacy-key',
      ],
    }),
  );

  it.each([
    [KEY, 'writer'],
    [OTHER, 'reader'],
    ['legacy-key', 'keys[2]'],
  ])('finds the entry of %s', (presented, name) => {
    expect(findApiKey(presented, entries)?.name).toBe(name);
  });

  it('finds nothing for any other string, prefixes and extensions of a key included', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(findApiKey(s, entries) !== undefined).toBe([KEY, OTHER, 'legacy-key'].includes(s));
      }),
    );
    expect(findApiKey(KEY.slice(0, -1), entries)).toBeUndefined();
    expect(findApiKey(`${KEY}x`, entries)).toBeUndefined();
    expect(findApiKey('', entries)).toBeUndefined();
  });
});
