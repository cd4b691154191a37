import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../../local/kamailio/support.js';
import {
  type AlarmStateValue,
  type HealthCheckChange,
  Route53HealthChecks,
} from '../../../local/route53/health-checks.js';
import { route53FromTemplate } from '../../../local/route53/template.js';

const R = 'us-east-1';
const FQDN = 'abc123.lambda-url.us-east-1.on.aws';
const ALARM = `continuity-dev-sip-health-std-${R}`;

/** One region's checks, shaped as the synthesized Dns stack (lib/stacks/dns-stack.ts), with a test interval. */
function dnsTemplate(requestInterval: number, failureThreshold: number, insufficient = 'Unhealthy') {
  const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'HealthCheckId'] });
  const output = { StackName: `Continuity-dev-Region-${R}`, Region: R, OutputName: 'PublishOutputHealthUrl' };
  return {
    Resources: {
      Endpoint: {
        Type: 'AWS::Route53::HealthCheck',
        Properties: {
          HealthCheckConfig: {
            Type: 'HTTPS',
            FullyQualifiedDomainName: {
              'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetStackOutput': output }] }],
            },
            Port: 443,
            ResourcePath: '/',
            RequestInterval: requestInterval,
            FailureThreshold: failureThreshold,
            EnableSNI: true,
          },
        },
      },
      SipAlarm: {
        Type: 'AWS::Route53::HealthCheck',
        Properties: {
          HealthCheckConfig: {
            Type: 'CLOUDWATCH_METRIC',
            AlarmIdentifier: { Name: ALARM, Region: R },
            InsufficientDataHealthStatus: insufficient,
          },
        },
      },
      Region: {
        Type: 'AWS::Route53::HealthCheck',
        Properties: {
          HealthCheckConfig: {
            Type: 'CALCULATED',
            ChildHealthChecks: [getAtt('Endpoint'), getAtt('SipAlarm')],
            HealthThreshold: 2,
          },
        },
      },
    },
  };
}

const checksOf = (template: ReturnType<typeof dnsTemplate>) =>
  route53FromTemplate(template, () => `https://${FQDN}/`).healthChecks;

type Mode = 200 | 503 | 'silent';
interface TestServer {
  readonly port: number;
  mode: Mode;
  readonly seen: { at: number; host: string | undefined; sni: string | false | null }[];
  close(): Promise<void>;
}

let certDir: string;
let tlsOptions: { key: Buffer; cert: Buffer };
const servers: TestServer[] = [];
let checks: Route53HealthChecks | undefined;

