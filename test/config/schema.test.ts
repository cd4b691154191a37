import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DIR, loadConfig } from '../../config/load.js';
import { ConfigError, parseConfig } from '../../config/schema.js';

const devRaw = JSON.parse(readFileSync(join(CONFIG_DIR, 'dev.json'), 'utf8')) as Record<string, unknown>;

/** A copy of the dev config with one change applied at a dotted path. */
function withChange(path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(devRaw);
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) {
    node[k] ??= {};
    node = node[k] as Record<string, unknown>;
  }
  const last = keys.at(-1) as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw, 'config/test.json');
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
}

describe('parseConfig', () => {
  it('accepts the dev config and fills in every default of DESIGN.md', () => {
    const config = loadConfig('dev');

    expect(config.regions).toEqual({ active: ['us-east-1', 'us-west-2'], witness: 'us-east-2' });
    expect(config.health).toMatchObject({
      probeIntervalMs: 1000,
      probeTimeoutMs: 500,
      failureThreshold: 2,
      recoveryThreshold: 3,
      minHealthyTargets: 1,
    });
    expect(config.replication).toEqual({ replicationExclusionMs: 200, circuitBreakerMs: 300, lagSamples: 3 });
    expect(config.quorum).toMatchObject({ minRegionsInRotation: 1, failbackDwellSeconds: 30 });
    expect(config.context.contextTtlSeconds).toBe(300);
    expect(config.dns.recordTtlSeconds).toBe(10);
  });

  it.each([
    [
      'two regions that are the same',
      'regions.active',
      ['us-east-1', 'us-east-1'],
      'regions.active',
      'both active regions are us-east-1',
    ],
    [
      'regions outside one MRSC set',
      'regions.active',
      ['us-east-1', 'eu-west-1'],
      'regions',
      'not one DynamoDB MRSC region set',
    ],
    [
      'a witness from another MRSC set',
      'regions.witness',
      'ap-northeast-1',
      'regions',
      'not one DynamoDB MRSC region set',
    ],
    [
      'a witness that is an active region',
      'regions.witness',
      'us-west-2',
      'regions.witness',
      'must be a third region',
    ],
    [
      'a malformed region name',
      'regions.witness',
      'useast2',
      'regions.witness',
      'must be an AWS region name',
    ],
    [
      'exclusion not below the circuit breaker',
      'replication.replicationExclusionMs',
      300,
      'replication.replicationExclusionMs',
      'not below circuitBreakerMs (300 ms)',
    ],
    ['a failure threshold of 0', 'health.failureThreshold', 0, 'health.failureThreshold', 'must be 1-10'],
    ['a failure threshold of 11', 'health.failureThreshold', 11, 'health.failureThreshold', 'must be 1-10'],
    [
      'a probe interval under 200 ms',
      'health.probeIntervalMs',
      150,
      'health.probeIntervalMs',
      'at least 200 ms',
    ],
    [
      'a probe timeout not below the interval',
      'health.probeTimeoutMs',
      1000,
      'health.probeTimeoutMs',
      'not below probeIntervalMs (1000 ms)',
    ],
    [
      'a context TTL under 60 s',
      'context.contextTtlSeconds',
      59,
      'context.contextTtlSeconds',
      'must be 60-3600 s',
    ],
    [
      'a context TTL over 3600 s',
      'context.contextTtlSeconds',
      3601,
      'context.contextTtlSeconds',
      'must be 60-3600 s',
    ],
    [
      'an active region without SIP targets',
      'sipTargets.us-west-2',
      undefined,
      'sipTargets.us-west-2',
      'no SIP targets for active region us-west-2',
    ],
    [
      'a SIP transport that does not exist',
      'sipTargets.us-east-1',
      [{ host: 'a', port: 5060, transport: 'sctp' }],
      'sipTargets.us-east-1.0.transport',
      '',
    ],
    ['an unknown field (typo)', 'health.probeIntervalMS', 1000, 'health', 'probeIntervalMS'],
    ['a hosted zone id that is not one', 'dns.hostedZoneId', 'example', 'dns.hostedZoneId', 'hosted zone id'],
    [
      'a burst below the rate',
      'api.throttleBurstLimit',
      10,
      'api.throttleBurstLimit',
      'burst must be at least the rate',
    ],
    [
      'a route burst below its rate',
      'api.routes.crmWebhook',
      { rateLimit: 10, burstLimit: 5 },
      'api.routes.crmWebhook.burstLimit',
      'burst must be at least the rate',
    ],
    [
      'a route the API does not have',
      'api.routes.routingResolv',
      { rateLimit: 1, burstLimit: 1 },
      'api.routes',
      'routingResolv',
    ],
    [
      'a monitor reservation below the hand-over overlap',
      'concurrency.monitor',
      1,
      'concurrency.monitor',
      'two overlap at a hand-over',
    ],
    [
      'a health endpoint cap of 0',
      'concurrency.healthEndpoint',
      0,
      'concurrency.healthEndpoint',
      'must be 2-100',
    ],
    [
      'a health endpoint cap over 100',
      'concurrency.healthEndpoint',
      101,
      'concurrency.healthEndpoint',
      'must be 2-100',
    ],
    ['a quorum reservation of 1', 'concurrency.quorum', 1, 'concurrency.quorum', 'must be 2-100'],
    [
      'an alert address that is no email address',
      'alarms.notifyEmails',
      ['oncall.example.com'],
      'alarms.notifyEmails.0',
      'must be an email address',
    ],
  ])('rejects %s, naming the field and the value', (_name, path, value, field, message) => {
    // Prepare
    const raw = withChange(path, value);

    // Act
    const problems = problemsOf(raw);

    // Assess
    const problem = problems.find((p) => p.startsWith(`${field} = `));
    expect(problem, `problems were: ${problems.join(' | ')}`).toBeTypeOf('string');
    expect(problem).toContain(message);
  });

  it('throttles each API route on its own and reserves concurrency for failover, by default', () => {
    const config = loadConfig('dev');

    expect(config.api).toEqual({
      throttleRateLimit: 200,
      throttleBurstLimit: 400,
      routes: {
        contextsSave: { rateLimit: 50, burstLimit: 100 },
        contextsRead: { rateLimit: 100, burstLimit: 200 },
        crmWebhook: { rateLimit: 100, burstLimit: 200 },
        routingResolve: { rateLimit: 100, burstLimit: 200 },
      },
    });
    expect(config.concurrency).toEqual({ healthEndpoint: 10, monitor: 3, quorum: 10 });
  });

  it('keeps the defaults of the routes a config does not name', () => {
    const config = parseConfig(
      withChange('api.routes', { crmWebhook: { rateLimit: 5, burstLimit: 5 } }),
      'x',
    );

    expect(config.api.routes.crmWebhook).toEqual({ rateLimit: 5, burstLimit: 5 });
    expect(config.api.routes.contextsSave).toEqual({ rateLimit: 50, burstLimit: 100 });
  });

  it('rejects a bad value with the value itself in the message', () => {
    const problems = problemsOf(withChange('health.failureThreshold', 0));

    expect(problems).toContain('health.failureThreshold = 0: must be 1-10');
  });

  it('rejects an unknown environment, listing the ones that exist', () => {
    expect(() => loadConfig('staging-x')).toThrow(
      /no such environment; pass -c env=<name> with one of: .*dev/,
    );
  });

  it('rejects a file whose env field does not match its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'prod.json'), JSON.stringify(devRaw));

    expect(() => loadConfig('prod', dir)).toThrow(
      'env = "dev": does not match the file name; set "env": "prod"',
    );
  });

  it('rejects a file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'qa.json'), '{ "env": "qa", ');

    expect(() => loadConfig('qa', dir)).toThrow(/not valid JSON/);
  });
});

