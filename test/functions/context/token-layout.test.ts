import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeToken,
  TOKEN_FORMAT_VERSION,
  type TokenClaims,
  verifyToken,
} from '../../../functions/context/token.js';
import { conversationIdSchema, regionSchema } from '../../../functions/shared/identifiers.js';
import { claims, claimsArb, during, keys } from './token-fixtures.js';

/** The version 2 layout: one length per conversation-id class, zero padding, version 1 still verified. */

/** Version 1 tokens issued by the code before version 2 (same key, `claims` with these ids and regions). */
const V1_TOKENS: [string, string, string][] = [
  [
    '3f0c9a52-6b1e-4c2d-9a8f-0e1d2c3b4a59',
    'us-east-1',
    'AagLAPztl26c8OfuzmAZxBDTbGnPjmVcZ8hNdCXXTO72FIediuxyle4vpQOX4BrQfi3sdK4foQv2xQ',
  ],
  ['conv-1', 'eu-west-1', 'AagLtIb5yCNl6teWH9fYgbC1svn_aY2lT2VRcuxTwsOgVfb-OG7qp5SZCERMx2kZ8Q'],
  [
    'C'.repeat(64),
    'ap-southeast-2',
    'AagLHZYbSezKeaxq7AlFeLklwoS_1BvGlJPb_j5cDKkcOUgUEvD06LTsKBsG5wujumZdHLV7YMsjUJ2Kxpb9CtGNdrBZ3cB-U6GBMW3HIIR073_xhe1tB_ah5sNE-dVbTbbwkZFEWXwhGVNgKUh2lg',
  ],
];

/** A token over any payload, correctly signed and encrypted with `keys[0]`: only a bug or a stolen key makes one. */
function signRaw(version: number, payload: Buffer, env = 'dev'): string {
  const [key] = keys;
  if (!key) throw new Error('keyring is empty');
  const head = Buffer.of(version, key.id, key.envTag(env));
  const siv = key.mac([head, Buffer.from(env), payload], 16);
  return Buffer.concat([head, siv, key.ctr(siv, payload)]).toString('base64url');
}

/** The three u32 numbers at the end of every payload. */
function numbersOf(c: TokenClaims): Buffer {
  const numbers = Buffer.alloc(12);
  numbers.writeUInt32BE(c.contextVersion, 0);
  numbers.writeUInt32BE(c.issuedAt, 4);
  numbers.writeUInt32BE(c.expiresAt, 8);
  return numbers;
}

/** `u8 length + ASCII`, zero-padded to `width`. */
function field(text: string, width = text.length): Buffer {
  const out = Buffer.alloc(1 + width);
  out[0] = text.length;
  out.write(text, 1, 'ascii');
  return out;
}

describe('token layout', () => {
  it('issues a 99-character URL-safe version 2 token for a UUID conversation in us-east-1', () => {
    const token = encodeToken(claims, keys);

    expect(token).toMatch(/^[A-Za-z0-9_-]{99}$/);
    expect(Buffer.from(token, 'base64url')[0]).toBe(2);
    expect(TOKEN_FORMAT_VERSION).toBe(2);
  });

  it('issues tokens of one length per conversation-id class, whatever the region and the id length', () => {
    const uuidClaims = fc
      .tuple(claimsArb, fc.uuid())
      .map(([c, id]) => ({ ...c, conversationId: id.toLowerCase() }));
    const otherClaims = claimsArb.filter(
      (c) => !/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(c.conversationId),
    );
    fc.assert(
      fc.property(uuidClaims, otherClaims, (u, o) => {
        expect(encodeToken(u, keys)).toHaveLength(99);
        expect(encodeToken(o, keys)).toHaveLength(164);
      }),
      { numRuns: 500 },
    );
  });

  it('pads to the longest conversation id and region the shared schemas accept', () => {
    expect(conversationIdSchema.safeParse('C'.repeat(64)).success).toBe(true);
    expect(conversationIdSchema.safeParse('C'.repeat(65)).success).toBe(false);
    expect(regionSchema.safeParse(`ap-${'s'.repeat(20)}-1`).success).toBe(true);
    expect(regionSchema.safeParse(`ap-${'s'.repeat(21)}-1`).success).toBe(false);
    expect(encodeToken({ ...claims, conversationId: 'c', originRegion: 'xx-y-1' }, keys)).toHaveLength(164);
    expect(
      encodeToken(
        { ...claims, conversationId: 'C'.repeat(64), originRegion: `ap-${'s'.repeat(20)}-1` },
        keys,
      ),
    ).toHaveLength(164);
  });

  it.each(V1_TOKENS)(
    'still verifies a version 1 token issued before the upgrade (%s in %s)',
    (conversationId, originRegion, token) => {
      const v1Claims = { ...claims, conversationId, originRegion };

      expect(Buffer.from(token, 'base64url')[0]).toBe(1);
      expect(verifyToken(token, keys, during(v1Claims))).toEqual({ ok: true, claims: v1Claims });
      expect(encodeToken(v1Claims, keys)).not.toBe(token);
    },
  );

  it('rejects a correctly signed version 2 token whose padding is not zero', () => {
    const c = { ...claims, conversationId: 'conv-1' };
    const canonical = Buffer.concat([
      Buffer.of(0),
      field('conv-1', 64),
      field('us-east-1', 25),
      numbersOf(c),
    ]);
    const inId = Buffer.from(canonical);
    inId[1 + 1 + 6] = 0x41;
    const inRegion = Buffer.from(canonical);
    inRegion[1 + 65 + 1 + 9 + 3] = 0x01;

    expect(verifyToken(signRaw(2, canonical), keys, during(c))).toEqual({ ok: true, claims: c });
    expect(verifyToken(signRaw(2, inId), keys, during(c))).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyToken(signRaw(2, inRegion), keys, during(c))).toEqual({ ok: false, reason: 'malformed' });
  });

  it.each([
    [
      'an id length over its field',
      Buffer.concat([Buffer.of(0, 65), Buffer.alloc(64, 0x43), field('us-east-1', 25), numbersOf(claims)]),
    ],
    [
      'a region length over its field',
      Buffer.concat([
        Buffer.of(0),
        field('conv-1', 64),
        Buffer.of(26),
        Buffer.alloc(25, 0x61),
        numbersOf(claims),
      ]),
    ],
    [
      'an unpadded (version 1) layout',
      Buffer.concat([Buffer.of(0), field('conv-1'), field('us-east-1'), numbersOf(claims)]),
    ],
    [
      'a trailing byte',
      Buffer.concat([
        Buffer.of(0),
        field('conv-1', 64),
        field('us-east-1', 25),
        numbersOf(claims),
        Buffer.of(0),
      ]),
    ],
  ])('rejects a correctly signed version 2 token with %s as malformed', (_name, payload) => {
    expect(verifyToken(signRaw(2, payload), keys, during(claims))).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('rejects a correctly signed version 1 payload that is not the canonical encoding of its claims', () => {
    // The UUID written as a 36-byte string instead of packed: only a bug or a stolen key produces this.
    const payload = Buffer.concat([
      Buffer.of(0),
      field(claims.conversationId),
      field(claims.originRegion),
      numbersOf(claims),
    ]);

    expect(verifyToken(signRaw(1, payload), keys, during(claims))).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });
});
