import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../config/load.js';
import { quorumSettings } from '../../../../functions/routing/quorum/settings.js';

describe('quorumSettings', () => {
  it('takes the regions, quorum and replication settings of the environment config', () => {
    const config = loadConfig('dev');

    const settings = quorumSettings(config);

    expect(settings).toEqual({
      activeRegions: ['us-east-1', 'us-west-2'],
      witnessRegion: 'us-east-2',
      voteStaleMs: config.quorum.voteStaleMs,
      replicationExclusionMs: 200,
      lagSamples: 3,
      minRegionsInRotation: 1,
      failbackDwellSeconds: 30,
    });
  });
});
