import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseSignatureHeader,
  signWebhook,
  verifyWebhookSignature,
} from '../../../functions/context/webhook-signature.js';

const SECRET = 'whsec-current-7f3a9c';
const PREVIOUS = 'whsec-previous-1b2c3d';
const NOW = 1_750_000_000;
const body = JSON.stringify({ eventId: 'evt-1', conversationId: 'conv-1', type: 'contact.updated' });
const verify = (header: string | undefined, raw: string | Uint8Array = body, secrets = [SECRET], now = NOW) =>
  verifyWebhookSignature(header, raw, secrets, { nowSeconds: now });

describe('signWebhook', () => {
  it('signs the timestamp, a dot and the raw body with HMAC-SHA256 as documented', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${body}`).digest('hex');

    expect(signWebhook(body, SECRET, NOW)).toBe(`t=${NOW},v1=${expected}`);
  });

  it('adds one v1 per secret during a rotation', () => {
    const header = signWebhook(body, [SECRET, PREVIOUS], NOW);

    expect(header.split(',').map((e) => e.split('=')[0])).toEqual(['t', 'v1', 'v1']);
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts a request signed with the current secret', () => {
    expect(verify(signWebhook(body, SECRET, NOW))).toEqual({ ok: true, timestamp: NOW, secretIndex: 0 });
  });

  it('accepts the raw body as bytes as well as text', () => {
    const bytes = Buffer.from(`{"note":"caf\u00e9"}`, 'utf8');

    expect(verify(signWebhook(bytes, SECRET, NOW), bytes).ok).toBe(true);
    expect(verify(signWebhook(bytes, SECRET, NOW), bytes.toString('utf8')).ok).toBe(true);
  });

  it('accepts a request signed with the previous secret during a rotation and says so', () => {
    expect(verify(signWebhook(body, PREVIOUS, NOW), body, [SECRET, PREVIOUS])).toEqual({
      ok: true,
      timestamp: NOW,
      secretIndex: 1,
    });
  });

  it('accepts a header carrying a signature per secret, whichever secret the receiver holds', () => {
    const header = signWebhook(body, [SECRET, PREVIOUS], NOW);

    expect(verify(header, body, [SECRET]).ok).toBe(true);
    expect(verify(header, body, [PREVIOUS]).ok).toBe(true);
  });

  it('accepts spaces around elements, upper-case hex and unknown future elements', () => {
    const [t, v1] = signWebhook(body, SECRET, NOW).split(',');

    expect(verify(` ${t} , v2=abc, ${v1?.toUpperCase().replace('V1', 'v1')} `).ok).toBe(true);
  });

  it.each([
    ['wrong secret', signWebhook(body, 'some-other-secret', NOW), body, 'bad-signature'],
    ['modified body', signWebhook(body, SECRET, NOW), body.replace('evt-1', 'evt-2'), 'bad-signature'],
    ['body with a trailing newline', signWebhook(body, SECRET, NOW), `${body}\n`, 'bad-signature'],
    [
      'timestamp moved',
      signWebhook(body, SECRET, NOW).replace(`t=${NOW}`, `t=${NOW + 1}`),
      body,
      'bad-signature',
    ],
    ['missing header', undefined, body, 'missing-header'],
    ['empty header', '', body, 'missing-header'],
    ['no timestamp', signWebhook(body, SECRET, NOW).replace(`t=${NOW},`, ''), body, 'malformed-header'],
    ['no signature', `t=${NOW}`, body, 'malformed-header'],
    ['two timestamps', `t=${NOW},${signWebhook(body, SECRET, NOW)}`, body, 'malformed-header'],
    ['a short signature', `t=${NOW},v1=abcd`, body, 'malformed-header'],
    ['a non-numeric timestamp', `t=soon,v1=${'0'.repeat(64)}`, body, 'malformed-header'],
    ['a negative timestamp', `t=-5,v1=${'0'.repeat(64)}`, body, 'malformed-header'],
    ['an element without =', `t=${NOW};v1=${'0'.repeat(64)}`, body, 'malformed-header'],
    ['a header of another scheme', `sha256=${'0'.repeat(64)}`, body, 'malformed-header'],
  ])('rejects a request with %s', (_name, header, raw, reason) => {
    expect(verify(header, raw)).toEqual({ ok: false, reason });
  });

  it.each([
    ['300 s old', NOW - 300, true],
    ['301 s old', NOW - 301, 'stale-timestamp'],
    ['a day old', NOW - 86_400, 'stale-timestamp'],
    ['30 s ahead', NOW + 30, true],
    ['31 s ahead', NOW + 31, 'future-timestamp'],
    ['an hour ahead', NOW + 3600, 'future-timestamp'],
  ])('judges a genuine request signed %s', (_name, signedAt, expected) => {
    const result = verify(signWebhook(body, SECRET, signedAt));

    expect(result.ok ? true : result.reason).toBe(expected);
  });

  it('applies a configured replay window and skew', () => {
    const header = signWebhook(body, SECRET, NOW - 100);
    const at = (replayWindowSeconds: number) =>
      verifyWebhookSignature(header, body, [SECRET], { nowSeconds: NOW, replayWindowSeconds }).ok;

    expect(at(100)).toBe(true);
    expect(at(99)).toBe(false);
  });

  it('reports a forged stale request as bad-signature, not as stale', () => {
    expect(verify(signWebhook(body, 'forger', NOW - 3600))).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('fails without a usable secret rather than rejecting every request', () => {
    const header = signWebhook(body, SECRET, NOW);

    expect(() => verify(header, body, [])).toThrow(TypeError);
    expect(() => verify(header, body, [''])).toThrow(TypeError);
  });

  it('accepts exactly what it signed, for any body, secret pair and time', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.integer({ min: 0, max: 999_999_999_999 }),
        fc.boolean(),
        (raw, current, previous, now, senderRotated) => {
          const header = signWebhook(raw, senderRotated ? current : previous, now);

          const result = verifyWebhookSignature(header, raw, [current, previous], { nowSeconds: now });

          expect(result).toEqual({
            ok: true,
            timestamp: now,
            secretIndex: senderRotated || current === previous ? 0 : 1,
          });
        },
      ),
    );
  });

  it('never throws and never accepts, whatever header and body it is given', () => {
    const header = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constant(undefined),
      fc
        .tuple(
          fc.array(fc.constantFrom('t', 'v1', 'v2', 'T', ' ', '=', ',', '-1', '0', 'f'.repeat(64))),
          fc.nat(),
        )
        .map(([parts]) => parts.join('')),
      fc.stringMatching(/^t=\d{1,14},v1=[0-9a-f]{60,68}$/),
    );

    fc.assert(
      fc.property(header, fc.oneof(fc.string(), fc.uint8Array()), (h, raw) => {
        expect(verify(h, raw).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseSignatureHeader', () => {
  it('returns the timestamp and every v1 signature', () => {
    const parsed = parseSignatureHeader(`t=12,v1=${'ab'.repeat(32)},v1=${'CD'.repeat(32)}`);

    expect(parsed?.timestamp).toBe(12);
    expect(parsed?.signatures.map((s) => s.toString('hex'))).toEqual(['ab'.repeat(32), 'cd'.repeat(32)]);
  });

  it('rejects a header over 1024 characters', () => {
    expect(parseSignatureHeader(`t=1,v1=${'0'.repeat(64)},x=${'0'.repeat(1024)}`)).toBeNull();
  });
});
