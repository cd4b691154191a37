import {
  GetHealthCheckStatusCommand,
  type HealthCheck,
  ListHealthChecksCommand,
  ListTagsForResourcesCommand,
  NoSuchHealthCheck,
  Route53Client,
  ThrottlingException,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { route53StatusReader } from '../../../../functions/routing/status/route53-status.js';
import { HEALTH_CHECK_TAGS } from '../../../../functions/shared/names.js';

const A = 'us-east-1';
const B = 'us-west-2';
const route53 = mockClient(Route53Client);
const reader = () =>
  route53StatusReader({ client: new Route53Client({ region: 'us-east-1', maxAttempts: 1 }) });

/** The Dns stack's three checks of `region`: ids `<region>-endpoint`, `-sip-alarm`, `-region` (prod). */
function stackChecks(
  region: string,
  env = 'prod',
): { checks: HealthCheck[]; tags: Record<string, string>[] } {
  const id = (role: string) => (env === 'prod' ? `${region}-${role}` : `${env}-${region}-${role}`);
  const checks: HealthCheck[] = [
    { Id: id('endpoint'), CallerReference: 'x', HealthCheckVersion: 1, HealthCheckConfig: { Type: 'HTTPS' } },
    {
      Id: id('sip-alarm'),
      CallerReference: 'x',
      HealthCheckVersion: 1,
      HealthCheckConfig: { Type: 'CLOUDWATCH_METRIC' },
    },
    {
      Id: id('region'),
      CallerReference: 'x',
      HealthCheckVersion: 1,
      HealthCheckConfig: {
        Type: 'CALCULATED',
        ChildHealthChecks: [id('endpoint'), id('sip-alarm')],
        HealthThreshold: 2,
      },
    },
  ];
  const tags = ['endpoint', 'sip-alarm', 'region'].map((role) => ({
    id: id(role),
    [HEALTH_CHECK_TAGS.env]: env,
    [HEALTH_CHECK_TAGS.region]: region,
    [HEALTH_CHECK_TAGS.check]: role,
  }));
  return { checks, tags };
}

function givenChecks(all: { checks: HealthCheck[]; tags: Record<string, string>[] }[]): void {
  route53.on(ListHealthChecksCommand).resolves({
    HealthChecks: all.flatMap((a) => a.checks),
    IsTruncated: false,
    Marker: '',
    MaxItems: 100,
  });
  const tags = new Map(all.flatMap((a) => a.tags).map(({ id, ...t }) => [id, t]));
  route53.on(ListTagsForResourcesCommand).callsFake((input: { ResourceIds: string[] }) => ({
    ResourceTagSets: input.ResourceIds.map((ResourceId) => ({
      ResourceId,
      ResourceType: 'healthcheck',
      Tags: Object.entries(tags.get(ResourceId) ?? {}).map(([Key, Value]) => ({ Key, Value })),
    })),
  }));
}

function observations(healthy: number, total: number) {
  return {
    HealthCheckObservations: Array.from({ length: total }, (_, i) => ({
      Region: 'us-east-1' as const,
      IPAddress: `15.177.0.${i}`,
      StatusReport: {
        Status:
          i < healthy
            ? 'Success: HTTP Status Code 200, OK'
            : 'Failure: HTTP Status Code 503, Service Unavailable',
        CheckedTime: new Date(),
      },
    })),
  };
}

describe('route53StatusReader', () => {
  beforeEach(() => {
    route53.reset();
  });

  it('finds each region’s checks by their tags and counts the checkers that see them healthy', async () => {
    // Prepare
    givenChecks([stackChecks(A), stackChecks(B), stackChecks(A, 'dev')]);
    route53.on(GetHealthCheckStatusCommand).resolves(observations(16, 16));
    route53.on(GetHealthCheckStatusCommand, { HealthCheckId: `${B}-endpoint` }).resolves(observations(2, 16));
    // Act
    const dns = await reader().read('prod', [A, B]);
    // Assess
    expect(dns[A]?.healthy).toBe(true);
    expect(dns[A]?.checks.map((c) => [c.role, c.healthyCheckers, c.checkers])).toEqual([
      ['region', null, null],
      ['endpoint', 16, 16],
      ['sip-alarm', 16, 16],
    ]);
    // 2 of 16 is 12.5%, not more than 18%: Route 53 calls the endpoint unhealthy, so the region too.
    expect(dns[B]?.checks[1]).toMatchObject({ role: 'endpoint', healthy: false, healthyCheckers: 2 });
    expect(dns[B]?.healthy).toBe(false);
    expect(dns[B]?.checks[0]?.note).toBe('1 of 2 child checks healthy, 2 needed');
    // Calculated checks are never asked: GetHealthCheckStatus does not answer for them.
    const asked = route53.commandCalls(GetHealthCheckStatusCommand).map((c) => c.args[0].input.HealthCheckId);
    expect(asked.sort()).toEqual([`${A}-endpoint`, `${A}-sip-alarm`, `${B}-endpoint`, `${B}-sip-alarm`]);
  });

  it.each([
    [3, 16, true],
    [2, 16, false],
    [0, 8, false],
    [2, 8, true],
  ])(
    'with %i of %i checkers healthy calls the endpoint healthy: %s (more than 18 percent)',
    async (up, total, healthy) => {
      givenChecks([stackChecks(A)]);
      route53.on(GetHealthCheckStatusCommand).resolves(observations(total, total));
      route53
        .on(GetHealthCheckStatusCommand, { HealthCheckId: `${A}-endpoint` })
        .resolves(observations(up, total));
      const dns = await reader().read('prod', [A]);
      expect(dns[A]?.checks[1]?.healthy).toBe(healthy);
    },
  );

  it('asks for tags at most 10 ids at a time and follows ListHealthChecks pages', async () => {
    // Prepare: 12 unrelated checks on the first page, the stack's on the second
    const other: HealthCheck[] = Array.from({ length: 12 }, (_, i) => ({
      Id: `other-${i}`,
      CallerReference: 'x',
      HealthCheckVersion: 1,
      HealthCheckConfig: { Type: 'TCP' },
    }));
    givenChecks([stackChecks(A)]);
    route53
      .on(ListHealthChecksCommand)
      .resolvesOnce({
        HealthChecks: other,
        IsTruncated: true,
        NextMarker: 'page-2',
        Marker: '',
        MaxItems: 12,
      })
      .resolvesOnce({
        HealthChecks: stackChecks(A).checks,
        IsTruncated: false,
        Marker: 'page-2',
        MaxItems: 12,
      });
    route53.on(GetHealthCheckStatusCommand).resolves(observations(8, 8));
    // Act
    const dns = await reader().read('prod', [A]);
    // Assess
    expect(dns[A]?.healthy).toBe(true);
    expect(route53.commandCalls(ListHealthChecksCommand)[1]?.args[0].input.Marker).toBe('page-2');
    const sizes = route53
      .commandCalls(ListTagsForResourcesCommand)
      .map((c) => c.args[0].input.ResourceIds?.length);
    expect(sizes).toEqual([10, 5]);
  });

  it('reports a throttled status read as unknown with the reason, keeping the verdict it can still derive', async () => {
    // Prepare
    givenChecks([stackChecks(A), stackChecks(B)]);
    route53.on(GetHealthCheckStatusCommand).resolves(observations(16, 16));
    route53
      .on(GetHealthCheckStatusCommand, { HealthCheckId: `${B}-sip-alarm` })
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    route53.on(GetHealthCheckStatusCommand, { HealthCheckId: `${A}-endpoint` }).resolves(observations(0, 16));
    route53
      .on(GetHealthCheckStatusCommand, { HealthCheckId: `${A}-sip-alarm` })
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    // Act
    const dns = await reader().read('prod', [A, B]);
    // Assess: B needs both children and one is unread; A is unhealthy whatever the unread child says
    expect(dns[B]?.healthy).toBeNull();
    expect(dns[B]?.unknown).toContain('sip-alarm: throttled by Route 53 (Rate exceeded)');
    expect(dns[B]?.checks[2]).toMatchObject({ role: 'sip-alarm', healthy: null });
    expect(dns[A]?.healthy).toBe(false);
    expect(dns[A]?.unknown).toBeNull();
  });

  it('reports a health check Route 53 does not have as unknown', async () => {
    givenChecks([stackChecks(A)]);
    route53.on(GetHealthCheckStatusCommand).resolves(observations(16, 16));
    route53
      .on(GetHealthCheckStatusCommand, { HealthCheckId: `${A}-endpoint` })
      .rejects(new NoSuchHealthCheck({ message: 'No health check exists', $metadata: {} }));
    const dns = await reader().read('prod', [A]);
    expect(dns[A]?.healthy).toBeNull();
    expect(dns[A]?.unknown).toContain(`endpoint: Route 53 has no health check ${A}-endpoint`);
  });

  it('reports a region with no tagged checks as unknown, naming the tags it looked for', async () => {
    givenChecks([stackChecks(A)]);
    route53.on(GetHealthCheckStatusCommand).resolves(observations(16, 16));
    const dns = await reader().read('prod', [A, B]);
    expect(dns[A]?.healthy).toBe(true);
    expect(dns[B]).toMatchObject({ healthy: null, checks: [] });
    expect(dns[B]?.unknown).toContain(`${HEALTH_CHECK_TAGS.region}=${B}`);
  });

  it('reports a check no checker has reported on yet as unknown', async () => {
    givenChecks([stackChecks(A)]);
    route53.on(GetHealthCheckStatusCommand).resolves({ HealthCheckObservations: [] });
    const dns = await reader().read('prod', [A]);
    expect(dns[A]?.healthy).toBeNull();
    expect(dns[A]?.unknown).toContain('no checker has reported yet');
  });

  it('fails soft when the checks cannot be listed: every region unknown, with the reason', async () => {
    route53
      .on(ListHealthChecksCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    const dns = await reader().read('prod', [A, B]);
    for (const r of [A, B]) {
      expect(dns[r]).toMatchObject({ healthy: null, checks: [] });
      expect(dns[r]?.unknown).toBe(
        'Route 53 health checks could not be listed: throttled by Route 53 (Rate exceeded)',
      );
    }
  });
});
