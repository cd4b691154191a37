import { isIPv4 } from 'node:net';
import { Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { ContinuityConfig } from '../../config/schema.js';
import {
  alarmNames,
  HEALTH_CHECK_TAGS,
  type HealthCheckRole,
  stackNames,
} from '../../functions/shared/names.js';

/** Route 53 is global; its CloudFormation resources are managed from us-east-1. */
export const DNS_STACK_REGION = 'us-east-1';

/** What the Dns stack needs from one active region's stack. */
export interface DnsRegion {
  readonly region: string;
  /** The health endpoint's function URL (`https://<id>.lambda-url.<region>.on.aws/`). */
  readonly healthUrl: string;
  /**
   * The region's `api.<zone>` custom domain (API Gateway regional endpoint name).
   * @default - no `api.<zone>` record for the region
   */
  readonly apiRegionalDomainName?: string;
}

export interface DnsStackProps extends StackProps {
  readonly config: ContinuityConfig;
  /** Both active regions. */
  readonly regions: readonly DnsRegion[];
}

/** The health checks behind one region's records. */
export interface RegionHealthChecks {
  readonly endpoint: route53.CfnHealthCheck;
  readonly sipAlarm: route53.CfnHealthCheck;
  /** Healthy only while both children are: every record of the region uses this one. */
  readonly calculated: route53.CfnHealthCheck;
}

/**
 * Steers callers (DESIGN.md section 4): for `sip.<zone>` and `api.<zone>`, one latency record per active
 * region, TTL `dns.recordTtlSeconds`, each behind a CALCULATED health check over (a) an HTTPS check of
 * the region's health endpoint (10 s, threshold 1) and (b) a CLOUDWATCH_METRIC check on the region's
 * SIP-health alarm (no data counts as unhealthy). The zone exists already (config.dns).
 *
 * The function URL and API domain are only known in the region stacks: they arrive through CDK's
 * cross-region references (SSM parameters written in the region, read here by a custom resource).
 *
 * @example
 * new DnsStack(app, 'Dns', { config, regions: [{ region, healthUrl: quorum.healthUrl.url }] });
 */
export class DnsStack extends Stack {
  public readonly healthChecks: ReadonlyMap<string, RegionHealthChecks>;

  constructor(scope: Construct, id: string, props: DnsStackProps) {
    const { config, regions, ...stackProps } = props;
    super(scope, id, {
      ...stackProps,
      stackName: props.stackName ?? stackNames(config.env).dns,
      env: props.env ?? { account: config.account, region: DNS_STACK_REGION },
      description: props.description ?? `cc-continuity ${config.env}: Route 53 health checks and records`,
      crossRegionReferences: props.crossRegionReferences ?? true,
    });
    const active = [...config.regions.active].sort();
    const given = regions.map((r) => r.region).sort();
    if (active.join() !== given.join()) {
      throw new Error(
        `DnsStack needs one entry per active region (${active.join(', ')}); got ${given.join(', ')}`,
      );
    }
    const { zoneName, hostedZoneId, recordTtlSeconds } = config.dns;
    const ttl = String(recordTtlSeconds);
    const checks = new Map<string, RegionHealthChecks>();

    for (const r of regions) {
      const healthChecks = this.healthChecksFor(config, r);
      checks.set(r.region, healthChecks);
      const latency = {
        hostedZoneId,
        setIdentifier: r.region,
        region: r.region,
        healthCheckId: healthChecks.calculated.attrHealthCheckId,
        ttl,
      };
      const sip = sipRecordValues(config, r.region);
      new route53.CfnRecordSet(this, `Sip-${r.region}`, {
        ...latency,
        name: `sip.${zoneName}.`,
        type: sip.type,
        resourceRecords: sip.values,
      });
      if (r.apiRegionalDomainName !== undefined) {
        // A CNAME, not an alias: an alias record cannot carry the 10 s TTL (it takes the target's).
        new route53.CfnRecordSet(this, `Api-${r.region}`, {
          ...latency,
          name: `api.${zoneName}.`,
          type: 'CNAME',
          resourceRecords: [r.apiRegionalDomainName],
        });
      }
    }
    this.healthChecks = checks;
  }

  private healthChecksFor(config: ContinuityConfig, r: DnsRegion): RegionHealthChecks {
    const endpoint = new route53.CfnHealthCheck(this, `Endpoint-${r.region}`, {
      healthCheckConfig: {
        type: 'HTTPS',
        // https://<host>/ -> <host>
        fullyQualifiedDomainName: Fn.select(2, Fn.split('/', r.healthUrl)),
        resourcePath: '/',
        port: 443,
        enableSni: true,
        requestInterval: 10,
        failureThreshold: 1,
      },
      healthCheckTags: checkTags(
        config.env,
        r.region,
        'endpoint',
        `${config.env} health endpoint ${r.region}`,
      ),
    });
    const sipAlarm = new route53.CfnHealthCheck(this, `SipAlarm-${r.region}`, {
      healthCheckConfig: {
        type: 'CLOUDWATCH_METRIC',
        // The standard-resolution alarm: Route 53 refuses alarms on high-resolution (10 s) metrics.
        alarmIdentifier: { name: alarmNames(config.env).sipHealthStandard(r.region), region: r.region },
        // A monitor that stopped publishing must not keep the region in DNS.
        insufficientDataHealthStatus: 'Unhealthy',
      },
      healthCheckTags: checkTags(config.env, r.region, 'sip-alarm', `${config.env} SIP alarm ${r.region}`),
    });
    const calculated = new route53.CfnHealthCheck(this, `Region-${r.region}`, {
      healthCheckConfig: {
        type: 'CALCULATED',
        childHealthChecks: [endpoint.attrHealthCheckId, sipAlarm.attrHealthCheckId],
        healthThreshold: 2,
      },
      healthCheckTags: checkTags(config.env, r.region, 'region', `${config.env} region ${r.region}`),
    });
    return { endpoint, sipAlarm, calculated };
  }
}

/**
 * The values of a region's `sip.<zone>` record: an A record with every proxy when all SIP targets are
 * IPv4 addresses; otherwise a CNAME (one value only) to the region's first target, which should then
 * be a name that already spans the region's proxies (an NLB or SBC cluster name).
 */
export function sipRecordValues(
  config: ContinuityConfig,
  region: string,
): { readonly type: 'A' | 'CNAME'; readonly values: string[] } {
  const all = Object.values(config.sipTargets).flat();
  const hosts = [...new Set((config.sipTargets[region] ?? []).map((t) => t.host))];
  if (hosts.length === 0)
    throw new Error(`no SIP targets for ${region}; config.sipTargets.${region} is empty`);
  // One record type for the whole name: latency records of one name must all share it.
  if (all.every((t) => isIPv4(t.host))) return { type: 'A', values: hosts };
  return { type: 'CNAME', values: [hosts[0] as string] };
}

/**
 * The Name tag (shown in the Route 53 console) and the tags `cc-continuity status` finds the check by.
 */
function checkTags(env: string, region: string, role: HealthCheckRole, name: string) {
  return [
    { key: 'Name', value: name },
    { key: HEALTH_CHECK_TAGS.env, value: env },
    { key: HEALTH_CHECK_TAGS.region, value: region },
    { key: HEALTH_CHECK_TAGS.check, value: role },
  ];
}
