import { randomUUID } from 'node:crypto';
import { refreshLeaseName } from '../../../functions/oauth/refresher.js';
import type { TokenRecord } from '../../../functions/oauth/token-store.js';
import { OBSERVATIONS_PATH } from '../../platform/server.js';
import type { Deployment } from '../deployment.js';
import {
  dueForRefresh,
  holdsOwnToken,
  type OauthAccess,
  type RefreshSnapshot,
  reviewBackoff,
  scheduledEvent,
} from '../oauth-access.js';
import { formatSeconds as seconds } from '../report/stats.js';
import type { ScenarioContext } from '../scenario.js';

/**
 * The recovery steps of the oauth scenario (scenarios/oauth.ts): a token endpoint that answers 500 for a
 * while, and a refresh lease whose holder died. Helpers shared with the scenario's first steps are here.
 */

export const QUERY = {
  filter: { type: 'and', predicates: [{ dimension: 'queueId', value: 'drill-queue' }] },
  metrics: ['oOnQueueUsers'],
};
const REFRESHER = '/OauthRefresher/Function';
/** The token endpoint's injected outage: this many 500s, each with this Retry-After. */
const OUTAGE_FAILURES = 3;
const OUTAGE_RETRY_AFTER_S = 3;
/** What the refresher's lease lasts (refresher.ts default) and what a due token has left. */
const LEASE_TTL_MS = 30_000;
const DUE_EXPIRES_IN_MS = 120_000;

/** Step 3: org A's token endpoint answers 500 while its token is due; the refreshers back off and recover. */
export async function tokenEndpointOutage(
  ctx: ScenarioContext,
  access: OauthAccess,
  orgA: string,
  a: string,
  b: string,
) {
  const d = ctx.deployment;
  const org = access.org(orgA);
  const before = await access.store.read(orgA);
  if (!before?.token) throw new Error(`no stored token for ${orgA}`);
  const requests = d.platform.tokenRequests(orgA);
  d.platform.failTokens(orgA, {
    status: 500,
    times: OUTAGE_FAILURES,
    retryAfter: String(OUTAGE_RETRY_AFTER_S),
  });
  const due = dueForRefresh(before, Date.now(), DUE_EXPIRES_IN_MS);
  await access.store.write(due, before.version);
  const fault = ctx.mark(
    'fault',
    `${orgA}'s token due (expires in ${DUE_EXPIRES_IN_MS / 1000} s); its token endpoint answers 500 x${OUTAGE_FAILURES} (Retry-After ${OUTAGE_RETRY_AFTER_S} s)`,
    'fault',
  );

  const snapshots: RefreshSnapshot[] = [];
  let runs = 0;
  let duringCall: number | undefined;
  let lastFailureAt: number | undefined;
  const recovered = await ctx.waitFor(
    `${orgA}: refreshers backing off until the token endpoint recovers`,
    async () => {
      const results = await runRefreshers(d, [a, b]);
      runs += results.length;
      const record = await access.store.read(orgA);
      if (record) {
        snapshots.push({
          failures: record.failures,
          retryNotBefore: record.retryNotBefore,
          updatedAt: record.updatedAt,
          version: record.version,
        });
        if (record.failures > 0 && record.version !== snapshots.at(-2)?.version)
          lastFailureAt = record.updatedAt;
      }
      if (duringCall === undefined && (record?.failures ?? 0) > 0) {
        // A caller meanwhile: the current token is still valid, so the outage must not show.
        duringCall = await access
          .client(orgA)
          .request('POST', OBSERVATIONS_PATH, QUERY)
          .then((r) => r.status)
          .catch(() => 0);
        ctx.mark('api', `${access.region} calls ${orgA} during the outage: ${duringCall}`, 'observation');
      }
      const fresh = record !== null && (record.token?.issuedAt ?? 0) > (due.token?.issuedAt ?? 0);
      return fresh && holdsOwnToken(record, org, Date.now(), 3_600_000) ? record : undefined;
    },
    75_000,
    1000,
  );
  if (recovered)
    ctx.mark('oauth', `new ${orgA} token stored by ${recovered.value.updatedBy}`, 'recovery', recovered.at);
  ctx.timing('oauth-500s-start-to-token-stored', fault, recovered?.value.updatedAt);
  ctx.timing('oauth-last-500-to-token-stored', lastFailureAt, recovered?.value.updatedAt);
  const review = reviewBackoff(snapshots);
  const asked = d.platform.tokenRequests(orgA) - requests;
  ctx.expect(
    'calls keep working on the current token while the token endpoint fails',
    duringCall === 200,
    '200',
    duringCall === undefined ? 'no call made (no failure seen)' : String(duringCall),
  );
  ctx.expect(
    'the refreshers back off, honouring Retry-After, and never ask early',
    review.failures + review.missed === OUTAGE_FAILURES &&
      review.early === 0 &&
      (review.shortestWaitMs ?? 0) >= OUTAGE_RETRY_AFTER_S * 1000 &&
      asked === OUTAGE_FAILURES + 1,
    `${OUTAGE_FAILURES} failures each waiting >= ${OUTAGE_RETRY_AFTER_S} s, then 1 request that succeeds`,
    `${review.failures + review.missed} failure(s), shortest wait ${seconds(review.shortestWaitMs)}, ${review.early} early; ${asked} token request(s) over ${runs} refresher runs`,
  );
  ctx.expect(
    'after the failures a valid token is stored and the back-off cleared',
    recovered !== undefined && recovered.value.failures === 0 && recovered.value.retryNotBefore === null,
    `${orgA}'s own token, valid > 1 h, failures 0`,
    recovered
      ? `${seconds(recovered.value.updatedAt - fault)} after the fault, ${seconds(lastFailureAt === undefined ? null : recovered.value.updatedAt - lastFailureAt)} after the last 500`
      : 'not within 75 s',
  );
}

