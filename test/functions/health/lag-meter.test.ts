import { describe, expect, it } from 'vitest';
import { type HeartbeatStore, LagMeter } from '../../../functions/health/heartbeat.js';

// The overdue bound of the lag meter: a heartbeat that has not arrived is evidence of slow replication
// only while the peer's monitor is still committing ticks (and so writing heartbeats).

const INTERVAL = 1000;
const LAST_SEEN = 1_000_000;
const noStore: HeartbeatStore = {
  write: async () => undefined,
  read: async () => null,
};

function meter(): LagMeter {
  return new LagMeter({
    store: noStore,
    peerRegion: 'us-west-2',
    clock: { now: () => 0, sleep: async () => undefined },
    intervalMs: INTERVAL,
    lastSentAt: LAST_SEEN,
  });
}

describe('LagMeter.takeSample without a new sighting', () => {
  it('reports how late the heartbeat of the peer’s last committed tick is', () => {
    // Prepare: the peer committed a tick 5 s after the newest heartbeat seen here
    const m = meter();
    // Act
    const sample = m.takeSample(LAST_SEEN + 6000, LAST_SEEN + 5000);
    // Assess
    expect(sample).toEqual({ lagMs: 1000, sentAt: null, maxErrorMs: 0 });
  });

  it.each([
    ['the peer monitor committed nothing since (crashed or cut off from ControlState)', LAST_SEEN],
    ['the peer’s last tick is the one whose heartbeat was seen', LAST_SEEN + INTERVAL / 2],
    ['the peer monitor’s lease could not be read', null],
  ])('reports nothing when %s', (_, peerTickAt) => {
    // Act
    const sample = meter().takeSample(LAST_SEEN + 60_000, peerTickAt);
    // Assess
    expect(sample).toBeNull();
  });

  it('reports the bound only while it grows past the last measured lag', () => {
    // Prepare
    const m = meter();
    m.takeSample(LAST_SEEN + 6000, LAST_SEEN + 5000);
    // Act
    const same = m.takeSample(LAST_SEEN + 6000, LAST_SEEN + 5000);
    const later = m.takeSample(LAST_SEEN + 7500, LAST_SEEN + 5000);
    // Assess
    expect(same).toBeNull();
    expect(later?.lagMs).toBe(2500);
  });
});
