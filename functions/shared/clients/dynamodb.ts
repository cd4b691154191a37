import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RuntimeConfig } from '../runtime-config.js';
import { type ClientTuning, clientConfig } from './tuning.js';

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

/**
 * A document client for `region`'s replica (default: this region), with the local endpoint if one is set.
 *
 * @example
 * const doc = dynamoDocClientFor(config);
 * const peerDoc = dynamoDocClientFor(config, config.peerRegion ?? config.region, { requestTimeoutMs: 300, maxAttempts: 1 });
 */
export function dynamoDocClientFor(
  config: RuntimeConfig,
  region: string = config.region,
  tuning?: ClientTuning,
): DynamoDBDocumentClient {
  return dynamoDocClient(region, config.endpoints.dynamodb[region], tuning);
}
