import type { TokenRecord } from '../../../functions/oauth/token-store.js';
import { OBSERVATIONS_PATH } from '../../platform/server.js';
import { regionPair } from '../checks.js';
import { holdsOwnToken, leakingLines, type OauthAccess, oauthAccess } from '../oauth-access.js';
import { formatSeconds as seconds } from '../report/stats.js';
import type { Scenario, ScenarioContext } from '../scenario.js';
import {
  deadLeaseHolder,
  describeToken,
  QUERY,
  runRefreshers,
  tokenEndpointOutage,
} from './oauth-recovery.js';

/**
 * Issue 10 item 5, "oauth mismatch", against the deployed refreshers (`OauthRefresher` in each active
 * region) and the platform stand-in:
 * 1. steady state: every org has a token of its own scope, and another run of both refreshers asks the
 *    platform for nothing;
 * 2. a token of the wrong org is presented to a platformClient in region B: labelled with the other
 *    org's hosts it is refused without being sent; labelled as B's own it gets the platform's 401; either
 *    way `PlatformTokenRejected` goes out, the token is replaced and the call succeeds;
 * 3. an org's token endpoint answers 500 (with Retry-After) while its token is due: calls keep working
 *    on the current token, the refreshers back off and store a new token once the endpoint recovers;
 * 4. the region holding an org's refresh lease dies (a dead holder keeps it): nobody asks the platform
 *    until the lease lapses, then the other region's refresher stores a fresh token before the old one
 *    expires.
 * The refreshers run on the local schedule (every minute) and, to keep the scenario short, on demand
 * with the same `Scheduled Event`.
 */

export const oauth: Scenario = {
  name: 'oauth',
  title:
    'OAuth mismatch: wrong org token refused and replaced, token endpoint 500s, refresh lease holder dies',
  async run(ctx) {
    const d = ctx.deployment;
    const { a, b } = regionPair(d);
    const [orgA, orgB] = d.config.platform.orgs.map((o) => o.name);
    if (orgA === undefined || orgB === undefined) {
      ctx.expect('two platform orgs configured', false, '2 orgs', `${d.config.platform.orgs.length}`);
      return;
    }
    const logLines: string[] = [];
    let collect = true;
    d.logs.onLine((line, fn) => {
      if (collect && fn.path.includes('OauthRefresher')) logLines.push(line);
    });
    const since = Date.now();
    const access = oauthAccess(d, b);
    try {
      if (!(await steadyTokens(ctx, access, a, b))) return;
      await wrongOrgToken(ctx, access, orgA, orgB);
      await tokenEndpointOutage(ctx, access, orgA, a, b);
      await deadLeaseHolder(ctx, access, orgB, a, b);

      const now = Date.now();
      const final = await Promise.all(
        access.orgs.map(async (o) => [o, await access.store.read(o.name)] as const),
      );
      ctx.expect(
        'every org ends with a valid token of its own scope',
        final.every(([o, r]) => holdsOwnToken(r, o, now, 3_600_000)),
        'own login and API host, valid > 1 h',
        final.map(([o, r]) => `${o.name}: ${describeToken(r, now)}`).join('; '),
      );
    } finally {
      d.platform.failTokens(orgA, null);
      collect = false;
      access.close();
    }
    const lines = [
      ...logLines,
      ...access.notes.map((n) => n.line),
      ...ctx.observer.events.filter((e) => e.at >= since).map((e) => JSON.stringify(e.detail)),
    ];
    const leaks = leakingLines(lines, d.platform.issuedTokens());
    ctx.expect(
      'no token or Authorization header in refresher logs, drill client logs or events',
      leaks.length === 0,
      `none in ${lines.length} lines`,
      leaks.length === 0 ? 'none' : `${leaks.length} line(s)`,
    );
  },
};

/** Step 1: both orgs hold a token; a run of both refreshers finds them fresh and asks for nothing. */
async function steadyTokens(
  ctx: ScenarioContext,
  access: OauthAccess,
  a: string,
  b: string,
): Promise<boolean> {
  const d = ctx.deployment;
  const ready = await ctx.waitFor(
    'steady state: a token of its own scope stored for every org',
    async () => {
      const now = Date.now();
      for (const o of access.orgs) {
        if (!holdsOwnToken(await access.store.read(o.name), o, now, 3_600_000)) return false;
      }
      return true;
    },
    90_000,
    500,
  );
  ctx.expect(
    'every org has a token stored by the refreshers',
    ready !== undefined,
    'own scope, valid > 1 h',
    ready ? `after ${seconds(ready.at - ctx.t0)}` : 'not within 90 s',
  );
  if (!ready) return false;
  ctx.mark('oauth', 'tokens stored for every org', 'note', ready.at);
  const before = access.orgs.map((o) => d.platform.tokenRequests(o.name));
  const runs = await runRefreshers(d, [a, b]);
  const added = access.orgs.map((o, i) => d.platform.tokenRequests(o.name) - (before[i] ?? 0));
  ctx.mark('oauth', `refreshers of ${a} and ${b} run: ${runs.join(', ')}`, 'observation');
  ctx.expect(
    'a run of both regions’ refreshers asks for no token while every token is fresh',
    runs.every((r) => r === 'ok') && added.every((n) => n === 0),
    '0 token requests',
    `${added.reduce((x, y) => x + y, 0)} token request(s); runs ${runs.join(', ')}`,
  );
  return true;
}

