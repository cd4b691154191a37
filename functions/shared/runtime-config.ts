import * as z from 'zod/mini';
import {
  type ContinuityConfig,
  contextSchema,
  failoverSchema,
  healthSchema,
  platformSchema,
  quorumSchema,
  replicationSchema,
  routingSchema,
  sipTargetSchema,
} from '../../config/schema.js';
import { describeZodIssues, regionSchema } from './identifiers.js';
import { busName, tableNames } from './names.js';

/**
 * The Lambda environment, parsed once into a typed object (no `process.env.X` through the code).
 * The stacks build the environment with {@link lambdaEnvironment}; the functions read it with
 * {@link runtimeConfig}. Table and bus names default to the deterministic names of names.ts.
 */

/** Area settings a function needs at run time: the config sections, validated by config/schema.ts's rules. */
export const runtimeSettingsSchema = z.object({
  health: z.prefault(healthSchema, {}),
  replication: z.prefault(replicationSchema, {}),
  quorum: z.prefault(quorumSchema, {}),
  context: z.prefault(contextSchema, {}),
  routing: z.prefault(routingSchema, {}),
  failover: z.prefault(failoverSchema, {}),
  /** Absent for functions that never call the platform. */
  platform: z.optional(platformSchema),
  /** SIP targets per active region (the monitors probe them). */
  sipTargets: z._default(z.record(regionSchema, z.array(sipTargetSchema)), {}),
});

export type RuntimeSettings = z.output<typeof runtimeSettingsSchema>;

const endpoint = z.optional(
  z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:8000' }),
);

const optionalName = z.optional(z.string().check(z.minLength(1), z.maxLength(256)));

/**
 * `us-east-1=http://127.0.0.1:8001,us-west-2=http://127.0.0.1:8002`: one DynamoDB Local per region,
 * so a function can read another region's replica in a local run.
 */
const endpointMap = z.pipe(
  z.optional(z.string()),
  z.transform((text, ctx) => {
    const map: Record<string, string> = {};
    if (!text) return map;
    for (const entry of text.split(',')) {
      const [region, url, ...rest] = entry.trim().split('=');
      const regionOk = regionSchema.safeParse(region).success;
      const urlOk = url !== undefined && endpoint.safeParse(url).success;
      if (!region || !url || rest.length > 0 || !regionOk || !urlOk) {
        ctx.issues.push({
          code: 'custom',
          input: text,
          message: 'must be region=http(s)-URL pairs separated by commas',
        });
        return z.NEVER;
      }
      map[region] = url;
    }
    return map;
  }),
);

const settingsJson = z.pipe(
  z.string(),
  z.transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.issues.push({ code: 'custom', input: text, message: 'must be JSON (see lambdaEnvironment)' });
      return z.NEVER;
    }
  }),
);

const envSchema = z.object({
  CONTINUITY_ENV: z
    .string()
    .check(z.regex(/^[a-z][a-z0-9-]{1,20}$/, 'must be lower-case letters, digits and dashes')),
  AWS_REGION: regionSchema,
  ACTIVE_REGIONS: z.pipe(
    z.pipe(
      z.string(),
      z.transform((s) => s.split(',').map((r) => r.trim())),
    ),
    z
      .tuple([regionSchema, regionSchema], { error: 'must be two region names separated by a comma' })
      .check(z.refine(([a, b]) => a !== b, 'must name two different regions')),
  ),
  WITNESS_REGION: regionSchema,
  EVENT_BUS_NAME: optionalName,
  CONTEXT_TABLE: optionalName,
  CRM_TABLE: optionalName,
  CONTROL_TABLE: optionalName,
  WITNESS_TABLE: optionalName,
  DYNAMODB_ENDPOINT: endpoint,
  DYNAMODB_ENDPOINTS: endpointMap,
  EVENTBRIDGE_ENDPOINT: endpoint,
  SECRETS_ENDPOINT: endpoint,
  CLOUDWATCH_ENDPOINT: endpoint,
  /** Local runs only: every platform host is reached at `<PLATFORM_BASE_URL>/<host>` (the platform stand-in). */
  PLATFORM_BASE_URL: endpoint,
  CONTINUITY_SETTINGS: settingsJson,
});

export interface RuntimeConfig {
  readonly env: string;
  /** The region this function runs in. */
  readonly region: string;
  readonly activeRegions: readonly [string, string];
  readonly witnessRegion: string;
  /** The active region that is not this one; null in the witness region. */
  readonly peerRegion: string | null;
  readonly isWitness: boolean;
  readonly eventBusName: string;
  readonly tables: {
    readonly contextCache: string;
    readonly crmEvents: string;
    readonly controlState: string;
    readonly witnessState: string;
  };
  /** Local-run endpoint overrides; all undefined in AWS. */
  readonly endpoints: {
    /** DynamoDB endpoint per region (this region's from DYNAMODB_ENDPOINT unless DYNAMODB_ENDPOINTS names it). */
    readonly dynamodb: Readonly<Record<string, string>>;
    readonly eventBridge?: string;
    readonly secretsManager?: string;
    readonly cloudWatch?: string;
    /** The platform stand-in; every platform host is reached under it. */
    readonly platform?: string;
  };
  readonly settings: RuntimeSettings;
}

