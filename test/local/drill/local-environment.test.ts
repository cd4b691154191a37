import { describe, expect, it } from 'vitest';
import {
  assertLoopback,
  type LocalEndpoints,
  localEnvironment,
} from '../../../local/drill/local-environment.js';

const WITNESS = 'us-east-2';
const endpoints: LocalEndpoints = {
  dynamodb: {
    'us-east-1': 'http://127.0.0.1:8001',
    'us-west-2': 'http://127.0.0.1:8002',
    [WITNESS]: 'http://127.0.0.1:8003',
  },
  eventBridge: 'http://127.0.0.1:9001',
  secretsManager: 'http://127.0.0.1:9002',
  cloudWatch: 'http://127.0.0.1:9004',
  platform: 'http://127.0.0.1:9003',
};

describe('localEnvironment', () => {
  it.each(['us-east-1', 'us-west-2', WITNESS])(
    'sends a function in %s to the platform, EventBridge, Secrets Manager and CloudWatch stand-ins',
    (region) => {
      // Act
      const env = localEnvironment({ region }, WITNESS, endpoints);
      // Assess
      expect(env).toMatchObject({
        AWS_REGION: region,
        PLATFORM_BASE_URL: endpoints.platform,
        EVENTBRIDGE_ENDPOINT: endpoints.eventBridge,
        SECRETS_ENDPOINT: endpoints.secretsManager,
        CLOUDWATCH_ENDPOINT: endpoints.cloudWatch,
      });
    },
  );

  it('gives an active-region function both active replicas and the witness only its own table', () => {
    // Act
    const active = localEnvironment({ region: 'us-west-2' }, WITNESS, endpoints);
    const witness = localEnvironment({ region: WITNESS }, WITNESS, endpoints);
    // Assess
    expect(active.DYNAMODB_ENDPOINTS).toBe('us-east-1=http://127.0.0.1:8001,us-west-2=http://127.0.0.1:8002');
    expect(active.DYNAMODB_ENDPOINT).toBeUndefined();
    expect(witness.DYNAMODB_ENDPOINT).toBe('http://127.0.0.1:8003');
    expect(witness.DYNAMODB_ENDPOINTS).toBeUndefined();
  });

  it.each([
    ['the platform', { platform: 'https://login.mypurecloud.com' }],
    ['EventBridge', { eventBridge: 'http://10.0.0.5:9001' }],
    ['Secrets Manager', { secretsManager: 'not a url' }],
    ['CloudWatch', { cloudWatch: 'https://monitoring.us-east-1.amazonaws.com' }],
    [
      'DynamoDB in us-east-1',
      { dynamodb: { ...endpoints.dynamodb, 'us-east-1': 'http://dynamodb.us-east-1.amazonaws.com' } },
    ],
  ])('refuses %s off loopback', (what, change) => {
    // Act
    const build = () => localEnvironment({ region: 'us-east-1' }, WITNESS, { ...endpoints, ...change });
    // Assess
    expect(build).toThrow(`the local deployment only talks to loopback; ${what} is`);
  });
});

describe('assertLoopback', () => {
  it.each(['http://127.0.0.1:1', 'http://127.0.2.11:443', 'https://localhost:8443', 'http://[::1]:80'])(
    'accepts %s',
    (url) => {
      expect(assertLoopback('x', url)).toBe(url);
    },
  );

  it.each([
    'http://128.0.0.1',
    'http://127.0.0.1.example.com',
    'ftp://127.0.0.1',
    'http://localhost.example.com',
  ])('rejects %s', (url) => {
    expect(() => assertLoopback('x', url)).toThrow(/only talks to loopback/);
  });
});
