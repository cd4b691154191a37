import { afterEach, describe, expect, it } from 'vitest';
import { probeSip } from '../../../functions/health/sip/probe.js';
import { kamailioAvailable, type SipEdge, startSipEdge } from '../../../local/sip/edge.js';

// Kamailio edges run in test/integration/local/sip-responder-tools.test.ts; these need nothing but Node.

describe('kamailioAvailable', () => {
  const saved = { KAMAILIO_BIN: process.env.KAMAILIO_BIN, KAMCMD_BIN: process.env.KAMCMD_BIN };

  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('finds both executables when the overrides name executable files', async () => {
    // Prepare
    process.env.KAMAILIO_BIN = process.execPath;
    process.env.KAMCMD_BIN = process.execPath;

    // Act + Assess
    expect(await kamailioAvailable()).toBe(true);
  });

  it.each([
    ['kamailio', 'KAMAILIO_BIN'],
    ['kamcmd', 'KAMCMD_BIN'],
  ])('fails to find Kamailio when %s is missing', async (_, variable) => {
    // Prepare
    process.env.KAMAILIO_BIN = process.execPath;
    process.env.KAMCMD_BIN = process.execPath;
    process.env[variable] = '/nonexistent/cc-continuity/bin';

    // Act + Assess
    expect(await kamailioAvailable()).toBe(false);
  });
});

describe('startSipEdge', () => {
  let edge: SipEdge | undefined;

  afterEach(async () => {
    await edge?.stop();
    edge = undefined;
  });

  it('starts a built-in edge on 127.0.1.1 that answers 200, then 503, then nothing, then slowly', async () => {
    // Prepare
    edge = await startSipEdge({ kind: 'builtin', host: '127.0.1.1' });
    const target = { host: edge.host, port: edge.port, transport: 'udp' } as const;
    const results = [];

    // Act
    results.push(await probeSip(target, { probeTimeoutMs: 5000 }));
    await edge.setReply(503);
    results.push(await probeSip(target, { probeTimeoutMs: 5000 }));
    await edge.setReply('silent');
    results.push(await probeSip(target, { probeTimeoutMs: 200 }));
    await edge.setReply({ status: 200, delayMs: 400 });
    results.push(await probeSip(target, { probeTimeoutMs: 200 }));

    // Assess
    expect(edge).toMatchObject({ kind: 'builtin', host: '127.0.1.1' });
    expect(edge.pid).toBeUndefined();
    expect(edge.history?.().map((h) => h.reply)).toEqual([200, 503, 'silent', 200]);
    expect(results.map((r) => [r.status, r.reason])).toEqual([
      [200, 'ok'],
      [503, 'status'],
      [null, 'timeout'],
      [null, 'timeout'],
    ]);
  });

  it('starts a built-in edge with its initial reply', async () => {
    // Prepare
    edge = await startSipEdge({ kind: 'builtin', initialReply: 480 });

    // Act
    const result = await probeSip(
      { host: edge.host, port: edge.port, transport: 'tcp' },
      { probeTimeoutMs: 5000 },
    );

    // Assess
    expect(edge.host).toBe('127.0.0.1');
    expect(result).toMatchObject({ up: false, status: 480 });
  });

  it('rejects a slow initial reply for Kamailio before starting anything', async () => {
    // Act + Assess
    await expect(
      startSipEdge({ kind: 'kamailio', initialReply: { status: 200, delayMs: 500 } }),
    ).rejects.toThrow('the Kamailio edge cannot answer slowly');
  });

  it.each([
    ['kamailio', 700],
    ['builtin', 'loud'],
  ] as const)('rejects a %s edge with the invalid initial reply %j', async (kind, initialReply) => {
    // Act + Assess
    await expect(startSipEdge({ kind, initialReply: initialReply as never })).rejects.toThrow(RangeError);
  });

  it('rejects an unknown kind', async () => {
    // Act + Assess
    await expect(startSipEdge({ kind: 'asterisk' as never })).rejects.toThrow(
      'edge kind asterisk is unknown',
    );
  });
});
