import type { PlatformConfig } from '../../config/platform-schema.js';
import { secretNames } from '../shared/names.js';
import type { OrgConfig } from './refresher.js';

/**
 * The platform orgs a function works for, from the validated `platform` settings (config/platform-schema.ts
 * derives each org's login and API hosts from its region host), with each org's credentials secret.
 */
export function configuredOrgs(env: string, platform: PlatformConfig | undefined): OrgConfig[] {
  if (!platform)
    throw new Error('the platform settings are missing: deploy the function with the platform section');
  return platform.orgs.map((o) => ({
    name: o.name,
    loginHost: o.loginHost,
    apiHost: o.apiHost,
    clientSecretName: o.clientSecretName ?? secretNames(env).platformClient(o.name),
  }));
}

/**
 * Which orgs a `PlatformTokenRejected` event concerns: those on its API host, with every token issued
 * at or before the rejection counted as rejected.
 */
export function rejectionsFrom(
  detail: { readonly apiHost: string; readonly occurredAt: string },
  orgs: readonly OrgConfig[],
): Map<string, number> {
  const at = Date.parse(detail.occurredAt);
  return new Map(orgs.filter((o) => o.apiHost === detail.apiHost).map((o) => [o.name, at]));
}
