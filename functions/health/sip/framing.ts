import { contentLengthOf, findHeaderEnd, parseHeaderBlock, skipLeadingLineBreaks } from './parse.js';

/** Limits that keep a misbehaving peer from making the probe buffer without end. */
export const MAX_HEADER_BYTES = 16 * 1024;
export const MAX_BODY_BYTES = 64 * 1024;

export type FrameOutcome =
  | { readonly kind: 'frame'; readonly frame: Buffer; readonly rest: Buffer }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'invalid'; readonly error: string };

/**
 * Cuts the first SIP message off a stream buffer (TCP, TLS). On a stream the only message boundary is
 * Content-Length, which is therefore mandatory (RFC 3261 18.3, 20.14). CRLF keep-alives between
 * messages (RFC 5626 4.4.1) are skipped.
 *
 * @example
 * let buffered = Buffer.concat([buffered, chunk]);
 * for (let out = extractFrame(buffered); out.kind === 'frame'; out = extractFrame(buffered)) {
 *   handle(out.frame);
 *   buffered = out.rest;
 * }
 */
export function extractFrame(buffer: Buffer): FrameOutcome {
  const start = skipLeadingLineBreaks(buffer);
  if (start === buffer.length) return { kind: 'incomplete' };
  const end = findHeaderEnd(buffer, start);
  if (!end) {
    return buffer.length - start > MAX_HEADER_BYTES
      ? { kind: 'invalid', error: 'header block too large' }
      : { kind: 'incomplete' };
  }
  if (end.index - start > MAX_HEADER_BYTES) return { kind: 'invalid', error: 'header block too large' };
  const block = parseHeaderBlock(buffer.toString('utf8', start, end.index));
  if (!block.ok) return { kind: 'invalid', error: block.error };
  const length = contentLengthOf(block.headers);
  if (length === null) return { kind: 'invalid', error: 'no Content-Length on a stream transport' };
  if (typeof length === 'string') return { kind: 'invalid', error: length };
  if (length > MAX_BODY_BYTES) return { kind: 'invalid', error: 'body too large' };
  const frameEnd = end.index + end.separatorLength + length;
  if (buffer.length < frameEnd) return { kind: 'incomplete' };
  return { kind: 'frame', frame: buffer.subarray(start, frameEnd), rest: buffer.subarray(frameEnd) };
}
