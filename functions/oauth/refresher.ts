import { isConditionFailed, isWriteConflict } from '../shared/control-write.js';
import { buildEvent } from '../shared/events.js';
import { stableEventId } from '../shared/identifiers.js';
import { backoffMs } from './http.js';
import {
  METRIC,
  type OrgConfig,
  type RefresherDeps,
  type RefreshOutcome,
  type Rejections,
  refreshLeaseName,
} from './refresher-types.js';
import { type OrgHosts, requestToken } from './token-endpoint.js';
import type { TokenRecord } from './token-store.js';

/**
 * Keeps one valid platform token per org in ControlState (DESIGN.md section 6). For each org: read the
 * stored token; when there is none, it is of the wrong scope, was rejected, or is within
 * `refreshAheadSeconds` (minus jitter) of expiry, take the org's lease and obtain a new one by client
 * credentials. Only the lease holder asks the platform, so both regions together make one request per
 * refresh; what must survive a region (a rejected credentials version, a back-off) is in the item.
 */

export * from './refresher-types.js';

/** Runs {@link refreshOrg} for every org; one org's failure does not stop the others. */
export async function refreshOrgs(
  deps: RefresherDeps,
  nowMs: number,
  rejected: Rejections = new Map(),
): Promise<RefreshOutcome[]> {
  return Promise.all(deps.orgs.map((org) => refreshOrg(deps, org, nowMs, rejected.get(org.name))));
}

/**
 * Why the stored token needs replacing at `nowMs`, or null. Refresh-ahead is capped at half the token's
 * lifetime so a short-lived token (5 min) under a long refresh-ahead is not refreshed on every run.
 */
export function dueReason(
  record: TokenRecord | null,
  org: OrgHosts,
  nowMs: number,
  refreshAheadMs: number,
  rejectedBefore?: number,
): string | null {
  const token = record?.token;
  if (!token) return 'missing';
  if (token.apiHost !== org.apiHost || token.loginHost !== org.loginHost) return 'wrong-scope';
  if (rejectedBefore !== undefined && token.issuedAt <= rejectedBefore) return 'rejected';
  const ahead = Math.min(refreshAheadMs, (token.expiresAt - token.issuedAt) / 2);
  return nowMs >= token.expiresAt - ahead ? 'expiring' : null;
}

export async function refreshOrg(
  deps: RefresherDeps,
  org: OrgConfig,
  nowMs: number,
  rejectedBefore?: number,
): Promise<RefreshOutcome> {
  try {
    return await refreshOrgUnsafe(deps, org, nowMs, rejectedBefore);
  } catch (error) {
    deps.metrics.count(METRIC.error, org.name);
    deps.logger.error('platform token refresh failed', { org: org.name, error: describe(error) });
    return { org: org.name, result: 'error', detail: describe(error) };
  }
}

