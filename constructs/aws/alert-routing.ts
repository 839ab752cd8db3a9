import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { ProblemCollector } from '../../lib';
import { checkTopicArn } from './endpoint-checks';

export interface AlertRoutingProps {
  /** Topic every alarm in the scope notifies (on ALARM and on OK). Subscribe e-mail, chat or paging to it. */
  readonly alertTarget: sns.ITopic;
}

/**
 * Routes every CloudWatch alarm created under `scope` (the endpoints', the rollouts', your own) to one SNS topic,
 * named once per stack: `new AlertRouting(stack, 'Alerts', { alertTarget: topic })`. An aspect, so alarms made
 * after this line are routed too.
 */
export class AlertRouting extends Construct {
  public readonly alertTarget: sns.ITopic;

  constructor(scope: Construct, id: string, props: AlertRoutingProps) {
    super(scope, id);
    this.alertTarget = props.alertTarget;
    const problems = new ProblemCollector();
    checkTopicArn('alertTarget (topicArn)', props.alertTarget.topicArn, problems);
    problems.reportTo(this, `AlertRouting ${this.node.path}`);
    // An SSE-KMS topic: CloudWatch must be able to use its key, or alarm notifications are dropped ("Enable
    // compatibility between event sources from AWS services and encrypted topics",
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    const key = props.alertTarget.masterKey;
    if (key) {
      const stack = cdk.Stack.of(this);
      const added = key.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }), true);
      if (!added.statementAdded) {
        cdk.Annotations.of(this).addWarningV2('model-serving:alertTarget', 'alertTarget is encrypted with an imported KMS key: allow cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey* in its key policy, or CloudWatch cannot publish alarms to it');
      }
    }
    // A topic with a resource policy (BudgetGuard's, for one) admits only who it names: name CloudWatch, for this account.
    props.alertTarget.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [props.alertTarget.topicArn],
      conditions: { StringEquals: { 'aws:SourceAccount': cdk.Stack.of(this).account } },
    }));
    const action = new cw_actions.SnsAction(props.alertTarget);
    const routed = new WeakSet<IConstruct>();
    cdk.Aspects.of(scope).add({
      visit: (node: IConstruct) => {
        if (routed.has(node)) return;
        if (node instanceof cloudwatch.Alarm) {
          routed.add(node);
          node.addAlarmAction(action);
          node.addOkAction(action);
        } else if (node instanceof cloudwatch.CompositeAlarm) {
          routed.add(node);
          node.addAlarmAction(action);
          node.addOkAction(action);
        }
      },
    });
  }
}
