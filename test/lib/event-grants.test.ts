import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { MONITOR_SERVICE } from '../../functions/health/metrics.js';
import { CONTINUITY_DETAIL_TYPES } from '../../functions/shared/event-schemas.js';
import { EVENT_SOURCE } from '../../functions/shared/names.js';
import { buildContinuityApp } from '../../lib/app-builder.js';
import { EVENT_EMITTERS, grantPutEvents } from '../../lib/constructs/grants.js';
import { type CfnResource, cdkApp, resourcesOf, templatesOf, testConfig } from './helpers.js';

const FUNCTIONS_DIR = fileURLToPath(new URL('../../functions/', import.meta.url));

/**
 * Which deployed function runs the code of each area that builds events: a detail-type built under
 * functions/<area>/ is emitted by that function. `null`: the area's code is not deployed by any stack
 * yet, so nothing of it can put events (the next test fails for any undeclared function that could).
 * A new area fails here until it is named.
 */
const EMITTER_OF_AREA: Readonly<Record<string, string | null>> = {
  health: MONITOR_SERVICE,
  routing: 'quorum',
  context: 'context-get',
  // The platform OAuth refresher and platformClient (PlatformTokenRefreshed / PlatformTokenRejected).
  oauth: 'oauth',
};

/**
 * Functions of another area that bundle platformClient (functions/oauth/) and so build its 401 report:
 * they may put exactly that event.
 */
const PLATFORM_CLIENT_USERS: Readonly<Record<string, readonly string[]>> = {
  'capacity-reconcile': ['PlatformTokenRejected'],
};

