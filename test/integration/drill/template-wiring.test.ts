import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/load.js';
import { busName, secretNames } from '../../../functions/shared/names.js';
import { startLocalEventBridge } from '../../../local/aws/eventbridge.js';
import { startScheduler } from '../../../local/aws/scheduler.js';
import { LocalBus } from '../../../local/bus/bus.js';
import { drillConfig, type EdgeAddress } from '../../../local/drill/drill-config.js';
import { startFunctions } from '../../../local/drill/functions.js';
import { type SynthesizedApp, synthesizeApp } from '../../../local/drill/synth.js';
import {
  type CfnResource,
  type DeploymentSpec,
  readDeployment,
  type StackTemplate,
} from '../../../local/drill/template.js';

// The drill must run what the stacks deploy: each test removes one piece of wiring from a copy of the
// synthesized templates and shows the local deployment refusing to start, next to the intact copy
// that starts.

const EAST = 'us-east-1';
const edges: EdgeAddress[] = ['us-east-1', 'us-west-2'].flatMap((region, i) =>
  ['a', 'b'].map((letter, j) => ({
    region,
    name: `${region}-edge-${letter}`,
    host: `127.0.${i + 1}.${j + 1}`,
    port: 5060,
    transport: j === 0 ? ('udp' as const) : ('tcp' as const),
  })),
);

let app: SynthesizedApp;

beforeAll(async () => {
  app = await synthesizeApp(drillConfig(loadConfig('dev'), edges));
}, 180_000);

afterAll(() => app?.remove());

/** A deep copy of the app's templates, changed by `mutate`. */
function templates(mutate: (stacks: StackTemplate[]) => void = () => undefined): StackTemplate[] {
  const copy = structuredClone([...app.regions, app.witness, app.data]);
  mutate(copy);
  return copy;
}

/** The resource of `stack` whose construct path ends with `suffix`. */
function resource(stacks: StackTemplate[], region: string, suffix: string): CfnResource {
  const stack = stacks.find((s) => s.region === region && s.stackName.includes('-Region-'));
  const found = Object.values(stack?.template.Resources ?? {}).find((r) =>
    String(r.Metadata?.['aws:cdk:path'] ?? '').endsWith(suffix),
  );
  if (found === undefined) throw new Error(`no resource ${suffix} in ${region}`);
  return found;
}

function removeResource(stacks: StackTemplate[], region: string, suffix: string): void {
  const stack = stacks.find((s) => s.region === region && s.stackName.includes('-Region-'));
  const resources = stack?.template.Resources as Record<string, CfnResource>;
  const id = Object.keys(resources).find((k) =>
    String(resources[k]?.Metadata?.['aws:cdk:path'] ?? '').endsWith(suffix),
  );
  if (id === undefined) throw new Error(`no resource ${suffix} in ${region}`);
  delete resources[id];
}

const read = (stacks: StackTemplate[]): DeploymentSpec => readDeployment(stacks, app.dir);

/** Only the functions whose path ends with `suffix` in `region` (one environment each is enough). */
function only(spec: DeploymentSpec, suffix: string): DeploymentSpec {
  const functions = spec.functions.filter((f) => f.region === EAST && f.path.endsWith(suffix));
  // Only the rules that target these functions (startFunctions registers every rule's targets).
  const rules = spec.rules.filter((r) =>
    r.targets.some((t) => t.kind === 'function' && functions.some((f) => f.path === t.path)),
  );
  return { ...spec, functions, rules };
}

const environment = () => ({ AWS_REGION: EAST, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });

