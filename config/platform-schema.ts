import { z } from 'zod';
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
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be 1-32 lower-case letters, digits and dashes');

export const platformOrgSchema = z
  .strictObject({
    name: orgName,
    /** The part after `login.` / `api.` in the org's platform URLs, e.g. `mypurecloud.com`, `usw2.pure.cloud`. */
    regionHost: z.string().min(3).max(64),
    /** Secrets Manager secret `{clientId, clientSecret}`. @default `continuity/<env>/platform-client/<name>` */
    clientSecretName: z.string().min(1).max(512).optional(),
    // Derived, never typed: accepted only when equal to what regionHost gives, so a parsed config (the
    // functions' runtime settings) parses again to itself.
    loginHost: z.string().optional(),
    apiHost: z.string().optional(),
  })
  .transform((org, ctx) => {
    try {
      const { regionHost, loginHost, apiHost } = platformHosts(org.regionHost);
      for (const [field, given, derived] of [
        ['loginHost', org.loginHost, loginHost],
        ['apiHost', org.apiHost, apiHost],
      ] as const) {
        if (given !== undefined && given !== derived) {
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: `is derived from regionHost (${derived}); leave it out`,
          });
        }
      }
      return { ...org, regionHost, loginHost, apiHost };
    } catch {
      ctx.addIssue({
        code: 'custom',
        path: ['regionHost'],
        message: `is not a platform region host; use one of ${KNOWN_REGION_HOSTS.join(', ')}`,
      });
      return z.NEVER;
    }
  });

export const platformSchema = z.strictObject({
  name: z.string().default('genesys-cloud'),
  orgs: z
    .array(platformOrgSchema)
    .min(1, 'name at least one platform org')
    .max(4, 'at most 4 platform orgs')
    .refine((orgs) => new Set(orgs.map((o) => o.name)).size === orgs.length, 'org names must be unique'),
  /** Refresh a token this long before it expires (with jitter). */
  refreshAheadSeconds: z.number().int().min(30).max(3600).default(600),
});

export type PlatformOrgConfig = z.output<typeof platformOrgSchema>;
export type PlatformConfig = z.output<typeof platformSchema>;
