import type { ContinuityConfig } from '../../config/schema.js';
import type { LocalBus } from '../bus/bus.js';
import { alarmStateChangeEvent, type LocalAlarms } from '../cloudwatch/alarms.js';
import { parseEmf } from '../cloudwatch/emf.js';
import { answerer, type LocalDnsServer, startDnsServer } from '../route53/dns-server.js';
import { Route53HealthChecks } from '../route53/health-checks.js';
import { route53FromTemplate } from '../route53/template.js';
import type { RegionEndpoints } from './deployment.js';
import { apiDomainOf, functionUrlDomainOf } from './deployment.js';
import { regionSubnet } from './drill-config.js';
import type { LogSink } from './logs.js';
import type { SynthesizedApp } from './synth.js';
import type { DeploymentSpec } from './template.js';

/**
 * The region stacks' CloudWatch alarms (fed by the functions' EMF lines, their state changes put on the
 * region's default bus as CloudWatch does) and the Dns stack's health checks and latency records,
 * answering real DNS on loopback.
 */
export interface DnsEmulation {
  readonly host: string;
  readonly port: number;
  /** The region the network DNS server's clients are nearest to. */
  readonly clientRegion: string;
  readonly alarms: LocalAlarms;
  readonly checks: Route53HealthChecks;
  /** Whether Route 53 sees `region` as healthy: the check behind its `sip.<zone>` record. */
  regionHealthy(region: string): boolean;
  /**
   * Healthy, and staying so: the SIP alarm Route 53 reads is OK and nothing in its open period would turn
   * it to ALARM at its next evaluation (a one-minute alarm lags the region by up to two minutes).
   */
  regionStable(region: string): boolean;
  /** The A values a caller near `clientRegion` gets for `name` (following a CNAME). */
  answer(name: string, clientRegion: string): string[];
  stop(): Promise<void>;
}

export interface DnsEmulationOptions {
  readonly app: SynthesizedApp;
  readonly spec: DeploymentSpec;
  readonly bus: LocalBus;
  readonly regions: readonly RegionEndpoints[];
  readonly logs: LogSink;
  readonly config: ContinuityConfig;
  /** The drill's alarms (see cloudwatch.ts), made before the functions start: evaluated from here on. */
  readonly alarms: LocalAlarms;
}

/**
 * @example
 * const dns = await startDnsEmulation({ app, spec, bus, regions, logs, config, alarms: cloudWatch.alarms });
 * dns.answer('sip.dev.cc.example.com', 'us-west-2'); // ['127.0.2.1', '127.0.2.2']
 */
export async function startDnsEmulation(options: DnsEmulationOptions): Promise<DnsEmulation> {
  const { app, spec, bus, regions, logs, config, alarms } = options;
  logs.onLine((line, fn) => alarms.ingest(parseEmf(line), fn.region));
  alarms.onChange((change) => {
    logs.note(
      'alarms',
      `${change.alarmName} (${change.region}): ${change.previous} -> ${change.state}: ${change.reason}`,
    );
    void bus.putDefault(change.region, alarmStateChangeEvent(change)).catch(() => undefined);
  });

  const resolveOutput = (stackName: string, outputName: string): string => {
    const output = spec.outputs.find((o) => o.stackName === stackName && o.outputName === outputName);
    if (output === undefined)
      throw new Error(`the Dns stack reads ${stackName}.${outputName}, which no stack outputs`);
    if (output.attribute === 'FunctionUrl') return `https://${functionUrlDomainOf(output.region)}/`;
    if (output.attribute === 'RegionalDomainName') return apiDomainOf(output.region);
    throw new Error(
      `output ${stackName}.${outputName} publishes ${output.attribute}, which the drill cannot serve`,
    );
  };
  const definitions = route53FromTemplate(app.dns.template, resolveOutput);
  const checks = new Route53HealthChecks({
    checks: definitions.healthChecks,
    connect: (fqdn) => {
      const region = regions.find((r) => functionUrlDomainOf(r.region) === fqdn);
      if (region === undefined) throw new Error(`health check of ${fqdn}: no such endpoint in the drill`);
      return { host: region.health.host, port: region.health.port };
    },
    alarmState: (name, region) => alarms.state(name, region),
  });
  checks.onChange((c) =>
    logs.note('route53', `${c.logicalId} ${c.healthy ? 'healthy' : 'UNHEALTHY'}: ${c.detail}`),
  );
  const staticRecords = config.regions.active.map((region, i) => ({
    name: apiDomainOf(region),
    type: 'A' as const,
    values: [`${regionSubnet(i)}.10`],
    ttl: 60,
  }));
  const base = { records: definitions.records, checks, staticRecords, latencyOrder: config.regions.active };
  const clientRegion = config.regions.active[0] ?? '';
  let server: LocalDnsServer | undefined;
  alarms.start();
  checks.start();
  try {
    server = await startDnsServer({ ...base, clientRegion });
  } catch (e) {
    alarms.stop();
    await checks.stop();
    throw e;
  }
  const answerers = new Map(config.regions.active.map((r) => [r, answerer({ ...base, clientRegion: r })]));
  const running = server;
  const regionHealthy = (region: string): boolean => {
    const record = definitions.records.find((r) => r.region === region && r.name.startsWith('sip.'));
    if (record === undefined) throw new Error(`the Dns stack has no sip record for ${region}`);
    return checks.status(record.healthCheck);
  };
  return {
    host: running.host,
    port: running.port,
    clientRegion,
    alarms,
    checks,
    regionHealthy,
    regionStable(region) {
      if (!regionHealthy(region)) return false;
      const metric = definitions.healthChecks.find((c) => c.kind === 'metric' && c.alarmRegion === region);
      if (metric?.kind !== 'metric') return true;
      // The alarm itself, not only the check: the check polls the alarm once a second.
      return (
        alarms.state(metric.alarmName, region) === 'OK' && alarms.openPeriodClean(metric.alarmName, region)
      );
    },
    answer(name, region) {
      const answer = answerers.get(region);
      if (answer === undefined) throw new Error(`no active region ${region}`);
      return answer(name, 'A')
        .records.filter((r) => r.type === 'A')
        .map((r) => r.value);
    },
    stop: async () => {
      alarms.stop();
      await checks.stop();
      await running.stop();
    },
  };
}
