import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AwsServiceError,
  type JsonService,
  regionOfRequest,
  startJsonService,
} from '../../../local/aws/json-service.js';

const signature = (region: string) =>
  `AWS4-HMAC-SHA256 Credential=local/20260102/${region}/events/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;

describe('regionOfRequest', () => {
  it.each([
    ['the region of an EventBridge signature', signature('us-west-2'), 'us-west-2'],
    [
      'the region of a Secrets Manager signature',
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20251231/eu-central-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=f0',
      'eu-central-1',
    ],
    ['nothing without an Authorization header', undefined, undefined],
    ['nothing for a bearer token', 'Bearer abc.def', undefined],
    [
      'nothing when the scope has no date',
      'AWS4-HMAC-SHA256 Credential=local/us-east-1/events/aws4_request',
      undefined,
    ],
  ])('reads %s', (_, authorization, region) => {
    // Prepare
    const request = { headers: authorization === undefined ? {} : { authorization } };
    // Act
    const found = regionOfRequest(request);
    // Assess
    expect(found).toBe(region);
  });
});

describe('startJsonService', () => {
  let service: JsonService;
  beforeAll(async () => {
    service = await startJsonService('Test_20260102', {
      Echo: (input, region) => ({ input, region }),
      Nothing: () => undefined,
      Refuse: () => {
        throw new AwsServiceError('AccessDeniedException', 'not for you', 403);
      },
      Validate: async () => {
        throw new AwsServiceError('ValidationException', 'Name is required');
      },
      Crash: () => {
        throw new Error('disk on fire');
      },
    });
  });
  afterAll(() => service.close());

  async function call(target: string | undefined, body = '{}', region: string | null = 'us-east-1') {
    const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1' };
    if (target !== undefined) headers['x-amz-target'] = target;
    if (region !== null) headers.authorization = signature(region);
    const response = await fetch(service.endpoint, { method: 'POST', headers, body });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: await response.json(),
    };
  }

  it('answers an operation with its JSON output, given the input and the region of the signature', async () => {
    // Act
    const answer = await call('Test_20260102.Echo', '{"Name":"x","Limit":2}', 'ap-southeast-2');
    // Assess
    expect(answer).toEqual({
      status: 200,
      type: 'application/x-amz-json-1.1',
      body: { input: { Name: 'x', Limit: 2 }, region: 'ap-southeast-2' },
    });
  });

  it.each([
    ['an empty body as an empty input', 'Test_20260102.Echo', '', { input: {}, region: 'us-east-1' }],
    ['an operation that returns nothing with {}', 'Test_20260102.Nothing', '{}', {}],
  ])('answers %s', async (_, target, body, expected) => {
    // Act
    const answer = await call(target, body);
    // Assess
    expect(answer).toMatchObject({ status: 200, body: expected });
  });

  it.each([
    ['an operation it does not serve', 'Test_20260102.Delete'],
    ['another service’s prefix', 'AWSEvents.Echo'],
    ['a target without an operation', 'Test_20260102'],
    ['a missing X-Amz-Target', undefined],
  ])('fails with 400 UnknownOperationException for %s', async (_, target) => {
    // Act
    const answer = await call(target);
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      __type: 'UnknownOperationException',
      message: `${target ?? ''} is not served`,
    });
  });

  it('fails with 400 MissingAuthenticationTokenException when the request is not signed', async () => {
    // Act
    const answer = await call('Test_20260102.Echo', '{}', null);
    // Assess
    expect(answer).toMatchObject({
      status: 400,
      body: { __type: 'MissingAuthenticationTokenException', message: 'unsigned request' },
    });
  });

  it.each([
    ['an AwsServiceError with its own status', 'Refuse', 403, 'AccessDeniedException', 'not for you'],
    [
      'an AwsServiceError thrown asynchronously, as 400',
      'Validate',
      400,
      'ValidationException',
      'Name is required',
    ],
    ['any other error as 500 InternalException', 'Crash', 500, 'InternalException', 'disk on fire'],
  ])('answers %s', async (_, operation, status, type, message) => {
    // Act
    const answer = await call(`Test_20260102.${operation}`);
    // Assess
    expect(answer).toMatchObject({ status, body: { __type: type, message } });
  });
});

describe('AwsServiceError', () => {
  it('is named after its type, as SDK errors are', () => {
    // Act
    const error = new AwsServiceError('ThrottlingException', 'slow down');
    // Assess
    expect(error).toMatchObject({ name: 'ThrottlingException', type: 'ThrottlingException', status: 400 });
    expect(error.message).toBe('slow down');
  });
});
