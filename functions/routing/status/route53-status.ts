import {
  GetHealthCheckStatusCommand,
  type HealthCheck,
  ListHealthChecksCommand,
  ListTagsForResourcesCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { HEALTH_CHECK_TAGS, type HealthCheckRole } from '../../shared/names.js';

/** What Route 53 says about one health check. */
export interface CheckReading {
  /** From the check's `continuity:check` tag; null for a child the Dns stack did not tag. */
  readonly role: HealthCheckRole | null;
  readonly healthCheckId: string;
  /** Route 53's verdict; null when it could not be read or derived (see `note`). */
  readonly healthy: boolean | null;
  /** Checkers reporting healthy; null for a calculated check, which has no checkers of its own. */
  readonly healthyCheckers: number | null;
  /** Checkers reporting at all. */
  readonly checkers: number | null;
  /** Why `healthy` is null, or how it was derived. */
  readonly note: string | null;
}

/** Route 53's view of one active region: the calculated check behind its records, and its children. */
export interface RegionDns {
  readonly region: string;
  /** The region's calculated check (`continuity:check` = region); null when unknown. */
  readonly healthy: boolean | null;
  /** The calculated check first, then its children. */
  readonly checks: readonly CheckReading[];
  /** Why `healthy` is null. */
  readonly unknown: string | null;
}

/** Reads the Dns stack's health checks (the one adapter over the Route 53 API). */
export interface DnsStatusReader {
  /** One entry per region. Never throws: what cannot be read is `healthy: null` with the reason. */
  read(env: string, regions: readonly string[]): Promise<Record<string, RegionDns>>;
}

export interface Route53StatusReaderOptions {
  /** A Route 53 client (`route53Client()`: the API lives in us-east-1). */
  readonly client: Pick<Route53Client, 'send'>;
  /** Deadline of the whole read. @default 10000 */
  readonly budgetMs?: number;
}

/** ListTagsForResources takes at most 10 ids per call (Route 53 API Reference, ListTagsForResources). */
const TAGS_PER_CALL = 10;
/**
 * An endpoint check is healthy while MORE than 18% of its checkers report it healthy ("How Amazon
 * Route 53 determines whether a health check is healthy", Route 53 Developer Guide,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
 * Each checker of a CLOUDWATCH_METRIC check reads the same alarm, so the same share is applied to it.
 */
const HEALTHY_SHARE = 0.18;

interface Tagged {
  readonly check: HealthCheck;
  readonly tags: ReadonlyMap<string, string>;
}

/**
 * Route 53 health-check status of each region's records. The Dns stack tags its checks
 * (`HEALTH_CHECK_TAGS`); this finds them with ListHealthChecks and ListTagsForResources, then asks
 * GetHealthCheckStatus for the children of each region's calculated check. GetHealthCheckStatus does not
 * answer for a calculated check ("You can't use GetHealthCheckStatus to get the status of a calculated
 * health check", Route 53 API Reference, GetHealthCheckStatus), so the region's verdict is derived the
 * way Route 53 computes it: healthy children counted against HealthThreshold.
 *
 * @example
 * const dns = route53StatusReader({ client: route53Client() });
 * const byRegion = await dns.read('prod', ['us-east-1', 'us-west-2']);
 */
export function route53StatusReader(options: Route53StatusReaderOptions): DnsStatusReader {
  const { client } = options;
  const budgetMs = options.budgetMs ?? 10_000;

  async function listChecks(signal: AbortSignal): Promise<HealthCheck[]> {
    const checks: HealthCheck[] = [];
    let marker: string | undefined;
    do {
      const out = await client.send(new ListHealthChecksCommand({ Marker: marker }), { abortSignal: signal });
      checks.push(...(out.HealthChecks ?? []));
      marker = out.IsTruncated ? out.NextMarker : undefined;
    } while (marker);
    return checks;
  }

  async function tagsOf(
    ids: readonly string[],
    signal: AbortSignal,
  ): Promise<Map<string, Map<string, string>>> {
    const tags = new Map<string, Map<string, string>>();
    for (let i = 0; i < ids.length; i += TAGS_PER_CALL) {
      const out = await client.send(
        new ListTagsForResourcesCommand({
          ResourceType: 'healthcheck',
          ResourceIds: ids.slice(i, i + TAGS_PER_CALL),
        }),
        { abortSignal: signal },
      );
      for (const set of out.ResourceTagSets ?? []) {
        if (set.ResourceId === undefined) continue;
        tags.set(set.ResourceId, new Map((set.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])));
      }
    }
    return tags;
  }

  async function readCheck(
    check: Tagged | undefined,
    id: string,
    signal: AbortSignal,
  ): Promise<CheckReading> {
    const role = (check?.tags.get(HEALTH_CHECK_TAGS.check) ?? null) as HealthCheckRole | null;
    const base = { role, healthCheckId: id };
    try {
      const out = await client.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }), {
        abortSignal: signal,
      });
      const observations = out.HealthCheckObservations ?? [];
      if (observations.length === 0) {
        return {
          ...base,
          healthy: null,
          healthyCheckers: 0,
          checkers: 0,
          note: 'no checker has reported yet',
        };
      }
      // StatusReport.Status is free text ("A description of the status of the health check endpoint",
      // Route 53 API Reference, StatusReport); checkers write it as "Success: HTTP Status Code 200, OK" or
      // "Failure: ...", so the prefix is the checker's verdict.
      const up = observations.filter((o) => o.StatusReport?.Status?.startsWith('Success') === true).length;
      const healthy = up / observations.length > HEALTHY_SHARE;
      return {
        ...base,
        healthy: check?.check.HealthCheckConfig?.Inverted ? !healthy : healthy,
        healthyCheckers: up,
        checkers: observations.length,
        note: null,
      };
    } catch (error) {
      return {
        ...base,
        healthy: null,
        healthyCheckers: null,
        checkers: null,
        note: describe(error, id, budgetMs),
      };
    }
  }

  async function readRegion(
    env: string,
    region: string,
    tagged: readonly Tagged[],
    signal: AbortSignal,
  ): Promise<RegionDns> {
    const mine = tagged.filter(
      (t) => t.tags.get(HEALTH_CHECK_TAGS.env) === env && t.tags.get(HEALTH_CHECK_TAGS.region) === region,
    );
    const calculated = mine.find((t) => t.tags.get(HEALTH_CHECK_TAGS.check) === 'region');
    const id = calculated?.check.Id;
    if (calculated === undefined || id === undefined) {
      return {
        region,
        healthy: null,
        checks: [],
        unknown: `no Route 53 health check tagged ${HEALTH_CHECK_TAGS.env}=${env}, ${HEALTH_CHECK_TAGS.region}=${region}, ${HEALTH_CHECK_TAGS.check}=region (is the Dns stack of this version deployed?)`,
      };
    }
    const config = calculated.check.HealthCheckConfig;
    const childIds = config?.ChildHealthChecks ?? [];
    const byId = new Map(tagged.map((t) => [t.check.Id, t]));
    const children = await Promise.all(childIds.map((c) => readCheck(byId.get(c), c, signal)));
    const threshold = config?.HealthThreshold ?? childIds.length;
    const up = children.filter((c) => c.healthy === true).length;
    const unread = children.filter((c) => c.healthy === null);
    let healthy: boolean | null;
    if (up >= threshold) healthy = true;
    else if (up + unread.length < threshold) healthy = false;
    else healthy = null;
    if (healthy !== null && config?.Inverted) healthy = !healthy;
    const verdict = `${up} of ${childIds.length} child checks healthy, ${threshold} needed`;
    const unknown =
      healthy === null
        ? `${verdict}; ${unread.map((c) => `${c.role ?? c.healthCheckId}: ${c.note}`).join('; ')}`
        : null;
    const region_: CheckReading = {
      role: 'region',
      healthCheckId: id,
      healthy,
      healthyCheckers: null,
      checkers: null,
      note: verdict,
    };
    return { region, healthy, checks: [region_, ...children], unknown };
  }

  return {
    async read(env, regions) {
      const signal = AbortSignal.timeout(budgetMs);
      let tagged: Tagged[];
      try {
        const checks = await listChecks(signal);
        const ids = checks.map((c) => c.Id).filter((id): id is string => id !== undefined);
        const tags = await tagsOf(ids, signal);
        tagged = checks.map((check) => ({ check, tags: tags.get(check.Id ?? '') ?? new Map() }));
      } catch (error) {
        const why = `Route 53 health checks could not be listed: ${describe(error, undefined, budgetMs)}`;
        return Object.fromEntries(
          regions.map((r) => [r, { region: r, healthy: null, checks: [], unknown: why }]),
        );
      }
      const read = await Promise.all(regions.map((r) => readRegion(env, r, tagged, signal)));
      return Object.fromEntries(read.map((r) => [r.region, r]));
    },
  };
}

/** An operator's phrase for a failed Route 53 call. */
function describe(error: unknown, id: string | undefined, budgetMs: number): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { Code?: unknown }).Code;
  const name = typeof code === 'string' ? code : error.name;
  if (name === 'ThrottlingException' || name === 'Throttling')
    return `throttled by Route 53 (${error.message || 'Rate exceeded'})`;
  if (name === 'NoSuchHealthCheck') return `Route 53 has no health check ${id ?? ''}`.trimEnd();
  if (name === 'TimeoutError' || name === 'AbortError')
    return `no answer from Route 53 within ${budgetMs} ms`;
  return `${name}: ${error.message}`;
}
