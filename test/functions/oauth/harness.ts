import { randomBytes } from 'node:crypto';
import type { CredentialsSource } from '../../../functions/oauth/credentials.js';
import { type LeaseStore, memoryLeaseStore } from '../../../functions/oauth/lease.js';
import { type PlatformClient, platformClient } from '../../../functions/oauth/platform-client.js';
import {
  type OrgConfig,
  type RefresherDeps,
  type RefreshOutcome,
  refreshOrgs,
} from '../../../functions/oauth/refresher.js';
import { platformHosts } from '../../../functions/oauth/regions.js';
import { cipherKeysParser, secretTokenCipher } from '../../../functions/oauth/token-cipher.js';
import { storedTokenSource } from '../../../functions/oauth/token-source.js';
import { memoryTokenStore, type TokenStore } from '../../../functions/oauth/token-store.js';
import { observability } from '../../../functions/shared/logger.js';
import { memoryPublisher } from '../../../functions/shared/publisher.js';
import { type LocalPlatform, startLocalPlatform } from '../../../local/platform/server.js';

/**
 * The oauth area on loopback: the local platform (two orgs, one per platform region), one token-key
 * list both regions read (the replicated secret), a test clock, and capture of everything that could leak a
 * secret: stdout/stderr (the real Powertools logger with its redacting replacer), published events,
 * metric counts, every response and thrown error of a harness client and every outcome of `refresh`.
 * `leaks()` lists every captured line holding a token, a client secret or a Basic/Bearer credential.
 */

export const A = 'us-east-1';
export const B = 'us-west-2';

export const EAST: OrgConfig = {
  name: 'east',
  ...hosts('mypurecloud.com'),
  clientSecretName: 'platform/east',
};
export const WEST: OrgConfig = {
  name: 'west',
  ...hosts('usw2.pure.cloud'),
  clientSecretName: 'platform/west',
};

function hosts(regionHost: string) {
  const { loginHost, apiHost } = platformHosts(regionHost);
  return { loginHost, apiHost };
}

interface Secret {
  clientId: string;
  clientSecret: string;
  versionId: string;
}

/** Captures process stdout and stderr (Powertools writes there) until `restore()`. */
export function captureOutput(): { readonly lines: string[]; restore(): void } {
  const lines: string[] = [];
  const out = process.stdout.write;
  const err = process.stderr.write;
  // Swallow the line but honour the write callback: runners wait on it to flush.
  const tap = (chunk: unknown, ...rest: unknown[]) => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (callback) queueMicrotask(callback);
    return true;
  };
  process.stdout.write = tap as typeof process.stdout.write;
  process.stderr.write = tap as typeof process.stderr.write;
  return {
    lines,
    restore: () => {
      process.stdout.write = out;
      process.stderr.write = err;
    },
  };
}

export interface Harness {
  readonly platform: LocalPlatform;
  readonly clock: { t: number };
  readonly secrets: Record<string, Secret>;
  readonly credentials: CredentialsSource;
  readonly publisher: ReturnType<typeof memoryPublisher>;
  readonly metricCounts: { name: string; org: string }[];
  readonly output: { readonly lines: string[] };
  deps(region: string, holderId: string, parts?: Partial<RefresherDeps>): RefresherDeps;
  /** A platformClient whose every response and thrown error is kept for `leaks()`. */
  client(org: OrgConfig, region: string, parts?: Partial<RefresherDeps>): PlatformClient;
  /** `refreshOrgs`, its outcomes kept for `leaks()`. */
  refresh(deps: RefresherDeps, nowMs: number): Promise<RefreshOutcome[]>;
  /** Captured lines and events that contain a token, a client secret or a Basic/Bearer credential. */
  leaks(): string[];
  stop(): Promise<void>;
}

