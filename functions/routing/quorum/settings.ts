import type { ContinuityConfig } from '../../../config/schema.js';
import type { QuorumSettings } from './types.js';

/**
 * The rule's settings from a validated environment config (the schema has checked the ranges and
 * that the three regions are distinct).
 *
 * @example
 * const settings = quorumSettings(loadConfig('dev'));
 */
export function quorumSettings(config: ContinuityConfig): QuorumSettings {
  return {
    activeRegions: [...config.regions.active],
    witnessRegion: config.regions.witness,
    voteStaleMs: config.quorum.voteStaleMs,
    replicationExclusionMs: config.replication.replicationExclusionMs,
    lagSamples: config.replication.lagSamples,
    minRegionsInRotation: config.quorum.minRegionsInRotation,
    failbackDwellSeconds: config.quorum.failbackDwellSeconds,
  };
}
