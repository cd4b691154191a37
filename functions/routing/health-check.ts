import { isControlUnavailable } from './budget.js';
import type { ControlStore } from './control-store.js';

/** The health endpoint's whole answer: nothing else leaves the region through it. */
export interface HealthBody {
  readonly region: string;
  readonly inRotation: boolean;
  /** The region's RegionReason, or `QuorumLost` / `NoDecisionYet` / `Unavailable`. */
  readonly reason: string;
}

export interface HealthAnswer {
  readonly status: 200 | 503;
  readonly body: HealthBody;
}

/**
 * What Route 53 is told about `region`: 200 only when the stored decision has the region in rotation
 * AND the strongly consistent read of it succeeded within the budget (the store enforces the budget).
 * A region that cannot read ControlState strongly has lost quorum and answers 503 whatever its last
 * decision said: that is the split-brain guard. Never throws.
 *
 * @example
 * const { status, body } = await healthCheck(store, 'us-east-1');
 */
export async function healthCheck(
  store: Pick<ControlStore, 'readDecision'>,
  region: string,
): Promise<HealthAnswer> {
  try {
    const current = await store.readDecision();
    if (current === null) {
      // Before the first decision both regions take calls (quorum's initialDecision).
      return { status: 200, body: { region, inRotation: true, reason: 'NoDecisionYet' } };
    }
    const inRotation = current.decision.inRotation.includes(region);
    const reason = current.decision.regions[region]?.reason ?? 'NotAnActiveRegion';
    return { status: inRotation ? 200 : 503, body: { region, inRotation, reason } };
  } catch (error) {
    const reason = isControlUnavailable(error) ? 'QuorumLost' : 'Unavailable';
    return { status: 503, body: { region, inRotation: false, reason } };
  }
}
