import type { Deployment } from './deployment.js';
import { regionSubnet } from './drill-config.js';
import { healthStatus, type SeenEvent } from './observe.js';
import type { ScenarioContext } from './scenario.js';

/** What scenarios ask of the deployment, in the terms of the report. */

export const regionPair = (d: Deployment): { a: string; b: string } => {
  const [a, b] = d.config.regions.active;
  if (a === undefined || b === undefined) throw new Error('the drill needs two active regions');
  return { a, b };
};

/** The active region whose loopback subnet holds every address of a DNS answer; 'mixed' or 'none' otherwise. */
export function regionOfAnswer(d: Deployment, values: readonly string[]): string {
  if (values.length === 0) return 'none';
  const regions = new Set(
    values.map((v) => {
      const i = d.config.regions.active.findIndex((_, n) => v.startsWith(`${regionSubnet(n)}.`));
      return i >= 0 ? d.config.regions.active[i] : 'other';
    }),
  );
  return regions.size === 1 ? ([...regions][0] ?? 'none') : 'mixed';
}

/** The region `sip.<zone>` sends a caller near `clientRegion` to. */
export function sipAnswerRegion(d: Deployment, clientRegion: string): string {
  return regionOfAnswer(d, d.dns.answer(`sip.${d.config.dns.zoneName}`, clientRegion));
}

export function health(d: Deployment, region: string): Promise<number> {
  return healthStatus(d.region(region).health.url);
}

/** Rotation changes seen since `since`, one per epoch (duplicated deliveries collapse). */
export function rotationChanges(ctx: ScenarioContext, since: number): SeenEvent[] {
  const byEpoch = new Map<number, SeenEvent>();
  for (const e of ctx.observer.find('RegionRotationChanged', since)) {
    const epoch = Number(e.detail.epoch);
    if (!byEpoch.has(epoch)) byEpoch.set(epoch, e);
  }
  return [...byEpoch.values()].sort((x, y) => x.at - y.at);
}

const inRotation = (e: SeenEvent): string[] => (e.detail.inRotation as string[] | undefined) ?? [];

/** Marks each rotation change on the timeline and checks none left fewer than minRegionsInRotation. */
export function checkRotationFloor(ctx: ScenarioContext, since: number): void {
  const min = ctx.deployment.config.quorum.minRegionsInRotation;
  const changes = rotationChanges(ctx, since);
  const smallest = Math.min(Number.POSITIVE_INFINITY, ...changes.map((e) => inRotation(e).length));
  ctx.expect(
    'never fewer regions in rotation than minRegionsInRotation',
    changes.every((e) => inRotation(e).length >= min),
    `>= ${min} in every decision`,
    changes.length === 0 ? 'no change' : `smallest rotation: ${smallest}`,
  );
}

/**
 * Waits until both regions answer 200 on their health endpoints and `sip.<zone>` answers each caller
 * with its own region: the steady state every scenario starts from.
 */
export async function steadyState(ctx: ScenarioContext, timeoutMs = 180_000): Promise<boolean> {
  const d = ctx.deployment;
  const { a, b } = regionPair(d);
  const observers = [...d.config.regions.active, d.config.regions.witness];
  const freshMs = 2 * d.config.health.voteRefreshSeconds * 1000;
  // Every observer's monitor is running (a monitor stopped by the last scenario restarts on its schedule).
  const allVoting = () =>
    observers.every(
      (o) => ctx.observer.find('RegionHealthVote', Date.now() - freshMs, (v) => v.observer === o).length > 0,
    );
  // The last lag crossing each region's monitor reported is back under the exclusion threshold: a
  // backlog left by the last scenario (DynamoDB Local under load) must not exclude a region mid-scenario.
  const lagSettled = () =>
    d.config.regions.active.every((r) => {
      const last = ctx.observer.find('ReplicationLagMeasured', 0, (x) => x.measuringRegion === r).at(-1);
      return last === undefined || Number(last.detail.lagMs) <= d.config.replication.replicationExclusionMs;
    });
  const ready = await ctx.waitFor(
    'steady state: three observers voting, replication lag settled, both regions in rotation, healthy for Route 53 and answered by DNS',
    async () =>
      allVoting() &&
      lagSettled() &&
      (await health(d, a)) === 200 &&
      (await health(d, b)) === 200 &&
      d.dns.regionStable(a) &&
      d.dns.regionStable(b) &&
      sipAnswerRegion(d, a) === a &&
      sipAnswerRegion(d, b) === b,
    timeoutMs,
    500,
  );
  ctx.expect(
    'starts from the steady state',
    ready !== undefined,
    'both regions healthy and answered by DNS',
    ready ? `after ${((ready.at - ctx.t0) / 1000).toFixed(1)} s` : `not within ${timeoutMs / 1000} s`,
  );
  if (ready) ctx.mark('fault', 'steady state', 'note', ready.at);
  return ready !== undefined;
}

/** The first event of `detailType` since `since` matching `where`; marks it on `lane` when found. */
export function firstEvent(
  ctx: ScenarioContext,
  detailType: string,
  since: number,
  where: (detail: Record<string, unknown>) => boolean,
): SeenEvent | undefined {
  return ctx.observer.find(detailType, since, where)[0];
}

/** Marks the first vote of each observer about `region` with `healthy` since `since`. */
export function markVotes(ctx: ScenarioContext, region: string, healthy: boolean, since: number): void {
  const seen = new Set<string>();
  for (const v of ctx.observer.find('RegionHealthVote', since, (x) => x.targetRegion === region)) {
    const observer = String(v.detail.observer);
    if (v.detail.healthy !== healthy || seen.has(observer)) continue;
    seen.add(observer);
    ctx.mark('vote', `${observer} votes ${region} ${healthy ? 'healthy' : 'unhealthy'}`, 'observation', v.at);
  }
}

/**
 * Waits (failback dwell + 90 s) for the first decision since `since` that has `region` back in rotation,
 * and marks it on the quorum lane.
 */
export async function waitForFailback(ctx: ScenarioContext, region: string, since: number) {
  const dwellMs = ctx.deployment.config.quorum.failbackDwellSeconds * 1000;
  const back = await ctx.waitFor(
    `${region} back in rotation after the ${dwellMs / 1000} s failback dwell`,
    () =>
      firstEvent(ctx, 'RegionRotationChanged', since, (x) =>
        inRotation({ detail: x } as SeenEvent).includes(region),
      ),
    dwellMs + 90_000,
    100,
  );
  if (back)
    ctx.mark(
      'quorum',
      `decision: ${region} back (epoch ${String(back.value.detail.epoch)})`,
      'recovery',
      back.value.at,
    );
  return back;
}
