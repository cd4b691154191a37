import type { Logger } from '../shared/logger.js';
import type { EventPublisher } from '../shared/publisher.js';
import type { CredentialsSource } from './credentials.js';
import type { PlatformHttp } from './http.js';
import type { LeaseStore } from './lease.js';
import type { TokenCipher } from './token-cipher.js';
import type { OrgHosts } from './token-endpoint.js';
import type { TokenStore } from './token-store.js';

/** The refresher's ports, settings, outcomes and metric names (refresher.ts holds the behaviour). */

/** The ControlState lease (`controlKeys.lease(name)`) that lets one region at a time refresh an org's token. */
export function refreshLeaseName(org: string): string {
  return `oauth-${org}`;
}

export interface OrgConfig extends OrgHosts {
  /** Secrets Manager secret holding `{clientId, clientSecret}`. */
  readonly clientSecretName: string;
}

export interface MetricsPort {
  /** One count of `name` for `org` (EMF with an `Org` dimension in the handler). */
  count(name: string, org: string): void;
}

/** The logger's methods the area uses (Powertools Logger, with the redacting replacer of shared/logger.ts). */
export type LogPort = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface RefresherSettings {
  /** Refresh when the token expires within this. */
  readonly refreshAheadSeconds: number;
  /** Up to this much earlier, at random, so two regions or many orgs do not refresh in lockstep. @default 60 */
  readonly jitterSeconds?: number;
  /** @default 30 s - longer than one token request with its timeout */
  readonly leaseTtlMs?: number;
  /** Backoff after failed token requests: base and ceiling. @default 5 s, 15 min */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
}

export interface RefresherDeps {
  readonly orgs: readonly OrgConfig[];
  readonly store: TokenStore;
  readonly cipher: TokenCipher;
  readonly leases: LeaseStore;
  readonly credentials: CredentialsSource;
  readonly http: PlatformHttp;
  readonly publisher: EventPublisher;
  readonly metrics: MetricsPort;
  readonly logger: LogPort;
  readonly region: string;
  readonly eventBusName: string;
  /** Who holds the lease: unique per invocation or container. */
  readonly holderId: string;
  readonly settings: RefresherSettings;
  /** @default Math.random */
  readonly random?: () => number;
}

export const METRIC = {
  refreshed: 'PlatformTokenRefreshed',
  credentialsRejected: 'PlatformCredentialsRejected',
  requestFailed: 'PlatformTokenRequestFailed',
  error: 'PlatformTokenRefreshError',
} as const;

export type RefreshResult =
  | 'fresh'
  | 'refreshed'
  | 'lease-held'
  | 'backing-off'
  | 'credentials-rejected'
  | 'failed'
  | 'lost-race'
  | 'error';

export interface RefreshOutcome {
  readonly org: string;
  readonly result: RefreshResult;
  /** Why a refresh was due (`missing`, `expiring`, `wrong-scope`, `rejected`). */
  readonly due?: string;
  readonly detail?: string;
}

/** Which tokens were rejected: org -> issuedAt of the newest token known to be rejected. */
export type Rejections = ReadonlyMap<string, number>;
