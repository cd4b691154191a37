import { isIPv4 } from 'node:net';

/**
 * The Route 53 resources of the synthesized Dns stack, as plain data for the local health checks and DNS
 * server. A health check's id is its logical id: records and calculated checks name it through
 * `Fn::GetAtt [<logicalId>, HealthCheckId]`.
 */

/** An HTTP(S) check of an endpoint (`AWS::Route53::HealthCheck` of type HTTP or HTTPS). */
export interface EndpointCheckSpec {
  readonly kind: 'endpoint';
  readonly logicalId: string;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly fqdn: string;
  readonly port: number;
  readonly resourcePath: string;
  readonly requestIntervalSeconds: number;
  readonly failureThreshold: number;
  /** Send `fqdn` as TLS SNI. */
  readonly enableSni: boolean;
}

/** A check that follows a CloudWatch alarm (`CLOUDWATCH_METRIC`). */
export interface MetricCheckSpec {
  readonly kind: 'metric';
  readonly logicalId: string;
  readonly alarmName: string;
  readonly alarmRegion: string;
  readonly insufficientDataHealthStatus: 'Healthy' | 'Unhealthy' | 'LastKnownStatus';
}

/** A check over other checks (`CALCULATED`). */
export interface CalculatedCheckSpec {
  readonly kind: 'calculated';
  readonly logicalId: string;
  /** Logical ids of the child checks. */
  readonly children: readonly string[];
  readonly healthThreshold: number;
}

export type HealthCheckSpec = EndpointCheckSpec | MetricCheckSpec | CalculatedCheckSpec;

/** One latency record (`AWS::Route53::RecordSet` with `Region` and `SetIdentifier`). */
export interface LatencyRecord {
  readonly logicalId: string;
  /** Lower case, without the trailing dot: `sip.dev.cc.example.com`. */
  readonly name: string;
  readonly type: 'A' | 'CNAME';
  readonly ttl: number;
  readonly setIdentifier: string;
  readonly region: string;
  /** Logical id of the record's health check. */
  readonly healthCheck: string;
  /** IPv4 addresses (A) or the one target name (CNAME), without a trailing dot. */
  readonly values: readonly string[];
}

export interface Route53Definitions {
  readonly healthChecks: readonly HealthCheckSpec[];
  readonly records: readonly LatencyRecord[];
}

/** Resolves `Fn::GetStackOutput` (a CDK cross-region reference) to the output's deployed value. */
export type ResolveOutput = (stackName: string, outputName: string, region: string) => string;

type CfnResource = { readonly Type?: string; readonly Properties?: Record<string, unknown> };
type CfnTemplate = { readonly Resources?: Record<string, CfnResource> };

const HEALTH_CHECK = 'AWS::Route53::HealthCheck';
const RECORD_SET = 'AWS::Route53::RecordSet';

/**
 * Reads every health check and record set of the Dns stack's template. Intrinsics resolved: plain
 * strings, `Fn::GetStackOutput` (through `resolveOutput`), `Fn::Select`, `Fn::Split`, `Fn::Join` and
 * `Fn::GetAtt [<health check>, HealthCheckId]`. Throws, naming the logical id, on anything else, on a
 * record without a health check and on what the local stand-ins do not emulate (TCP or string-matching
 * checks, alias or non-latency records).
 *
 * @example
 * const { healthChecks, records } = route53FromTemplate(dnsTemplate, (stack, output) => outputs[stack][output]);
 */
export function route53FromTemplate(template: CfnTemplate, resolveOutput: ResolveOutput): Route53Definitions {
  const resources = template.Resources ?? {};
  const healthChecks: HealthCheckSpec[] = [];
  const records: LatencyRecord[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    const where = `${resource.Type} ${logicalId}`;
    const fail = (what: string): never => {
      throw new Error(`Route 53 template: ${where}: ${what}`);
    };
    const props = resource.Properties ?? {};
    const value = (v: unknown) => resolve(v, resources, resolveOutput, fail);
    const text = (v: unknown, name: string) => {
      const resolved = value(v);
      return typeof resolved === 'string' ? resolved : fail(`${name} resolves to a list, not a string`);
    };
    if (resource.Type === HEALTH_CHECK) healthChecks.push(healthCheck(logicalId, props, text, fail));
    if (resource.Type === RECORD_SET) records.push(recordSet(logicalId, props, text, fail));
  }
  return { healthChecks, records };
}

type Text = (v: unknown, name: string) => string;
type Fail = (what: string) => never;

