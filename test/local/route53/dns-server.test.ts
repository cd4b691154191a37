import { rmSync } from 'node:fs';
import { TCPClient, UDPClient } from 'dns2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildContinuityApp } from '../../../lib/app-builder.js';
import { run } from '../../../local/kamailio/support.js';
import { answerer, type LocalDnsServer, startDnsServer } from '../../../local/route53/dns-server.js';
import { type LatencyRecord, route53FromTemplate } from '../../../local/route53/template.js';
import { cdkApp, testConfig } from '../../lib/helpers.js';

const [A, B] = ['us-east-1', 'us-west-2'];
const ZONE = 'dev.cc.example.com';
const SIP = { [A]: ['127.0.0.10', '127.0.0.11'], [B]: ['127.0.0.20'] } as Record<string, string[]>;
const apiHost = (region: string) => `d-${region}.execute-api.${region}.amazonaws.com`;
const API_IP = { [A]: '127.0.1.1', [B]: '127.0.1.2' } as Record<string, string>;

const id = (kind: string, region: string) => `${kind}${region.replaceAll('-', '')}`;
const getAtt = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'HealthCheckId'] });
const stackOutput = (region: string, name: string) => ({
  'Fn::GetStackOutput': { StackName: `Continuity-dev-Region-${region}`, Region: region, OutputName: name },
});

/** The records of the Dns stack for a drill config (IPv4 SIP targets), shaped as synthesized. */
function dnsTemplate() {
  const resources: Record<string, unknown> = {};
  for (const region of [A, B]) {
    const latency = { HostedZoneId: 'Z0DEVEXAMPLE00', SetIdentifier: region, Region: region, TTL: '10' };
    const healthCheckId = getAtt(id('Region', region));
    resources[id('Region', region)] = {
      Type: 'AWS::Route53::HealthCheck',
      Properties: { HealthCheckConfig: { Type: 'CALCULATED', ChildHealthChecks: [], HealthThreshold: 0 } },
    };
    resources[id('Sip', region)] = {
      Type: 'AWS::Route53::RecordSet',
      Properties: {
        ...latency,
        HealthCheckId: healthCheckId,
        Name: `sip.${ZONE}.`,
        Type: 'A',
        ResourceRecords: SIP[region],
      },
    };
    resources[id('Api', region)] = {
      Type: 'AWS::Route53::RecordSet',
      Properties: {
        ...latency,
        HealthCheckId: healthCheckId,
        Name: `api.${ZONE}.`,
        Type: 'CNAME',
        ResourceRecords: [stackOutput(region, 'PublishOutputApiDomain')],
      },
    };
  }
  return { Resources: resources } as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
}

const resolveOutput = (_stack: string, output: string, region: string) =>
  output.includes('FunctionUrl') ? `https://abc.lambda-url.${region}.on.aws/` : apiHost(region);
const { records } = route53FromTemplate(dnsTemplate(), resolveOutput);

