import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The API keys of our HTTP APIs and what each may do. The secret (`continuity/<env>/api-keys`) holds
 *
 *   {"keys": [{"key": "<key>", "scopes": ["contexts:read"], "name": "genesys-flows"}, ...]}
 *
 * and, still accepted with every scope, the forms that came before scopes: `{"keys":["<k>", ...]}`,
 * `{"current":"<k>"}` (what CloudFormation generates at first deployment, optionally with `next` /
 * `previous`), or plain strings mixed into the `keys` list. Existing deployments and a fresh stack thus
 * keep working unchanged; narrowing a caller is writing its key as an object with fewer scopes.
 *
 * Only a key's `name` may appear in logs (it says which caller did what); a key never does, and a
 * parsed entry keeps only the key's SHA-256 digest.
 */

export const API_SCOPES = ['contexts:write', 'contexts:read', 'routing:resolve'] as const;
/** `contexts:write`: POST /contexts. `contexts:read`: GET /contexts/{token}. `routing:resolve`: POST /routing/resolve. */
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiKeyEntry {
  /** For logs: the entry's `name`, or its place in the secret (`keys[1]`, `current`). */
  readonly name: string;
  readonly scopes: ReadonlySet<ApiScope>;
  /** SHA-256 of the key: every comparison is between equal-length digests. */
  readonly digest: Buffer;
}

/** Most entries in one secret: every key is compared on every request. */
export const MAX_API_KEYS = 20;
/** A legacy string key keeps the rule it always had; a scoped key must be something a header can carry. */
const LEGACY_KEY = /^[\s\S]{1,4096}$/;
const SCOPED_KEY = /^[\x21-\x7e]{16,512}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ENTRY_FIELDS = new Set(['key', 'scopes', 'name']);
const LEGACY_FIELDS = ['current', 'next', 'previous'] as const;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One element of `keys`, as [key, entry]; throws naming the element and the rule, never its value. */
function parseEntry(raw: unknown, at: string): [string, ApiKeyEntry] {
  const all = new Set<ApiScope>(API_SCOPES);
  if (typeof raw === 'string') {
    if (!LEGACY_KEY.test(raw)) throw new Error(`${at} must be a non-empty string of at most 4096 characters`);
    return [raw, { name: at, scopes: all, digest: digest(raw) }];
  }
  if (!isRecord(raw)) throw new Error(`${at} must be a key string or {"key","scopes","name"}`);
  if (Object.keys(raw).some((field) => !ENTRY_FIELDS.has(field))) {
    throw new Error(`${at} may only have the fields key, scopes and name`);
  }
  const { key, scopes, name } = raw;
  if (typeof key !== 'string' || key.length === 0) throw new Error(`${at}.key must be a non-empty string`);
  if (!SCOPED_KEY.test(key)) {
    throw new Error(`${at}.key must be 16-512 printable ASCII characters without spaces`);
  }
  if (name !== undefined && (typeof name !== 'string' || !NAME.test(name))) {
    throw new Error(
      `${at}.name must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`,
    );
  }
  if (!Array.isArray(scopes) || scopes.length === 0) {
    throw new Error(`${at}.scopes must be a non-empty list of ${API_SCOPES.join(', ')}`);
  }
  const granted = new Set<ApiScope>();
  scopes.forEach((scope: unknown, i) => {
    if (!API_SCOPES.includes(scope as ApiScope)) {
      throw new Error(`${at}.scopes[${i}] is not a known scope (${API_SCOPES.join(', ')})`);
    }
    granted.add(scope as ApiScope);
  });
  return [key, { name: name ?? at, scopes: granted, digest: digest(key) }];
}

/** The elements of the secret, each with the label an error names it by. */
function elementsOf(raw: unknown): [unknown, string][] {
  if (!isRecord(raw)) throw new Error('must be a JSON object {"keys":[...]}');
  if (raw.keys !== undefined) {
    if (!Array.isArray(raw.keys) || raw.keys.length === 0) throw new Error('keys must be a non-empty list');
    if (raw.keys.length > MAX_API_KEYS) throw new Error(`keys must hold at most ${MAX_API_KEYS} entries`);
    return raw.keys.map((entry: unknown, i) => [entry, `keys[${i}]`]);
  }
  if (raw.current === undefined) throw new Error('must have "keys" (a list) or "current" (a key)');
  return LEGACY_FIELDS.filter((field) => raw[field] !== undefined).map((field) => [raw[field], field]);
}

/**
 * The entries of the api-keys secret. Throws an Error whose message says what is wrong and where
 * (`keys[2].scopes[0] is not a known scope`), never any part of the text: a secret-reader parser
 * (`secrets.parsed(name, parseApiKeys)`, which keeps the last good list when a new value is refused).
 * Refused: unknown scopes, empty scope lists, unknown fields, empty or unusable keys, a key or a name
 * given twice.
 *
 * @example
 * parseApiKeys('{"keys":[{"key":"k-0123456789abcdef","scopes":["contexts:read"],"name":"flows"}]}');
 */
export function parseApiKeys(text: string): readonly ApiKeyEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // The JSON error message quotes the text: never pass it on.
    throw new Error('is not valid JSON');
  }
  const entries: ApiKeyEntry[] = [];
  const keys = new Map<string, string>();
  const names = new Map<string, string>();
  for (const [element, at] of elementsOf(raw)) {
    const [key, entry] = parseEntry(element, at);
    const sameKey = keys.get(key);
    if (sameKey !== undefined) throw new Error(`${at} repeats the key of ${sameKey}`);
    const sameName = names.get(entry.name);
    if (sameName !== undefined) throw new Error(`${at} repeats the name of ${sameName}`);
    keys.set(key, at);
    names.set(entry.name, at);
    entries.push(entry);
  }
  return entries;
}

/**
 * The entry whose key is `presented`, or undefined. Hashing both sides first makes every comparison
 * one of equal-length buffers, so `timingSafeEqual` leaks neither content nor length, and every entry
 * is compared (no early exit), so the time does not say which entry matched, or whether one did.
 */
export function findApiKey(presented: string, entries: readonly ApiKeyEntry[]): ApiKeyEntry | undefined {
  const candidate = digest(presented);
  let found: ApiKeyEntry | undefined;
  for (const entry of entries) {
    if (timingSafeEqual(candidate, entry.digest) && found === undefined) found = entry;
  }
  return found;
}
