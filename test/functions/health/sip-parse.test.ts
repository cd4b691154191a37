import { describe, expect, it } from 'vitest';
import {
  interpretMessage,
  isUpStatus,
  matchesProbe,
  topViaBranch,
} from '../../../functions/health/sip/match.js';
import { parseSipResponse, splitHeaderValues } from '../../../functions/health/sip/parse.js';
import { IDS, responseFor } from './sip-fixtures.js';

function parsed(raw: string) {
  const outcome = parseSipResponse(raw);
  if (!outcome.ok) throw new Error(`expected a parse, got: ${outcome.error}`);
  return outcome.response;
}

describe('parseSipResponse', () => {
  it.each([
    ['SIP/2.0 200 OK', 200, 'OK'],
    ['SIP/2.0 404 Not Found', 404, 'Not Found'],
    ['SIP/2.0 408 Request Timeout', 408, 'Request Timeout'],
    ['SIP/2.0 503 Service Unavailable', 503, 'Service Unavailable'],
    ['SIP/2.0 603 Decline', 603, 'Decline'],
    ['sip/2.0 180 Ringing', 180, 'Ringing'],
    ['SIP/2.0 200 ', 200, ''],
    ['SIP/2.0 200', 200, ''],
  ])('reads the status line %j', (line, status, reason) => {
    // Prepare
    const raw = `${line}\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n`;

    // Act
    const response = parsed(raw);

    // Assess
    expect(response.status).toBe(status);
    expect(response.reasonPhrase).toBe(reason);
  });

  it.each([
    ['a request line', 'OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n'],
    ['a version other than 2.0', 'SIP/3.0 200 OK\r\nContent-Length: 0\r\n\r\n'],
    ['a status above 699', 'SIP/2.0 700 Huh\r\nContent-Length: 0\r\n\r\n'],
    ['a two-digit status', 'SIP/2.0 20 OK\r\nContent-Length: 0\r\n\r\n'],
    ['no empty line after the headers', 'SIP/2.0 200 OK\r\nContent-Length: 0\r\n'],
    ['a header without a colon', 'SIP/2.0 200 OK\r\nContent-Length 0\r\n\r\n'],
    ['a continuation before any header', 'SIP/2.0 200 OK\r\n  folded\r\nContent-Length: 0\r\n\r\n'],
    ['a non-numeric Content-Length', 'SIP/2.0 200 OK\r\nContent-Length: ten\r\n\r\n'],
    ['conflicting Content-Lengths', 'SIP/2.0 200 OK\r\nContent-Length: 0\r\nl: 3\r\n\r\nabc'],
    ['a body shorter than Content-Length', 'SIP/2.0 200 OK\r\nContent-Length: 10\r\n\r\nabc'],
    ['an empty input', ''],
  ])('rejects %s', (_, raw) => {
    // Act
    const outcome = parseSipResponse(raw);

    // Assess
    expect(outcome.ok).toBe(false);
  });

  it('unfolds continuation lines into one value', () => {
    // Prepare
    const raw = 'SIP/2.0 200 OK\r\nSubject: first\r\n   second\r\n\tthird\r\nContent-Length: 0\r\n\r\n';

    // Act
    const response = parsed(raw);

    // Assess
    expect(response.headers.get('subject')).toEqual(['first second third']);
  });

  it.each([
    ['v', 'via'],
    ['i', 'call-id'],
    ['f', 'from'],
    ['t', 'to'],
    ['l', 'content-length'],
    ['m', 'contact'],
    ['c', 'content-type'],
    ['k', 'supported'],
  ])('expands the compact form %s to %s', (compact, full) => {
    // Prepare
    const raw = `SIP/2.0 200 OK\r\n${compact}: value\r\n\r\n`;

    // Act
    const response = parsed(compact === 'l' ? raw.replace('value', '0') : raw);

    // Assess
    expect(response.headers.get(full)).toEqual([compact === 'l' ? '0' : 'value']);
  });

  it('treats header names case-insensitively and keeps repeated headers in order', () => {
    // Prepare
    const raw = 'SIP/2.0 200 OK\r\nVIA: a\r\nvia: b\r\nCALL-id: c\r\nContent-Length: 0\r\n\r\n';

    // Act
    const response = parsed(raw);

    // Assess
    expect(response.headers.get('via')).toEqual(['a', 'b']);
    expect(response.headers.get('call-id')).toEqual(['c']);
  });

  it('skips CRLFs before the status line, accepts bare LF line ends and cuts the body at Content-Length', () => {
    // Prepare
    const raw = '\r\n\r\nSIP/2.0 200 OK\nContent-Length: 3\n\nabcdef';

    // Act
    const response = parsed(raw);

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('abc');
  });
});

