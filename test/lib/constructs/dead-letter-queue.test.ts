import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { DeadLetterQueue, deadLettersAlarmName } from '../../../lib/constructs/dead-letter-queue.js';
import { addNag, cdkApp, reportedViolations, trySynth } from '../helpers.js';

function synth(build: (stack: Stack) => void) {
  const app = addNag(cdkApp());
  const stack = new Stack(app, 'Dlq', { env: { region: 'us-east-1' } });
  build(stack);
  const { assembly, error } = trySynth(app);
  if (!assembly) throw error;
  return {
    template: Template.fromJSON(assembly.getStackByName('Dlq').template as Record<string, unknown>),
    violations: reportedViolations(app),
  };
}

describe('DeadLetterQueue', () => {
  it('keeps messages 14 days, encrypted, over TLS only, and passes cdk-nag', () => {
    const { template, violations } = synth((stack) => {
      new DeadLetterQueue(stack, 'DeadLetterQueue', {
        catches: 'a test rule',
        alarmName: deadLettersAlarmName('dev', 'us-east-1', 'test'),
      });
    });

    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
      },
    });
    expect(violations).toEqual([]);
  });

  it('takes a shorter retention when asked', () => {
    const { template } = synth((stack) => {
      new DeadLetterQueue(stack, 'DeadLetterQueue', {
        catches: 'x',
        retentionPeriod: Duration.days(7),
        alarmName: 'continuity-dev-dead-letters-x-us-east-1',
      });
    });
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 7 * 24 * 3600 });
  });

  it('alarms at the first message in the queue, naming what it catches', () => {
    const { template } = synth((stack) => {
      new DeadLetterQueue(stack, 'DeadLetterQueue', {
        catches: 'the quorum rules',
        alarmName: deadLettersAlarmName('dev', 'us-east-1', 'quorum'),
      });
    });

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'continuity-dev-dead-letters-quorum-us-east-1',
      AlarmDescription: Match.stringLikeRegexp('dead-letter queue of the quorum rules'),
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('fails synth for a plain queue without a DLQ: the finding it acknowledges is real', () => {
    const app = addNag(cdkApp());
    const stack = new Stack(app, 'Dlq', { env: { region: 'us-east-1' } });
    new sqs.Queue(stack, 'Plain', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });

    const { error } = trySynth(app);

    expect(error?.message).toMatch(/AwsSolutions-SQS3/);
  });
});
