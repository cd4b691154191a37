import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContinuityConfig } from '../../config/schema.js';
import { busName } from '../../functions/shared/names.js';
import { type LocalEventBridge, startLocalEventBridge } from '../aws/eventbridge.js';
import { type HttpFront, startHttpFront } from '../aws/http-front.js';
import { type Scheduler, startScheduler } from '../aws/scheduler.js';
import { type LocalSecrets, startLocalSecrets } from '../aws/secrets.js';
import { LocalBus } from '../bus/bus.js';
import { type LocalWorld, startLocalWorld } from '../dynamo/world.js';
import { createSelfSignedCertificate } from '../kamailio/support.js';
import type { LocalPlatform } from '../platform/server.js';
import type { EdgeKind, SipEdge } from '../sip/edge.js';
import { type DrillCloudWatch, startDrillCloudWatch } from './cloudwatch.js';
import { type DnsEmulation, startDnsEmulation } from './dns-emulation.js';
import { drillConfig, regionSubnet } from './drill-config.js';
import { startEdges } from './edges.js';
import { type LocalFunctions, startFunctions } from './functions.js';
import { localEnvironment } from './local-environment.js';
import { type LogSink, logSink } from './logs.js';
import { startDrillPlatform } from './platform.js';
import { type SynthesizedApp, synthesizeApp } from './synth.js';
import { type DeploymentSpec, readDeployment } from './template.js';

/**
 * The whole synthesized app running on loopback (DESIGN.md section 8): SIP edges per region, the
 * DynamoDB Local world, the real function bundles with their templates' environments, the bus, the
 * schedules, the HTTP API and function URLs, alarms from the functions' EMF and the config's trigger
 * alarms (behind DescribeAlarms), the platform stand-in (every function reaches the platform only through it) and the Route 53 emulation answering DNS. Everything is read from one synthesis of the app for the drill's config.
 */

export interface RegionEndpoints {
  readonly region: string;
  /** The context API (API Gateway HTTP API), plain HTTP on loopback. */
  readonly api: HttpFront;
  /** The health endpoint (function URL), HTTPS with a self-signed certificate. */
  readonly health: HttpFront;
  readonly edges: readonly SipEdge[];
}

export interface Deployment {
  readonly config: ContinuityConfig;
  readonly edgeKind: EdgeKind;
  readonly spec: DeploymentSpec;
  readonly world: LocalWorld;
  readonly functions: LocalFunctions;
  readonly events: LocalEventBridge;
  readonly secrets: LocalSecrets;
  /** The platform (token endpoints and API of every org), accepting the credentials of the local secrets. */
  readonly platform: LocalPlatform;
  readonly bus: LocalBus;
  readonly regions: readonly RegionEndpoints[];
  readonly dns: DnsEmulation;
  /** The alarms (also `dns.alarms`) and the DescribeAlarms endpoint the functions call. */
  readonly cloudWatch: DrillCloudWatch;
  readonly logs: LogSink;
  /** The API key a caller of the context API presents (the local secret's current key). */
  readonly apiKey: string;
  /** The CRM webhook signing secret. */
  readonly webhookSecret: string;
  /** Every process this deployment started (for the cleanup record). */
  pids(): number[];
  region(name: string): RegionEndpoints;
  stop(): Promise<void>;
}

export interface DeploymentOptions {
  readonly base: ContinuityConfig;
  readonly edgeKind: EdgeKind;
  /** Folder for function logs. */
  readonly logDir: string;
  /** Progress messages while starting. */
  readonly onProgress?: (message: string) => void;
  /** Called with each process as soon as it is started (cleanup record). */
  readonly onProcess?: (pid: number) => void;
  /** Mutates the synthesized templates before they are read (tests of the template reader). */
  readonly mutateTemplates?: (app: SynthesizedApp) => void;
}

/** Stops what was started, in reverse order, trying every step. */
class Stack {
  private readonly steps: (() => Promise<unknown> | unknown)[] = [];
  push(step: () => Promise<unknown> | unknown): void {
    this.steps.push(step);
  }
  async unwind(): Promise<void> {
    for (const step of this.steps.reverse())
      await Promise.resolve()
        .then(step)
        .catch(() => undefined);
    this.steps.length = 0;
  }
}

/**
 * @example
 * const deployment = await startDeployment({ base: loadConfig('dev'), edgeKind: 'kamailio', logDir });
 * try { ... } finally { await deployment.stop(); }
 */