export class RuntimeConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid Lambda environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RuntimeConfigError';
  }
}

/**
 * Parses a Lambda environment. Pure: pass the environment to test it. Every problem names the
 * variable (and for CONTINUITY_SETTINGS the field), never its value.
 *
 * @example
 * const config = loadRuntimeConfig({ ...process.env, CONTINUITY_ENV: 'dev' });
 */
export function loadRuntimeConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): RuntimeConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new RuntimeConfigError(
      parsed.error.issues.map((issue) => {
        const [variable = '(environment)', ...rest] = issue.path.map(String);
        if (env[variable] === undefined) return `${variable} is not set`;
        const field = rest.length > 0 ? ` (at ${rest.join('.')})` : '';
        return `${variable} invalid${field}: ${issue.message.replace(/^Invalid input: /, '')}`;
      }),
    );
  }
  const e = parsed.data;
  const settings = runtimeSettingsSchema.safeParse(e.CONTINUITY_SETTINGS);
  if (!settings.success)
    throw new RuntimeConfigError(describeZodIssues(settings.error, 'CONTINUITY_SETTINGS'));

  const [a, b] = e.ACTIVE_REGIONS;
  const problems: string[] = [];
  if (e.WITNESS_REGION === a || e.WITNESS_REGION === b) {
    problems.push('WITNESS_REGION invalid: must not be one of ACTIVE_REGIONS');
  }
  const isWitness = e.AWS_REGION === e.WITNESS_REGION;
  if (!isWitness && e.AWS_REGION !== a && e.AWS_REGION !== b) {
    problems.push('AWS_REGION invalid: the function runs outside ACTIVE_REGIONS and WITNESS_REGION');
  }
  if (problems.length > 0) throw new RuntimeConfigError(problems);

  const names = tableNames(e.CONTINUITY_ENV);
  const dynamodb: Record<string, string> = { ...e.DYNAMODB_ENDPOINTS };
  if (e.DYNAMODB_ENDPOINT && !dynamodb[e.AWS_REGION]) dynamodb[e.AWS_REGION] = e.DYNAMODB_ENDPOINT;
  return {
    env: e.CONTINUITY_ENV,
    region: e.AWS_REGION,
    activeRegions: [a, b],
    witnessRegion: e.WITNESS_REGION,
    peerRegion: isWitness ? null : e.AWS_REGION === a ? b : a,
    isWitness,
    eventBusName: e.EVENT_BUS_NAME ?? busName(e.CONTINUITY_ENV),
    tables: {
      contextCache: e.CONTEXT_TABLE ?? names.contextCache,
      crmEvents: e.CRM_TABLE ?? names.crmEvents,
      controlState: e.CONTROL_TABLE ?? names.controlState,
      witnessState: e.WITNESS_TABLE ?? names.witnessState,
    },
    endpoints: {
      dynamodb,
      eventBridge: e.EVENTBRIDGE_ENDPOINT,
      secretsManager: e.SECRETS_ENDPOINT,
      cloudWatch: e.CLOUDWATCH_ENDPOINT,
      platform: e.PLATFORM_BASE_URL,
    },
    settings: settings.data,
  };
}

let cached: RuntimeConfig | undefined;

/**
 * The config of this Lambda environment, parsed on first use and kept for the life of the container.
 * Call it inside the handler module's setup (module scope), so a bad environment fails the cold start.
 */
export function runtimeConfig(): RuntimeConfig {
  cached ??= loadRuntimeConfig(process.env);
  return cached;
}

/**
 * The environment variables a stack gives a function: the inverse of {@link loadRuntimeConfig}
 * (AWS_REGION is set by Lambda itself). Only the settings sections a function needs are carried, to stay
 * well inside Lambda's 4 KB environment limit.
 *
 * @example
 * new NodejsFunction(this, 'Monitor', { environment: lambdaEnvironment(config, { sections: ['health', 'sipTargets'] }) });
 */
export function lambdaEnvironment(
  config: ContinuityConfig,
  options: { readonly sections?: readonly (keyof RuntimeSettings)[] } = {},
): Record<string, string> {
  const sections =
    options.sections ?? (Object.keys(runtimeSettingsSchema.shape) as (keyof RuntimeSettings)[]);
  const settings: Record<string, unknown> = {};
  for (const section of sections) settings[section] = config[section];
  const names = tableNames(config.env);
  return {
    CONTINUITY_ENV: config.env,
    ACTIVE_REGIONS: config.regions.active.join(','),
    WITNESS_REGION: config.regions.witness,
    EVENT_BUS_NAME: busName(config.env),
    CONTEXT_TABLE: names.contextCache,
    CRM_TABLE: names.crmEvents,
    CONTROL_TABLE: names.controlState,
    WITNESS_TABLE: names.witnessState,
    CONTINUITY_SETTINGS: JSON.stringify(settings),
  };
}
