import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** A Lambda context as the runtime passes it (what Powertools and middy read). */
export function lambdaContext(functionName = 'continuity-test-fn'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2024/05/01/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** An API Gateway HTTP API (payload 2.0) / function URL request, `POST /contexts` unless overridden. */
export function httpEvent(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  const method = overrides.requestContext?.http.method ?? 'POST';
  return routeEvent(`${method} /contexts`, '/contexts', overrides);
}

/**
 * A request to one route of the HTTP API: `routeKey` as API Gateway names it (`GET /contexts/{token}`),
 * `path` the concrete path (`/contexts/abc`); the method comes from the route key.
 */
export function routeEvent(
  routeKey: string,
  path: string,
  overrides: Partial<APIGatewayProxyEventV2> = {},
): APIGatewayProxyEventV2 {
  const method = routeKey.split(' ')[0] ?? 'GET';
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'api.example.com' },
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-id',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: 'request-id',
      routeKey,
      stage: '$default',
      time: '01/May/2024:10:00:00 +0000',
      timeEpoch: 1_714_557_600_000,
    },
    ...overrides,
  };
}
