import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

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
}

/**
 * The dead-letter queue of an async target (an EventBridge rule target, a Lambda async invocation):
 * SQS-managed encryption, TLS only, 14 days. cdk-nag's AwsSolutions-SQS3 asks every queue for a
 * redrive DLQ of its own; that rule only knows SQS redrive, so it is acknowledged here, once, with
 * what this queue catches.
 *
 * @example
 * const dlq = new DeadLetterQueue(this, 'DeadLetterQueue', { catches: 'the monitor schedule target' });
 * rule.addTarget(new targets.LambdaFunction(fn, { deadLetterQueue: dlq }));
 */
export class DeadLetterQueue extends sqs.Queue {
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
  }
}
