import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { probeSip } from '../../../functions/health/sip/probe.js';
import type { SipTransport } from '../../../functions/health/sip/types.js';
import { findExecutable } from '../../../local/kamailio/support.js';
import { type EdgeKind, kamailioAvailable, type SipEdge, startSipEdge } from '../../../local/sip/edge.js';
import { type SipResponder, startSipResponder } from '../../../local/sip/responder.js';

// The built-in responder must be a SIP edge to tools that were not written against it, not only to our
// own prober: sipsak and SIPp (Debian packages sipsak and sip-tester) check it from outside.

const HOST = '127.0.1.1';
const transports: SipTransport[] = ['udp', 'tcp'];

interface Outcome {
  readonly code: number;
  readonly output: string;
}

/** Runs a tool to its end and reports its exit code; a non-zero exit is an outcome here, not an error. */
function runTool(file: string, args: readonly string[], cwd?: string): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 30_000, ...(cwd ? { cwd } : {}) }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}\n${stderr}` });
    });
  });
}

async function requireTool(name: string, debianPackage: string): Promise<string> {
  try {
    return await findExecutable(name, `${name.toUpperCase()}_BIN`);
  } catch {
    throw new Error(
      `${name} is needed by this test: install ${debianPackage} (apt-get install -y ${debianPackage})`,
    );
  }
}

/** A one-request SIPp scenario: send OPTIONS, expect `status` within 1.5 s. */
function optionsScenario(status: number): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="options-${status}">
  <send retrans="500"><![CDATA[
      OPTIONS sip:probe@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      To: <sip:probe@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      Max-Forwards: 70
      Content-Length: [len]

    ]]></send>
  <recv response="${status}" timeout="1500"/>
</scenario>
`;
}

describe('the built-in SIP responder against sipsak and SIPp', () => {
  let responder: SipResponder;
  let sipsak: string;
  let sipp: string;
  let dir: string;

  beforeAll(async () => {
    sipsak = await requireTool('sipsak', 'sipsak');
    sipp = await requireTool('sipp', 'sip-tester');
    dir = await mkdtemp(path.join(tmpdir(), 'sipp-'));
    for (const status of [200, 503])
      await writeFile(path.join(dir, `${status}.xml`), optionsScenario(status));
    responder = await startSipResponder({ host: HOST });
  });

  afterAll(async () => {
    await responder?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await responder.setReply(200);
  });

  // T1 = 20 ms makes sipsak give up after 64 * T1 = 1.3 s instead of 32 s.
  const shoot = (transport: SipTransport) =>
    runTool(sipsak, [
      '-vv',
      '--timer-t1=20',
      `--transport=${transport}`,
      '-s',
      `sip:probe@${HOST}:${responder.port}`,
    ]);
  const scenario = (transport: SipTransport, expect: number) =>
    runTool(
      sipp,
      [`${HOST}:${responder.port}`, '-sf', `${expect}.xml`, '-m', '1', '-i', '127.0.0.1', '-p', '0'].concat([
        '-t',
        transport === 'udp' ? 'u1' : 't1',
        '-nostdin',
        '-timeout',
        '10s',
      ]),
      dir,
    );

  it.each(transports)('answers sipsak over %s with 200 OK (exit 0)', async (transport) => {
    // Act
    const { code, output } = await shoot(transport);

    // Assess
    expect(code, output).toBe(0);
    expect(output).toContain('SIP/2.0 200 OK');
  });

  it.each(transports)('fails sipsak over %s with 503 (exit 1)', async (transport) => {
    // Prepare
    await responder.setReply(503);

    // Act
    const { code, output } = await shoot(transport);

    // Assess
    expect(code, output).toBe(1);
    expect(output).toContain('SIP/2.0 503 Service Unavailable');
  });

  it.each(transports)('fails sipsak over %s with a timeout (exit 3) while silent', async (transport) => {
    // Prepare
    await responder.setReply('silent');
    const before = responder.history().length;

    // Act
    const { code, output } = await shoot(transport);

    // Assess
    expect(code, output).toBe(3);
    expect(output).not.toContain('SIP/2.0');
    expect(
      responder
        .history()
        .slice(before)
        .map((r) => r.reply),
    ).toContain('silent');
  });

  it.each(transports)('passes a SIPp scenario expecting 200 over %s', async (transport) => {
    // Act
    const { code, output } = await scenario(transport, 200);

    // Assess
    expect(code, output).toBe(0);
    expect(output).toMatch(/Successful call\s*\|\s*0\s*\|\s*1/);
  });

  it.each(transports)(
    'passes a SIPp scenario expecting 503 over %s, and fails one expecting 200',
    async (transport) => {
      // Prepare
      await responder.setReply(503);

      // Act
      const expecting503 = await scenario(transport, 503);
      const expecting200 = await scenario(transport, 200);

      // Assess
      expect(expecting503.code, expecting503.output).toBe(0);
      expect(expecting200.code, expecting200.output).toBe(1);
      expect(expecting200.output).toContain("received 'SIP/2.0 503 Service Unavailable");
    },
  );

  it.each(transports)(
    'fails a SIPp scenario over %s with a receive timeout while silent',
    async (transport) => {
      // Prepare
      await responder.setReply('silent');

      // Act
      const { code, output } = await scenario(transport, 200);

      // Assess
      expect(code, output).toBe(1);
      expect(output).toContain('receive timeout');
    },
  );
});

describe.each<EdgeKind>(['kamailio', 'builtin'])('a %s SIP edge on 127.0.1.1', (kind) => {
  let edge: SipEdge;

  beforeAll(async () => {
    if (kind === 'kamailio' && !(await kamailioAvailable())) {
      throw new Error('kamailio and kamcmd are needed by this test: apt-get install -y kamailio');
    }
    edge = await startSipEdge({ kind, host: HOST });
  });

  afterAll(async () => {
    await edge?.stop();
  });

  it.each(transports)('answers 200, then 503, then nothing over %s', async (transport) => {
    // Prepare
    const target = { host: edge.host, port: edge.port, transport };
    const results = [];

    // Act
    await edge.setReply(200);
    results.push(await probeSip(target, { probeTimeoutMs: 5000 }));
    await edge.setReply(503);
    results.push(await probeSip(target, { probeTimeoutMs: 5000 }));
    await edge.setReply('silent');
    results.push(await probeSip(target, { probeTimeoutMs: 300 }));

    // Assess
    expect(edge).toMatchObject({ kind, host: HOST });
    expect(results.map((r) => [r.up, r.status, r.reason])).toEqual([
      [true, 200, 'ok'],
      [false, 503, 'status'],
      [false, null, 'timeout'],
    ]);
  });
});

describe('a Kamailio SIP edge', () => {
  it('rejects a slow reply, keeps answering with the previous one, and reports its PID', async () => {
    // Prepare
    const edge = await startSipEdge({ kind: 'kamailio', host: HOST, initialReply: 503 });
    try {
      // Act
      const attempt = edge.setReply({ status: 200, delayMs: 100 });

      // Assess
      await expect(attempt).rejects.toThrow('the Kamailio edge cannot answer slowly');
      const result = await probeSip(
        { host: HOST, port: edge.port, transport: 'udp' },
        { probeTimeoutMs: 5000 },
      );
      expect(result).toMatchObject({ up: false, status: 503 });
      expect(edge.pid).toBeGreaterThan(0);
      expect(edge.history).toBeUndefined();
    } finally {
      await edge.stop();
    }
  });
});
