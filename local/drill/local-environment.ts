import { LOCAL_CREDENTIALS } from '../dynamo/launcher.js';
import type { FunctionSpec } from './template.js';

/** The loopback stand-ins a local function talks to instead of AWS and the platform. */
export interface LocalEndpoints {
  /** DynamoDB Local per region (active regions and the witness). */
  readonly dynamodb: Readonly<Record<string, string>>;
  readonly eventBridge: string;
  readonly secretsManager: string;
  /** CloudWatch's DescribeAlarms (the quorum reads the failover trigger alarms). */
  readonly cloudWatch: string;
  /** The platform stand-in: every platform host is reached as `<platform>/<host>`. */
  readonly platform: string;
}

export class NotLoopbackError extends Error {
  constructor(what: string, url: string) {
    super(`the local deployment only talks to loopback; ${what} is ${url}`);
    this.name = 'NotLoopbackError';
  }
}

/** Throws unless `url` is http(s) on a loopback address (127.0.0.0/8, ::1, localhost). */
export function assertLoopback(what: string, url: string): string {
  let host: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
    host = parsed.hostname;
  } catch {
    throw new NotLoopbackError(what, url);
  }
  if (!/^127(\.\d{1,3}){3}$/.test(host) && host !== '[::1]' && host !== 'localhost')
    throw new NotLoopbackError(what, url);
  return url;
}

/**
 * What a local deployment adds to a function's template environment: its region, local credentials and
 * an endpoint for everything it reaches, each checked to be on loopback. Without `PLATFORM_BASE_URL` the
 * oauth area would call the real platform hosts, so every function gets it, whether or not it calls the
 * platform today.
 *
 * @example
 * startFunctions(spec, bus, { environmentFor: (fn) => localEnvironment(fn, config.regions.witness, endpoints), onLog });
 */
export function localEnvironment(
  fn: Pick<FunctionSpec, 'region'>,
  witnessRegion: string,
  endpoints: LocalEndpoints,
): Record<string, string> {
  const dynamodb = Object.entries(endpoints.dynamodb).map(
    ([region, url]) => [region, assertLoopback(`DynamoDB in ${region}`, url)] as const,
  );
  const own = endpoints.dynamodb[fn.region];
  if (own === undefined) throw new Error(`no local DynamoDB for ${fn.region}`);
  return {
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // The witness reads only its own table; an active region also reads the peer's replica.
    ...(fn.region === witnessRegion
      ? { DYNAMODB_ENDPOINT: own }
      : {
          DYNAMODB_ENDPOINTS: dynamodb
            .filter(([region]) => region !== witnessRegion)
            .map(([region, url]) => `${region}=${url}`)
            .join(','),
        }),
    EVENTBRIDGE_ENDPOINT: assertLoopback('EventBridge', endpoints.eventBridge),
    SECRETS_ENDPOINT: assertLoopback('Secrets Manager', endpoints.secretsManager),
    CLOUDWATCH_ENDPOINT: assertLoopback('CloudWatch', endpoints.cloudWatch),
    PLATFORM_BASE_URL: assertLoopback('the platform', endpoints.platform),
  };
}