async function startServer(mode: Mode): Promise<TestServer> {
  const server = https.createServer(tlsOptions);
  const state: TestServer = {
    port: 0,
    mode,
    seen: [],
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  server.on('request', (req, res) => {
    state.seen.push({ at: Date.now(), host: req.headers.host, sni: (req.socket as TLSSocket).servername });
    if (state.mode === 'silent') return;
    res.writeHead(state.mode, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(state, { port: (server.address() as AddressInfo).port });
  servers.push(state);
  return state;
}

function run(
  template: ReturnType<typeof dnsTemplate>,
  options: {
    port: (checker: number) => number;
    alarm?: () => AlarmStateValue;
    checkers?: number;
    only?: string[];
  },
) {
  const all = checksOf(template);
  const changes: HealthCheckChange[] = [];
  checks = new Route53HealthChecks({
    checks: options.only ? all.filter((c) => options.only?.includes(c.logicalId)) : all,
    connect: (_fqdn, _port, checker) => ({ host: '127.0.0.1', port: options.port(checker) }),
    alarmState: options.alarm ?? (() => 'OK'),
    ...(options.checkers ? { checkers: options.checkers } : {}),
  });
  checks.onChange((c) => changes.push(c));
  const startedAt = Date.now();
  checks.start();
  return { checks, changes, startedAt };
}

/** Resolves with the first change of `logicalId` to `healthy`, or rejects after `ms`. */
function changeTo(
  changes: HealthCheckChange[],
  logicalId: string,
  healthy: boolean,
  ms: number,
): Promise<HealthCheckChange> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = () => {
      const found = changes.find((c) => c.logicalId === logicalId && c.healthy === healthy);
      if (found) resolve(found);
      else if (Date.now() > deadline) reject(new Error(`${logicalId} did not become healthy=${healthy}`));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Route53HealthChecks', () => {
  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'r53-hc-'));
    const cert = await createSelfSignedCertificate(certDir);
    tlsOptions = { key: readFileSync(cert.privateKeyFile), cert: readFileSync(cert.certificateFile) };
  });
  afterEach(async () => {
    await checks?.stop();
    checks = undefined;
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(() => rmSync(certDir, { recursive: true, force: true }));

  it('keeps the endpoint healthy while it answers 200, with SNI and Host set to the FQDN', async () => {
    // Prepare
    const server = await startServer(200);

    // Act
    const { changes } = run(dnsTemplate(1, 1), { port: () => server.port, only: ['Endpoint'] });
    await sleep(1_300);

    // Assess
    expect(checks?.status('Endpoint')).toBe(true);
    expect(changes).toEqual([]);
    expect(server.seen.length).toBeGreaterThanOrEqual(8);
    expect(new Set(server.seen.map((s) => [s.host, s.sni].join()))).toEqual(new Set([`${FQDN},${FQDN}`]));
  });

  it.each([
    [1, 400, 1_500],
    [3, 2_400, 3_600],
  ])(
    'fails the endpoint on 503 after FailureThreshold %i (between %i and %i ms)',
    async (threshold, min, max) => {
      // Prepare
      const server = await startServer(503);

      // Act
      const { changes, startedAt } = run(dnsTemplate(1, threshold), {
        port: () => server.port,
        only: ['Endpoint'],
      });
      const change = await changeTo(changes, 'Endpoint', false, 5_000);

      // Assess: the 7th of 8 checkers (phases 1/8 s apart) to flip leaves 1/8 = 12.5% healthy.
      expect(change.at - startedAt).toBeGreaterThanOrEqual(min);
      expect(change.at - startedAt).toBeLessThanOrEqual(max);
      expect(change.detail).toMatch(/^1\/8 checkers healthy \(last: HTTP 503\)$/);
    },
  );

  it('fails the endpoint when it accepts but does not answer within 2 s, and recovers on 200', async () => {
    // Prepare
    const server = await startServer('silent');
    const { changes, startedAt } = run(dnsTemplate(1, 1), { port: () => server.port, only: ['Endpoint'] });

    // Act
    const down = await changeTo(changes, 'Endpoint', false, 6_000);
    server.mode = 200;
    const up = await changeTo(changes, 'Endpoint', true, 4_000);

    // Assess
    expect(down.at - startedAt).toBeGreaterThanOrEqual(2_000);
    expect(down.detail).toMatch(/no HTTP status within 2 s of connecting/);
    expect(up.detail).toMatch(/HTTP 200/);
  });

  it.each([
    [8, 2, true],
    [8, 1, false],
    [11, 2, true],
  ])(
    'with %i checkers of which %i reach a healthy server, says healthy=%s (more than 18% needed)',
    async (count, reachable, healthy) => {
      // Prepare
      const ok = await startServer(200);
      const failing = await startServer(503);

      // Act
      run(dnsTemplate(1, 1), {
        port: (checker) => (checker < reachable ? ok.port : failing.port),
        checkers: count,
        only: ['Endpoint'],
      });
      await sleep(1_500);

      // Assess
      expect(checks?.status('Endpoint')).toBe(healthy);
    },
  );

  it('sends each checker once per RequestInterval, phases spread over it', async () => {
    // Prepare
    const server = await startServer(200);
    run(dnsTemplate(1, 1), { port: () => server.port, only: ['Endpoint'] });
    await sleep(1_000);

    // Act
    const from = Date.now();
    await sleep(3_000);
    const inWindow = server.seen.filter((s) => s.at >= from && s.at < from + 3_000);

    // Assess: 8 checkers / 1 s = 24 requests in 3 s; spread, so no second has them all.
    expect(inWindow.length).toBeGreaterThanOrEqual(22);
    expect(inWindow.length).toBeLessThanOrEqual(26);
    const perQuarter = new Set(inWindow.map((s) => Math.floor((s.at - from) / 250) % 4));
    expect(perQuarter.size).toBe(4);
  });

  it('makes the calculated check unhealthy when the alarm child is in ALARM, and healthy again on OK', async () => {
    // Prepare
    const server = await startServer(200);
    let alarm: AlarmStateValue = 'OK';
    const { changes } = run(dnsTemplate(1, 1), { port: () => server.port, alarm: () => alarm });
    await sleep(300);
    const before = checks?.status('Region');

    // Act
    alarm = 'ALARM';
    const down = await changeTo(changes, 'Region', false, 2_500);
    alarm = 'OK';
    const up = await changeTo(changes, 'Region', true, 2_500);

    // Assess
    expect(before).toBe(true);
    expect(checks?.status('Endpoint')).toBe(true);
    expect(down.detail).toBe('1 of 2 children healthy, 2 needed');
    expect(up.detail).toBe('2 of 2 children healthy, 2 needed');
  });

  it('fails the calculated check when the endpoint child fails while the alarm is OK', async () => {
    // Prepare
    const server = await startServer(503);

    // Act
    const { changes } = run(dnsTemplate(1, 1), { port: () => server.port });
    const down = await changeTo(changes, 'Region', false, 3_000);

    // Assess
    expect(down.detail).toBe('1 of 2 children healthy, 2 needed');
    expect(checks?.status('SipAlarm')).toBe(true);
  });

  it.each([
    ['Unhealthy', 'OK', false],
    ['Healthy', 'ALARM', true],
    ['LastKnownStatus', 'ALARM', false],
    ['LastKnownStatus', 'OK', true],
  ])(
    'follows InsufficientDataHealthStatus %s on INSUFFICIENT_DATA (after %s)',
    async (setting, before, healthy) => {
      // Prepare
      let alarm = before as AlarmStateValue;
      run(dnsTemplate(1, 1, setting), { port: () => 1, alarm: () => alarm, only: ['SipAlarm'] });

      // Act
      alarm = 'INSUFFICIENT_DATA';
      await sleep(1_300);

      // Assess
      expect(checks?.status('SipAlarm')).toBe(healthy);
    },
  );

  it('stops at once, aborting requests in flight, and sends nothing after', async () => {
    // Prepare
    const server = await startServer('silent');
    run(dnsTemplate(1, 1), { port: () => server.port, only: ['Endpoint'] });
    await sleep(500);

    // Act
    const started = Date.now();
    await checks?.stop();
    const stoppedIn = Date.now() - started;
    const seen = server.seen.length;
    await sleep(1_200);

    // Assess
    expect(stoppedIn).toBeLessThan(500);
    expect(server.seen.length).toBe(seen);
  });

  it('rejects a calculated check whose child is not defined', () => {
    // Prepare
    const [, , calculated] = checksOf(dnsTemplate(1, 1));

    // Act
    const act = () =>
      new Route53HealthChecks({
        checks: calculated ? [calculated] : [],
        connect: () => ({ host: '', port: 0 }),
        alarmState: () => 'OK',
      });

    // Assess
    expect(act).toThrow(/health check Region: unknown child Endpoint/);
  });
});
