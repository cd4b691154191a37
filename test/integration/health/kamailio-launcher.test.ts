import { access } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { probeSip } from '../../../functions/health/sip/probe.js';
import { startKamailio } from '../../../local/kamailio/kamailio.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startKamailio', () => {
  it('runs two proxies side by side on distinct ports, each with its own reply', async () => {
    // Prepare
    const a = await startKamailio();
    const b = await startKamailio({ initialReply: 503 });
    try {
      // Act
      const [fromA, fromB] = await Promise.all([
        probeSip({ host: a.host, port: a.port, transport: 'udp' }, { probeTimeoutMs: 5000 }),
        probeSip({ host: b.host, port: b.port, transport: 'tcp' }, { probeTimeoutMs: 5000 }),
      ]);

      // Assess
      expect(a.port).not.toBe(b.port);
      expect(fromA).toMatchObject({ up: true, status: 200 });
      expect(fromB).toMatchObject({ up: false, status: 503 });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('stops the process and its workers by PID, and stop() can be called twice', async () => {
    // Prepare
    const proxy = await startKamailio();
    const { pid } = proxy;

    // Act
    await proxy.stop();
    await proxy.stop();

    // Assess
    expect(isAlive(pid)).toBe(false);
    // Kamailio's workers share the process group we created; none of them may outlive it.
    expect(() => process.kill(-pid, 0)).toThrow();
  });

  it('rejects a reply that is not a SIP status code', async () => {
    // Prepare
    const proxy = await startKamailio();
    try {
      // Act + Assess
      await expect(proxy.setReply(99)).rejects.toThrow('not a SIP status code');
      await expect(proxy.setReply(700)).rejects.toThrow('not a SIP status code');
      await expect(proxy.setReply(200.5)).rejects.toThrow('not a SIP status code');
    } finally {
      await proxy.stop();
    }
  });

  it('rejects a bad initial reply before starting anything', async () => {
    // Act + Assess
    await expect(startKamailio({ initialReply: 42 })).rejects.toThrow('not a SIP status code');
  });

  it('rejects when the Kamailio binary cannot be started', async () => {
    // Prepare
    const previous = process.env.KAMAILIO_BIN;
    process.env.KAMAILIO_BIN = '/nonexistent/kamailio';
    try {
      // Act + Assess
      await expect(startKamailio()).rejects.toThrow('could not start /nonexistent/kamailio');
    } finally {
      if (previous === undefined) delete process.env.KAMAILIO_BIN;
      else process.env.KAMAILIO_BIN = previous;
    }
  });

  it('provides a TLS listener whose certificate the probe can trust', async () => {
    // Prepare
    const proxy = await startKamailio({ tls: true });
    try {
      const port = proxy.tls?.port ?? 0;

      // Act
      const trusted = await probeSip(
        { host: proxy.host, port, transport: 'tls' },
        { probeTimeoutMs: 5000, tls: { ca: proxy.tls?.certificatePem } },
      );
      const untrusted = await probeSip(
        { host: proxy.host, port, transport: 'tls' },
        { probeTimeoutMs: 5000 },
      );

      // Assess
      expect(trusted).toMatchObject({ up: true, status: 200 });
      expect(untrusted).toMatchObject({ up: false, reason: 'error' });
    } finally {
      await proxy.stop();
    }
  });

  it('removes its runtime dir on stop', async () => {
    // Prepare
    const proxy = await startKamailio();
    await access(proxy.runDir);

    // Act
    await proxy.stop();

    // Assess
    await expect(access(proxy.runDir)).rejects.toThrow('ENOENT');
  });
});
