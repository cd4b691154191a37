import { beforeAll, describe, expect, it } from 'vitest';
import { buildEvent } from '../../../functions/shared/events.js';
import { alarmNames, busName, stackNames } from '../../../functions/shared/names.js';
import { type DeliveredEvent, LocalBus } from '../../../local/bus/bus.js';
import { type SynthesizedRule, synthesizedRules } from '../../../local/bus/rules.js';
import { testConfig } from '../../lib/helpers.js';

const config = testConfig();
const [A, B] = config.regions.active as [string, string];
const W = config.regions.witness;
const quorumOf = (region: string) => `${stackNames(config.env).region(region)}/Quorum/Function`;

function vote(observer: string) {
  return buildEvent(
    'RegionHealthVote',
    {
      observer,
      targetRegion: A,
      healthy: false,
      healthyTargets: 0,
      totalTargets: 2,
      incarnation: 1,
      seq: 1,
      reason: 'targets down',
    },
    { originRegion: observer, now: Date.now(), eventBusName: busName(config.env) },
  );
}

describe('LocalBus on the synthesized rules', () => {
  let rules: SynthesizedRule[];
  beforeAll(async () => {
    rules = await synthesizedRules(config);
  }, 120_000);

  function busWithQuorum() {
    const seen: [string, DeliveredEvent][] = [];
    const bus = new LocalBus(rules);
    for (const region of [A, B]) {
      bus.on(quorumOf(region), async (e) => {
        seen.push([region, e]);
      });
    }
    return { bus, seen };
  }

  it.each([A, B, W])(
    'delivers a vote cast in %s to both regions’ quorum functions, once each',
    async (origin) => {
      // Prepare
      const { bus, seen } = busWithQuorum();
      // Act
      await bus.publisher(origin).publish([vote(origin)]);
      // Assess
      expect(seen.map(([region]) => region).sort()).toEqual([A, B].sort());
      expect(seen.every(([, e]) => (e.detail as { observer: string }).observer === origin)).toBe(true);
    },
  );

  it('delivers a SIP-health alarm change only to the quorum function of the alarm’s region', async () => {
    // Prepare
    const { bus, seen } = busWithQuorum();
    const alarm = (name: string) => ({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      detail: { alarmName: name, state: { value: 'ALARM' }, previousState: { value: 'OK' } },
    });
    // Act
    await bus.putDefault(B, alarm(alarmNames(config.env).sipHealth(B)));
    await bus.putDefault(B, alarm('some-other-alarm'));
    // Assess
    expect(seen.map(([region]) => region)).toEqual([B]);
  });

  it('has a schedule rule per region for the quorum backstop', () => {
    const schedules = rules.filter((r) => r.schedule !== undefined).map((r) => r.targets);
    expect(schedules).toContainEqual([{ kind: 'function', path: quorumOf(A) }]);
    expect(schedules).toContainEqual([{ kind: 'function', path: quorumOf(B) }]);
  });

  it('routes platform events put on a partner event bus to that region\u2019s capacity ingest only', async () => {
    // Prepare: a config whose org in A names its partner event source
    const source = 'aws.partner/genesys.com/cloud/org-a/cc-continuity';
    const partnerConfig = testConfig({
      platform: {
        orgs: config.platform.orgs.map((o) => (o.region === A ? { ...o, eventSourceName: source } : o)),
      },
    });
    const partnerRules = await synthesizedRules(partnerConfig);
    const seen: string[] = [];
    const bus = new LocalBus(partnerRules);
    for (const region of [A, B]) {
      bus.on(`${stackNames(config.env).region(region)}/Capacity/Ingest`, async () => {
        seen.push(region);
      });
    }
    const entry = {
      Source: source,
      DetailType: 'v2.users.{id}.routingStatus',
      Detail: JSON.stringify({
        topicName: 'v2.users.u-1.routingStatus',
        version: '2',
        eventBody: { id: 'u-1', routingStatus: { status: 'IDLE', startTime: '2026-01-01T00:00:00.000Z' } },
        metadata: { CorrelationId: 'c-1' },
        timestamp: '2026-01-01T00:00:00.000Z',
      }),
    };

    // Act: once on A's partner bus, once on A's project bus (where no platform event belongs)
    await bus.putPartner(A, [entry]);
    await bus.putEvents(A, [entry]);

    // Assess
    expect(partnerRules.filter((r) => r.bus === 'partner').map((r) => r.region)).toEqual([A]);
    expect(seen).toEqual([A]);
  }, 120_000);
});