/** Detail-types passed to `buildEvent(...)` in code (comments excluded), by functions/<area>. */
function builtDetailTypes(): Map<string, Set<string>> {
  const byArea = new Map<string, Set<string>>();
  const files = readdirSync(FUNCTIONS_DIR, { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.ts'),
  );
  for (const file of files) {
    const code = readFileSync(join(FUNCTIONS_DIR, file), 'utf8')
      .split('\n')
      .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
      .join('\n');
    for (const [, detailType] of code.matchAll(/\bbuildEvent\(\s*'([A-Za-z]+)'/g)) {
      const area = relative(FUNCTIONS_DIR, join(FUNCTIONS_DIR, file)).split(/[\\/]/)[0] ?? '';
      const set = byArea.get(area) ?? new Set<string>();
      set.add(detailType as string);
      byArea.set(area, set);
    }
  }
  return byArea;
}

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

interface PutEventsGrant {
  readonly where: string;
  /** The function's service name, or the service principal of a role no function uses. */
  readonly holder: string;
  readonly statement: Statement;
  /** The statement's only resource is the bus of its own stack. */
  readonly onOwnBus: boolean;
}

/** Every statement of every stack that allows events:PutEvents, with who holds it. */
function putEventsGrants(assembly: CloudAssembly): PutEventsGrant[] {
  const grants: PutEventsGrant[] = [];
  for (const [stackName, template] of templatesOf(assembly)) {
    const serviceOfRole = new Map<string, string>();
    for (const fn of Object.values(resourcesOf(template, 'AWS::Lambda::Function'))) {
      const role = (fn.Properties?.Role as { 'Fn::GetAtt'?: [string] } | undefined)?.['Fn::GetAtt']?.[0];
      const env = fn.Properties?.Environment as { Variables?: Record<string, string> } | undefined;
      if (role) serviceOfRole.set(role, env?.Variables?.POWERTOOLS_SERVICE_NAME ?? '(no service)');
    }
    const roles = resourcesOf(template, 'AWS::IAM::Role');
    const buses = Object.keys(resourcesOf(template, 'AWS::Events::EventBus'));
    const isOwnBus = (resource: unknown) =>
      buses.length === 1 && JSON.stringify(resource) === JSON.stringify({ 'Fn::GetAtt': [buses[0], 'Arn'] });
    const principalOf = (roleId: string) =>
      JSON.stringify((roles[roleId] as CfnResource | undefined)?.Properties?.AssumeRolePolicyDocument);
    for (const [policyId, policy] of Object.entries(resourcesOf(template, 'AWS::IAM::Policy'))) {
      const statements =
        (policy.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [];
      const attached = ((policy.Properties?.Roles ?? []) as { Ref: string }[]).map((r) => r.Ref);
      for (const statement of statements.filter((s) => [s.Action].flat().includes('events:PutEvents'))) {
        for (const roleId of attached) {
          grants.push({
            where: `${stackName}/${policyId}`,
            holder: serviceOfRole.get(roleId) ?? principalOf(roleId),
            statement,
            onOwnBus: isOwnBus(statement.Resource),
          });
        }
      }
    }
  }
  return grants;
}

describe('events:PutEvents grants', () => {
  let grants: PutEventsGrant[];

  beforeAll(() => {
    // Prepare + Act: the whole app, every stack (policies only, no bundling)
    const app = cdkApp({ bundle: false });
    buildContinuityApp(app, testConfig());
    grants = putEventsGrants(app.synth());
  }, 120_000);

  it('lists only catalogue detail-types, exactly those each emitting area builds in code', () => {
    // Prepare: what the code builds, per deployed function
    const built = new Map<string, string[]>();
    for (const [area, types] of builtDetailTypes()) {
      const emitter = EMITTER_OF_AREA[area];
      expect(emitter, `functions/${area} builds ${[...types].join(', ')}: name its function`).toBeDefined();
      if (emitter) built.set(emitter, [...(built.get(emitter) ?? []), ...types].sort());
    }
    for (const [service, types] of Object.entries(PLATFORM_CLIENT_USERS)) {
      expect(built.get('oauth'), 'platformClient builds the 401 report').toEqual(
        expect.arrayContaining([...types]),
      );
      built.set(service, [...types]);
    }

    // Assess
    for (const types of Object.values(EVENT_EMITTERS)) {
      for (const t of types) expect(CONTINUITY_DETAIL_TYPES).toContain(t);
    }
    expect(
      Object.fromEntries(
        Object.entries(EVENT_EMITTERS).map(([service, types]) => [service, [...types].sort()]),
      ),
    ).toEqual(Object.fromEntries(built));
  });

  it('gives every function that puts events exactly its own detail-types and the project source', () => {
    const toFunctions = grants.filter((g) => !g.holder.includes('events.amazonaws.com'));
    // Two active regions each with monitor, quorum, context-get and oauth; the witness with a monitor.
    expect(toFunctions.map((g) => g.holder).sort()).toEqual(
      [
        'capacity-reconcile',
        'capacity-reconcile',
        'context-get',
        'context-get',
        MONITOR_SERVICE,
        MONITOR_SERVICE,
        MONITOR_SERVICE,
        'oauth',
        'oauth',
        'quorum',
        'quorum',
      ].sort(),
    );
    for (const { where, holder, statement, onOwnBus } of toFunctions) {
      const allowed = (EVENT_EMITTERS as Record<string, readonly string[]>)[holder];
      expect(allowed, `${holder} (${where}) may put events but is no emitter`).toBeDefined();
      expect(statement.Condition, where).toEqual({
        StringEquals: { 'events:source': [EVENT_SOURCE], 'events:detail-type': [...(allowed ?? [])] },
      });
      expect(onOwnBus, `${where} puts on its own region's bus only`).toBe(true);
    }
  });

  it('never lets the context GET function, which handles untrusted input, publish a vote', () => {
    const get = grants.filter((g) => g.holder === 'context-get');
    expect(get).toHaveLength(2);
    for (const { statement } of get) {
      expect(statement.Condition?.StringEquals?.['events:detail-type']).toEqual(['ContextReconstructed']);
      expect(JSON.stringify(statement.Condition)).not.toContain('RegionHealthVote');
    }
  });

  it('leaves unconditioned PutEvents only to the forwarding rules, which EventBridge itself assumes', () => {
    const others = grants.filter((g) => g.holder.includes('events.amazonaws.com'));
    // Each active region forwards to the other; the witness to both.
    expect(others).toHaveLength(4);
    for (const { statement } of others) expect(JSON.stringify(statement.Resource)).toContain(':event-bus/');
  });

  it('fails at synth when a function that emits no event is granted PutEvents', () => {
    // Prepare
    const stack = new Stack(cdkApp({ bundle: false }), 'Grants', { env: { region: 'us-east-1' } });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const bus = new events.EventBus(stack, 'Bus');

    // Act + Assess
    expect(() => grantPutEvents({ serviceName: 'context-create', grantPrincipal: role }, bus)).toThrow(
      /context-create emits no events; add it to EVENT_EMITTERS/,
    );
  });
});