describe('the local deployment, read from the synthesized templates', () => {
  it('reads every function, rule, route and function URL of the stacks', () => {
    // Act
    const spec = read(templates());
    // Assess
    expect(spec.functions.map((f) => f.path.split('/').slice(1).join('/')).sort()).toEqual([
      'Capacity/Ingest',
      'Capacity/Ingest',
      'Capacity/Reconcile',
      'Capacity/Reconcile',
      'ContextApi/CreateContext',
      'ContextApi/CreateContext',
      'ContextApi/CrmWebhook',
      'ContextApi/CrmWebhook',
      'ContextApi/GetContext',
      'ContextApi/GetContext',
      'HealthMonitor/Function',
      'HealthMonitor/Function',
      'HealthMonitor/Function',
      'OauthRefresher/Function',
      'OauthRefresher/Function',
      'Quorum/Function',
      'Quorum/Function',
      'Quorum/HealthEndpoint',
      'Quorum/HealthEndpoint',
      'Routing/Resolve',
      'Routing/Resolve',
      'Routing/Sweep',
      'Routing/Sweep',
    ]);
    expect(spec.rules.filter((r) => r.schedule === 'rate(1 minute)')).toHaveLength(9);
    expect(spec.routes.filter((r) => r.region === EAST).map((r) => r.routeKey)).toEqual([
      'POST /contexts',
      'GET /contexts/{token}',
      'POST /webhooks/crm',
      'POST /routing/resolve',
    ]);
    expect(spec.functionUrls).toHaveLength(2);
  });

  it.each(['/Quorum/Function', '/OauthRefresher/Function'])(
    'starts %s with the environment its template gives it',
    async (suffix) => {
      // Prepare
      const spec = only(read(templates()), suffix);
      // Act
      const functions = await startFunctions(spec, new LocalBus([]), {
        environmentFor: environment,
        onLog: () => {},
      });
      // Assess
      expect(functions.all).toHaveLength(1);
      await functions.stop();
    },
  );

  it('refuses to start when a variable is removed from a function in the template', async () => {
    // Prepare
    const stacks = templates((s) => {
      const env = resource(s, EAST, '/Quorum/Function/Resource').Properties?.Environment as
        | { Variables: Record<string, string> }
        | undefined;
      if (env === undefined) throw new Error('the quorum function has no environment');
      delete env.Variables.CONTINUITY_SETTINGS;
    });
    const spec = only(read(stacks), '/Quorum/Function');
    // Act
    const starting = startFunctions(spec, new LocalBus([]), { environmentFor: environment, onLog: () => {} });
    // Assess
    await expect(starting).rejects.toThrow(
      /refuses to start[\s\S]*Quorum\/Function failed to initialize[\s\S]*CONTINUITY_SETTINGS is not set/,
    );
  });

  it('holds the platform secrets in both active regions, org credentials with their template value', () => {
    // Act
    const secrets = read(templates()).secrets;
    // Assess
    const names = secretNames('dev');
    for (const org of ['east', 'west']) {
      expect(secrets.find((s) => s.name === names.platformClient(org))).toEqual({
        name: names.platformClient(org),
        regions: ['us-east-1', 'us-west-2'],
        value: '{"clientId":"REPLACE_ME","clientSecret":"REPLACE_ME"}',
      });
    }
    expect(secrets.find((s) => s.name === names.platformTokenKey)).toEqual({
      name: names.platformTokenKey,
      regions: ['us-east-1', 'us-west-2'],
      generate: { templateJson: '{}', key: 'current', length: 64 },
    });
  });

  it('refuses to start when the refresher loses both its rules', () => {
    // Prepare
    const stacks = templates((s) => {
      removeResource(s, EAST, '/OauthRefresher/Rejections/Resource');
      removeResource(s, EAST, '/OauthRefresher/Schedule/Resource');
    });
    // Act + Assess
    expect(() => read(stacks)).toThrow(/OauthRefresher\/Function is invoked by no rule/);
  });

  it.each([
    ['the intact pattern', false, ['us-east-1', 'us-west-2']],
    ['a pattern that no longer names the rejection', true, ['us-west-2']],
  ])(
    'routes a PlatformTokenRejected put in us-east-1 to the refreshers by %s',
    async (_, broken, reached) => {
      // Prepare
      const stacks = templates((s) => {
        if (broken) {
          const rule = resource(s, EAST, '/OauthRefresher/Rejections/Resource');
          (rule.Properties?.EventPattern as Record<string, unknown>)['detail-type'] = [
            'PlatformTokenRefreshed',
          ];
        }
      });
      const bus = new LocalBus(read(stacks).rules);
      const got: string[] = [];
      for (const region of ['us-east-1', 'us-west-2']) {
        bus.on(`Continuity-dev-Region-${region}/OauthRefresher/Function`, async () => {
          got.push(region);
        });
      }
      // Act: a platform caller in us-east-1 got a 401 (the forwarding rule carries it to us-west-2)
      await bus.putEvents(EAST, [
        {
          Source: 'cc.continuity',
          DetailType: 'PlatformTokenRejected',
          Detail: JSON.stringify({
            originRegion: EAST,
            apiHost: 'api.mypurecloud.com',
            reason: 'x',
            status: 401,
          }),
        },
      ]);
      // Assess
      expect(got.sort()).toEqual(reached);
    },
  );

  it('refuses to start when a rule loses its event pattern', () => {
    // Prepare
    const stacks = templates((s) => {
      delete resource(s, EAST, '/Quorum/Inputs/Resource').Properties?.EventPattern;
    });
    // Act + Assess
    expect(() => read(stacks)).toThrow(
      /Quorum\/Inputs\/Resource has neither an EventPattern nor a ScheduleExpression/,
    );
  });

  it('refuses to start when the monitor schedule is removed', () => {
    // Prepare
    const stacks = templates((s) => removeResource(s, EAST, '/HealthMonitor/Schedule/Resource'));
    // Act + Assess
    expect(() => read(stacks)).toThrow(
      /function Continuity-dev-Region-us-east-1\/HealthMonitor\/Function is invoked by no rule, schedule, route or URL/,
    );
  });

  it('refuses to start when a route is removed and its function is left without a trigger', () => {
    // Prepare
    const stacks = templates((s) =>
      removeResource(s, EAST, '/ContextApi/Api/GET--contexts--{token}/Resource'),
    );
    // Act + Assess
    expect(() => read(stacks)).toThrow(/ContextApi\/GetContext is invoked by no rule/);
  });

  it('fires exactly the schedules the templates hold', () => {
    // Prepare
    const fired: string[] = [];
    // Act
    const scheduler = startScheduler(read(templates()).rules, ({ rule }) => {
      for (const t of rule.targets) if (t.kind === 'function') fired.push(t.path);
    });
    scheduler.stop();
    // Assess
    expect(fired.sort()).toEqual([
      'Continuity-dev-Region-us-east-1/Capacity/Reconcile',
      'Continuity-dev-Region-us-east-1/HealthMonitor/Function',
      'Continuity-dev-Region-us-east-1/OauthRefresher/Function',
      'Continuity-dev-Region-us-east-1/Quorum/Function',
      'Continuity-dev-Region-us-east-1/Routing/Sweep',
      'Continuity-dev-Region-us-west-2/Capacity/Reconcile',
      'Continuity-dev-Region-us-west-2/HealthMonitor/Function',
      'Continuity-dev-Region-us-west-2/OauthRefresher/Function',
      'Continuity-dev-Region-us-west-2/Quorum/Function',
      'Continuity-dev-Region-us-west-2/Routing/Sweep',
      'Continuity-dev-Witness/HealthMonitor/Function',
    ]);
  });

  it.each([
    ['the intact pattern', false, ['us-east-1', 'us-west-2']],
    ['a pattern that no longer names the vote', true, ['us-west-2']],
  ])('routes a witness vote to the quorum functions by %s', async (_, broken, reached) => {
    // Prepare
    const stacks = templates((s) => {
      if (broken) {
        const pattern = resource(s, EAST, '/Quorum/Inputs/Resource').Properties?.EventPattern as Record<
          string,
          unknown
        >;
        pattern['detail-type'] = ['ReplicationLagMeasured'];
      }
    });
    const bus = new LocalBus(read(stacks).rules);
    const got: string[] = [];
    for (const region of ['us-east-1', 'us-west-2']) {
      bus.on(`Continuity-dev-Region-${region}/Quorum/Function`, async () => {
        got.push(region);
      });
    }
    const events = await startLocalEventBridge(bus, busName('dev'));
    const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const client = new EventBridgeClient({
      region: 'us-east-2',
      endpoint: events.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    // Act
    await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: busName('dev'),
            Source: 'cc.continuity',
            DetailType: 'RegionHealthVote',
            Detail: JSON.stringify({ originRegion: 'us-east-2', observer: 'us-east-2', targetRegion: EAST }),
          },
        ],
      }),
    );
    await events.idle();
    client.destroy();
    await events.close();
    // Assess
    expect(got.sort()).toEqual(reached);
  });
});
