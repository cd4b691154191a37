import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretsManagerCredentials } from '../../functions/oauth/credentials.js';
import type { PlatformHttp } from '../../functions/oauth/http.js';
import { dynamoLeaseStore, type LeaseStore } from '../../functions/oauth/lease.js';
import { configuredOrgs } from '../../functions/oauth/orgs.js';
import { type PlatformClient, platformClient } from '../../functions/oauth/platform-client.js';
import type { LogPort, OrgConfig, RefresherDeps } from '../../functions/oauth/refresher.js';
import { cipherKeysParser, secretTokenCipher, type TokenCipher } from '../../functions/oauth/token-cipher.js';
import { storedTokenSource } from '../../functions/oauth/token-source.js';
import { dynamoTokenStore, type TokenRecord, type TokenStore } from '../../functions/oauth/token-store.js';
import { eventBridgePublisher } from '../../functions/shared/clients/eventbridge.js';
import { busName, secretNames } from '../../functions/shared/names.js';
import { LOCAL_CREDENTIALS } from '../dynamo/launcher.js';
import type { Deployment } from './deployment.js';

/**
 * The oauth area as one more function of a region of the local deployment would use it, for the drill's
 * oauth scenario: the org's token item and lease in that region's view of ControlState, the token key
 * and client credentials of the local Secrets Manager, `PlatformTokenRejected` onto the local
 * EventBridge (so both regions' refreshers get it), and the platform stand-in through an HTTP port that
 * records each answer's status and time (never a header or a body). Plus the pure checks the scenario
 * makes on what it read back.
 */

export interface PlatformAnswer {
  readonly at: number;
  /** The platform host the request went to (`login.…` or `api.…`). */
  readonly host: string;
  readonly path: string;
  readonly status: number;
}

export interface OauthAccess {
  readonly region: string;
  readonly orgs: readonly OrgConfig[];
  readonly store: TokenStore;
  readonly leases: LeaseStore;
  readonly cipher: TokenCipher;
  /** Every platform answer the drill's own clients got, in order. */
  readonly answers: readonly PlatformAnswer[];
  /** The drill clients' log lines (message and fields), with the time they were written. */
  readonly notes: readonly { readonly at: number; readonly line: string }[];
  org(name: string): OrgConfig;
  /** A new platformClient for `org` (a cold start: nothing cached). */
  client(org: string): PlatformClient;
  close(): void;
}

/**
 * @example
 * const access = oauthAccess(deployment, 'us-west-2');
 * const answer = await access.client('west').request('POST', OBSERVATIONS_PATH, query);
 */