describe('platform.orgs', () => {
  it('derives each org login and API host from its region host', () => {
    const config = parseConfig(devRaw, 'config/dev.json');

    expect(config.platform.orgs).toEqual([
      {
        name: 'east',
        regionHost: 'mypurecloud.com',
        loginHost: 'login.mypurecloud.com',
        apiHost: 'api.mypurecloud.com',
        region: 'us-east-1',
      },
      {
        name: 'west',
        regionHost: 'usw2.pure.cloud',
        loginHost: 'login.usw2.pure.cloud',
        apiHost: 'api.usw2.pure.cloud',
        region: 'us-west-2',
      },
    ]);
  });

  it('takes an explicit region for an org whose platform region is not an active region', () => {
    const raw = withChange('platform.orgs', [
      {
        name: 'east',
        regionHost: 'cac1.pure.cloud',
        region: 'us-east-1',
        eventSourceName: 'aws.partner/genesys.com/cloud/0a1b2c3d-0000-4000-8000-000000000001/capacity',
      },
    ]);

    expect(parseConfig(raw, 'test').platform.orgs[0]).toMatchObject({ region: 'us-east-1' });
  });

  it('parses its own output again to the same value (the functions re-read their settings)', () => {
    const config = parseConfig(devRaw, 'config/dev.json');

    expect(parseConfig(JSON.parse(JSON.stringify(config)), 'again').platform).toEqual(config.platform);
  });

  it('refuses an unknown region host with the list of known ones', () => {
    const problems = problemsOf(
      withChange('platform.orgs', [{ name: 'east', regionHost: 'global.pure.cloud' }]),
    );

    expect(problems).toEqual([
      expect.stringMatching(
        /^platform\.orgs\.0\.regionHost = "global\.pure\.cloud": is not a platform region host; use one of mypurecloud\.com, .*usw2\.pure\.cloud/,
      ),
    ]);
  });

  it.each([
    [
      'the old single apiHost',
      { apiHost: 'api.mypurecloud.com', authHost: 'login.mypurecloud.com' },
      /platform\.orgs = missing[^\n]*\nplatform = .*Unrecognized keys: "apiHost", "authHost"/,
    ],
    ['no org', { orgs: [] }, /platform\.orgs = \[\]: name at least one platform org/],
    [
      'two orgs of one name',
      {
        orgs: [
          { name: 'a', regionHost: 'mypurecloud.com' },
          { name: 'a', regionHost: 'usw2.pure.cloud' },
        ],
      },
      /org names must be unique/,
    ],
    [
      'an event source on an org whose region is not active',
      {
        orgs: [
          {
            name: 'a',
            regionHost: 'cac1.pure.cloud',
            eventSourceName: 'aws.partner/genesys.com/cloud/org/capacity',
          },
        ],
      },
      /platform\.orgs\.0\.region = missing: is ca-central-1, not an active region \(us-east-1, us-west-2\); set region/,
    ],
    [
      'two orgs feeding one region',
      {
        orgs: [
          { name: 'a', regionHost: 'mypurecloud.com', eventSourceName: 'aws.partner/genesys.com/cloud/a/x' },
          {
            name: 'b',
            regionHost: 'usw2.pure.cloud',
            region: 'us-east-1',
            eventSourceName: 'aws.partner/genesys.com/cloud/b/x',
          },
        ],
      },
      /platform\.orgs\.1\.eventSourceName = "aws\.partner\/genesys\.com\/cloud\/b\/x": org a already feeds us-east-1's capacity/,
    ],
    [
      'an event source that is not a partner source',
      { orgs: [{ name: 'a', regionHost: 'mypurecloud.com', eventSourceName: 'cc.continuity' }] },
      /eventSourceName = "cc\.continuity": must be the partner event source name/,
    ],
    [
      'a login host that is not the region host one',
      { orgs: [{ name: 'a', regionHost: 'mypurecloud.com', loginHost: 'login.usw2.pure.cloud' }] },
      /loginHost = "login\.usw2\.pure\.cloud": is derived from regionHost \(login\.mypurecloud\.com\); leave it out/,
    ],
  ])('refuses %s', (_name, platform, problem) => {
    const raw = withChange('platform', platform);

    expect(problemsOf(raw).join('\n')).toMatch(problem);
  });
});

