import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  METRICS_NAMESPACE,
  observability,
  REDACTED,
  redactSecrets,
} from '../../../functions/shared/logger.js';

describe('redactSecrets', () => {
  it.each([
    ['accessToken', 'eyJhbGciOi'],
    ['clientSecret', 's3cr3t'],
    ['authorization', 'Bearer abc'],
    ['Authorization', 'Bearer abc'],
    ['x-signature', 'sha256=abc'],
    ['password', 'hunter2'],
    ['apiKey', 'k-1'],
    ['credentials', { id: 'a', key: 'b' }],
    ['transferContextToken', 'opaque'],
  ])('replaces the value of %s', (key, value) => {
    expect(redactSecrets(key, value)).toBe(REDACTED);
  });

  it.each([
    ['tokenExpiresAt', '2024-05-01T10:00:00Z'],
    ['apiHost', 'api.mypurecloud.com'],
    ['conversationId', 'c-1'],
    ['hasToken', true],
  ])('keeps %s', (key, value) => {
    expect(redactSecrets(key, value)).toBe(value);
  });

  it('redacts at any depth when used as a JSON replacer', () => {
    // Act
    const text = JSON.stringify(
      { request: { headers: { authorization: 'Bearer abc', host: 'h' } } },
      redactSecrets,
    );

    // Assess
    expect(JSON.parse(text)).toEqual({ request: { headers: { authorization: REDACTED, host: 'h' } } });
  });
});

describe('observability', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes JSON lines with the service name and secrets redacted', () => {
    // Prepare
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const { logger } = observability('quorum', { logLevel: 'INFO', persistentKeys: { region: 'us-east-1' } });

    // Act
    logger.info('token refreshed', { apiHost: 'api.x', accessToken: 'eyJ-secret' });

    // Assess
    const line = JSON.parse(written.join('')) as Record<string, unknown>;
    expect(line).toMatchObject({
      service: 'quorum',
      region: 'us-east-1',
      apiHost: 'api.x',
      accessToken: REDACTED,
    });
    expect(written.join('')).not.toContain('eyJ-secret');
  });

  it('puts metrics in the project namespace', () => {
    // Act
    const { metrics } = observability('quorum', { logLevel: 'SILENT' });

    // Assess
    expect(metrics.serializeMetrics()._aws.CloudWatchMetrics[0]?.Namespace).toBe(METRICS_NAMESPACE);
  });
});
