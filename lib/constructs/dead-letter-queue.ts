import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * Name of the alarm on a dead-letter queue, deterministic like the other alarm names so runbooks can find it.
 *
 * @example
 * deadLettersAlarmName('dev', 'us-east-1', 'quorum') // 'continuity-dev-dead-letters-quorum-us-east-1'
 */
export function deadLettersAlarmName(env: string, region: string, owner: string): string {
  return `continuity-${env}-dead-letters-${owner}-${region}`;
}

export interface DeadLetterQueueProps {
  /**
   * What the queue catches, for the security review: "the rule forwarding to us-west-2".
   * It becomes part of the cdk-nag acknowledgement's reason.
   */
  readonly catches: string;
  /** What operators do with a message in it. @default - 'operators inspect and replay it by hand' */
  readonly handling?: string;
  /** @default - 14 days (the SQS maximum), so a weekend's failures are still there on Monday */
  readonly retentionPeriod?: Duration;
  /** The queue's alarm, from {@link deadLettersAlarmName}: it goes off at the first message. */
  readonly alarmName: string;
  /** @default - what the queue catches and what to do about it */
  readonly alarmDescription?: string;
}

/**
 * The dead-letter queue of an async target (an EventBridge rule target, a Lambda async invocation):
 * SQS-managed encryption, TLS only, 14 days, and an alarm at the first message (a message here is work
 * that failed every retry, which nobody would otherwise notice). cdk-nag's AwsSolutions-SQS3 asks every queue for a
 * redrive DLQ of its own; that rule only knows SQS redrive, so it is acknowledged here, once, with
 * what this queue catches.
 *
 * @example
 * const dlq = new DeadLetterQueue(this, 'DeadLetterQueue', {
 *   catches: 'the monitor schedule target',
 *   alarmName: deadLettersAlarmName(config.env, region, 'monitor'),
 * });
 * rule.addTarget(new targets.LambdaFunction(fn, { deadLetterQueue: dlq }));
 */
export class DeadLetterQueue extends sqs.Queue {
  public readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
    });
    const handling = props.handling ?? 'operators inspect and replay it by hand';
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        `This queue is itself the dead-letter queue of ${props.catches} (cdk-nag only recognises SQS redrive ` +
        `DLQs, not EventBridge or Lambda target DLQs); ${handling}, so a DLQ behind it would only hold the same messages.`,
    });
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmName: props.alarmName,
      alarmDescription:
        props.alarmDescription ??
        `Work failed every retry and landed in the dead-letter queue of ${props.catches}; ${handling}.`,
      metric: this.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
