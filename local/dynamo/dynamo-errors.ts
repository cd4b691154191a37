/**
 * DynamoDB error responses as the service sends them (awsJson1_0: the `__type` names the
 * shape, the SDK turns it into the matching exception class), for the region proxy to
 * return instead of forwarding.
 */
export interface DynamoErrorResponse {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

const DYNAMODB = 'com.amazonaws.dynamodb.v20120810';
const CORAL_VALIDATE = 'com.amazon.coral.validate';

/**
 * What a region that lost its MRSC quorum answers to a write or a strongly consistent read
 * of an MRSC table. DynamoDB's docs say such a region cannot serve those (it can still
 * serve eventually consistent reads) but name no dedicated error; the API models one
 * server-side fault for every data-plane call, `InternalServerError` (HTTP 500), so that is
 * what the SDK raises here (after its usual retries of a 5xx).
 */
export function mrscQuorumLost(region: string): DynamoErrorResponse {
  return {
    status: 500,
    type: `${DYNAMODB}#InternalServerError`,
    message: `Internal server error (local stand-in: ${region} cannot reach a quorum of the MRSC region set)`,
  };
}

/** MRSC tables do not support transactions. */
export function mrscTransactionRejected(): DynamoErrorResponse {
  return {
    status: 400,
    type: `${CORAL_VALIDATE}#ValidationException`,
    message: 'Transactions are not supported on multi-Region strongly consistent tables',
  };
}

/** A local limitation, not a DynamoDB rule: the control store is a separate database. */
export function mixedStoresRejected(tables: readonly string[]): DynamoErrorResponse {
  return {
    status: 400,
    type: `${CORAL_VALIDATE}#ValidationException`,
    message: `local stand-in: one request cannot touch the MRSC control table and other tables together (${tables.join(', ')})`,
  };
}

/** Injected throttling, as DynamoDB answers when a table's throughput is exceeded. */
export function throttled(): DynamoErrorResponse {
  return {
    status: 400,
    type: `${DYNAMODB}#ProvisionedThroughputExceededException`,
    message:
      'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  };
}

export function errorBody(error: DynamoErrorResponse): string {
  return JSON.stringify({ __type: error.type, message: error.message });
}
