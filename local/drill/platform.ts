import type { ContinuityConfig } from '../../config/schema.js';
import { configuredOrgs } from '../../functions/oauth/orgs.js';
import type { LocalSecrets } from '../aws/secrets.js';
import { type LocalPlatform, startLocalPlatform } from '../platform/server.js';

/**
 * The platform stand-in of a local deployment: one org per `platform.orgs[]` of the drill's config, on
 * the hosts the functions derive from it, accepting exactly the client credentials the local Secrets
 * Manager holds in each org's secret (whatever they are: the Data stack's placeholder in a fresh
 * deployment). The functions reach it through `PLATFORM_BASE_URL`, so no platform host is ever
 * resolved or called.
 *
 * @example
 * const platform = await startDrillPlatform(config, secrets);
 * environment.PLATFORM_BASE_URL = platform.endpoint;
 */
export async function startDrillPlatform(
  config: ContinuityConfig,
  secrets: Pick<LocalSecrets, 'value'>,
): Promise<LocalPlatform> {
  const orgs = configuredOrgs(config.env, config.platform).map((org) => {
    const { clientId, clientSecret } = clientCredentialsOf(org.clientSecretName, secrets);
    return { name: org.name, loginHost: org.loginHost, apiHost: org.apiHost, clientId, clientSecret };
  });
  return startLocalPlatform({ orgs });
}

/** The `{clientId, clientSecret}` of a local secret; the error names the secret, never its value. */
function clientCredentialsOf(
  secretName: string,
  secrets: Pick<LocalSecrets, 'value'>,
): { clientId: string; clientSecret: string } {
  let value: unknown;
  try {
    value = JSON.parse(secrets.value(secretName));
  } catch (e) {
    throw new Error(
      `platform client secret ${secretName}: ${e instanceof SyntaxError ? 'not JSON' : String(e)}`,
    );
  }
  const { clientId, clientSecret } = (value ?? {}) as Record<string, unknown>;
  if (typeof clientId !== 'string' || typeof clientSecret !== 'string') {
    throw new Error(`platform client secret ${secretName} is not {"clientId","clientSecret"}`);
  }
  return { clientId, clientSecret };
}
