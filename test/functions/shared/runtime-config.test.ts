import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/load.js';
import {
  lambdaEnvironment,
  loadRuntimeConfig,
  RuntimeConfigError,
} from '../../../functions/shared/runtime-config.js';

const BASE = {
  CONTINUITY_ENV: 'dev',
  AWS_REGION: 'us-east-1',
  ACTIVE_REGIONS: 'us-east-1,us-west-2',
  WITNESS_REGION: 'us-east-2',
  CONTINUITY_SETTINGS: '{}',
};

function problemsOf(env: Record<string, string | undefined>): string {
  try {
    loadRuntimeConfig(env);
  } catch (error) {
    if (error instanceof RuntimeConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a RuntimeConfigError');
}

describe('loadRuntimeConfig', () => {
  it('fills in names, peer and area defaults from a minimal environment', () => {
    // Act
    const config = loadRuntimeConfig(BASE);

    // Assess
    expect(config).toMatchObject({
      env: 'dev',
      region: 'us-east-1',
      activeRegions: ['us-east-1', 'us-west-2'],
      peerRegion: 'us-west-2',
      isWitness: false,
      eventBusName: 'continuity-dev',
      tables: { controlState: 'continuity-dev-control-state', witnessState: 'continuity-dev-witness-state' },
      endpoints: { dynamodb: {} },
    });
    expect(config.settings.health.probeIntervalMs).toBe(1000);
    expect(config.settings.platform).toBeUndefined();
  });

  it('knows it runs in the witness region', () => {
    // Act
    const config = loadRuntimeConfig({ ...BASE, AWS_REGION: 'us-east-2' });

    // Assess
    expect(config.isWitness).toBe(true);
    expect(config.peerRegion).toBeNull();
  });

  it('takes local endpoints per region, this region from DYNAMODB_ENDPOINT', () => {
    // Act
    const config = loadRuntimeConfig({
      ...BASE,
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      DYNAMODB_ENDPOINTS: 'us-west-2=http://127.0.0.1:8001, us-east-2=http://127.0.0.1:8002',
      EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:9000',
    });

    // Assess
    expect(config.endpoints.dynamodb).toEqual({
      'us-east-1': 'http://127.0.0.1:8000',
      'us-west-2': 'http://127.0.0.1:8001',
      'us-east-2': 'http://127.0.0.1:8002',
    });
    expect(config.endpoints.eventBridge).toBe('http://127.0.0.1:9000');
  });

  it('reads back what lambdaEnvironment writes for a config', () => {
    // Prepare
    const config = loadConfig('dev');

    // Act
    const runtime = loadRuntimeConfig({ ...lambdaEnvironment(config), AWS_REGION: config.regions.active[1] });

    // Assess
    expect(runtime.activeRegions).toEqual(config.regions.active);
    expect(runtime.witnessRegion).toBe(config.regions.witness);
    expect(runtime.settings.health).toEqual(config.health);
    expect(runtime.settings.platform).toEqual(config.platform);
    expect(runtime.settings.sipTargets).toEqual(config.sipTargets);
  });

  it('carries only the settings sections asked for', () => {
    // Act
    const env = lambdaEnvironment(loadConfig('dev'), { sections: ['context'] });

    // Assess
    expect(Object.keys(JSON.parse(env.CONTINUITY_SETTINGS ?? '{}'))).toEqual(['context']);
  });

  it.each(['CONTINUITY_ENV', 'AWS_REGION', 'ACTIVE_REGIONS', 'WITNESS_REGION', 'CONTINUITY_SETTINGS'])(
    'fails when %s is missing, naming it',
    (variable) => {
      // Act
      const message = problemsOf({ ...BASE, [variable]: undefined });

      // Assess
      expect(message).toContain(`${variable} is not set`);
    },
  );

  it.each([
    ['ACTIVE_REGIONS', { ACTIVE_REGIONS: 'us-east-1' }, 'ACTIVE_REGIONS invalid'],
    ['ACTIVE_REGIONS', { ACTIVE_REGIONS: 'us-east-1,us-east-1' }, 'ACTIVE_REGIONS invalid'],
    ['AWS_REGION', { AWS_REGION: 'mars' }, 'AWS_REGION invalid'],
    ['AWS_REGION', { AWS_REGION: 'eu-west-1' }, 'AWS_REGION invalid'],
    ['WITNESS_REGION', { WITNESS_REGION: 'us-west-2' }, 'WITNESS_REGION invalid'],
    ['DYNAMODB_ENDPOINT', { DYNAMODB_ENDPOINT: 'localhost:8000' }, 'DYNAMODB_ENDPOINT invalid'],
    ['DYNAMODB_ENDPOINTS', { DYNAMODB_ENDPOINTS: 'us-west-2' }, 'DYNAMODB_ENDPOINTS invalid'],
    ['CONTINUITY_SETTINGS', { CONTINUITY_SETTINGS: '{' }, 'CONTINUITY_SETTINGS invalid: must be JSON'],
    [
      'CONTINUITY_SETTINGS',
      { CONTINUITY_SETTINGS: '{"quorum":{"voteStaleMs":10}}' },
      'CONTINUITY_SETTINGS.quorum.voteStaleMs',
    ],
  ])('fails on an invalid %s, naming it', (_variable, overrides, expected) => {
    // Act
    const message = problemsOf({ ...BASE, ...overrides });

    // Assess
    expect(message).toContain(expected);
  });

  it('never repeats a value in its message', () => {
    // Act
    const message = problemsOf({ ...BASE, DYNAMODB_ENDPOINT: 'not-a-url-s3cr3t' });

    // Assess
    expect(message).not.toContain('s3cr3t');
  });
});
