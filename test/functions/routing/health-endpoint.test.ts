import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../config/load.js';
import { lambdaEnvironment } from '../../../functions/shared/runtime-config.js';
import { lambdaContext, routeEvent } from '../shared/lambda-fixtures.js';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: unknown,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** The deployed entry (module scope and all), ControlState mocked: no decision yet, so 200. */
describe('health endpoint', () => {
  const doc = mockClient(DynamoDBDocumentClient);
  let handler: Handler;

  beforeAll(async () => {
    const config = loadConfig('dev');
    for (const [name, value] of Object.entries(lambdaEnvironment(config, { sections: ['quorum'] }))) {
      vi.stubEnv(name, value);
    }
    vi.stubEnv('AWS_REGION', config.regions.active[0] ?? 'us-east-1');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    handler = (await import('../../../functions/routing/health-endpoint.js')).handler as Handler;
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    doc.restore();
  });
  beforeEach(() => {
    doc.reset();
    doc.on(GetCommand).resolves({});
  });

  const request = (overrides: Partial<APIGatewayProxyEventV2>) =>
    routeEvent('$default', '/', { headers: { host: 'x.lambda-url.us-east-1.on.aws' }, ...overrides });

  it.each([
    ['no body', {}],
    ['a body that is not JSON', { body: 'not json', headers: { 'content-type': 'application/json' } }],
    ['a body of another media type', { body: '<ping/>', headers: { 'content-type': 'text/xml' } }],
    ['a body without a media type', { body: '{}', headers: {} }],
    ['a 2 MB body', { body: 'x'.repeat(2 * 1024 * 1024), headers: { 'content-type': 'application/json' } }],
    ['a base64 body', { body: 'AAEC', isBase64Encoded: true, headers: {} }],
  ] as [string, Partial<APIGatewayProxyEventV2>][])(
    'ignores %s and answers with the health body only',
    async (_name, overrides) => {
      // Act
      const answer = await handler(request(overrides), lambdaContext());

      // Assess
      expect(answer.statusCode).toBe(200);
      expect(JSON.parse(answer.body ?? '')).toEqual({
        region: expect.any(String),
        inRotation: true,
        reason: 'NoDecisionYet',
      });
    },
  );
});