describe('splitHeaderValues', () => {
  it('splits at top-level commas only', () => {
    // Act
    const values = splitHeaderValues('"Doe, J" <sip:a@b;x=1,2>;tag=1 , <sip:c@d>,SIP/2.0/UDP h;branch=z');

    // Assess
    expect(values).toEqual(['"Doe, J" <sip:a@b;x=1,2>;tag=1', '<sip:c@d>', 'SIP/2.0/UDP h;branch=z']);
  });
});

describe('matchesProbe', () => {
  it('accepts the response to this probe', () => {
    // Act + Assess
    expect(matchesProbe(parsed(responseFor(IDS, { status: 200 })), IDS)).toBe(true);
  });

  it.each([
    ['a wrong branch', { branch: 'z9hG4bKother' }],
    ['a branch that differs only in case', { branch: IDS.branch.toUpperCase() }],
    ['a wrong Call-ID', { callId: 'someone-else@pc33' }],
    ['a wrong CSeq number', { cseq: IDS.cseq + 1 }],
    ['a CSeq method other than OPTIONS', { method: 'INVITE' }],
  ])('rejects a response with %s', (_, override) => {
    // Prepare
    const response = parsed(responseFor(IDS, { status: 200, ...override }));

    // Act + Assess
    expect(matchesProbe(response, IDS)).toBe(false);
  });

  it('reads the branch from the topmost Via value, with compact names and spaces around "="', () => {
    // Prepare
    const raw = `SIP/2.0 200 OK\r\nv: SIP/2.0/UDP a:1 ; rport ; BRANCH = ${IDS.branch}, SIP/2.0/UDP b;branch=z9hG4bKlower\r\nv: SIP/2.0/UDP c;branch=z9hG4bKthird\r\ni: ${IDS.callId}\r\nCSeq: ${IDS.cseq} OPTIONS\r\nl: 0\r\n\r\n`;

    // Act
    const response = parsed(raw);

    // Assess
    expect(topViaBranch(response)).toBe(IDS.branch);
    expect(matchesProbe(response, IDS)).toBe(true);
  });

  it('rejects a response whose matching branch is not in the topmost Via', () => {
    // Prepare
    const raw = `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bKproxy, SIP/2.0/UDP b;branch=${IDS.branch}\r\nCall-ID: ${IDS.callId}\r\nCSeq: ${IDS.cseq} OPTIONS\r\nContent-Length: 0\r\n\r\n`;

    // Act + Assess
    expect(matchesProbe(parsed(raw), IDS)).toBe(false);
  });
});

describe('isUpStatus', () => {
  it.each([
    [200, [], true],
    [202, [], true],
    [299, [], true],
    [404, [], false],
    [404, [404, 405], true],
    [405, [404, 405], true],
    [302, [], false],
    [408, [408], false],
    [503, [503], false],
    [603, [603], false],
    [100, [100], false],
  ])('counts %i with extra codes %j as up=%s', (status, extra, up) => {
    // Act + Assess
    expect(isUpStatus(status, extra)).toBe(up);
  });
});

describe('interpretMessage', () => {
  it.each([
    ['200', { status: 200 }, [], { kind: 'final', status: 200, up: true }],
    ['404 with 404 as an extra up code', { status: 404 }, [404], { kind: 'final', status: 404, up: true }],
    ['404 without extra codes', { status: 404 }, [], { kind: 'final', status: 404, up: false }],
    ['408', { status: 408 }, [], { kind: 'final', status: 408, up: false }],
    ['503', { status: 503 }, [], { kind: 'final', status: 503, up: false }],
    ['603', { status: 603 }, [], { kind: 'final', status: 603, up: false }],
    ['180', { status: 180 }, [], { kind: 'provisional', status: 180 }],
    ['200 with a wrong branch', { status: 200, branch: 'z9hG4bKx' }, [], { kind: 'ignored' }],
    ['200 with a wrong Call-ID', { status: 200, callId: 'x' }, [], { kind: 'ignored' }],
    ['200 with a wrong CSeq', { status: 200, cseq: 1 }, [], { kind: 'ignored' }],
  ])('reads %s', (_, spec, extra, expected) => {
    // Act + Assess
    expect(interpretMessage(responseFor(IDS, spec), IDS, extra)).toEqual(expected);
  });

  it('ignores a request from the peer instead of calling it garbage', () => {
    // Prepare
    const request = 'OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n';

    // Act + Assess
    expect(interpretMessage(request, IDS)).toEqual({ kind: 'ignored' });
  });
});
