/**
 * A strict-enough, never-throwing parser for SIP responses (RFC 3261 7.2, 7.3, 18.3).
 * It only needs what the health probe reads: the status line and a few headers.
 */

/** A parsed SIP response. Header names are canonical: lower case, compact forms expanded. */
export interface SipResponse {
  readonly status: number;
  readonly reasonPhrase: string;
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: Buffer;
}

export type ParseOutcome =
  | { readonly ok: true; readonly response: SipResponse }
  | { readonly ok: false; readonly error: string };

export type HeaderBlockOutcome =
  | {
      readonly ok: true;
      readonly startLine: string;
      readonly headers: ReadonlyMap<string, readonly string[]>;
    }
  | { readonly ok: false; readonly error: string };

/** RFC 3261 7.3.3 and the later RFCs that registered compact forms. */
const COMPACT_FORMS: ReadonlyMap<string, string> = new Map([
  ['a', 'accept-contact'],
  ['b', 'referred-by'],
  ['c', 'content-type'],
  ['d', 'request-disposition'],
  ['e', 'content-encoding'],
  ['f', 'from'],
  ['i', 'call-id'],
  ['j', 'reject-contact'],
  ['k', 'supported'],
  ['l', 'content-length'],
  ['m', 'contact'],
  ['n', 'identity-info'],
  ['o', 'event'],
  ['r', 'refer-to'],
  ['s', 'subject'],
  ['t', 'to'],
  ['u', 'allow-events'],
  ['v', 'via'],
  ['x', 'session-expires'],
  ['y', 'identity'],
]);

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
// SIP-Version is case-insensitive (RFC 3261 7.1); the reason phrase may be empty.
const STATUS_LINE = /^SIP\/2\.0[ \t]+([1-6][0-9]{2})(?:[ \t]+(.*))?$/i;
const REQUEST_LINE = /^[A-Za-z0-9\-.!%*_+`'~]+ \S+ SIP\/2\.0$/i;

/** The parse error for a well-formed request: not garbage, just not a response. */
export const IS_A_REQUEST = 'a SIP request, not a response';

/** Lower-cased header name with compact forms expanded (`i` -> `call-id`). */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT_FORMS.get(lower) ?? lower;
}

/** Index after any CRLFs that precede a start line (RFC 3261 7.5: keep-alives, SHOULD be ignored). */
export function skipLeadingLineBreaks(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x0d || bytes[i] === 0x0a)) i += 1;
  return i;
}

/** Where the header block ends: the index of the empty line and the length of the separator. */
export function findHeaderEnd(bytes: Buffer, from = 0): { index: number; separatorLength: number } | null {
  const crlf = bytes.indexOf('\r\n\r\n', from, 'latin1');
  const lf = bytes.indexOf('\n\n', from, 'latin1');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { index: crlf, separatorLength: 4 };
  // Bare LF line ends are a common sloppiness (RFC 3261 7 asks for CRLF); accept them when reading.
  if (lf !== -1) return { index: lf, separatorLength: 2 };
  return null;
}

/** Parses a start line and header fields, unfolding continuation lines (RFC 3261 7.3.1). */
export function parseHeaderBlock(head: string): HeaderBlockOutcome {
  const lines = head.split(/\r?\n/);
  const startLine = lines[0] ?? '';
  const headers = new Map<string, string[]>();
  const fields: { name: string; value: string }[] = [];
  for (const line of lines.slice(1)) {
    if (line === '') return { ok: false, error: 'empty line inside the header block' };
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const previous = fields.at(-1);
      if (!previous) return { ok: false, error: 'continuation line before the first header' };
      previous.value = `${previous.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return { ok: false, error: 'header line without a name and colon' };
    const name = line.slice(0, colon).trimEnd();
    if (!TOKEN.test(name)) return { ok: false, error: 'header name is not a token' };
    fields.push({ name: canonicalHeaderName(name), value: line.slice(colon + 1).trim() });
  }
  for (const { name, value } of fields) {
    const values = headers.get(name);
    if (values) values.push(value);
    else headers.set(name, [value]);
  }
  return { ok: true, startLine, headers };
}

/** The single Content-Length of a header map: null when absent, an error text when invalid or ambiguous. */
export function contentLengthOf(headers: ReadonlyMap<string, readonly string[]>): number | null | string {
  const values = headers.get('content-length');
  if (!values) return null;
  const distinct = new Set(values.map((v) => v.trim()));
  if (distinct.size !== 1) return 'conflicting Content-Length headers';
  const [value = ''] = distinct;
  if (!/^[0-9]{1,9}$/.test(value)) return 'Content-Length is not a number';
  return Number(value);
}

/**
 * Parses one complete SIP response (a UDP datagram, or one frame cut from a stream).
 * Never throws: anything that is not a well-formed response comes back as `{ ok: false, error }`.
 *
 * @example
 * const outcome = parseSipResponse(datagram);
 * if (outcome.ok && outcome.response.status === 200) { ... }
 */
export function parseSipResponse(input: Buffer | string): ParseOutcome {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const start = skipLeadingLineBreaks(bytes);
  const end = findHeaderEnd(bytes, start);
  if (!end) return { ok: false, error: 'no empty line after the headers' };
  const block = parseHeaderBlock(bytes.toString('utf8', start, end.index));
  if (!block.ok) return block;
  const status = STATUS_LINE.exec(block.startLine);
  if (!status) {
    return {
      ok: false,
      error: REQUEST_LINE.test(block.startLine) ? IS_A_REQUEST : 'not a SIP/2.0 status line',
    };
  }
  const length = contentLengthOf(block.headers);
  if (typeof length === 'string') return { ok: false, error: length };
  const bodyStart = end.index + end.separatorLength;
  const available = bytes.length - bodyStart;
  // RFC 3261 18.3: a datagram shorter than its Content-Length is discarded; extra bytes are dropped.
  if (length !== null && available < length) return { ok: false, error: 'body shorter than Content-Length' };
  const body = bytes.subarray(bodyStart, length === null ? bytes.length : bodyStart + length);
  return {
    ok: true,
    response: {
      status: Number(status[1]),
      reasonPhrase: (status[2] ?? '').trim(),
      headers: block.headers,
      body,
    },
  };
}

/** Splits a header value at top-level commas (not inside quotes or angle brackets), RFC 3261 7.3.1. */
export function splitHeaderValues(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i += 1) {
    const ch = value[i] as string;
    if (quoted && ch === '\\' && i + 1 < value.length) {
      current += ch + (value[i + 1] as string);
      i += 1;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') angle = true;
    else if (!quoted && ch === '>') angle = false;
    if (ch === ',' && !quoted && !angle) {
      parts.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current.trim());
  return parts.filter((p) => p !== '');
}
