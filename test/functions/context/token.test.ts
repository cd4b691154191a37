import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeToken,
  MAX_TOKEN_CHARS,
  TOKEN_FORMAT_VERSION,
  verifyToken,
} from '../../../functions/context/token.js';
import { TokenKey, tokenKeyring } from '../../../functions/context/token-keys.js';
import { CURRENT, claims, claimsArb, during, keys, PREVIOUS } from './token-fixtures.js';

function flipBit(token: string, bit: number): string {
  const bytes = Buffer.from(token, 'base64url');
  bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return bytes.toString('base64url');
}

describe('encodeToken / verifyToken', () => {
  it('returns the claims of a token it issued, for any valid claims', () => {
    fc.assert(
      fc.property(claimsArb, (c) => {
        const token = encodeToken(c, keys);

        const result = verifyToken(token, keys, during(c));

        expect(result).toEqual({ ok: true, claims: c });
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_CHARS);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects every single-bit flip and every truncation of a token, for any valid claims', () => {
    fc.assert(
      fc.property(claimsArb, (c) => {
        const token = encodeToken(c, keys);
        const bits = Buffer.from(token, 'base64url').length * 8;

        const flipped = Array.from({ length: bits }, (_, bit) =>
          verifyToken(flipBit(token, bit), keys, during(c)),
        );
        const truncated = Array.from({ length: token.length }, (_, n) =>
          verifyToken(token.slice(0, n), keys, during(c)),
        );

        expect(flipped.filter((r) => r.ok)).toEqual([]);
        expect(truncated.filter((r) => r.ok)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('rejects a token signed with any other key, for any valid claims', () => {
    const secret = fc.string({ minLength: 32, maxLength: 64 }).filter((s) => s !== CURRENT);
    fc.assert(
      fc.property(claimsArb, secret, (c, other) => {
        const forged = encodeToken(c, tokenKeyring([other]));

        expect(verifyToken(forged, keys, during(c)).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts a token until the millisecond before expiresAt and rejects it from expiresAt on, for any claims', () => {
    fc.assert(
      fc.property(claimsArb, (c) => {
        const token = encodeToken(c, keys);
        const at = (nowMs: number) =>
          verifyToken(token, keys, { env: c.env, nowMs, maxClockSkewSeconds: 2 ** 32 });

        expect(at(c.expiresAt * 1000 - 1)).toEqual({ ok: true, claims: c });
        expect(at(c.expiresAt * 1000)).toEqual({ ok: false, reason: 'expired' });
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the longest possible claims within a SIP header budget of 200 characters', () => {
    const token = encodeToken(
      { ...claims, conversationId: 'C'.repeat(64), originRegion: 'ap-southeastttttttttttt-1' },
      keys,
    );

    expect(token.length).toBe(164);
  });

  it('reveals neither the conversation id nor the region, in text or packed bytes', () => {
    // Ids of 8+ characters: a shorter one turns up inside any random string by chance.
    const realistic = claimsArb.filter((c) => c.conversationId.length >= 8);
    fc.assert(
      fc.property(realistic, (c) => {
        const token = encodeToken(c, keys);
        const bytes = Buffer.from(token, 'base64url');

        expect(token).not.toContain(c.conversationId);
        expect(bytes.includes(Buffer.from(c.conversationId, 'ascii'))).toBe(false);
        expect(bytes.includes(Buffer.from(c.originRegion, 'ascii'))).toBe(false);
        if (/^[0-9a-f-]{36}$/.test(c.conversationId)) {
          expect(bytes.includes(Buffer.from(c.conversationId.replaceAll('-', ''), 'hex'))).toBe(false);
        }
      }),
    );
  });

  it('rejects every single-bit flip of a token', () => {
    const token = encodeToken(claims, keys);
    const bits = Buffer.from(token, 'base64url').length * 8;
    const accepted: number[] = [];

    for (let bit = 0; bit < bits; bit++) {
      if (verifyToken(flipBit(token, bit), keys, during(claims)).ok) accepted.push(bit);
    }

    expect(bits).toBe(74 * 8);
    expect(accepted).toEqual([]);
  });

  it('rejects a flipped bit in the MAC or the ciphertext as bad-signature', () => {
    const token = encodeToken(claims, keys);

    expect(verifyToken(flipBit(token, 3 * 8), keys, during(claims))).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyToken(flipBit(token, 30 * 8 + 5), keys, during(claims))).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('rejects every truncation of a token', () => {
    const token = encodeToken(claims, keys);
    const accepted: number[] = [];

    for (let length = 0; length < token.length; length++) {
      if (verifyToken(token.slice(0, length), keys, during(claims)).ok) accepted.push(length);
    }

    expect(accepted).toEqual([]);
  });

  it.each([
    ['padding', (t: string) => `${t}==`],
    ['a trailing character', (t: string) => `${t}A`],
    ['standard base64 characters', (t: string) => Buffer.from(t, 'base64url').toString('base64')],
    ['whitespace', (t: string) => ` ${t}`],
    ['an over-long string', (t: string) => t.padEnd(MAX_TOKEN_CHARS + 1, 'A')],
  ])('rejects a token with %s as malformed or forged', (_name, mangle) => {
    const token = encodeToken({ ...claims, conversationId: 'conv-1' }, keys);
    const mangled = mangle(token);

    const result = verifyToken(mangled, keys, during(claims));

    expect(mangled).not.toBe(token);
    expect(result.ok).toBe(false);
  });

  it('rejects a token of an unknown format version', () => {
    const bytes = Buffer.from(encodeToken(claims, keys), 'base64url');
    bytes[0] = TOKEN_FORMAT_VERSION + 1;

    expect(verifyToken(bytes.toString('base64url'), keys, during(claims))).toEqual({
      ok: false,
      reason: 'unsupported-version',
    });
  });

  it('rejects a token signed with a key the verifier does not hold', () => {
    const token = encodeToken(claims, tokenKeyring(['another-secret-that-is-long-enough-000000']));

    expect(verifyToken(token, keys, during(claims))).toEqual({ ok: false, reason: 'unknown-key' });
  });

  it('rejects a token of another environment that shares the secret', () => {
    const token = encodeToken({ ...claims, env: 'staging' }, keys);

    expect(verifyToken(token, keys, { env: 'prod', nowMs: claims.issuedAt * 1000 })).toEqual({
      ok: false,
      reason: 'wrong-env',
    });
  });

  it('rejects a token of another environment even when the environment tags collide', () => {
    const [key] = keys;
    // The tag is one byte: among 2000 names, some other environment shares the tag of `e0`.
    const other = Array.from({ length: 2000 }, (_, i) => `env-${i}`).find(
      (e) => key?.envTag(e) === key?.envTag('e0'),
    );
    const token = encodeToken({ ...claims, env: 'e0' }, keys);

    expect(other).toBeDefined();
    expect(verifyToken(token, keys, { env: other ?? 'e0', nowMs: claims.issuedAt * 1000 })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('accepts a token 1 s before it expires and rejects it at exactly expiresAt', () => {
    const token = encodeToken(claims, keys);
    const at = (seconds: number) => verifyToken(token, keys, { env: 'dev', nowMs: seconds * 1000 });

    expect(at(claims.expiresAt - 1)).toEqual({ ok: true, claims });
    expect(verifyToken(token, keys, { env: 'dev', nowMs: claims.expiresAt * 1000 - 1 }).ok).toBe(true);
    expect(at(claims.expiresAt)).toEqual({ ok: false, reason: 'expired' });
    expect(at(claims.expiresAt + 3600)).toEqual({ ok: false, reason: 'expired' });
  });

  it('accepts a token issued within the clock skew allowance and rejects one issued beyond it', () => {
    const token = encodeToken(claims, keys);
    const at = (nowMs: number) => verifyToken(token, keys, { env: 'dev', nowMs, maxClockSkewSeconds: 60 });

    expect(at((claims.issuedAt - 60) * 1000).ok).toBe(true);
    expect(at((claims.issuedAt - 60) * 1000 - 1)).toEqual({ ok: false, reason: 'not-yet-valid' });
  });

  it('signs with the first key and verifies tokens of the previous key during a rotation', () => {
    const before = tokenKeyring([PREVIOUS]);
    const during_ = tokenKeyring([CURRENT, PREVIOUS]);
    const oldToken = encodeToken(claims, before);

    const newToken = encodeToken(claims, during_);

    expect(newToken).toBe(encodeToken(claims, keys));
    expect(verifyToken(oldToken, during_, during(claims))).toEqual({ ok: true, claims });
    expect(verifyToken(newToken, during_, during(claims))).toEqual({ ok: true, claims });
    expect(verifyToken(oldToken, keys, during(claims))).toEqual({ ok: false, reason: 'unknown-key' });
  });

  it('never throws, whatever it is given as a token', () => {
    const real = encodeToken(claims, keys);
    const anyToken = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,200}$/),
      fc.uint8Array({ minLength: 0, maxLength: 150 }).map((b) => Buffer.from(b).toString('base64url')),
      fc
        .tuple(fc.nat(real.length - 1), fc.constantFrom(...'AZaz09-_=+/.'))
        .map(([i, ch]) => real.slice(0, i) + ch + real.slice(i + 1)),
      fc.anything(),
    );

    fc.assert(
      fc.property(anyToken, (token) => {
        const result = verifyToken(token, keys, during(claims));

        expect(result.ok === false || token === real).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('issues the same token for the same claims and key', () => {
    expect(encodeToken(claims, keys)).toBe(encodeToken({ ...claims }, tokenKeyring([CURRENT])));
  });

  it.each([
    ['conversationId', { conversationId: 'has space' }],
    ['originRegion', { originRegion: 'US-EAST-1' }],
    ['env', { env: 'Prod' }],
    ['contextVersion', { contextVersion: -1 }],
    ['expiresAt', { expiresAt: claims.issuedAt }],
    ['expiresAt', { expiresAt: 2 ** 32 }],
  ])('fails to issue a token when %s is invalid', (field, change) => {
    expect(() => encodeToken({ ...claims, ...change }, keys)).toThrow(
      new RegExp(`invalid token claims: ${field}`),
    );
  });

  it('fails to verify with a clock reading that is not a number', () => {
    expect(() => verifyToken(encodeToken(claims, keys), keys, { env: 'dev', nowMs: Number.NaN })).toThrow(
      TypeError,
    );
  });
});

describe('tokenKeyring', () => {
  it('rejects a secret shorter than 32 bytes', () => {
    expect(() => tokenKeyring(['short'])).toThrow(/at least 32 bytes \(got 5\)/);
  });

  it('rejects an empty secret list', () => {
    expect(() => tokenKeyring([])).toThrow(/at least one secret/);
  });

  it('shows only the key id when a key is logged', () => {
    const key = new TokenKey(CURRENT);

    const shown = `${JSON.stringify({ keys: [key] })} ${inspect(key)}`;

    expect(shown).toBe(`{"keys":[{"id":${key.id}}]} TokenKey { id: ${key.id} }`);
  });
});