/** Step 2: a token of org A in org B's item, first labelled with A's hosts, then as B's own. */
async function wrongOrgToken(ctx: ScenarioContext, access: OauthAccess, orgA: string, orgB: string) {
  const d = ctx.deployment;
  const a = access.org(orgA);
  const bOrg = access.org(orgB);
  const aRecord = await access.store.read(orgA);
  if (!aRecord?.token) throw new Error(`no stored token for ${orgA}`);
  const aToken = await access.cipher.decrypt(aRecord.token.ciphertext, { org: orgA, apiHost: a.apiHost });

  for (const variant of ['scope', '401'] as const) {
    const bRecord = await access.store.read(orgB);
    if (!bRecord?.token) throw new Error(`no stored token for ${orgB}`);
    // 'scope': the item says the token is A's (a refresher with a stale regionHost wrote it);
    // '401': the item says it is B's own (mixed-up credentials); only the platform can tell.
    const hosts = variant === 'scope' ? a : bOrg;
    const planted: TokenRecord = {
      ...bRecord,
      version: bRecord.version + 1,
      token: {
        ...bRecord.token,
        loginHost: hosts.loginHost,
        apiHost: hosts.apiHost,
        ciphertext: await access.cipher.encrypt(aToken, { org: orgB, apiHost: hosts.apiHost }),
      },
      updatedAt: Date.now(),
      updatedBy: 'drill',
    };
    await access.store.write(planted, bRecord.version);
    const plantedIssuedAt = planted.token?.issuedAt ?? 0;
    const what = variant === 'scope' ? `labelled ${a.apiHost}` : `labelled ${bOrg.apiHost}`;
    const fault = ctx.mark('fault', `${orgA}'s token planted in ${orgB}'s item (${what})`, 'fault');
    const apiA = d.platform.apiRequests(orgA);
    const apiB = d.platform.apiRequests(orgB);
    const tokensB = d.platform.tokenRequests(orgB);
    const answersFrom = access.answers.length;
    const notesFrom = access.notes.length;

    const response = await access
      .client(orgB)
      .request('POST', OBSERVATIONS_PATH, QUERY)
      .then((r) => ({ status: r.status, org: r.headers.get('x-local-org') }))
      .catch((e: unknown) => ({ status: 0, org: e instanceof Error ? e.name : String(e) }));
    const done = ctx.mark('api', `${access.region} calls ${orgB}: ${response.status}`, 'observation');
    const attempts = access.notes
      .slice(notesFrom)
      .filter((n) => n.line.startsWith('refresh attempt'))
      .map((n) => /"result":"([a-z-]+)"/.exec(n.line)?.[1] ?? '?');
    const answers = access.answers.slice(answersFrom);
    const apiAnswers = answers.filter((x) => x.host === bOrg.apiHost);
    const refusal =
      variant === 'scope'
        ? access.notes.slice(notesFrom).find((n) => n.line.startsWith('platform token rejected'))?.at
        : apiAnswers.find((x) => x.status === 401)?.at;
    if (refusal !== undefined)
      ctx.mark(
        'api',
        variant === 'scope' ? 'token refused (scope)' : 'platform answers 401',
        'observation',
        refusal,
      );
    ctx.timing(
      variant === 'scope' ? 'oauth-refusal-to-successful-call' : 'oauth-401-to-successful-call',
      refusal,
      done,
    );

    const rejected = await ctx.waitFor(
      'PlatformTokenRejected on the bus',
      () => ctx.observer.find('PlatformTokenRejected', fault, (x) => x.apiHost === bOrg.apiHost)[0],
      5000,
    );
    if (rejected)
      ctx.mark(
        'bus',
        `PlatformTokenRejected (status ${String(rejected.value.detail.status)})`,
        'observation',
        rejected.value.at,
      );
    const after = await access.store.read(orgB);
    const replaced =
      holdsOwnToken(after, bOrg, Date.now(), 3_600_000) && (after?.token?.issuedAt ?? 0) > plantedIssuedAt;
    const sentB = d.platform.apiRequests(orgB) - apiB;
    const sentA = d.platform.apiRequests(orgA) - apiA;
    const asked = d.platform.tokenRequests(orgB) - tokensB;
    const label = variant === 'scope' ? 'labelled with the other org’s hosts' : 'labelled as its own';
    ctx.expect(
      `wrong-org token ${label}: ${variant === 'scope' ? 'refused without being sent' : 'the platform’s 401 is the only send'}`,
      sentA === 0 &&
        sentB === (variant === 'scope' ? 1 : 2) &&
        (variant === 'scope' || apiAnswers[0]?.status === 401),
      variant === 'scope'
        ? `0 calls to ${orgA}, 1 to ${orgB} (with the new token)`
        : `0 calls to ${orgA}, 2 to ${orgB}: 401 then 200`,
      `${sentA} to ${orgA}, ${sentB} to ${orgB} (${apiAnswers.map((x) => x.status).join(', ') || 'none'})`,
    );
    ctx.expect(
      `wrong-org token ${label}: PlatformTokenRejected published, token replaced, call succeeds`,
      rejected !== undefined && replaced && response.status === 200 && response.org === orgB,
      `event (status ${variant === 'scope' ? 'null' : '401'}), ${orgB}'s own token stored, 200 from ${orgB}`,
      `${rejected ? `event (status ${String(rejected.value.detail.status)})` : 'no event'}, ${replaced ? 'replaced' : `not replaced (${describeToken(after, Date.now())})`}, ${response.status} from ${response.org ?? '?'}, ${asked} token request(s), client refresh attempts: ${attempts.join(' ') || 'none'}, ${seconds(refusal === undefined ? null : done - refusal)} from ${variant === 'scope' ? 'refusal' : '401'} to success`,
    );
    ctx.expect(
      `wrong-org token ${label}: one token request for the replacement`,
      asked === 1,
      '1 (single-flight, one lease across both regions)',
      String(asked),
    );
  }
}
