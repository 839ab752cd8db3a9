import { createHash } from 'node:crypto';
import * as cdk from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { BudgetAction, BudgetSpec, NameRule, ProblemCollector, ResolvedBudget, SpecResolver, SpecWarning, TAG_KEYS, describe, isUnresolved } from '../../lib';
import { IBudgetGuardContract } from '../../lib/backend';
import { addIdWarnings } from '../../lib/internal/warnings';
import { renderEnvironment } from '../../lib/internal/function-environment';
import { SAGEMAKER_CAPABILITIES } from './capabilities';
import { handlerBundleDirectory } from '../../lib/internal/package-layout';
import { ENFORCER_ENV } from './budget-enforcer/environment';
import { ModelEndpoint } from './model-endpoint';
import { nagValue } from './nag';
import { budgetGuardPropShapes, throwIfBadShapes } from '../../lib/prop-shapes';

export interface BudgetGuardProps {
  /** Monthly limit, thresholds, action and recipients (the shared spec). */
  readonly budget: BudgetSpec;
  /** The endpoints whose cost this budget tracks and whose spend it enforces. */
  readonly endpoints: ModelEndpoint[];
  /**
   * Budget name, unique in the account.
   * @default - `model-serving-` and a hash of this construct's path
   */
  readonly budgetName?: string;
  /**
   * KMS key that encrypts the notification topic.
   * @default - a key with rotation enabled, usable by AWS Budgets in this account
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * A monthly AWS Budgets cost budget for SageMaker endpoints, scoped by their `model-name` cost-allocation
 * tag, with notifications to an encrypted SNS topic and, unless the action is NOTIFY, a Lambda that scales
 * the endpoints to their floor or deletes them when actual spend reaches the enforcement threshold.
 *
 * The `model-name` tag must be activated as a cost-allocation tag in the Billing console (once per payer
 * account); until it is, the budget sees no cost.
 */
export class BudgetGuard extends Construct implements IBudgetGuardContract {
  public readonly budget: ResolvedBudget;
  public readonly budgetName: string;
  /** Advice from the shared resolver (also an `Annotations` warning on this construct). */
  public readonly warnings: SpecWarning[];
  public readonly topic: sns.Topic;
  public readonly encryptionKey: kms.IKey;
  public readonly cfnBudget: budgets.CfnBudget;
  /** The enforcement function; undefined when the action is NOTIFY. */
  public readonly enforcer?: lambda.Function;
  /** The enforcement function's role; undefined when the action is NOTIFY. */
  public readonly enforcerRole?: iam.Role;

