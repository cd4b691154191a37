import { type OrgConfig, type RefresherDeps, type RefreshOutcome, refreshOrg } from './refresher.js';

/**
 * Where `platformClient` gets its token: the org's item in ControlState, decrypted, kept in memory
 * until `marginMs` before its expiry. When the stored token is missing, unusable or rejected, it runs
 * the refresher for this one org (which takes the org's lease, so a call in each region still makes one
 * token request) and, if the other region holds the lease, waits for its token to appear.
 */

export interface AccessToken {
  readonly value: string;
  readonly loginHost: string;
  readonly apiHost: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface TokenSource {
  /** A token believed valid at `nowMs`, without asking the platform; null when there is none. */
  current(nowMs: number): Promise<AccessToken | null>;
  /**
   * Obtains a token newer than `rejected` (or any, when null): refreshes through the refresher and
   * re-reads. Null when none could be had (credentials rejected, backing off, lease never released).
   */
  refresh(nowMs: number, rejected: AccessToken | null): Promise<AccessToken | null>;
}

export interface StoredTokenSourceOptions {
  /** A token closer than this to its expiry is not used. @default 30 s */
  readonly marginMs?: number;
  /** While the other region holds the lease: re-read every `pollMs`, up to `waitMs`. @default 250 ms, 5 s */
  readonly pollMs?: number;
  readonly waitMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Date.now - for the waits only; callers pass their `nowMs` */
  readonly now?: () => number;
  /** Each refresh attempt's outcome (for logs and tests). */
  readonly onRefresh?: (outcome: RefreshOutcome) => void;
}

export function storedTokenSource(
  org: OrgConfig,
  deps: RefresherDeps,
  options: StoredTokenSourceOptions = {},
): TokenSource {
  const marginMs = options.marginMs ?? 30_000;
  const pollMs = options.pollMs ?? 250;
  const waitMs = options.waitMs ?? 5000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const clock = options.now ?? Date.now;
  let cached: AccessToken | null = null;

  /** The stored token, decrypted; null when absent, expiring or not decryptable (as if absent). */
  const load = async (nowMs: number): Promise<AccessToken | null> => {
    const record = await deps.store.read(org.name);
    const token = record?.token;
    if (!token || token.expiresAt - marginMs <= nowMs) return null;
    if (cached && cached.issuedAt === token.issuedAt && cached.apiHost === token.apiHost) return cached;
    try {
      const value = await deps.cipher.decrypt(token.ciphertext, { org: org.name, apiHost: token.apiHost });
      const { loginHost, apiHost, issuedAt, expiresAt } = token;
      return { value, loginHost, apiHost, issuedAt, expiresAt };
    } catch (error) {
      deps.logger.warn('stored platform token unusable; refreshing', {
        org: org.name,
        error: error instanceof Error ? error.name : 'Error',
      });
      return null;
    }
  };

  const isNewer = (token: AccessToken | null, rejected: AccessToken | null): token is AccessToken =>
    token !== null && (rejected === null || token.issuedAt > rejected.issuedAt);

  return {
    async current(nowMs) {
      if (cached && cached.expiresAt - marginMs > nowMs) return cached;
      cached = await load(nowMs);
      return cached;
    },
    async refresh(nowMs, rejected) {
      const started = clock();
      const attempt = async () => {
        const at = nowMs + (clock() - started);
        const outcome = await refreshOrg(deps, org, at, rejected?.issuedAt);
        options.onRefresh?.(outcome);
        return { outcome, token: await load(at) };
      };
      let { outcome, token } = await attempt();
      // The other region holds the lease: its token (or its verdict on the credentials) is coming.
      while (!isNewer(token, rejected) && outcome.result === 'lease-held' && clock() - started < waitMs) {
        await sleep(pollMs);
        ({ outcome, token } = await attempt());
      }
      cached = isNewer(token, rejected) ? token : null;
      return cached;
    },
  };
}
