import { describe, expect, it } from 'vitest';
import { dueReason } from '../../../functions/oauth/refresher.js';
import type { TokenRecord } from '../../../functions/oauth/token-store.js';
import { parseEvent } from '../../../functions/shared/events.js';
import {
  dueForRefresh,
  holdsOwnToken,
  hostAndPath,
  leakingLines,
  type RefreshSnapshot,
  reviewBackoff,
  scheduledEvent,
} from '../../../local/drill/oauth-access.js';

const WEST = { name: 'west', loginHost: 'login.usw2.pure.cloud', apiHost: 'api.usw2.pure.cloud' };
const NOW = Date.parse('2026-03-01T10:00:00.000Z');

function record(parts: Partial<NonNullable<TokenRecord['token']>> = {}): TokenRecord {
  return {
    org: 'west',
    version: 4,
    token: {
      ciphertext: new Uint8Array([1, 2, 3]),
      loginHost: WEST.loginHost,
      apiHost: WEST.apiHost,
      issuedAt: NOW - 60_000,
      expiresAt: NOW - 60_000 + 86_400_000,
      credentialsVersion: 'v1',
      ...parts,
    },
    rejectedCredentialsVersion: null,
    retryNotBefore: null,
    failures: 0,
    updatedAt: NOW - 60_000,
    updatedBy: 'us-east-1',
  };
}

const snap = (
  version: number,
  failures: number,
  updatedAt: number,
  wait: number | null,
): RefreshSnapshot => ({
  version,
  failures,
  updatedAt,
  retryNotBefore: wait === null ? null : updatedAt + wait,
});

describe('dueForRefresh', () => {
  it('makes a fresh token due for the refresher, even one issued a moment ago, as the next version', () => {
    // Prepare
    const fresh = record({ issuedAt: NOW - 1000, expiresAt: NOW - 1000 + 86_400_000 });
    expect(dueReason(fresh, WEST, NOW, 600_000)).toBeNull();
    // Act
    const due = dueForRefresh(fresh, NOW, 120_000);
    // Assess
    expect(dueReason(due, WEST, NOW, 600_000)).toBe('expiring');
    expect(due.version).toBe(5);
    expect(due.token?.expiresAt).toBe(NOW + 120_000);
    expect(due.token?.ciphertext).toBe(fresh.token?.ciphertext);
  });

  it('refuses a record without a token', () => {
    expect(() => dueForRefresh({ ...record(), token: null }, NOW, 120_000)).toThrow(/no token/);
  });
});

describe('holdsOwnToken', () => {
  it('wants the org own hosts and enough time left', () => {
    expect(holdsOwnToken(record(), WEST, NOW, 3_600_000)).toBe(true);
    expect(holdsOwnToken(record({ apiHost: 'api.mypurecloud.com' }), WEST, NOW, 0)).toBe(false);
    expect(holdsOwnToken(record({ expiresAt: NOW + 60_000 }), WEST, NOW, 3_600_000)).toBe(false);
    expect(holdsOwnToken(null, WEST, NOW, 0)).toBe(false);
  });
});

describe('reviewBackoff', () => {
  it('counts each failing write once and finds no early attempt when every run waited', () => {
    // Prepare: the same write read twice, three failures 3 s apart or more, then the success
    const reads = [
      snap(5, 1, 0, 3000),
      snap(5, 1, 0, 3000),
      snap(6, 2, 3100, 8000),
      snap(7, 3, 11_200, 4000),
      snap(8, 0, 15_300, null),
    ];
    // Act
    const review = reviewBackoff(reads);
    // Assess
    expect(review).toEqual({ failures: 3, shortestWaitMs: 3000, early: 0, missed: 0 });
  });

  it('flags a write from a run that started before the back-off ended, and failures the reads missed', () => {
    // Act
    const review = reviewBackoff([snap(5, 1, 0, 3000), snap(6, 3, 1000, 5000), snap(7, 0, 2000, null)]);
    // Assess
    expect(review).toEqual({ failures: 2, shortestWaitMs: 3000, early: 2, missed: 1 });
  });

  it('has nothing to say without failures', () => {
    expect(reviewBackoff([snap(5, 0, 0, null)])).toEqual({
      failures: 0,
      shortestWaitMs: null,
      early: 0,
      missed: 0,
    });
  });
});

describe('hostAndPath', () => {
  it('reads the platform host and path back from a stand-in URL', () => {
    expect(
      hostAndPath('http://127.0.0.1:4000/login.usw2.pure.cloud/oauth/token', 'http://127.0.0.1:4000'),
    ).toEqual({
      host: 'login.usw2.pure.cloud',
      path: '/oauth/token',
    });
    expect(hostAndPath('https://api.mypurecloud.com/api/v2/x?y=1', 'http://127.0.0.1:4000')).toEqual({
      host: 'api.mypurecloud.com',
      path: '/api/v2/x',
    });
  });
});

describe('scheduledEvent', () => {
  it('is what the refresher handler accepts as its schedule', () => {
    const event = parseEvent(scheduledEvent('us-west-2', NOW, 'e-1'), ['Schedule']);
    expect(event.type).toBe('Schedule');
  });
});

describe('leakingLines', () => {
  it('finds a token, a Bearer or Basic credential, and ignores short needles such as placeholders', () => {
    const token = 'Zm9vYmFyYmF6cXV4cXV1eHF1dXg';
    const lines = [
      '{"message":"platform token refreshed","org":"west"}',
      `{"detail":"${token}"}`,
      'authorization: Bearer abcdefghijkl',
      'clientSecret REPLACE_ME',
    ];
    expect(leakingLines(lines, [token, 'REPLACE_ME'])).toEqual([lines[1], lines[2]]);
  });
});
