import type { ContinuityDetailType, DetailBody } from '../../../functions/shared/events.js';

/** One valid detail body (without the envelope fields) per `cc.continuity` detail-type. */
export const SAMPLE_BODIES: { readonly [T in ContinuityDetailType]: DetailBody<T> } = {
  SipTargetHealthChanged: {
    observer: 'us-east-2',
    targetRegion: 'us-east-1',
    target: { name: 'use1-edge-a', host: 'sip-a.use1.example.com', port: 5060, transport: 'udp' },
    state: 'DOWN',
    previousState: 'UP',
    consecutive: 2,
    lastStatus: 503,
    lastReason: 'status',
    rttMs: 12.5,
  },
  RegionHealthVote: {
    observer: 'us-west-2',
    targetRegion: 'us-east-1',
    healthy: false,
    healthyTargets: 0,
    totalTargets: 2,
    incarnation: 1_714_557_600_000,
    seq: 42,
    reason: '0 of 2 targets up (min 1)',
  },
  ReplicationLagMeasured: {
    measuringRegion: 'us-west-2',
    sourceRegion: 'us-east-1',
    lagMs: 250,
    level: 'excluded',
    previousLevel: 'ok',
    thresholdMs: 200,
  },
  RegionRotationChanged: {
    epoch: 7,
    inRotation: ['us-west-2'],
    previous: ['us-east-1', 'us-west-2'],
    reasons: { 'us-east-1': 'SipUnhealthy', 'us-west-2': 'Healthy' },
    decidedBy: 'us-west-2',
  },
  PlatformTokenRefreshed: {
    apiHost: 'api.mypurecloud.com',
    authHost: 'login.mypurecloud.com',
    expiresAt: '2024-05-01T11:00:00.000Z',
    region: 'us-east-1',
  },
  PlatformTokenRejected: { apiHost: 'api.usw2.pure.cloud', reason: 'token scope mismatch', status: null },
  ContextReconstructed: {
    conversationId: '3f1c9a52-7d0e-4f4b-9d1e-0c2a5b6e7f80',
    eventsUsed: 4,
    partial: true,
  },
};

/** A CloudWatch alarm state change as EventBridge delivers it (shape of the AWS documentation's example). */
export const ALARM_EVENT = {
  version: '0',
  id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2024-05-01T10:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:continuity-dev-sip-probe-us-east-1'],
  detail: {
    alarmName: 'continuity-dev-sip-probe-us-east-1',
    state: {
      value: 'ALARM',
      reason: 'Threshold Crossed: 2 out of the last 2 datapoints were less than the threshold (1.0).',
      reasonData: '{"version":"1.0"}',
      timestamp: '2024-05-01T10:00:00.000+0000',
    },
    previousState: { value: 'OK', reason: 'Threshold Crossed', timestamp: '2024-05-01T09:55:00.000+0000' },
    configuration: { metrics: [] },
  },
};

/** A Genesys Cloud partner event (queue membership topic) as EventBridge delivers it. */
export const PLATFORM_EVENT = {
  version: '0',
  id: '5f8c2a0e-1b2c-4d3e-8f9a-0b1c2d3e4f50',
  'detail-type': 'v2.routing.queues.{id}.users',
  source: 'aws.partner/genesys.com/cloud/00000000-0000-0000-0000-000000000000/continuity-dev',
  account: '123456789012',
  time: '2024-05-01T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    topicName: 'v2.routing.queues.7a1b2c3d-0000-4000-8000-000000000001.users',
    version: '2',
    eventBody: { id: 'user-1', joined: true, routingStatus: { status: 'IDLE' } },
    metadata: { CorrelationId: '0c9e7d1a-2b3c-4d5e-8f70-112233445566' },
  },
};
