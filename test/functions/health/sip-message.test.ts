import { describe, expect, it } from 'vitest';
import { buildOptionsRequest, formatHostPort, newProbeIds } from '../../../functions/health/sip/message.js';
import { parseHeaderBlock } from '../../../functions/health/sip/parse.js';
import type { SipTransport } from '../../../functions/health/sip/types.js';
import { IDS } from './sip-fixtures.js';

function headersOf(request: string) {
  expect(request.endsWith('\r\n\r\n')).toBe(true);
  const block = parseHeaderBlock(request.slice(0, -4));
  if (!block.ok) throw new Error(block.error);
  return block;
}

describe('newProbeIds', () => {
  it('mints a fresh RFC 3261 branch, Call-ID, From tag and CSeq for every probe', () => {
    // Act
    const many = Array.from({ length: 500 }, () => newProbeIds());

    // Assess
    for (const ids of many) {
      expect(ids.branch).toMatch(/^z9hG4bK[0-9a-f]{24}$/);
      expect(ids.callId).toMatch(/^[0-9a-f]{32}$/);
      expect(ids.fromTag).toMatch(/^[0-9a-f]{12}$/);
      expect(Number.isInteger(ids.cseq) && ids.cseq >= 1 && ids.cseq < 2 ** 31).toBe(true);
    }
    expect(new Set(many.map((i) => i.branch)).size).toBe(many.length);
    expect(new Set(many.map((i) => i.callId)).size).toBe(many.length);
    expect(new Set(many.map((i) => i.fromTag)).size).toBe(many.length);
  });
});

describe('buildOptionsRequest', () => {
  it.each<[SipTransport, string, string]>([
    ['udp', 'sip:10.0.0.5:5060', 'SIP/2.0/UDP'],
    ['tcp', 'sip:10.0.0.5:5060;transport=tcp', 'SIP/2.0/TCP'],
    ['tls', 'sip:10.0.0.5:5060;transport=tls', 'SIP/2.0/TLS'],
  ])('writes a well-formed OPTIONS over %s', (transport, uri, via) => {
    // Prepare
    const target = { host: '10.0.0.5', port: 5060, transport };

    // Act
    const request = buildOptionsRequest({ target, local: { address: '10.0.0.9', port: 40123 }, ids: IDS });

    // Assess
    const { startLine, headers } = headersOf(request);
    expect(startLine).toBe(`OPTIONS ${uri} SIP/2.0`);
    expect(headers.get('via')).toEqual([`${via} 10.0.0.9:40123;branch=${IDS.branch};rport`]);
    expect(headers.get('max-forwards')).toEqual(['70']);
    expect(headers.get('from')?.[0]).toMatch(new RegExp(`^".+" <sip:[^>]+>;tag=${IDS.fromTag}$`));
    expect(headers.get('to')).toEqual([`<${uri}>`]);
    expect(headers.get('call-id')).toEqual([IDS.callId]);
    expect(headers.get('cseq')).toEqual([`${IDS.cseq} OPTIONS`]);
    expect(headers.get('contact')?.[0]).toMatch(/^<sip:health@10\.0\.0\.9:40123(;transport=\w+)?>$/);
    expect(headers.get('user-agent')).toEqual(['cc-continuity-health/1']);
    expect(headers.get('content-length')).toEqual(['0']);
    expect(request.split('\r\n').every((line) => !line.includes('\n'))).toBe(true);
  });

  it('brackets IPv6 addresses in the request URI, Via and Contact', () => {
    // Act
    const request = buildOptionsRequest({
      target: { host: '::1', port: 5060, transport: 'udp' },
      local: { address: '::1', port: 40000 },
      ids: IDS,
      userAgent: 'probe-test',
    });

    // Assess
    expect(request).toContain('OPTIONS sip:[::1]:5060 SIP/2.0\r\n');
    expect(request).toContain('Via: SIP/2.0/UDP [::1]:40000;');
    expect(request).toContain('User-Agent: probe-test\r\n');
    expect(formatHostPort('edge.example.com', 5061)).toBe('edge.example.com:5061');
  });
});
