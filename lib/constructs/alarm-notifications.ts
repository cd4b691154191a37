import { ArnFormat, Aspects, CfnOutput, Duration, type IAspect, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';

/**
 * Name of a stack's alert topic; one per region, since an alarm can notify only a topic of its own region.
 *
 * @example
 * alertTopicName('prod') // 'continuity-prod-alerts'
 */
export function alertTopicName(env: string): string {
  return `continuity-${env}-alerts`;
}

/** Every alarm this app creates is named `continuity-<env>-...`: the topic accepts those alarms only. */
export function alarmNamePrefix(env: string): string {
  return `continuity-${env}-`;
}

export interface AlarmNotificationsProps {
  readonly env: string;
  /** Addresses subscribed by email (each confirms once). @default - none: subscribe your pager or chat to the topic */
  readonly emails?: readonly string[];
  /** @default RemovalPolicy.RETAIN (the key; a scheduled key deletion waits 7 days either way) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Tells people when an alarm of the stack changes state: an SNS topic (`continuity-<env>-alerts`,
 * encrypted with its own KMS key, TLS only) that every CloudWatch alarm of the stack notifies on ALARM and
 * on OK, including alarms created after this construct (an aspect adds the actions at synthesis).
 * CloudWatch publishes to an encrypted topic only with a customer managed key whose policy lets
 * `cloudwatch.amazonaws.com` use it (an AWS managed key cannot be shared so):
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services.
 * The topic policy lets CloudWatch publish only for this account's `continuity-<env>-` alarms of the region.
 *
 * @example
 * new AlarmNotifications(this, 'Alerts', { env: config.env, emails: config.alarms.notifyEmails });
 */
export class AlarmNotifications extends Construct {
  public readonly topic: sns.Topic;
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmNotificationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the ${alertTopicName(props.env)} topic (alarm notifications)`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // The documented key statement for CloudWatch alarms (link above); the key encrypts nothing else.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: alertTopicName(props.env),
      displayName: `cc-continuity ${props.env} alarms`,
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${alarmNamePrefix(props.env)}*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    for (const email of new Set(props.emails ?? [])) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    Aspects.of(stack).add(new NotifyEveryAlarm(new actions.SnsAction(this.topic)));
    new CfnOutput(this, 'AlertTopicArn', {
      value: this.topic.topicArn,
      description: 'Subscribe your pager, chat or email to this topic: every alarm of the stack notifies it',
    });
  }
}

class NotifyEveryAlarm implements IAspect {
  constructor(private readonly action: cloudwatch.IAlarmAction) {}

  visit(node: IConstruct): void {
    if (!(node instanceof cloudwatch.Alarm)) return;
    node.addAlarmAction(this.action);
    node.addOkAction(this.action);
  }
}
