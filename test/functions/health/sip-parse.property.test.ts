import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpretMessage, matchesProbe } from '../../../functions/health/sip/match.js';
import { parseSipResponse } from '../../../functions/health/sip/parse.js';
import type { ProbeIds } from '../../../functions/health/sip/types.js';
import { responseFor } from './sip-fixtures.js';

const hex = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: min, maxLength: max });

const idsArb: fc.Arbitrary<ProbeIds> = fc.record({
  branch: hex(8, 24).map((h) => `z9hG4bK${h}`),
  callId: fc
    .tuple(hex(8, 32), fc.option(fc.constantFrom('pc33', 'example.com', '10.0.0.1'), { nil: undefined }))
    .map(([id, host]) => (host ? `${id}@${host}` : id)),
  fromTag: hex(4, 12),
  cseq: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
});

/** One header name spelled any way a peer may spell it: any case, or its compact form. */
const spelled = (full: string, compact: string | null) =>
  fc
    .tuple(fc.boolean(), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }))
    .map(([useCompact, upper]) =>
      useCompact && compact
        ? compact
        : [...full].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''),
    );

const safeText = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ;=<>@.:-_"'),
  minLength: 1,
  maxLength: 40,
});

/** Folds a header value at its spaces into continuation lines, where `fold` says so. */
const folded = (value: string, fold: boolean[]) =>
  value
    .split(' ')
    .map((word, i) => (i > 0 && fold[i % fold.length] ? `\r\n\t${word}` : i > 0 ? ` ${word}` : word))
    .join('');

/** A well-formed response to `ids`, written as a real peer might: any order, case, compact forms, folding. */
const genuineResponse = (ids: ProbeIds) =>
  fc
    .record({
      status: fc.integer({ min: 100, max: 699 }),
      via: spelled('Via', 'v'),
      callId: spelled('Call-ID', 'i'),
      cseq: spelled('CSeq', null),
      length: spelled('Content-Length', 'l'),
      extra: fc.array(fc.tuple(fc.constantFrom('From', 'To', 'Server', 'X-Info', 'Allow'), safeText), {
        maxLength: 6,
      }),
      fold: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
      body: fc.string({ maxLength: 60 }),
      order: fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
      leadingCrlf: fc.boolean(),
    })
    .map((r) => {
      const headers = [
        `${r.via}: ${folded(`SIP/2.0/UDP 127.0.0.1:5070 ;received=127.0.0.1 ;branch=${ids.branch} ;rport=5070`, r.fold)}`,
        `${r.callId}: ${ids.callId}`,
        `${r.cseq}: ${ids.cseq} OPTIONS`,
        `${r.length}: ${Buffer.byteLength(r.body)}`,
        ...r.extra.map(([name, value]) => `${name}: ${folded(value.trim() || 'x', r.fold)}`),
      ];
      const ordered = headers
        .map((h, i) => ({ h, key: r.order[i % r.order.length] ?? 0 }))
        .sort((a, b) => a.key - b.key)
        .map(({ h }) => h);
      const raw = `${r.leadingCrlf ? '\r\n' : ''}SIP/2.0 ${r.status} Some Reason\r\n${ordered.join('\r\n')}\r\n\r\n${r.body}`;
      return { raw, status: r.status };
    });

/** Necessary conditions for a genuine matching 2xx, checked on the raw text without our parser. */
function looksLikeMatching2xx(raw: string, ids: ProbeIds): boolean {
  return (
    /^[\r\n]*SIP\/2\.0[ \t]+2[0-9]{2}/i.test(raw) &&
    raw.includes(ids.branch) &&
    raw.includes(ids.callId) &&
    raw.includes(`${ids.cseq}`) &&
    raw.includes('OPTIONS')
  );
}

describe('SIP response parser (properties)', () => {
  it('parses and matches any well-formed response to the probe, however it is spelled', () => {
    fc.assert(
      fc.property(
        idsArb.chain((ids) => fc.tuple(fc.constant(ids), genuineResponse(ids))),
        ([ids, { raw, status }]) => {
          const outcome = parseSipResponse(raw);
          expect(outcome.ok).toBe(true);
          if (!outcome.ok) return;
          expect(outcome.response.status).toBe(status);
          expect(matchesProbe(outcome.response, ids)).toBe(true);
          const seen = interpretMessage(raw, ids);
          if (status < 200) expect(seen).toEqual({ kind: 'provisional', status });
          else expect(seen).toEqual({ kind: 'final', status, up: status < 300 });
        },
      ),
    );
  });

  it('never throws on arbitrary bytes and never counts them as up', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), idsArb, (bytes, ids) => {
        const buffer = Buffer.from(bytes);
        expect(() => parseSipResponse(buffer)).not.toThrow();
        const seen = interpretMessage(buffer, ids, [404, 405]);
        expect(seen.kind === 'final' && seen.up).toBe(false);
      }),
    );
  });

  it('counts a damaged 200 as up only while it still is a matching 2xx', () => {
    fc.assert(
      fc.property(
        idsArb,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('replace', 'insert', 'truncate'),
        (ids, at, byte, how) => {
          const original = Buffer.from(responseFor(ids, { status: 200 }));
          const i = at % original.length;
          const damaged =
            how === 'truncate'
              ? original.subarray(0, i)
              : how === 'insert'
                ? Buffer.concat([original.subarray(0, i), Buffer.from([byte]), original.subarray(i)])
                : Buffer.concat([original.subarray(0, i), Buffer.from([byte]), original.subarray(i + 1)]);
          const seen = interpretMessage(damaged, ids);
          if (seen.kind === 'final' && seen.up)
            expect(looksLikeMatching2xx(damaged.toString('latin1'), ids)).toBe(true);
        },
      ),
    );
  });

  it('ignores well-formed responses to any other probe', () => {
    fc.assert(
      fc.property(
        idsArb,
        idsArb.chain((other) => fc.tuple(fc.constant(other), genuineResponse(other))),
        (ids, [other, { raw }]) => {
          fc.pre(other.branch !== ids.branch || other.callId !== ids.callId || other.cseq !== ids.cseq);
          expect(interpretMessage(raw, ids)).toEqual({ kind: 'ignored' });
        },
      ),
    );
  });
});