export async function startDeployment(options: DeploymentOptions): Promise<Deployment> {
  const progress = options.onProgress ?? (() => undefined);
  const cleanup = new Stack();
  try {
    progress(`starting SIP edges (${options.edgeKind})`);
    const edges = await startEdges(options.base.regions.active, options.edgeKind, options.onProcess);
    cleanup.push(() => Promise.all(edges.all.map((e) => e.edge.stop())));
    const config = drillConfig(options.base, edges.addresses);

    // Synthesis (bundling) and DynamoDB Local's boot take the longest: run them side by side.
    progress('synthesizing the app (templates, function bundles) and starting DynamoDB Local');
    const booting = startLocalWorld({ config });
    const synthesizing = synthesizeApp(config);
    const [app, world] = await Promise.all([synthesizing, booting]).catch(async (e: unknown) => {
      await booting.then((w) => w.stop()).catch(() => undefined);
      await synthesizing.then((a) => a.remove()).catch(() => undefined);
      throw e;
    });
    options.onProcess?.(world.dynamo.pid);
    cleanup.push(() => world.stop());
    cleanup.push(() => app.remove());
    options.mutateTemplates?.(app);
    const spec = readDeployment([...app.regions, app.witness, app.data], app.dir);

    const secrets = await startLocalSecrets(spec.secrets);
    cleanup.push(() => secrets.close());
    const platform = await startDrillPlatform(config, secrets);
    cleanup.push(() => platform.close());
    const bus = new LocalBus(spec.rules);
    const events = await startLocalEventBridge(bus, busName(config.env));
    cleanup.push(() => events.close());
    const logs = logSink(options.logDir);
    cleanup.push(() => logs.close());
    // Before the functions: the quorum reads the trigger alarms from its first evaluation.
    const cloudWatch = await startDrillCloudWatch(app, config);
    cleanup.push(() => cloudWatch.close());

    const endpoints = {
      dynamodb: Object.fromEntries(
        [...config.regions.active, config.regions.witness].map((r) => [r, world.region(r).endpoint]),
      ),
      eventBridge: events.endpoint,
      secretsManager: secrets.endpoint,
      cloudWatch: cloudWatch.endpoint,
      platform: platform.endpoint,
    };
    progress(`starting ${spec.functions.length} functions from their bundles`);
    const functions = await startFunctions(spec, bus, {
      environmentFor: (fn) => localEnvironment(fn, config.regions.witness, endpoints),
      onLog: (line, fn) => logs.write(line, fn),
    });
    cleanup.push(() => functions.stop());

    const certDir = await mkdtemp(join(tmpdir(), 'cc-continuity-drill-tls-'));
    cleanup.push(() => rm(certDir, { recursive: true, force: true }));
    const cert = await createSelfSignedCertificate(certDir);
    const tls = { cert: cert.certificatePem, key: await readFile(cert.privateKeyFile, 'utf8') };

    const regions: RegionEndpoints[] = [];
    for (const [i, region] of config.regions.active.entries()) {
      const subnet = regionSubnet(i);
      const routes = spec.routes
        .filter((r) => r.region === region)
        .map((r) => ({
          routeKey: r.routeKey,
          invoke: (e: unknown) => functions.byKey(r.functionKey).invoke(e),
        }));
      const api = await startHttpFront(routes, { host: `${subnet}.10`, domainName: apiDomainOf(region) });
      cleanup.push(() => api.close());
      const url = spec.functionUrls.find((u) => u.region === region);
      if (url === undefined) throw new Error(`the ${region} stack has no function URL (health endpoint)`);
      const health = await startHttpFront(
        [{ routeKey: '$default', invoke: (e: unknown) => functions.byKey(url.functionKey).invoke(e) }],
        { host: `${subnet}.11`, domainName: functionUrlDomainOf(region), tls },
      );
      cleanup.push(() => health.close());
      regions.push({
        region,
        api,
        health,
        edges: edges.all.filter((e) => e.region === region).map((e) => e.edge),
      });
    }

    progress('starting alarms, Route 53 checks and DNS');
    const dns = await startDnsEmulation({ app, spec, bus, regions, logs, config, alarms: cloudWatch.alarms });
    cleanup.push(() => dns.stop());

    const scheduler: Scheduler = startScheduler(spec.rules, ({ rule, event }) => {
      for (const target of rule.targets) {
        if (target.kind === 'function') functions.byPath(target.path)?.invokeAsync(event);
      }
    });
    cleanup.push(() => scheduler.stop());

    const apiKeys = JSON.parse(secrets.value(secretNameLike(spec, 'api-keys'))) as { current: string };
    const webhook = JSON.parse(secrets.value(secretNameLike(spec, 'crm-webhook'))) as { current: string };
    return {
      config,
      edgeKind: options.edgeKind,
      spec,
      world,
      functions,
      events,
      secrets,
      platform,
      bus,
      regions,
      dns,
      cloudWatch,
      logs,
      apiKey: apiKeys.current,
      webhookSecret: webhook.current,
      pids: () => [world.dynamo.pid, ...edges.all.flatMap((e) => (e.edge.pid ? [e.edge.pid] : []))],
      region(name) {
        const r = regions.find((x) => x.region === name);
        if (r === undefined) throw new Error(`no active region ${name}`);
        return r;
      },
      stop: () => cleanup.unwind(),
    };
  } catch (e) {
    await cleanup.unwind();
    throw e;
  }
}

/** The regional API Gateway domain the Dns stack's api.<zone> CNAME points at. */
export function apiDomainOf(region: string): string {
  return `d-drill.execute-api.${region}.amazonaws.com`;
}

/** The function URL host of a region's health endpoint. */
export function functionUrlDomainOf(region: string): string {
  return `drillhealth.lambda-url.${region}.on.aws`;
}

function secretNameLike(spec: DeploymentSpec, fragment: string): string {
  const secret = spec.secrets.find((s) => s.name.includes(fragment));
  if (secret === undefined) throw new Error(`the Data stack has no secret named like ${fragment}`);
  return secret.name;
}