async function refreshOrgUnsafe(
  deps: RefresherDeps,
  org: OrgConfig,
  nowMs: number,
  rejectedBefore?: number,
): Promise<RefreshOutcome> {
  const random = deps.random ?? Math.random;
  const aheadMs =
    deps.settings.refreshAheadSeconds * 1000 +
    Math.floor(random() * (deps.settings.jitterSeconds ?? 60) * 1000);
  const first = await deps.store.read(org.name);
  const due = dueReason(first, org, nowMs, aheadMs, rejectedBefore);
  if (due === null) return { org: org.name, result: 'fresh' };
  if (first?.retryNotBefore && first.retryNotBefore > nowMs) {
    return { org: org.name, result: 'backing-off', due, detail: `until ${first.retryNotBefore}` };
  }

  const leaseName = refreshLeaseName(org.name);
  const lease = await deps.leases.tryAcquire(
    leaseName,
    deps.holderId,
    nowMs,
    deps.settings.leaseTtlMs ?? 30_000,
  );
  if (lease === null) return { org: org.name, result: 'lease-held', due };
  try {
    // Another region may have refreshed between our read and our lease: decide again on a fresh read.
    const record = await deps.store.read(org.name);
    const stillDue = dueReason(record, org, nowMs, aheadMs, rejectedBefore);
    if (stillDue === null) return { org: org.name, result: 'fresh' };
    if (record?.retryNotBefore && record.retryNotBefore > nowMs) {
      return { org: org.name, result: 'backing-off', due: stillDue };
    }
    const credentials = await deps.credentials.get(org.clientSecretName);
    if (record?.rejectedCredentialsVersion === credentials.versionId) {
      deps.metrics.count(METRIC.credentialsRejected, org.name);
      deps.logger.error('platform client credentials were rejected; waiting for a new secret version', {
        org: org.name,
        secret: org.clientSecretName,
        credentialsVersion: credentials.versionId,
      });
      return { org: org.name, result: 'credentials-rejected', due: stillDue };
    }
    const result = await requestToken(deps.http, org, credentials, nowMs);
    const base = {
      org: org.name,
      version: (record?.version ?? 0) + 1,
      updatedAt: nowMs,
      updatedBy: deps.region,
    };
    if (result.ok) {
      const context = { org: org.name, apiHost: result.token.apiHost };
      const ciphertext = await deps.cipher.encrypt(result.token.accessToken, context);
      const { loginHost, apiHost, expiresAt } = result.token;
      // Strictly increasing per org: "a token newer than the rejected one" never ties within a millisecond.
      const issuedAt = Math.max(result.token.issuedAt, (record?.token?.issuedAt ?? 0) + 1);
      const next: TokenRecord = {
        ...base,
        token: {
          ciphertext,
          loginHost,
          apiHost,
          issuedAt,
          expiresAt,
          credentialsVersion: credentials.versionId,
        },
        rejectedCredentialsVersion: null,
        retryNotBefore: null,
        failures: 0,
      };
      if (!(await write(deps, next, record))) return { org: org.name, result: 'lost-race', due: stillDue };
      deps.metrics.count(METRIC.refreshed, org.name);
      deps.logger.info('platform token refreshed', {
        org: org.name,
        due: stillDue,
        apiHost,
        tokenExpiresAt: new Date(expiresAt).toISOString(),
      });
      await announce(deps, next, loginHost, apiHost, expiresAt);
      return { org: org.name, result: 'refreshed', due: stillDue };
    }
    const keep = {
      token: record?.token ?? null,
      rejectedCredentialsVersion: record?.rejectedCredentialsVersion ?? null,
    };
    if (result.kind === 'bad-credentials') {
      const next: TokenRecord = {
        ...base,
        ...keep,
        rejectedCredentialsVersion: credentials.versionId,
        retryNotBefore: null,
        failures: (record?.failures ?? 0) + 1,
      };
      await write(deps, next, record);
      deps.metrics.count(METRIC.credentialsRejected, org.name);
      deps.logger.error('platform refused the client credentials; no retry until the secret changes', {
        org: org.name,
        secret: org.clientSecretName,
        credentialsVersion: credentials.versionId,
        reason: result.reason,
      });
      return { org: org.name, result: 'credentials-rejected', due: stillDue, detail: result.reason };
    }
    const failures = (record?.failures ?? 0) + 1;
    const floor = result.kind === 'retryable' ? result.retryAfterMs : 0;
    const waitMs = Math.max(
      floor,
      backoffMs(failures, random, {
        baseMs: deps.settings.backoffBaseMs ?? 5000,
        maxMs: deps.settings.backoffMaxMs ?? 900_000,
      }),
    );
    await write(deps, { ...base, ...keep, retryNotBefore: nowMs + waitMs, failures }, record);
    deps.metrics.count(METRIC.requestFailed, org.name);
    deps.logger.warn('platform token request failed; backing off', {
      org: org.name,
      kind: result.kind,
      reason: result.reason,
      failures,
      retryInMs: waitMs,
    });
    return { org: org.name, result: 'failed', due: stillDue, detail: result.reason };
  } finally {
    await deps.leases.release(leaseName, deps.holderId);
  }
}

async function write(deps: RefresherDeps, next: TokenRecord, read: TokenRecord | null): Promise<boolean> {
  try {
    await deps.store.write(next, read?.version ?? null);
    return true;
  } catch (error) {
    if (!isConditionFailed(error) && !isWriteConflict(error)) throw error;
    deps.logger.warn('platform token item changed under the lease; keeping the other write', {
      org: next.org,
    });
    return false;
  }
}

async function announce(
  deps: RefresherDeps,
  record: TokenRecord,
  loginHost: string,
  apiHost: string,
  expiresAt: number,
): Promise<void> {
  try {
    const entry = buildEvent(
      'PlatformTokenRefreshed',
      { apiHost, authHost: loginHost, expiresAt: new Date(expiresAt).toISOString(), region: deps.region },
      {
        originRegion: deps.region,
        now: record.updatedAt,
        eventBusName: deps.eventBusName,
        eventId: stableEventId('platform-token', record.org, record.version),
      },
    );
    await deps.publisher.publish([entry]);
  } catch (error) {
    // The token is stored and usable; the event only informs. Log, do not fail the refresh.
    deps.logger.warn('PlatformTokenRefreshed not published', { org: record.org, error: describe(error) });
  }
}

/** Name and message of an error; our errors never carry a secret or a token. */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
