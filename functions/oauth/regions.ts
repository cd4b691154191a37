/**
 * The platform's region hosts (Genesys Cloud), as data. An organization lives in one region; its tokens
 * come from `https://login.<region host>/oauth/token` and are valid only on `https://api.<region host>`.
 * There is no global token endpoint.
 *
 * The list is the region map of the `genesyscloud` Terraform provider (genesyscloud/provider/provider.go,
 * `getRegionMap`) less its internal dev/test hosts; the JavaScript SDK's `PureCloudRegionHosts` names the
 * same hosts. A host not listed here is refused rather than guessed. Kept free of AWS imports:
 * config/schema.ts validates `platform.orgs[].regionHost` with it.
 */

export interface PlatformHosts {
  /** The platform region host, e.g. `usw2.pure.cloud`. */
  readonly regionHost: string;
  /** Host of the OAuth token endpoint: `login.<region host>`. */
  readonly loginHost: string;
  /** Host of the platform API the tokens are valid for: `api.<region host>`. */
  readonly apiHost: string;
  /** The AWS region the platform region runs in. */
  readonly awsRegion: string;
}

/** Region host -> AWS region, as the platform's own tooling maps them. */
const REGION_HOSTS: Readonly<Record<string, string>> = {
  'mypurecloud.com': 'us-east-1',
  'use2.us-gov-pure.cloud': 'us-east-2',
  'usw2.pure.cloud': 'us-west-2',
  'cac1.pure.cloud': 'ca-central-1',
  'sae1.pure.cloud': 'sa-east-1',
  'mxc1.pure.cloud': 'mx-central-1',
  'mypurecloud.ie': 'eu-west-1',
  'euw2.pure.cloud': 'eu-west-2',
  'mypurecloud.de': 'eu-central-1',
  'euc2.pure.cloud': 'eu-central-2',
  'edee1.eusc-pure.cloud': 'eusc-de-east-1',
  'mec1.pure.cloud': 'me-central-1',
  'aps1.pure.cloud': 'ap-south-1',
  'apse1.pure.cloud': 'ap-southeast-1',
  'mypurecloud.com.au': 'ap-southeast-2',
  'mypurecloud.jp': 'ap-northeast-1',
  'apne2.pure.cloud': 'ap-northeast-2',
  'apne3.pure.cloud': 'ap-northeast-3',
};

/** Every known region host, in the order above. */
export const KNOWN_REGION_HOSTS: readonly string[] = Object.keys(REGION_HOSTS);

export class UnknownRegionHostError extends Error {
  constructor(readonly regionHost: string) {
    super(
      `unknown platform region host "${regionHost}"; use one of ${KNOWN_REGION_HOSTS.join(', ')} ` +
        '(the part after login. / api. in the platform URLs of the organization)',
    );
    this.name = 'UnknownRegionHostError';
  }
}

/**
 * The login and API hosts of a platform region host. Accepts the host in any letter case and with a
 * leading `login.` / `api.` (what people copy from a URL); throws {@link UnknownRegionHostError} listing
 * the known hosts for anything else.
 *
 * @example
 * platformHosts('usw2.pure.cloud')
 * // { regionHost: 'usw2.pure.cloud', loginHost: 'login.usw2.pure.cloud', apiHost: 'api.usw2.pure.cloud', awsRegion: 'us-west-2' }
 */
export function platformHosts(regionHost: string): PlatformHosts {
  const host = String(regionHost)
    .trim()
    .toLowerCase()
    .replace(/^(login|api)\./, '');
  const awsRegion = Object.hasOwn(REGION_HOSTS, host) ? REGION_HOSTS[host] : undefined;
  if (awsRegion === undefined) throw new UnknownRegionHostError(regionHost);
  return { regionHost: host, loginHost: `login.${host}`, apiHost: `api.${host}`, awsRegion };
}

/** Whether `regionHost` is a known platform region host (for schema refinements). */
export function isKnownRegionHost(regionHost: string): boolean {
  try {
    platformHosts(regionHost);
    return true;
  } catch {
    return false;
  }
}