describe('failover.triggers', () => {
  const sbc = (more: Record<string, unknown> = {}) => ({
    alarmName: 'sbc-5xx',
    region: 'us-east-1',
    effect: 'exclude',
    ...more,
  });

  it('accepts the user alarms and turns the ReplicationLatency backstop on by default', () => {
    const config = parseConfig(
      withChange('failover', { triggers: [sbc({ clearAfterSeconds: 120 })] }),
      'test',
    );

    expect(config.failover).toEqual({
      triggers: [{ alarmName: 'sbc-5xx', region: 'us-east-1', effect: 'exclude', clearAfterSeconds: 120 }],
      replicationLatencyBackstop: true,
    });
    expect(parseConfig(devRaw, 'dev').failover).toEqual({ triggers: [], replicationLatencyBackstop: true });
  });

  it.each([
    [
      'an alarm in the witness region',
      [sbc({ region: 'us-east-2' })],
      /failover\.triggers\.0\.region = "us-east-2": us-east-2 is not an active region \(us-east-1, us-west-2\)/,
    ],
    [
      'an alarm named twice for one region',
      [sbc(), sbc()],
      /failover\.triggers\.1\.alarmName = "sbc-5xx": sbc-5xx in us-east-1 is already a trigger/,
    ],
    [
      'an effect other than exclude',
      [sbc({ effect: 'drain' })],
      /failover\.triggers\.0\.effect = "drain": must be "exclude"/,
    ],
    ['no effect', [sbc({ effect: undefined })], /failover\.triggers\.0\.effect = missing: must be "exclude"/],
    [
      'a clear delay over an hour',
      [sbc({ clearAfterSeconds: 7200 })],
      /clearAfterSeconds = 7200: must be 0-3600/,
    ],
    [
      "the project's own SIP-health alarm",
      [sbc({ alarmName: 'continuity-dev-sip-health-us-east-1' })],
      /is this project's own alarm: the observers' votes already carry SIP health/,
    ],
    [
      "the project's own heartbeat-lag alarm",
      [sbc({ alarmName: 'continuity-dev-replication-lag-us-west-2' })],
      /own alarm: the monitors' lag samples already feed the rule/,
    ],
    ['an empty name', [sbc({ alarmName: '' })], /alarmName = "": must name a CloudWatch alarm/],
  ])('refuses %s, naming the field', (_case, triggers, problem) => {
    expect(problemsOf(withChange('failover', { triggers })).join('\n')).toMatch(problem);
  });
});