function healthCheck(
  logicalId: string,
  props: Record<string, unknown>,
  text: Text,
  fail: Fail,
): HealthCheckSpec {
  const c = (props.HealthCheckConfig ?? {}) as Record<string, unknown>;
  const num = (key: string, fallback: number) => {
    const n = Number(c[key] ?? fallback);
    return Number.isInteger(n) && n >= 0 ? n : fail(`${key} must be a whole number`);
  };
  if (c.Inverted === true || c.Disabled === true) fail('inverted and disabled checks are not emulated');
  switch (c.Type) {
    case 'HTTP':
    case 'HTTPS':
      if (c.FullyQualifiedDomainName === undefined)
        fail('needs FullyQualifiedDomainName (IPAddress is not emulated)');
      return {
        kind: 'endpoint',
        logicalId,
        protocol: c.Type,
        fqdn: text(c.FullyQualifiedDomainName, 'FullyQualifiedDomainName'),
        port: num('Port', c.Type === 'HTTPS' ? 443 : 80),
        resourcePath: c.ResourcePath === undefined ? '/' : text(c.ResourcePath, 'ResourcePath'),
        requestIntervalSeconds: num('RequestInterval', 30),
        failureThreshold: num('FailureThreshold', 3),
        enableSni: c.EnableSNI !== false,
      };
    case 'CLOUDWATCH_METRIC': {
      const alarm = (c.AlarmIdentifier ?? {}) as Record<string, unknown>;
      const status = c.InsufficientDataHealthStatus ?? 'LastKnownStatus';
      if (status !== 'Healthy' && status !== 'Unhealthy' && status !== 'LastKnownStatus')
        fail(`InsufficientDataHealthStatus ${String(status)} is not Healthy, Unhealthy or LastKnownStatus`);
      return {
        kind: 'metric',
        logicalId,
        alarmName: text(alarm.Name, 'AlarmIdentifier.Name'),
        alarmRegion: text(alarm.Region, 'AlarmIdentifier.Region'),
        insufficientDataHealthStatus: status as MetricCheckSpec['insufficientDataHealthStatus'],
      };
    }
    case 'CALCULATED':
      if (!Array.isArray(c.ChildHealthChecks)) fail('a CALCULATED check needs ChildHealthChecks');
      if (c.HealthThreshold === undefined) fail('a CALCULATED check needs HealthThreshold');
      return {
        kind: 'calculated',
        logicalId,
        children: (c.ChildHealthChecks as unknown[]).map((child) => text(child, 'ChildHealthChecks')),
        healthThreshold: num('HealthThreshold', 0),
      };
    default:
      return fail(`type ${String(c.Type)} is not emulated (HTTP, HTTPS, CLOUDWATCH_METRIC, CALCULATED)`);
  }
}

function recordSet(logicalId: string, props: Record<string, unknown>, text: Text, fail: Fail): LatencyRecord {
  if (props.AliasTarget !== undefined) fail('alias records are not emulated');
  if (props.HealthCheckId === undefined) fail('the record has no health check');
  if (props.Region === undefined || props.SetIdentifier === undefined)
    fail('only latency records (Region and SetIdentifier) are emulated');
  const type = props.Type;
  if (type !== 'A' && type !== 'CNAME') fail(`record type ${String(type)} is not emulated (A, CNAME)`);
  const ttl = Number(props.TTL);
  if (!Number.isInteger(ttl) || ttl < 0) fail(`TTL ${String(props.TTL)} is not a whole number of seconds`);
  const values = ((props.ResourceRecords ?? []) as unknown[]).map((v) =>
    text(v, 'ResourceRecords').replace(/\.$/, ''),
  );
  if (type === 'CNAME' && values.length !== 1) fail(`a CNAME has exactly one value; got ${values.length}`);
  const bad = values.find((v) => type === 'A' && !isIPv4(v));
  if (bad !== undefined) fail(`A record value ${bad} is not an IPv4 address`);
  return {
    logicalId,
    name: text(props.Name, 'Name').toLowerCase().replace(/\.$/, ''),
    type: type as LatencyRecord['type'],
    ttl,
    setIdentifier: text(props.SetIdentifier, 'SetIdentifier'),
    region: text(props.Region, 'Region'),
    healthCheck: text(props.HealthCheckId, 'HealthCheckId'),
    values,
  };
}

function resolve(
  value: unknown,
  resources: Record<string, CfnResource>,
  resolveOutput: ResolveOutput,
  fail: Fail,
): string | string[] {
  const again = (v: unknown) => resolve(v, resources, resolveOutput, fail);
  const list = (v: unknown) => {
    const resolved = Array.isArray(v) ? v.flatMap(again) : again(v);
    return Array.isArray(resolved) ? resolved : [resolved];
  };
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const entries = typeof value === 'object' && value !== null ? Object.entries(value) : [];
  const [fn, arg] = entries.length === 1 ? (entries[0] as [string, unknown]) : ['', undefined];
  const args = Array.isArray(arg) ? arg : [];
  switch (fn) {
    case 'Fn::GetStackOutput': {
      const { StackName, OutputName, Region } = (arg ?? {}) as Record<string, unknown>;
      const [stack, output, region] = [StackName, OutputName, Region].map(again);
      if (typeof stack !== 'string' || typeof output !== 'string' || typeof region !== 'string')
        return fail('Fn::GetStackOutput needs StackName, OutputName and Region');
      return resolveOutput(stack, output, region);
    }
    case 'Fn::Select': {
      const picked = list(args[1])[Number(again(args[0]))];
      return picked ?? fail(`Fn::Select index ${String(args[0])} is out of range`);
    }
    case 'Fn::Split':
      return String(again(args[0])).length > 0
        ? String(again(args[1])).split(String(again(args[0])))
        : fail('Fn::Split needs a delimiter');
    case 'Fn::Join':
      return list(args[1]).join(String(again(args[0])));
    case 'Fn::GetAtt': {
      const [target, attribute] = args;
      if (
        attribute !== 'HealthCheckId' ||
        typeof target !== 'string' ||
        resources[target]?.Type !== HEALTH_CHECK
      )
        return fail(`Fn::GetAtt ${JSON.stringify(args)} is not the HealthCheckId of a health check`);
      return target;
    }
    default:
      return fail(`unsupported value ${JSON.stringify(value)}`);
  }
}