/** Step 4: a dead holder in region A keeps org B's refresh lease just as its token falls due. */
export async function deadLeaseHolder(
  ctx: ScenarioContext,
  access: OauthAccess,
  orgB: string,
  a: string,
  b: string,
) {
  const d = ctx.deployment;
  const org = access.org(orgB);
  const leaseName = refreshLeaseName(orgB);
  const holder = `${a}/dead-refresher-${randomUUID()}`;
  const taken = await ctx.waitFor(
    `a dead ${a} holder takes ${leaseName}`,
    () => access.leases.tryAcquire(leaseName, holder, Date.now(), LEASE_TTL_MS).then((l) => l ?? undefined),
    10_000,
    250,
  );
  if (!taken) throw new Error(`could not take ${leaseName} for the dead holder`);
  const lease = taken.value;
  try {
    const before = await access.store.read(orgB);
    if (!before?.token) throw new Error(`no stored token for ${orgB}`);
    const due = dueForRefresh(before, Date.now(), DUE_EXPIRES_IN_MS);
    await access.store.write(due, before.version);
    const oldExpiry = due.token?.expiresAt ?? 0;
    const fault = ctx.mark(
      'fault',
      `${a} dies holding ${leaseName} (lapses in ${LEASE_TTL_MS / 1000} s); ${orgB}'s token due, expires in ${DUE_EXPIRES_IN_MS / 1000} s`,
      'fault',
      taken.at,
    );
    const requests = d.platform.tokenRequests(orgB);
    let runsWhileHeld = 0;
    let askedWhileHeld = 0;
    const stored = await ctx.waitFor(
      `${b}'s refresher waiting for ${leaseName} to lapse`,
      async () => {
        const started = Date.now();
        const [result] = await runRefreshers(d, [b]);
        if (Date.now() < lease.expiresAt) {
          runsWhileHeld += result === 'ok' ? 1 : 0;
          askedWhileHeld = d.platform.tokenRequests(orgB) - requests;
        }
        const record = await access.store.read(orgB);
        const fresh = record !== null && (record.token?.issuedAt ?? 0) > (due.token?.issuedAt ?? 0);
        if (fresh && holdsOwnToken(record, org, Date.now(), 3_600_000)) return record;
        // Next run right after the lapse, otherwise once a second (the schedule's stand-in).
        const untilLapse = lease.expiresAt + 50 - Date.now();
        const wait = untilLapse > 0 ? Math.min(1000, untilLapse) : 1000;
        await new Promise((r) => setTimeout(r, Math.max(0, wait - (Date.now() - started))));
        return undefined;
      },
      LEASE_TTL_MS + 45_000,
      0,
    );
    ctx.mark('oauth', `${leaseName} lapses`, 'note', lease.expiresAt);
    if (stored)
      ctx.mark('oauth', `fresh ${orgB} token stored by ${stored.value.updatedBy}`, 'recovery', stored.at);
    ctx.timing('oauth-lease-lapse-to-fresh-token', lease.expiresAt, stored?.value.updatedAt);
    ctx.timing('oauth-holder-died-to-fresh-token', fault, stored?.value.updatedAt);
    ctx.expect(
      'nobody asks for a token while the dead holder’s lease is live',
      askedWhileHeld === 0 && runsWhileHeld > 0,
      `0 token requests over ${b}'s runs before the lapse`,
      `${askedWhileHeld} over ${runsWhileHeld} run(s)`,
    );
    const at = stored?.value.updatedAt;
    ctx.expect(
      // Usually b (it runs every second here); a's next scheduled run is a live refresher too, not the dead one.
      'a live refresher takes over after the lease lapses and stores a fresh token before the old one expires',
      stored !== undefined &&
        [a, b].includes(stored.value.updatedBy) &&
        at !== undefined &&
        at >= lease.expiresAt &&
        at < oldExpiry,
      `by ${b} or ${a}, after the lapse, before the old expiry`,
      stored && at !== undefined
        ? `by ${stored.value.updatedBy}, ${seconds(at - lease.expiresAt)} after the lapse, ${seconds(oldExpiry - at)} before the old expiry`
        : 'no fresh token',
    );
  } finally {
    await access.leases.release(leaseName, holder).catch(() => undefined);
  }
}

/** Invokes the refresher of each region now, as its schedule would; each run's outcome. */
export async function runRefreshers(d: Deployment, regions: readonly string[]): Promise<string[]> {
  return Promise.all(
    regions.map(async (region) => {
      const result = await d.functions
        .find(region, REFRESHER)
        .invoke(scheduledEvent(region, Date.now(), randomUUID()));
      return result.ok ? 'ok' : result.errorType;
    }),
  );
}

export function describeToken(record: TokenRecord | null, now: number): string {
  const t = record?.token;
  if (!t) return 'no token';
  return `${t.apiHost}, expires in ${seconds(t.expiresAt - now, 0)}`;
}
