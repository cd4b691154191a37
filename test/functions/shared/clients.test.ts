import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_CLIENT_TUNING,
  dynamoDocClient,
  dynamoDocClientFor,
  eventBridgeClient,
  route53Client,
} from '../../../functions/shared/clients.js';
import { loadRuntimeConfig } from '../../../functions/shared/runtime-config.js';

/** A loopback server that accepts requests and never answers them. */
async function silentServer(): Promise<{ server: Server; url: string; requests: () => number }> {
  let count = 0;
  const server = createServer(() => {
    count += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests: () => count };
}

describe('clients', () => {
  let server: Server | undefined;

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('applies the default attempts and the endpoint override', async () => {
    // Act
    const client = eventBridgeClient('us-west-2', 'http://127.0.0.1:4010');

    // Assess
    expect(await client.config.maxAttempts()).toBe(DEFAULT_CLIENT_TUNING.maxAttempts);
    expect(await client.config.region()).toBe('us-west-2');
    const endpoint = await client.config.endpoint?.();
    expect(endpoint?.hostname).toBe('127.0.0.1');
    expect(endpoint?.port).toBe(4010);
  });

  it('talks to Route 53 in us-east-1', async () => {
    expect(await route53Client().config.region()).toBe('us-east-1');
  });

  it('fails a request that gets no answer within requestTimeout with a TimeoutError', async () => {
    // Prepare
    const silent = await silentServer();
    server = silent.server;
    const doc = dynamoDocClient('us-east-1', silent.url, { requestTimeoutMs: 200, maxAttempts: 2 });

    // Act
    const result = doc.send(new GetCommand({ TableName: 't', Key: { pk: 'x' } }));

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(silent.requests()).toBe(2);
  });

  it('uses the local DynamoDB endpoint of the region asked for', async () => {
    // Prepare
    const config = loadRuntimeConfig({
      CONTINUITY_ENV: 'dev',
      AWS_REGION: 'us-east-1',
      ACTIVE_REGIONS: 'us-east-1,us-west-2',
      WITNESS_REGION: 'us-east-2',
      CONTINUITY_SETTINGS: '{}',
      DYNAMODB_ENDPOINTS: 'us-east-1=http://127.0.0.1:8001,us-west-2=http://127.0.0.1:8002',
    });

    // Act
    const peer = dynamoDocClientFor(config, 'us-west-2');

    // Assess
    expect(await peer.config.region()).toBe('us-west-2');
    expect((await peer.config.endpoint?.())?.port).toBe(8002);
  });

  it('fails on a tuning value that is not a whole positive number', () => {
    expect(() => dynamoDocClient('us-east-1', undefined, { maxAttempts: 0 })).toThrow('maxAttempts');
  });
});
