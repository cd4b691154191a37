/**
 * Deterministic resource names per environment. The stacks create resources with
 * these names and the functions (in any region) find them by the same names, so
 * nothing region-specific has to be passed between stacks.
 *
 * @example
 * tableNames('dev').controlState // 'continuity-dev-control-state'
 */
export function tableNames(env: string) {
  return {
    contextCache: `continuity-${env}-context-cache`,
    crmEvents: `continuity-${env}-crm-events`,
    controlState: `continuity-${env}-control-state`,
    /** Regional table in the witness region: an MRSC witness holds no readable replica. */
    witnessState: `continuity-${env}-witness-state`,
  } as const;
}

export type TableNames = ReturnType<typeof tableNames>;

export function busName(env: string): string {
  return `continuity-${env}`;
}

/** ARN of an environment's bus in another region of the same account. */
export function busArn(env: string, region: string, account: string, partition = 'aws'): string {
  return `arn:${partition}:events:${region}:${account}:event-bus/${busName(env)}`;
}

/** Event source of everything this project emits. */
export const EVENT_SOURCE = 'cc.continuity';

/** CloudFormation stack names (also the `cdk deploy` names). */
export function stackNames(env: string) {
  return {
    data: `Continuity-${env}-Data`,
    region: (region: string) => `Continuity-${env}-Region-${region}`,
    witness: `Continuity-${env}-Witness`,
    dns: `Continuity-${env}-Dns`,
  } as const;
}

/**
 * CloudWatch alarm names. The SIP-health alarm of region R lives in R's Region stack; the Dns stack's
 * CLOUDWATCH_METRIC health check finds it by this name and R.
 *
 * @example
 * alarmNames('dev').sipHealth('us-east-1') // 'continuity-dev-sip-health-us-east-1'
 */
export function alarmNames(env: string) {
  return {
    sipHealth: (region: string) => `continuity-${env}-sip-health-${region}`,
    /**
     * The same condition over one-minute, standard-resolution data: Route 53's CLOUDWATCH_METRIC health
     * checks do not support alarms on high-resolution metrics, which `sipHealth` (10 s) needs.
     */
    sipHealthStandard: (region: string) => `continuity-${env}-sip-health-std-${region}`,
    replicationLag: (region: string) => `continuity-${env}-replication-lag-${region}`,
    replicationLatency: (region: string) => `continuity-${env}-ddb-replication-latency-${region}`,
  } as const;
}

/** The three Route 53 health checks the Dns stack makes per active region. */
export type HealthCheckRole = 'endpoint' | 'sip-alarm' | 'region';

/**
 * Tag keys the Dns stack puts on its Route 53 health checks. Their ids are generated at deployment,
 * so `cc-continuity status` finds a region's checks by these tags (ListHealthChecks + ListTagsForResources).
 *
 * @example
 * // { continuity:env: 'prod', continuity:region: 'us-west-2', continuity:check: 'endpoint' }
 */
export const HEALTH_CHECK_TAGS = {
  env: 'continuity:env',
  region: 'continuity:region',
  check: 'continuity:check',
} as const;

/**
 * Secrets Manager names. Each secret is created once, in the first active region, and replicated to
 * the other active region, so a function in either region reads it by this name locally.
 */
export function secretNames(env: string) {
  return {
    /** `{ "keys": ["<current>", "<next>"] }`: two API keys valid at once, for rotation without downtime. */
    apiKeys: `continuity/${env}/api-keys`,
    /** HMAC keys of the transfer context token. */
    tokenKey: `continuity/${env}/context-token-key`,
    /** Shared secret of the CRM webhook signature. */
    crmWebhook: `continuity/${env}/crm-webhook-secret`,
    /** Platform OAuth client credentials of one org, `{clientId, clientSecret}` (unless the config names another secret). */
    platformClient: (org: string) => `continuity/${env}/platform-client/${org}`,
    /** Keys that encrypt the stored platform tokens (AES-256-GCM), same key-list form as the token key. */
    platformTokenKey: `continuity/${env}/platform-token-key`,
  } as const;
}
