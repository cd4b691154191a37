import { describe, expect, it } from 'vitest';
import { ControlUnavailable } from '../../../functions/routing/budget.js';
import type { StoredDecision } from '../../../functions/routing/control-store.js';
import { healthCheck } from '../../../functions/routing/health-check.js';
import { steady, T0, USE1, USW2 } from './quorum/fixtures.js';

const stored = (decision = steady(T0)): StoredDecision => ({ decision, version: 3, pending: {} });
const storeWith = (read: () => Promise<StoredDecision | null>) => ({ readDecision: read });

describe('healthCheck', () => {
  it('answers 200 for a region in rotation', async () => {
    const answer = await healthCheck(
      storeWith(async () => stored()),
      USE1,
    );
    expect(answer).toEqual({ status: 200, body: { region: USE1, inRotation: true, reason: 'Healthy' } });
  });

  it('answers 503 with the reason for a region out of rotation', async () => {
    const decision = steady(T0, { [USW2]: { inRotation: false, reason: 'SipUnhealthy' } });
    const answer = await healthCheck(
      storeWith(async () => stored(decision)),
      USW2,
    );
    expect(answer).toEqual({
      status: 503,
      body: { region: USW2, inRotation: false, reason: 'SipUnhealthy' },
    });
  });

  it('answers 503 QuorumLost, whatever the last decision said, when ControlState is out of reach', async () => {
    const answer = await healthCheck(
      storeWith(() => Promise.reject(new ControlUnavailable('read decision', true))),
      USE1,
    );
    expect(answer).toEqual({ status: 503, body: { region: USE1, inRotation: false, reason: 'QuorumLost' } });
  });

  it('never throws: any other failure is 503 Unavailable', async () => {
    const answer = await healthCheck(
      storeWith(() => Promise.reject(new TypeError('bug'))),
      USE1,
    );
    expect(answer).toEqual({ status: 503, body: { region: USE1, inRotation: false, reason: 'Unavailable' } });
  });

  it('answers 200 before the first decision (both regions start in rotation)', async () => {
    const answer = await healthCheck(
      storeWith(async () => null),
      USW2,
    );
    expect(answer).toEqual({
      status: 200,
      body: { region: USW2, inRotation: true, reason: 'NoDecisionYet' },
    });
  });
});