export function oauthAccess(d: Deployment, region: string): OauthAccess {
  const orgs = configuredOrgs(d.config.env, d.config.platform);
  const tableName = d.world.tables.controlState;
  const doc = d.world.region(region).doc;
  const store = dynamoTokenStore({ doc, tableName });
  const leases = dynamoLeaseStore({ doc, tableName });
  const keyName = secretNames(d.config.env).platformTokenKey;
  const cipher = secretTokenCipher(async () => cipherKeysParser(d.secrets.value(keyName)));
  const secretsClient = new SecretsManagerClient({
    region,
    endpoint: d.secrets.endpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  const eventsClient = new EventBridgeClient({
    region,
    endpoint: d.events.endpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  const answers: PlatformAnswer[] = [];
  const notes: { at: number; line: string }[] = [];
  const note = (message: string, fields?: unknown) =>
    notes.push({ at: Date.now(), line: `${message} ${JSON.stringify(fields ?? {})}` });
  const logger = { info: note, warn: note, error: note } as unknown as LogPort;
  const base = d.platform.http(5000);
  const http: PlatformHttp = {
    ...base,
    fetch: async (url, init) => {
      const response = await base.fetch(url, init);
      answers.push({ at: Date.now(), ...hostAndPath(url, d.platform.endpoint), status: response.status });
      return response;
    },
  };
  const publisher = eventBridgePublisher(eventsClient);
  const deps = (holderId: string): RefresherDeps => ({
    orgs,
    store,
    leases,
    cipher,
    credentials: secretsManagerCredentials(secretsClient),
    http,
    publisher,
    metrics: { count: () => undefined },
    logger,
    region,
    eventBusName: busName(d.config.env),
    holderId,
    settings: { refreshAheadSeconds: d.config.platform.refreshAheadSeconds },
  });
  const org = (name: string) => {
    const found = orgs.find((o) => o.name === name);
    if (found === undefined) throw new Error(`no platform org ${name} in the drill's config`);
    return found;
  };
  let clients = 0;
  return {
    region,
    orgs,
    store,
    leases,
    cipher,
    answers,
    notes,
    org,
    client(name) {
      clients += 1;
      const o = org(name);
      const d2 = deps(`drill-${region}-client-${clients}-${process.pid}`);
      return platformClient(o, {
        tokens: storedTokenSource(o, d2, {
          onRefresh: (outcome) => note('refresh attempt', { org: outcome.org, result: outcome.result }),
        }),
        http,
        publisher,
        region,
        eventBusName: d2.eventBusName,
        logger,
      });
    },
    close() {
      secretsClient.destroy();
      eventsClient.destroy();
    },
  };
}

/** `<endpoint>/<host>/<path>` of the stand-in back to the platform host and path. */
export function hostAndPath(url: string, endpoint: string): { host: string; path: string } {
  if (!url.startsWith(endpoint)) {
    const parsed = new URL(url);
    return { host: parsed.hostname, path: parsed.pathname };
  }
  const [, host = '', ...path] = url.slice(endpoint.length).split('?')[0]?.split('/') ?? [];
  return { host, path: `/${path.join('/')}` };
}

/** The `Scheduled Event` EventBridge sends a schedule rule's targets (what the local scheduler sends). */
export function scheduledEvent(region: string, nowMs: number, id: string): Record<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/drill-oauth-on-demand`],
    detail: {},
  };
}

/** A usable token of the org's own scope, valid for more than `minValidMs` at `nowMs`. */
export function holdsOwnToken(
  record: TokenRecord | null,
  org: Pick<OrgConfig, 'loginHost' | 'apiHost'>,
  nowMs: number,
  minValidMs: number,
): boolean {
  const t = record?.token;
  return (
    t !== undefined &&
    t !== null &&
    t.apiHost === org.apiHost &&
    t.loginHost === org.loginHost &&
    t.expiresAt > nowMs + minValidMs
  );
}

/**
 * The record with its token made due for refresh: it expires `expiresInMs` after `nowMs` and looks like
 * a token of `lifetimeMs` (issued that long before its expiry), so the refresher's refresh-ahead (capped
 * at half the lifetime) covers it. The next version, for a conditional write over `record`.
 */
export function dueForRefresh(
  record: TokenRecord,
  nowMs: number,
  expiresInMs: number,
  lifetimeMs = 86_400_000,
): TokenRecord {
  if (record.token === null) throw new Error(`${record.org} has no token to make due`);
  const expiresAt = nowMs + expiresInMs;
  return {
    ...record,
    version: record.version + 1,
    token: { ...record.token, expiresAt, issuedAt: expiresAt - lifetimeMs },
    updatedAt: nowMs,
    updatedBy: 'drill',
  };
}

/** One read of an org's token item during a token-endpoint outage. */
export interface RefreshSnapshot {
  readonly failures: number;
  readonly retryNotBefore: number | null;
  /** When the writing refresher run started (its `nowMs`): just before its token request. */
  readonly updatedAt: number;
  readonly version: number;
}

export interface BackoffReview {
  /** Failed token requests recorded, one per distinct failing write. */
  readonly failures: number;
  /** The shortest wait a failure recorded (retryNotBefore - updatedAt), ms; null without failures. */
  readonly shortestWaitMs: number | null;
  /** Writes that came from a run started before the back-off of the write before it had ended. */
  readonly early: number;
  /** Failing writes the reads missed (the failure counter jumped by more than one). */
  readonly missed: number;
}

/**
 * What successive reads of the token item say about the back-off: each failure's recorded wait, and
 * whether every later write (failure or success) came from a run that started after the wait before it.
 */
export function reviewBackoff(snapshots: readonly RefreshSnapshot[]): BackoffReview {
  const writes: RefreshSnapshot[] = [];
  for (const s of snapshots) {
    const last = writes.at(-1);
    if (last === undefined || s.version !== last.version) writes.push(s);
  }
  let failures = 0;
  let early = 0;
  let missed = 0;
  let shortest: number | null = null;
  for (const [i, w] of writes.entries()) {
    const previous = i > 0 ? writes[i - 1] : undefined;
    if (w.failures > 0 && w.retryNotBefore !== null) {
      failures += 1;
      const wait = w.retryNotBefore - w.updatedAt;
      shortest = shortest === null ? wait : Math.min(shortest, wait);
      if (previous !== undefined && w.failures > previous.failures + 1)
        missed += w.failures - previous.failures - 1;
    }
    if (previous?.retryNotBefore != null && w.updatedAt < previous.retryNotBefore) early += 1;
  }
  return { failures, shortestWaitMs: shortest, early, missed };
}

/** Lines holding any of `needles` (ignoring needles under 16 characters) or a Basic/Bearer credential. */
export function leakingLines(lines: readonly string[], needles: readonly string[]): string[] {
  const long = needles.filter((n) => n.length >= 16);
  return lines.filter(
    (line) => long.some((n) => line.includes(n)) || /\b(Basic|Bearer) [A-Za-z0-9+/=_-]{8,}/.test(line),
  );
}
