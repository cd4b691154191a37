import { evaluate, type QuorumDeps } from './quorum-service.js';

/** The operator's actions; what `status` and `explain` show lives in ./status/. */
export type OperatorAction =
  | {
      readonly kind: 'drain' | 'pin';
      readonly region: string;
      readonly by: string;
      readonly reason: string;
      readonly force?: boolean;
    }
  | { readonly kind: 'resume'; readonly region: string };

/**
 * Writes (or, for resume, removes) the override of one region, then evaluates at once so the change
 * takes effect now and is announced like any other (the caller's deps say where events go).
 */
export async function applyOperatorAction(deps: QuorumDeps, action: OperatorAction, now: number) {
  if (!deps.settings.activeRegions.includes(action.region)) {
    throw new RangeError(
      `${action.region} is not an active region (${deps.settings.activeRegions.join(', ')})`,
    );
  }
  if (action.kind === 'resume') {
    await deps.store.clearOverride(action.region);
  } else {
    await deps.store.putOverride(action.region, {
      mode: action.kind,
      by: action.by,
      reason: action.reason,
      atMs: now,
      ...(action.force ? { force: true } : {}),
    });
  }
  return evaluate(deps, now);
}
