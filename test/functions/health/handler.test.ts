import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EventValidationError } from '../../../functions/shared/events.js';
import { lambdaContext } from '../shared/lambda-fixtures.js';

type MonitorHandler = typeof import('../../../functions/health/handler.js')['handler'];

/** A schedule event as an EventBridge rule delivers it. */
const scheduleEvent = {
  version: '0',
  id: 'e1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-2',
  resources: [],
  detail: {},
};

describe('health monitor handler', () => {
  // Imported in beforeAll, once the environment it parses at module scope is in place.
  let handler: MonitorHandler;

  beforeAll(async () => {
    // Prepare: the witness monitor's environment; endpoints on a closed loopback port, so nothing leaves the machine.
    vi.stubEnv('CONTINUITY_ENV', 'dev');
    vi.stubEnv('AWS_REGION', 'us-east-2');
    vi.stubEnv('ACTIVE_REGIONS', 'us-east-1,us-west-2');
    vi.stubEnv('WITNESS_REGION', 'us-east-2');
    vi.stubEnv('DYNAMODB_ENDPOINT', 'http://127.0.0.1:9');
    vi.stubEnv('EVENTBRIDGE_ENDPOINT', 'http://127.0.0.1:9');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv(
      'CONTINUITY_SETTINGS',
      JSON.stringify({ sipTargets: { 'us-east-1': [{ host: '127.0.0.1', port: 5060, transport: 'udp' }] } }),
    );
    ({ handler } = await import('../../../functions/health/handler.js'));
    return () => vi.unstubAllEnvs();
  });

  it('rejects an event that is not its schedule', async () => {
    // Act
    const invoking = handler(
      { ...scheduleEvent, source: 'cc.continuity', 'detail-type': 'RegionHealthVote' },
      lambdaContext(),
    );

    // Assess
    await expect(invoking).rejects.toBeInstanceOf(EventValidationError);
  });

  it('returns without probing or touching the lease when no tick fits before the invocation ends', async () => {
    // Prepare
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 1500 };

    // Act
    const run = await handler(scheduleEvent, context);

    // Assess
    expect(run).toEqual({ outcome: 'no-slot', ticks: [], tookOverAfterCrash: false });
  });
});