describe('route53FromTemplate', () => {
  it('reads the checks and latency records of the synthesized Dns stack', () => {
    // Prepare
    const config = testConfig({
      sipTargets: {
        [A]: SIP[A]?.map((host, i) => ({ name: `a${i}`, host, port: 5060, transport: 'udp' })),
        [B]: SIP[B]?.map((host, i) => ({ name: `b${i}`, host, port: 5060, transport: 'udp' })),
      },
    });
    // cdk.json's flags (cross-stack references as Fn::GetStackOutput), without bundling the functions.
    const app = cdkApp();
    app.node.setContext('aws:cdk:bundling-stacks', []);
    const { dns } = buildContinuityApp(app, config);
    const template = app.synth().getStackByName(dns.stackName).template;
    rmSync(app.outdir, { recursive: true, force: true });

    // Act
    const parsed = route53FromTemplate(template, resolveOutput);

    // Assess
    const kinds = parsed.healthChecks.map((c) => c.kind).sort();
    expect(kinds).toEqual(['calculated', 'calculated', 'endpoint', 'endpoint', 'metric', 'metric']);
    expect(parsed.healthChecks).toContainEqual(
      expect.objectContaining({
        kind: 'endpoint',
        fqdn: `abc.lambda-url.${A}.on.aws`,
        requestIntervalSeconds: 10,
        failureThreshold: 1,
      }),
    );
    expect(parsed.healthChecks).toContainEqual(
      expect.objectContaining({
        kind: 'metric',
        alarmName: `continuity-dev-sip-health-std-${B}`,
        insufficientDataHealthStatus: 'Unhealthy',
      }),
    );
    const summary = parsed.records.map((r) => [r.name, r.type, r.region, r.ttl, r.values.join(' ')]);
    expect(summary.sort()).toEqual(
      [
        [`api.${ZONE}`, 'CNAME', A, 10, apiHost(A)],
        [`api.${ZONE}`, 'CNAME', B, 10, apiHost(B)],
        [`sip.${ZONE}`, 'A', A, 10, SIP[A]?.join(' ')],
        [`sip.${ZONE}`, 'A', B, 10, SIP[B]?.join(' ')],
      ].sort(),
    );
    const calculated = parsed.healthChecks.filter((c) => c.kind === 'calculated').map((c) => c.logicalId);
    expect(parsed.records.every((r) => calculated.includes(r.healthCheck))).toBe(true);
  }, 120_000);

  const sipA = id('Sip', A);
  it.each([
    ['a record without a health check', sipA, { HealthCheckId: undefined }, /has no health check/],
    [
      'an unsupported intrinsic',
      sipA,
      { ResourceRecords: [{ 'Fn::ImportValue': 'x' }] },
      /unsupported value/,
    ],
    ['an alias record', sipA, { AliasTarget: { DNSName: 'x' } }, /alias records/],
    ['an A record whose value is not IPv4', sipA, { ResourceRecords: ['sip.example.com'] }, /not an IPv4/],
    [
      'a CNAME with two values',
      id('Api', A),
      { ResourceRecords: ['a.example.com', 'b.example.com'] },
      /exactly one/,
    ],
    [
      'a health check id that is not a health check',
      sipA,
      { HealthCheckId: getAtt(id('Api', A)) },
      /not the HealthCheckId/,
    ],
  ])('rejects %s, naming the logical id', (_, logicalId, override, message) => {
    // Prepare
    const template = dnsTemplate();
    const resource = template.Resources[logicalId];
    if (resource) Object.assign(resource.Properties, override);

    // Act
    const act = () => route53FromTemplate(template, resolveOutput);

    // Assess
    expect(act).toThrow(new RegExp(`AWS::Route53::RecordSet ${logicalId}: `));
    expect(act).toThrow(message);
  });

  it('rejects a TCP health check, naming its logical id', () => {
    // Prepare
    const template = dnsTemplate();
    template.Resources.Tcp = {
      Type: 'AWS::Route53::HealthCheck',
      Properties: { HealthCheckConfig: { Type: 'TCP', Port: 5060 } },
    };

    // Act
    const act = () => route53FromTemplate(template, resolveOutput);

    // Assess
    expect(act).toThrow(/AWS::Route53::HealthCheck Tcp: type TCP is not emulated/);
  });
});

