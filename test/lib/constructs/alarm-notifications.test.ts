import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildContinuityApp } from '../../../lib/app-builder.js';
import {
  AlarmNotifications,
  alarmNamePrefix,
  alertTopicName,
} from '../../../lib/constructs/alarm-notifications.js';
import {
  addNag,
  cdkApp,
  reportedViolations,
  resourcesOf,
  templatesOf,
  testConfig,
  trySynth,
} from '../helpers.js';

function alarmOn(stack: Stack, id: string): cloudwatch.Alarm {
  return new cloudwatch.Alarm(stack, id, {
    alarmName: `continuity-dev-${id}`,
    metric: new cloudwatch.Metric({ namespace: 'X', metricName: id, period: Duration.minutes(1) }),
    threshold: 1,
    evaluationPeriods: 1,
  });
}

describe('AlarmNotifications', () => {
  it('sends every alarm of the stack, made before or after it, to an encrypted topic on ALARM and OK', () => {
    // Prepare
    const app = addNag(cdkApp());
    const stack = new Stack(app, 'Alerts', { env: { account: '123456789012', region: 'us-west-2' } });
    alarmOn(stack, 'before');
    new AlarmNotifications(stack, 'Alerts', {
      env: 'dev',
      emails: ['oncall@example.com', 'oncall@example.com'],
    });
    alarmOn(stack, 'after');

    // Act
    const { assembly, error } = trySynth(app);
    if (!assembly) throw error;
    const template = Template.fromJSON(assembly.getStackByName('Alerts').template as Record<string, unknown>);

    // Assess
    const topic = Object.keys(resourcesOf(template, 'AWS::SNS::Topic'));
    expect(topic).toHaveLength(1);
    for (const alarm of Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: topic[0] }]);
      expect(alarm.Properties?.OKActions).toEqual([{ Ref: topic[0] }]);
    }
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: alertTopicName('dev'),
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlertsKey'), 'Arn'] },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    expect(reportedViolations(app)).toEqual([]);
  });

  it("lets CloudWatch use the key, and publish only for this account's alarms of the env", () => {
    // Prepare
    const app = cdkApp();
    const stack = new Stack(app, 'Alerts', { env: { account: '123456789012', region: 'us-west-2' } });
    new AlarmNotifications(stack, 'Alerts', { env: 'prod' });

    // Act
    const template = Template.fromStack(stack);

    // Assess
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnLike: {
                'aws:SourceArn': `arn:aws:cloudwatch:us-west-2:123456789012:alarm:${alarmNamePrefix('prod')}*`,
              },
            },
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('the app: every alarm tells someone', () => {
  const config = testConfig({ alarms: { notifyEmails: ['oncall@example.com'] } });
  let assembly: CloudAssembly;
  beforeAll(() => {
    const app = cdkApp({ bundle: false });
    buildContinuityApp(app, config);
    assembly = app.synth();
  });

  it("notifies its own region's topic on ALARM and OK, for an alarm name the topic accepts", () => {
    const unnotified: string[] = [];
    let alarms = 0;
    for (const [stackName, template] of templatesOf(assembly)) {
      const topics = Object.keys(resourcesOf(template, 'AWS::SNS::Topic'));
      for (const [id, alarm] of Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm'))) {
        alarms += 1;
        const p = alarm.Properties ?? {};
        const ok =
          topics.length === 1 &&
          JSON.stringify(p.AlarmActions) === JSON.stringify([{ Ref: topics[0] }]) &&
          JSON.stringify(p.OKActions) === JSON.stringify([{ Ref: topics[0] }]) &&
          String(p.AlarmName).startsWith(alarmNamePrefix(config.env));
        if (!ok) unnotified.push(`${stackName}/${id} ${String(p.AlarmName)}`);
      }
    }
    expect(unnotified).toEqual([]);
    expect(alarms).toBeGreaterThan(40);
  });

  it('subscribes the configured addresses in every region that has alarms', () => {
    const regions = assembly.stacks
      .filter(
        (s) =>
          Object.keys(
            resourcesOf(templatesOf(assembly).get(s.stackName) as Template, 'AWS::SNS::Subscription'),
          ).length === 1,
      )
      .map((s) => s.environment.region)
      .sort();
    expect(regions).toEqual([...config.regions.active, config.regions.witness].sort());
  });
});
