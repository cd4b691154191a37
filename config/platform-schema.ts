import '../functions/shared/zod-messages.js';
import * as z from 'zod/mini';
import { KNOWN_REGION_HOSTS, platformHosts } from '../functions/oauth/regions.js';

/**
 * The contact-center platform (Genesys Cloud) the control plane talks to. An organization lives in one
 * platform region; its OAuth tokens come from that region's login host and are valid only on the same
 * region's API host (README "Platform OAuth"). A two-region deployment names one org per platform
 * region. The login and API hosts are derived from `regionHost`, never typed.
 */

/** Org names become item keys and secret names: short, lower-case. */
const orgName = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be 1-32 lower-case letters, digits and dashes'));

export const platformOrgSchema = z.pipe(
  z.strictObject({
    name: orgName,
    /** The part after `login.` / `api.` in the org's platform URLs, e.g. `mypurecloud.com`, `usw2.pure.cloud`. */
    regionHost: z.string().check(z.minLength(3), z.maxLength(64)),
    /** Secrets Manager secret `{clientId, clientSecret}`. @default `continuity/<env>/platform-client/<name>` */
    clientSecretName: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
    /**
     * The active AWS region whose callers this org takes: its capacity feeds that region's snapshots and
     * its directory entries. @default the AWS region the platform region runs in (mypurecloud.com: us-east-1)
     */
    region: z.optional(
      z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name such as us-east-1')),
    ),
    /**
     * The org's EventBridge partner event source (its Amazon EventBridge integration), e.g.
     * `aws.partner/genesys.com/cloud/<org id>/<integration name>`; the stack of the org's region
     * creates the partner event bus of that name and routes capacity topics from it. Without it no
     * rule is attached and capacity comes from reconciliation alone.
     */
    eventSourceName: z.optional(
      z
        .string()
        .check(
          z.maxLength(256),
          z.regex(
            /^aws\.partner\/genesys\.com\/[\w./-]+$/,
            'must be the partner event source name, aws.partner/genesys.com/...',
          ),
        ),
    ),
    // Derived, never typed: accepted only when equal to what regionHost gives, so a parsed config (the
    // functions' runtime settings) parses again to itself.
    loginHost: z.optional(z.string()),
    apiHost: z.optional(z.string()),
  }),
  z.transform((org, ctx) => {
    try {
      const { regionHost, loginHost, apiHost, awsRegion } = platformHosts(org.regionHost);
      for (const [field, given, derived] of [
        ['loginHost', org.loginHost, loginHost],
        ['apiHost', org.apiHost, apiHost],
      ] as const) {
        if (given !== undefined && given !== derived) {
          ctx.issues.push({
            code: 'custom',
            input: org,
            path: [field],
            message: `is derived from regionHost (${derived}); leave it out`,
          });
        }
      }
      return { ...org, regionHost, loginHost, apiHost, region: org.region ?? awsRegion };
    } catch {
      ctx.issues.push({
        code: 'custom',
        input: org,
        path: ['regionHost'],
        message: `is not a platform region host; use one of ${KNOWN_REGION_HOSTS.join(', ')}`,
      });
      return z.NEVER;
    }
  }),
);

export const platformSchema = z.strictObject({
  orgs: z.array(platformOrgSchema).check(
    z.minLength(1, 'name at least one platform org'),
    z.maxLength(4, 'at most 4 platform orgs'),
    z.refine((orgs) => new Set(orgs.map((o) => o.name)).size === orgs.length, 'org names must be unique'),
  ),
  /** Refresh a token this long before it expires (with jitter). */
  refreshAheadSeconds: z._default(z.int().check(z.minimum(30), z.maximum(3600)), 600),
});

export type PlatformOrgConfig = z.output<typeof platformOrgSchema>;
export type PlatformConfig = z.output<typeof platformSchema>;

/**
 * Cross-field rules of `platform.orgs` against the active regions: an org whose events are wired
 * (`eventSourceName`) must take an active region's callers, and one region takes one org's events.
 */
export function checkPlatformOrgs(
  platform: PlatformConfig,
  active: readonly string[],
  ctx: { addIssue(issue: { code: 'custom'; path: PropertyKey[]; message: string }): void },
): void {
  const sourced = new Map<string, string>();
  platform.orgs.forEach((org, i) => {
    if (active.includes(org.region)) {
      if (org.eventSourceName === undefined) return;
      const other = sourced.get(org.region);
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['platform', 'orgs', i, 'eventSourceName'],
          message: `org ${other} already feeds ${org.region}'s capacity; one org per region`,
        });
      }
      sourced.set(org.region, org.name);
      return;
    }
    if (org.eventSourceName !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['platform', 'orgs', i, 'region'],
        message: `is ${org.region}, not an active region (${active.join(', ')}); set region to the active region whose callers ${org.name} takes`,
      });
    }
  });
}
