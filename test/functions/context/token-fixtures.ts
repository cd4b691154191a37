import fc from 'fast-check';
import type { TokenClaims } from '../../../functions/context/token.js';
import { tokenKeyring } from '../../../functions/context/token-keys.js';

/** What the token tests share: a key, claims, and claims of every shape. */

export const CURRENT = 'current-secret-0123456789abcdef-0123456789';
export const PREVIOUS = 'previous-secret-0123456789abcdef-012345678';
export const keys = tokenKeyring([CURRENT]);

export const claims: TokenClaims = {
  env: 'dev',
  conversationId: '3f0c9a52-6b1e-4c2d-9a8f-0e1d2c3b4a59',
  originRegion: 'us-east-1',
  contextVersion: 7,
  issuedAt: 1_750_000_000,
  expiresAt: 1_750_000_300,
};
export const during = (c: TokenClaims) => ({ env: c.env, nowMs: c.issuedAt * 1000 });

export const claimsArb: fc.Arbitrary<TokenClaims> = fc
  .record({
    env: fc.stringMatching(/^[a-z][a-z0-9-]{1,20}$/),
    conversationId: fc.oneof(
      fc.uuid(),
      fc.uuid().map((u) => u.toUpperCase()),
      fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/),
    ),
    originRegion: fc.stringMatching(/^[a-z]{2}(-[a-z]{1,8}){1,2}-\d$/),
    contextVersion: fc.integer({ min: 0, max: 0xffff_ffff }),
    issuedAt: fc.integer({ min: 0, max: 0xffff_fffe }),
    lifetime: fc.integer({ min: 1, max: 0xffff_ffff }),
  })
  .map(({ lifetime, ...c }) => ({ ...c, expiresAt: Math.min(c.issuedAt + lifetime, 0xffff_ffff) }));