describe('startDnsServer', () => {
  const status = new Map<string, boolean>();
  let server: LocalDnsServer;

  beforeAll(async () => {
    server = await startDnsServer({
      records,
      checks: { status: (logicalId) => status.get(logicalId) ?? true },
      clientRegion: A,
      staticRecords: [A, B].map((r) => ({
        name: apiHost(r),
        type: 'A' as const,
        values: [API_IP[r] as string],
        ttl: 60,
      })),
    });
  });
  afterAll(() => server.stop());
  beforeEach(() => status.clear());

  async function dig(name: string, type: string, ...flags: string[]): Promise<string[]> {
    const args = [`@${server.host}`, '-p', String(server.port), name, type, '+time=2', '+tries=1', ...flags];
    const { stdout } = await run('dig', args);
    return stdout.split('\n').filter((l) => l.trim() !== '');
  }

  it('answers sip with the client region’s addresses over UDP and TCP, with the record’s TTL', async () => {
    // Act
    const short = await dig(`sip.${ZONE}`, 'A', '+short');
    const overTcp = await dig(`sip.${ZONE}`, 'A', '+short', '+tcp');
    const answer = await dig(`sip.${ZONE}`, 'A', '+noall', '+answer');

    // Assess
    expect(short.sort()).toEqual(SIP[A]);
    expect(overTcp.sort()).toEqual(SIP[A]);
    expect(answer.map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
      [`sip.${ZONE}.`, '10', 'IN', 'A'],
      [`sip.${ZONE}.`, '10', 'IN', 'A'],
    ]);
  });

  it('answers dns2’s own UDP and TCP clients', async () => {
    // Act
    const viaUdp = await UDPClient({ dns: server.host, port: server.port })(`sip.${ZONE}`, 'A');
    const viaTcp = await TCPClient({ dns: server.host, port: server.port })(`sip.${ZONE}`, 'A');

    // Assess
    for (const response of [viaUdp, viaTcp]) {
      expect(response.header.aa).toBe(1);
      expect(response.answers.map((a) => [a.address, a.ttl]).sort()).toEqual(SIP[A]?.map((ip) => [ip, 10]));
    }
  });

  it('fails over to the other region while the client region’s check is unhealthy, and back', async () => {
    // Prepare
    status.set(id('Region', A), false);

    // Act
    const during = await dig(`sip.${ZONE}`, 'A', '+short');
    const inProcess = server.answer(`SIP.${ZONE}.`, 'A');
    status.set(id('Region', A), true);
    const after = await dig(`sip.${ZONE}`, 'A', '+short');

    // Assess
    expect(during).toEqual(SIP[B]);
    expect(inProcess).toMatchObject({ rcode: 'NOERROR', region: B });
    expect(after.sort()).toEqual(SIP[A]);
  });

  it('answers as if all were healthy when every record is unhealthy (fail open)', async () => {
    // Prepare
    status.set(id('Region', A), false);
    status.set(id('Region', B), false);

    // Act
    const short = await dig(`sip.${ZONE}`, 'A', '+short');

    // Assess
    expect(short.sort()).toEqual(SIP[A]);
  });

  it('follows the api CNAME to the static A record of the chosen region’s API host', async () => {
    // Act
    const near = await dig(`api.${ZONE}`, 'A', '+short');
    status.set(id('Region', A), false);
    const far = await dig(`api.${ZONE}`, 'A', '+noall', '+answer');
    const onlyCname = await dig(`api.${ZONE}`, 'CNAME', '+short');

    // Assess
    expect(near).toEqual([`${apiHost(A)}.`, API_IP[A]]);
    expect(far.map((l) => l.split(/\s+/))).toEqual([
      [`api.${ZONE}.`, '10', 'IN', 'CNAME', `${apiHost(B)}.`],
      [`${apiHost(B)}.`, '60', 'IN', 'A', API_IP[B]],
    ]);
    expect(onlyCname).toEqual([`${apiHost(B)}.`]);
  });

  it.each([
    [`nothing.${ZONE}`, 'A', 'NXDOMAIN'],
    ['example.org', 'A', 'REFUSED'],
    [`sip.${ZONE}`, 'AAAA', 'NOERROR'],
  ])('rejects %s %s with %s and no answer', async (name, type, rcode) => {
    // Act
    const full = await dig(name, type);

    // Assess
    expect(full.join('\n')).toMatch(new RegExp(`status: ${rcode}`));
    expect(full.join('\n')).toMatch(/ANSWER: 0,/);
  });

  it('fails when its port is taken', async () => {
    // Act
    const act = startDnsServer({
      records,
      checks: { status: () => true },
      clientRegion: A,
      port: server.port,
    });

    // Assess
    await expect(act).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('answerer', () => {
  const three: LatencyRecord[] = ['us-east-1', 'us-west-2', 'eu-west-1'].map((region, i) => ({
    logicalId: `Sip${i}`,
    name: `sip.${ZONE}`,
    type: 'A',
    ttl: 10,
    setIdentifier: region,
    region,
    healthCheck: `Check${i}`,
    values: [`127.0.2.${i}`],
  }));

  it.each([
    [['Check0'], ['us-east-1', 'eu-west-1', 'us-west-2'], 'eu-west-1'],
    [['Check0'], ['us-east-1', 'us-west-2', 'eu-west-1'], 'us-west-2'],
    [['Check0', 'Check2'], ['us-east-1', 'eu-west-1', 'us-west-2'], 'us-west-2'],
    [[], ['eu-west-1', 'us-west-2'], 'us-east-1'],
  ])('with %j unhealthy and latency order %j, answers from %s', (down, latencyOrder, expected) => {
    // Prepare
    const answer = answerer({
      records: three,
      checks: { status: (logicalId) => !down.includes(logicalId) },
      clientRegion: 'us-east-1',
      latencyOrder,
    });

    // Act
    const result = answer(`sip.${ZONE}`, 'A');

    // Assess
    expect(result.region).toBe(expected);
  });
});
