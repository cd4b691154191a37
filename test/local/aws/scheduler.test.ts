import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseEvent } from '../../../functions/shared/events.js';
import { ratePeriodMs, type ScheduledFire, startScheduler } from '../../../local/aws/scheduler.js';
import type { SynthesizedRule } from '../../../local/bus/rules.js';

const NOW = Date.UTC(2026, 2, 4, 5, 6, 7, 890);

const backstop = (region: string, schedule: string): SynthesizedRule => ({
  path: `Continuity-test-Region-${region}/Quorum/Backstop`,
  region,
  bus: 'default',
  schedule,
  targets: [{ kind: 'function', path: `Continuity-test-Region-${region}/Quorum/Function` }],
});

const eastEveryMinute = backstop('us-east-1', 'rate(1 minute)');
const westEveryFive = backstop('us-west-2', 'rate(5 minutes)');
const votes: SynthesizedRule = {
  path: 'Continuity-test-Region-us-east-1/Quorum/Inputs',
  region: 'us-east-1',
  bus: 'custom',
  pattern: { source: ['cc.continuity'] },
  targets: [{ kind: 'function', path: 'Continuity-test-Region-us-east-1/Quorum/Function' }],
};

describe('ratePeriodMs', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(2 hours)', 7_200_000],
    ['rate(1 hour)', 3_600_000],
    ['rate(1 day)', 86_400_000],
    ['rate(3 days)', 259_200_000],
  ])('reads %s as %i ms', (expression, ms) => {
    // Act
    const period = ratePeriodMs(expression);
    // Assess
    expect(period).toBe(ms);
  });

  it.each([
    'cron(0/5 * * * ? *)',
    'rate(0 minutes)',
    'rate(30 seconds)',
    'rate(-1 minutes)',
    'rate(1.5 hours)',
    'every 5 minutes',
    '',
  ])('rejects %j with a message naming the expression', (expression) => {
    // Act
    const read = () => ratePeriodMs(expression);
    // Assess
    expect(read).toThrow(`schedule ${expression}: the local scheduler runs rate(<n> minute|hour|day)`);
  });
});

describe('startScheduler', () => {
  let fires: ScheduledFire[];
  const fire = (f: ScheduledFire) => {
    fires.push(f);
  };
  const firesOf = (rule: SynthesizedRule) => fires.filter((f) => f.rule === rule).length;

  beforeEach(() => {
    fires = [];
    vi.useFakeTimers({ now: NOW });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires every schedule rule once at start with a valid Scheduled Event, and no pattern rule', () => {
    // Act
    const scheduler = startScheduler([eastEveryMinute, votes, westEveryFive], fire);
    scheduler.stop();
    // Assess
    expect(fires.map((f) => f.rule)).toEqual([eastEveryMinute, westEveryFive]);
    for (const { rule, event } of fires) {
      const parsed = parseEvent(event, ['Schedule']);
      expect(parsed).toMatchObject({
        type: 'Schedule',
        source: 'aws.events',
        detailType: 'Scheduled Event',
        region: rule.region,
        account: '000000000000',
        time: '2026-03-04T05:06:07Z',
        resources: [`arn:aws:events:${rule.region}:000000000000:rule/${rule.path}`],
        detail: {},
      });
    }
    expect(fires[0]?.event.id).not.toBe(fires[1]?.event.id);
    expect(scheduler.lastFired).toEqual(new Map([eastEveryMinute, westEveryFive].map((r) => [r.path, NOW])));
  });

  it('puts the given account in the event and the rule ARN', () => {
    // Act
    startScheduler([eastEveryMinute], fire, { account: '123456789012' }).stop();
    // Assess
    expect(fires[0]?.event).toMatchObject({
      account: '123456789012',
      resources: [`arn:aws:events:us-east-1:123456789012:rule/${eastEveryMinute.path}`],
    });
  });

  it('fires again once per scaled period', () => {
    // Prepare
    const scheduler = startScheduler([eastEveryMinute, westEveryFive], fire, { periodScale: 0.01 });
    // Act
    vi.advanceTimersByTime(599);
    const beforePeriod = firesOf(eastEveryMinute);
    vi.advanceTimersByTime(1);
    const afterPeriod = firesOf(eastEveryMinute);
    vi.advanceTimersByTime(2_400);
    scheduler.stop();
    // Assess
    expect(beforePeriod).toBe(1);
    expect(afterPeriod).toBe(2);
    expect(firesOf(eastEveryMinute)).toBe(6);
    expect(firesOf(westEveryFive)).toBe(2);
    expect(scheduler.lastFired.get(eastEveryMinute.path)).toBe(NOW + 3_000);
    expect(fires.at(-1)?.event.time).toBe('2026-03-04T05:06:10Z');
  });

  it('stops firing after stop()', () => {
    // Prepare
    const scheduler = startScheduler([eastEveryMinute], fire, { periodScale: 0.01 });
    vi.advanceTimersByTime(600);
    // Act
    scheduler.stop();
    vi.advanceTimersByTime(60_000);
    // Assess
    expect(fires).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects a rule whose schedule is a cron expression, naming it', () => {
    // Prepare
    const nightly = backstop('us-east-1', 'cron(0 3 * * ? *)');
    // Act
    const start = () => startScheduler([nightly], fire);
    // Assess
    expect(start).toThrow('schedule cron(0 3 * * ? *)');
  });
});