  constructor(scope: Construct, id: string, props: BudgetGuardProps) {
    super(scope, id);
    // JavaScript callers: a prop of the wrong kind is named here, before the rest reads it as typed.
    throwIfBadShapes(`BudgetGuard ${this.node.path}`, props, budgetGuardPropShapes(ModelEndpoint));
    const owner = `BudgetGuard ${this.node.path}`;
    const c = new ProblemCollector();
    if (props.endpoints.length === 0) {
      c.add({ field: 'endpoints', given: '[]', allowed: 'at least one ModelEndpoint', fix: 'pass the endpoints this budget pays for' });
    }
    const budgetName = props.budgetName ?? `model-serving-${createHash('sha256').update(this.node.path).digest('hex').slice(0, 12)}`;
    if (!isUnresolved(budgetName) && !/^[^:\\]{1,100}$/.test(budgetName)) {
      c.add({ field: 'budgetName', given: describe(budgetName), allowed: '1-100 characters without ":" or "\\"', fix: 'e.g. "fraud-classifier-monthly"' });
    }
    // The notification count (AWS Budgets: at most 5) and the actions are checked against SAGEMAKER_CAPABILITIES.
    const resolution = SpecResolver.budget(props.budget, SAGEMAKER_CAPABILITIES);
    this.budget = resolution.reportIfInvalid(this, owner, c);
    this.warnings = [...resolution.warnings];
    addIdWarnings(cdk.Annotations.of(this), this.warnings);
    const enforceAt = this.budget.enforceAtPercent!;
    const actualThresholds = [...this.budget.alertThresholdsPercent];
    if (this.budget.action !== BudgetAction.NOTIFY && !actualThresholds.includes(enforceAt)) actualThresholds.push(enforceAt);
    cdk.Annotations.of(this).addWarningV2('model-serving:cost-allocation-tag',
      `Budget ${budgetName} filters on the cost-allocation tag "${TAG_KEYS.name}". Activate it once per payer account ` +
      '(Billing console > Cost allocation tags, or `aws ce update-cost-allocation-tags-status`); until then the budget sees no cost and never acts.');
    this.budgetName = budgetName;
    const stack = cdk.Stack.of(this);

    // The key and topic must let AWS Budgets (from this account only) publish encrypted messages.
    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: `SNS topic of budget ${budgetName}`,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowBudgetsToPublishEncrypted',
      principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }));
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `Budget ${budgetName}`,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowBudgetsToPublish',
      principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:budgets::${stack.account}:*` },
      },
    }));
    for (const email of this.budget.emails) this.topic.addSubscription(new subs.EmailSubscription(email));

    const notify = (type: 'ACTUAL' | 'FORECASTED', threshold: number): budgets.CfnBudget.NotificationWithSubscribersProperty => ({
      notification: { notificationType: type, comparisonOperator: 'GREATER_THAN', threshold, thresholdType: 'PERCENTAGE' },
      subscribers: [{ subscriptionType: 'SNS', address: this.topic.topicArn }],
    });
    const modelNames = [...new Set(props.endpoints.map((e) => e.serving.metadata.name))].sort();
    // The model-name tag as ModelEndpoint writes it on its resources (scalable target included).
    const scalableTargetModelTags = [...new Set(props.endpoints.map((e) => NameRule.AWS_TAG_VALUE.sanitize(e.serving.tags[TAG_KEYS.name])))].sort();
    this.cfnBudget = new budgets.CfnBudget(this, 'Resource', {
      budget: {
        budgetName,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: this.budget.monthlyLimitUsd, unit: 'USD' },
        // Every resource a ModelEndpoint creates carries the model-name tag; cost-allocation tags are
        // addressed as "user:<key>$<value>".
        costFilters: { TagKeyValue: modelNames.map((name) => `user:${TAG_KEYS.name}$${name}`) },
      },
      notificationsWithSubscribers: [
        ...[...actualThresholds].sort((a, b) => a - b).map((t) => notify('ACTUAL', t)),
        notify('FORECASTED', this.budget.forecastThresholdPercent!),
      ],
    });
    // Budgets validates that it may publish when the notification is created.
    this.cfnBudget.node.addDependency(this.topic);

    if (this.budget.action === BudgetAction.NOTIFY) {
      this.denyOtherPublishers();
      return;
    }
    const enforcerAction = this.budget.action === BudgetAction.DELETE ? 'DELETE' : 'SCALE_TO_FLOOR';

    const logGroup = new logs.LogGroup(this, 'EnforcerLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(this, 'EnforcerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Budget ${budgetName}: may only scale or delete the endpoints it guards`,
    });
    this.enforcerRole = role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [`${logGroup.logGroupArn}`],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: this.budget.action === BudgetAction.DELETE ? 'DeleteGuardedEndpoints' : 'ScaleGuardedEndpoints',
      actions: this.budget.action === BudgetAction.DELETE
        ? ['sagemaker:DeleteEndpoint']
        // DescribeEndpoint: Application Auto Scaling checks the variant with the caller's rights on register.
        : ['sagemaker:UpdateEndpointWeightsAndCapacities', 'sagemaker:DescribeEndpoint'],
      resources: props.endpoints.map((e) => e.endpointArn),
    }));
    if (this.budget.action === BudgetAction.SCALE_TO_FLOOR) {
      // Capping the autoscaling maximum at the floor keeps a scale-out alarm from undoing the enforcement.
      // Scalable target ARNs end in an id Application Auto Scaling generates, so the resource is a pattern;
      // the condition narrows it to the targets tagged with a guarded model's name (every ModelEndpoint's
      // scalable target carries the model-name tag; the Service Authorization Reference lists
      // aws:ResourceTag/${TagKey} for the scalable-target resource of RegisterScalableTarget).
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'CapGuardedAutoscaling',
        actions: ['application-autoscaling:RegisterScalableTarget'],
        resources: [stack.formatArn({ service: 'application-autoscaling', resource: 'scalable-target', resourceName: '*' })],
        conditions: { StringEquals: { [`aws:ResourceTag/${TAG_KEYS.name}`]: scalableTargetModelTags } },
      }));
      cdk.Validations.of(role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:application-autoscaling:${nagValue(stack.region, 'AWS::Region')}:${nagValue(stack.account, 'AWS::AccountId')}:scalable-target/*]`,
        reason: 'Scalable target ARNs end in an id Application Auto Scaling generates; the grant is conditioned on aws:ResourceTag/model-name of the guarded models, and the handler registers only the guarded variants (endpoint/<name>/variant/<variant>).',
      });
    }
    this.topic.grantPublish(role);
    // The enforcer acts on what AWS Budgets reports (DescribeBudget), never on the message's figures.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadThisBudgetsSpend',
      actions: ['budgets:ViewBudget'],
      resources: [`arn:${stack.partition}:budgets::${stack.account}:budget/${budgetName}`],
    }));
    this.denyOtherPublishers(role);

    this.enforcer = new lambda.Function(this, 'Enforcer', {
      code: lambda.Code.fromAsset(handlerBundleDirectory('aws', 'budget-enforcer')),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      role,
      logGroup,
      timeout: cdk.Duration.minutes(1),
      memorySize: 256,
      description: `Enforces budget ${budgetName} on its SageMaker endpoints (${this.budget.action})`,
      environment: renderEnvironment(
        ENFORCER_ENV,
        {
          budgetName,
          accountId: stack.account,
          action: enforcerAction,
          enforceAtUsd: Math.round(this.budget.monthlyLimitUsd * enforceAt) / 100,
          endpoints: props.endpoints.map((e) => ({
            endpointName: e.endpointName,
            variantName: e.variantName,
            floor: e.serving.minReplicas,
            endpointConfigName: e.cfnEndpointConfig.attrEndpointConfigName,
          })),
          reportTopicArn: this.topic.topicArn,
        },
        (v) => stack.toJsonString(v),
      ),
    });
    // Its own reports go to the same topic; they carry a `source` attribute and must not trigger it again.
    this.topic.addSubscription(new subs.LambdaSubscription(this.enforcer, {
      filterPolicy: { source: sns.SubscriptionFilter.notExistsFilter() },
    }));

    cdk.Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: 'Added by topic.grantPublish for the topic\'s own KMS key only (resource is that key\'s ARN); SNS needs a data key of any key spec to encrypt a message.',
    });
  }

  /**
   * Nobody but AWS Budgets (allowed above, from this account) and the enforcer's own reports may publish:
   * an explicit Deny wins over any identity policy in the account that allows sns:Publish on this topic
   * (IAM policy evaluation logic), so a forged budget notification cannot be sent by an in-account principal.
   * Negated condition operators match when the key is absent: aws:PrincipalServiceName is only present for
   * service principals, so every IAM principal but the enforcer's role is denied.
   */
  private denyOtherPublishers(enforcerRole?: iam.IRole): void {
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'OnlyBudgetsAndTheEnforcerPublish',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: {
        StringNotEquals: { 'aws:PrincipalServiceName': 'budgets.amazonaws.com' },
        ...(enforcerRole ? { ArnNotEquals: { 'aws:PrincipalArn': enforcerRole.roleArn } } : {}),
      },
    }));
  }
}
