import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractFrame, MAX_HEADER_BYTES } from '../../../functions/health/sip/framing.js';
import { IDS, responseFor } from './sip-fixtures.js';

/** Feeds `chunks` through extractFrame the way the stream probe does and collects the frames. */
function frames(chunks: Buffer[]): { frames: string[]; invalid: string | null; rest: Buffer } {
  const out: string[] = [];
  let buffered: Buffer = Buffer.alloc(0);
  for (const chunk of chunks) {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const next = extractFrame(buffered);
      if (next.kind === 'incomplete') break;
      if (next.kind === 'invalid') return { frames: out, invalid: next.error, rest: buffered };
      out.push(next.frame.toString());
      buffered = next.rest;
    }
  }
  return { frames: out, invalid: null, rest: buffered };
}

describe('extractFrame', () => {
  it('cuts a message at its Content-Length and keeps the rest', () => {
    // Prepare
    const first = responseFor(IDS, { status: 200, body: 'v=0\r\n' });
    const second = responseFor(IDS, { status: 503 });

    // Act
    const result = frames([Buffer.from(first + second.slice(0, 20))]);

    // Assess
    expect(result.frames).toEqual([first]);
    expect(result.rest.toString()).toBe(second.slice(0, 20));
  });

  it('skips CRLF keep-alives between messages', () => {
    // Prepare
    const message = responseFor(IDS, { status: 200 });

    // Act
    const result = frames([Buffer.from(`\r\n\r\n${message}\r\n\r\n${message}`)]);

    // Assess
    expect(result.frames).toEqual([message, message]);
  });

  it('waits for more bytes while the headers or the body are incomplete', () => {
    // Prepare
    const message = responseFor(IDS, { status: 200, body: 'abc' });

    // Act + Assess
    expect(extractFrame(Buffer.from(message.slice(0, 30)))).toEqual({ kind: 'incomplete' });
    expect(extractFrame(Buffer.from(message.slice(0, -1)))).toEqual({ kind: 'incomplete' });
    expect(extractFrame(Buffer.from('\r\n\r\n'))).toEqual({ kind: 'incomplete' });
  });

  it.each([
    ['no Content-Length', responseFor(IDS, { status: 200, withoutContentLength: true })],
    ['a bad Content-Length', 'SIP/2.0 200 OK\r\nContent-Length: -1\r\n\r\n'],
    ['a body over the limit', 'SIP/2.0 200 OK\r\nContent-Length: 999999\r\n\r\n'],
    ['a header line without a colon', 'SIP/2.0 200 OK\r\nnonsense\r\nContent-Length: 0\r\n\r\n'],
    ['a header block over the limit', `SIP/2.0 200 OK\r\nX: ${'a'.repeat(MAX_HEADER_BYTES)}`],
  ])('rejects a stream with %s', (_, raw) => {
    // Act
    const result = extractFrame(Buffer.from(raw));

    // Assess
    expect(result.kind).toBe('invalid');
  });

  it('finds the same messages however the stream is cut into reads', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 100, max: 699 }), fc.string({ maxLength: 30 }), fc.boolean()), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
        (specs, cuts) => {
          const messages = specs.map(([status, body]) => responseFor(IDS, { status, body }));
          const stream = Buffer.from(
            specs.map(([, , ka], i) => (ka ? '\r\n\r\n' : '') + messages[i]).join(''),
          );
          const chunks: Buffer[] = [];
          let offset = 0;
          for (let i = 0; offset < stream.length; i += 1) {
            const size = cuts[i % cuts.length] ?? 1;
            chunks.push(stream.subarray(offset, offset + size));
            offset += size;
          }
          const result = frames(chunks);
          expect(result.invalid).toBeNull();
          expect(result.frames).toEqual(messages);
          expect(result.rest.length).toBe(0);
        },
      ),
    );
  });
});
