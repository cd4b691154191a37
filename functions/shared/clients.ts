import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RuntimeConfig } from './runtime-config.js';

/**
 * AWS SDK clients with our defaults. Make each client once at module scope (it holds the connection
 * pool) and pass it to the adapters:
 *
 * @example
 * const config = runtimeConfig();
 * const doc = dynamoDocClientFor(config);
 * const peerDoc = dynamoDocClientFor(config, config.peerRegion ?? config.region, { requestTimeoutMs: 300, maxAttempts: 1 });
 */

export interface ClientTuning {
  /** Time to open a connection (TCP + TLS). @default 1000 */
  readonly connectionTimeoutMs?: number;
  /**
   * Time for one attempt, request to response; over it the attempt fails with `TimeoutError` (and may
   * be retried). @default 3000
   */
  readonly requestTimeoutMs?: number;
  /**
   * Attempts including the first (the SDK's standard retry with backoff). Use 1 where the caller has a
   * budget of its own (quorum's control budget, the context origin read). @default 3
   */
  readonly maxAttempts?: number;
}

export const DEFAULT_CLIENT_TUNING: Required<ClientTuning> = {
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 3000,
  maxAttempts: 3,
};

/** Route 53's control plane lives in us-east-1 whatever region calls it. */
const ROUTE53_REGION = 'us-east-1';

function clientConfig(region: string, endpoint: string | undefined, tuning: ClientTuning = {}) {
  const t = { ...DEFAULT_CLIENT_TUNING, ...tuning };
  for (const [name, value] of Object.entries(t)) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(`${name} must be a whole number above 0`);
  }
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: t.maxAttempts,
    requestHandler: {
      connectionTimeout: t.connectionTimeoutMs,
      requestTimeout: t.requestTimeoutMs,
      // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    },
  };
}

export function dynamoClient(region: string, endpoint?: string, tuning?: ClientTuning): DynamoDBClient {
  return new DynamoDBClient(clientConfig(region, endpoint, tuning));
}

/**
 * A DynamoDB document client: plain JS values in and out; `undefined` attributes are dropped (optional
 * fields of our items), numbers come back as numbers.
 */
export function dynamoDocClient(
  region: string,
  endpoint?: string,
  tuning?: ClientTuning,
): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamoClient(region, endpoint, tuning), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}

export function eventBridgeClient(
  region: string,
  endpoint?: string,
  tuning?: ClientTuning,
): EventBridgeClient {
  return new EventBridgeClient(clientConfig(region, endpoint, tuning));
}

export function secretsManagerClient(
  region: string,
  endpoint?: string,
  tuning?: ClientTuning,
): SecretsManagerClient {
  return new SecretsManagerClient(clientConfig(region, endpoint, tuning));
}

export function cloudWatchClient(region: string, endpoint?: string, tuning?: ClientTuning): CloudWatchClient {
  return new CloudWatchClient(clientConfig(region, endpoint, tuning));
}

export function route53Client(endpoint?: string, tuning?: ClientTuning): Route53Client {
  return new Route53Client(clientConfig(ROUTE53_REGION, endpoint, tuning));
}

/** A document client for `region`'s replica (default: this region), with the local endpoint if one is set. */
export function dynamoDocClientFor(
  config: RuntimeConfig,
  region: string = config.region,
  tuning?: ClientTuning,
): DynamoDBDocumentClient {
  return dynamoDocClient(region, config.endpoints.dynamodb[region], tuning);
}

/** This region's EventBridge, with the local endpoint if one is set. */
export function eventBridgeClientFor(config: RuntimeConfig, tuning?: ClientTuning): EventBridgeClient {
  return eventBridgeClient(config.region, config.endpoints.eventBridge, tuning);
}

export function secretsManagerClientFor(config: RuntimeConfig, tuning?: ClientTuning): SecretsManagerClient {
  return secretsManagerClient(config.region, config.endpoints.secretsManager, tuning);
}

export function cloudWatchClientFor(config: RuntimeConfig, tuning?: ClientTuning): CloudWatchClient {
  return cloudWatchClient(config.region, config.endpoints.cloudWatch, tuning);
}