export async function startHarness(
  options: { store?: TokenStore; leases?: LeaseStore; lifetimeSeconds?: number } = {},
): Promise<Harness> {
  const clock = { t: Date.parse('2026-03-01T10:00:00.000Z') };
  const secrets: Record<string, Secret> = {};
  for (const org of [EAST, WEST]) {
    secrets[org.clientSecretName] = {
      clientId: `${org.name}-client`,
      clientSecret: randomBytes(18).toString('base64url'),
      versionId: 'v1',
    };
  }
  const secretOf = (org: OrgConfig) => secrets[org.clientSecretName] as Secret;
  const platform = await startLocalPlatform({
    now: () => clock.t,
    orgs: [EAST, WEST].map((o) => ({
      name: o.name,
      loginHost: o.loginHost,
      apiHost: o.apiHost,
      clientId: secretOf(o).clientId,
      clientSecret: secretOf(o).clientSecret,
      tokenLifetimeSeconds: options.lifetimeSeconds ?? 3600,
    })),
  });
  // Both regions read the same replicated key secret: a token one region encrypts, the other decrypts.
  const tokenKeys = cipherKeysParser(JSON.stringify({ keys: [randomBytes(48).toString('base64')] }));
  const cipher = secretTokenCipher(async () => tokenKeys);
  const output = captureOutput();
  const { logger } = observability('oauth-test');
  const store = options.store ?? memoryTokenStore();
  const leases = options.leases ?? memoryLeaseStore();
  const publisher = memoryPublisher();
  const metricCounts: { name: string; org: string }[] = [];
  /** Responses, thrown errors and refresh outcomes, as text, for `leaks()`. */
  const returned: string[] = [];
  const keep = (value: unknown) => {
    if (value instanceof Error) {
      returned.push(String(value), value.stack ?? '', JSON.stringify({ ...value }));
    } else if (typeof value === 'object' && value !== null && 'headers' in value) {
      const r = value as { status: number; headers: Headers; body: unknown };
      const headers: string[] = [];
      r.headers.forEach((v, k) => {
        headers.push(`${k}: ${v}`);
      });
      returned.push(JSON.stringify({ status: r.status, headers, body: r.body }));
    } else {
      returned.push(JSON.stringify(value));
    }
  };
  const credentials: CredentialsSource = {
    get: async (name) => {
      const s = secrets[name];
      if (!s) throw new Error(`no secret ${name}`);
      return { ...s };
    },
  };

  const deps = (region: string, holderId: string, parts: Partial<RefresherDeps> = {}): RefresherDeps => ({
    orgs: [EAST, WEST],
    store,
    leases,
    cipher,
    credentials,
    http: platform.http(15_000),
    publisher,
    metrics: { count: (name, org) => metricCounts.push({ name, org }) },
    logger,
    region,
    eventBusName: 'continuity-test',
    holderId,
    settings: { refreshAheadSeconds: 600, jitterSeconds: 0, leaseTtlMs: 30_000, backoffBaseMs: 1000 },
    random: () => 0,
    ...parts,
  });

  /** A test sleep: advances the clock and yields to I/O (a bare resolved promise would starve it). */
  const tick = async (ms: number) => {
    clock.t += ms;
    await new Promise((resolve) => setImmediate(resolve));
  };

  return {
    platform,
    clock,
    secrets,
    credentials,
    publisher,
    metricCounts,
    output,
    deps,
    client: (org, region, parts = {}) => {
      const d = deps(region, `client-${region}-${randomBytes(4).toString('hex')}`, parts);
      const client = platformClient(org, {
        tokens: storedTokenSource(org, d, { sleep: tick, now: () => clock.t }),
        http: d.http,
        publisher,
        region,
        eventBusName: d.eventBusName,
        logger,
        now: () => clock.t,
        sleep: tick,
        random: () => 0.5,
      });
      return {
        org: client.org,
        request: (...args) =>
          client.request(...args).then(
            (response) => {
              keep(response);
              return response;
            },
            (error: unknown) => {
              keep(error);
              throw error;
            },
          ),
      };
    },
    refresh: async (d, nowMs) => {
      const outcomes = await refreshOrgs(d, nowMs);
      keep(outcomes);
      return outcomes;
    },
    leaks: () => {
      const secretValues = Object.values(secrets).map((s) => s.clientSecret);
      const needles = [...platform.issuedTokens(), ...secretValues];
      const haystack = [
        ...output.lines,
        ...publisher.published.map((e) => JSON.stringify(e)),
        ...metricCounts.map((m) => JSON.stringify(m)),
        ...returned,
      ];
      return haystack.filter(
        (line) => needles.some((n) => line.includes(n)) || /\b(Basic|Bearer) [A-Za-z0-9+/=_-]{8,}/.test(line),
      );
    },
    stop: async () => {
      output.restore();
      await platform.close();
    },
  };
}
