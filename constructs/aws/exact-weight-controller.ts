import { createHash } from 'node:crypto';
import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { Duration, NameRule, RolloutStep } from '../../lib';
import { handlerBundleDirectory } from '../../lib/internal/package-layout';
import type { RolloutInput } from './rollout-controller/input';

export type { ControllerShadowInput, ControllerStep, RolloutInput } from './rollout-controller/input';
import { rollbackWorstCaseSeconds, rolloutStateMachineDefinition, WAIT_SIGNAL_MARGIN_SECONDS } from './rollout-state-machine';
import { CONTROLLER_TIMEOUT_SECONDS } from './rollout-controller/input';
import { ModelEndpoint } from './model-endpoint';
import { nagValue } from './nag';

/** CloudFormation's longest wait condition (12 h): the longest rollout the stack can wait for. */
export const MAX_CONTROLLED_ROLLOUT_S = 43_200;

/** The temporary variant's name: the stable one's with `-canary` (SageMaker names: at most 63 characters). */
export function canaryVariantNameFor(variantName: string): string {
  return `${variantName.slice(0, 56)}-canary`;
}

/** A shadow phase the controller runs before the first step. */
export interface ControllerShadow {
  /** Percent of requests copied to the new model (1-100). */
  readonly trafficPercent: number;
  /** How long the shadow runs. */
  readonly duration: Duration;
}

export interface ExactWeightControllerProps {
  /** The endpoint to roll out on; its variant is the stable one. */
  readonly endpoint: ModelEndpoint;
  /** The traffic steps, the last at 100%. */
  readonly steps: RolloutStep[];
  /** Alarms on the canary variant's metrics; any in ALARM rolls back. */
  readonly canaryAlarms: cloudwatch.IAlarm[];
  /** Alarms on the stable variant's metrics, watched while the new model takes it over. */
  readonly promotionAlarms: cloudwatch.IAlarm[];
  /** How often alarms are checked during a bake. */
  readonly pollInterval: Duration;
  /** The rollout's deadline: bakes, shadow and provisioning of its fleets; the controller rolls back after it. */
  readonly timeout: Duration;
  /**
   * How long SageMaker takes to bring up one fleet and pass its health checks; sizes the rollback that may
   * follow the deadline (rollbackWorstCaseSeconds), which the execution and the wait condition allow on top.
   * @default Duration.minutes(20)
   */
  readonly provisioningAllowance?: Duration;
  /** @default - no shadow phase */
  readonly shadow?: ControllerShadow;
}

/**
 * The machinery behind an exact-weight rollout on SageMaker: the controller Lambda, the Step Functions
 * state machine that calls it until the rollout ends, the custom resource that starts it when the model
 * changes, and the wait condition that holds the stack (and CloudFormation's own update of the endpoint)
 * until it has promoted, or fails the update when it rolled back. Created by CanaryRollout.
 *
 * Its roles may act on this endpoint, the endpoint configs it creates (`<endpoint>-ro-*`), the stack's
 * configs of this model (by tag), the rollout's alarms and the stable variant's scaling.
 */
export class ExactWeightController extends Construct {
  /** The variant the new model runs as during the steps (and as a shadow). */
  public readonly canaryVariantName: string;
  public readonly controllerFunction: lambda.Function;
  public readonly stateMachine: sfn.StateMachine;
  public readonly trigger: cdk.CustomResource;
  public readonly waitCondition: cdk.CfnWaitCondition;
  /** What each execution is given (the tokens are resolved by CloudFormation). */
  public readonly input: RolloutInput;
  /** The worst-case rollback after the deadline that the execution and the wait condition allow for (s). */
  public readonly rollbackSeconds: number;

  constructor(scope: Construct, id: string, props: ExactWeightControllerProps) {
    super(scope, id);
    const { endpoint } = props;
    const stack = cdk.Stack.of(this);
    this.canaryVariantName = canaryVariantNameFor(endpoint.variantName);
    const endpointName = endpoint.endpointName;
    const configPrefix = `${endpointName.slice(0, 40)}-ro`;
    // ARNs built from the name, not from the endpoint resource: the endpoint waits on this construct.
    const endpointArn = stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: endpointName.toLowerCase() });
    const configArn = (name: string) => stack.formatArn({ service: 'sagemaker', resource: 'endpoint-config', resourceName: name });

    const handle = new cdk.CfnWaitConditionHandle(this, 'WaitHandle');
    this.input = {
      endpointName,
      variantName: endpoint.variantName,
      canaryVariantName: this.canaryVariantName,
      targetEndpointConfigName: endpoint.cfnEndpointConfig.attrEndpointConfigName,
      steps: props.steps.map((s) => ({ percent: s.trafficPercent, bakeSeconds: s.bake.toSeconds() })),
      canaryAlarmNames: props.canaryAlarms.map((a) => a.alarmName),
      promotionAlarmNames: props.promotionAlarms.map((a) => a.alarmName),
      pollSeconds: props.pollInterval.toSeconds(),
      configPrefix,
      shadow: props.shadow ? { percent: props.shadow.trafficPercent, durationSeconds: props.shadow.duration.toSeconds() } : undefined,
      deadlineSeconds: Math.ceil(props.timeout.toSeconds()),
      waitHandleUrl: handle.ref,
    };

    // ---- controller ----
    const controllerLogs = new logs.LogGroup(this, 'ControllerLogs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: cdk.RemovalPolicy.RETAIN });
    const role = new iam.Role(this, 'ControllerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Rollout controller of SageMaker endpoint ${endpointName}: this endpoint, its rollout configs, alarms and scaling only`,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [controllerLogs.logGroupArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ShiftThisEndpoint',
      actions: ['sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpoint', 'sagemaker:UpdateEndpointWeightsAndCapacities'],
      resources: [endpointArn],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'OwnRolloutConfigs',
      actions: ['sagemaker:CreateEndpointConfig', 'sagemaker:DescribeEndpointConfig', 'sagemaker:DeleteEndpointConfig', 'sagemaker:UpdateEndpoint'],
      resources: [configArn(`${configPrefix.toLowerCase()}-*`)],
    }));
    // The stack's configs get generated names (the old one is whatever the endpoint runs), so they are
    // matched by the model-name tag every ModelEndpoint resource carries.
    const modelTag = endpoint.serving.tags['model-name'];
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadStackConfigsOfThisModel',
      actions: ['sagemaker:DescribeEndpointConfig', 'sagemaker:UpdateEndpoint'],
      resources: [configArn('*')],
      conditions: { StringEquals: { 'aws:ResourceTag/model-name': modelTag } },
    }));
    // DescribeAlarms returns composite alarms only to a caller whose cloudwatch:DescribeAlarms is scoped to
    // "*" (CloudWatch API reference, DescribeAlarms); the controller asks for both kinds by name. Read-only.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadRolloutAlarms', actions: ['cloudwatch:DescribeAlarms'], resources: ['*'] }));
    // Finding the configs earlier rollouts left (the promoted one above all): ListEndpointConfigs has no
    // resource-level permissions; deleting stays limited to this endpoint's rollout configs.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'FindEarlierRolloutConfigs', actions: ['sagemaker:ListEndpointConfigs'], resources: ['*'] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadScaling', actions: ['application-autoscaling:DescribeScalableTargets'], resources: ['*'] }));
    // Scalable target ARNs end in a generated id: the pattern is narrowed to targets tagged with this model
    // (ModelEndpoint tags its scalable target; Service Authorization Reference: RegisterScalableTarget acts
    // on scalable-target, whose condition key is aws:ResourceTag/${TagKey}).
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'HoldStableScaleIn',
      actions: ['application-autoscaling:RegisterScalableTarget'],
      resources: [stack.formatArn({ service: 'application-autoscaling', resource: 'scalable-target', resourceName: '*' })],
      conditions: { StringEquals: { 'aws:ResourceTag/model-name': NameRule.AWS_TAG_VALUE.sanitize(modelTag) } },
    }));
    // New endpoint configs are encrypted with the endpoint's volume key.
    endpoint.encryptionKey?.grant(role, 'kms:CreateGrant', 'kms:DescribeKey');

    this.controllerFunction = new lambda.Function(this, 'Controller', {
      code: lambda.Code.fromAsset(handlerBundleDirectory('aws', 'rollout-controller')),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      role,
      logGroup: controllerLogs,
      timeout: cdk.Duration.seconds(CONTROLLER_TIMEOUT_SECONDS),
      memorySize: 256,
      description: `Exact-weight rollout controller of SageMaker endpoint ${endpointName}`,
    });

    const timeoutSeconds = Math.ceil(props.timeout.toSeconds());
    this.rollbackSeconds = rollbackWorstCaseSeconds((props.provisioningAllowance ?? Duration.minutes(20)).toSeconds(), props.pollInterval.toSeconds());
    const machineLogs = new logs.LogGroup(this, 'StateMachineLogs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: cdk.RemovalPolicy.RETAIN });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromString(stack.toJsonString(rolloutStateMachineDefinition(this.controllerFunction.functionArn, timeoutSeconds, this.rollbackSeconds))),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: { destination: machineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: `Exact-weight rollout of ${endpointName}`,
    });
    this.controllerFunction.grantInvoke(this.stateMachine);
    const controllerLogicalId = stack.getLogicalId(this.controllerFunction.node.defaultChild as cdk.CfnElement);
    cdk.Validations.of(this.stateMachine.role).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray trace segments and the log delivery actions Step Functions needs for its own logging have no resource-level permissions.' },
      { id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${controllerLogicalId}.Arn>:*]`, reason: 'Invoking the controller function (any of its versions); it is the state machine\'s only task.' },
    );

    // ---- trigger ----
    const triggerLogs = new logs.LogGroup(this, 'TriggerLogs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: cdk.RemovalPolicy.RETAIN });
    const triggerRole = new iam.Role(this, 'TriggerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Starts rollouts of SageMaker endpoint ${endpointName}`,
    });
    triggerRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [triggerLogs.logGroupArn] }));
    triggerRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'SeeThisEndpoint', actions: ['sagemaker:DescribeEndpoint'], resources: [endpointArn] }));
    triggerRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'StartThisRollout', actions: ['states:StartExecution', 'states:ListExecutions'], resources: [this.stateMachine.stateMachineArn] }));
    // A Create/Update that finds an execution running (a stack rollback) stops it and rolls back from its last state.
    triggerRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'StopAndReadThisRolloutsExecutions',
      actions: ['states:StopExecution', 'states:GetExecutionHistory'],
      resources: [stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${this.stateMachine.stateMachineName}:*`, arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME })],
    }));
    const triggerFunction = new lambda.Function(this, 'Trigger', {
      code: lambda.Code.fromAsset(handlerBundleDirectory('aws', 'rollout-controller')),
      handler: 'index.trigger',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      role: triggerRole,
      logGroup: triggerLogs,
      timeout: cdk.Duration.minutes(1),
      memorySize: 256,
      description: `Starts a rollout of SageMaker endpoint ${endpointName} when its model changes`,
    });

    this.trigger = new cdk.CustomResource(this, 'Rollout', {
      serviceToken: triggerFunction.functionArn,
      resourceType: 'Custom::ModelRollout',
      properties: { StateMachineArn: this.stateMachine.stateMachineArn, Rollout: stack.toJsonString(this.input) },
    });
    this.trigger.node.addDependency(triggerRole, role);

    this.waitCondition = new cdk.CfnWaitCondition(this, 'Wait', {
      handle: handle.ref,
      count: 1,
      // Outlasts the execution (deadline + worst-case rollback) by the final signal's margin, so CloudFormation
      // never gives up on a rollout that is still rolling back. CanaryRollout refuses a sum over 12 h.
      timeout: String(Math.min(MAX_CONTROLLED_ROLLOUT_S, timeoutSeconds + this.rollbackSeconds + WAIT_SIGNAL_MARGIN_SECONDS)),
    });
    this.waitCondition.node.addDependency(this.trigger);
    endpoint.cfnEndpoint.node.addDependency(this.waitCondition);

    // A wait condition is signalled once: each new model gets a new handle and condition (the same
    // technique as Lambda's currentVersion), named after a hash of the model and endpoint config as resolved.
    const modelHash = cdk.Lazy.uncachedString({
      produce: () => {
        const resolved = [endpoint.cfnModel, endpoint.cfnEndpointConfig].map((r) => stack.resolve((r as unknown as { _toCloudFormation(): object })._toCloudFormation()));
        return createHash('sha256').update(JSON.stringify(resolved)).digest('hex').slice(0, 16);
      },
    });
    for (const r of [handle, this.waitCondition]) {
      const original = stack.resolve(r.logicalId) as string;
      r.overrideLogicalId(cdk.Lazy.uncachedString({ produce: () => `${original}${stack.resolve(modelHash)}` }));
    }

    const region = nagValue(stack.region, 'AWS::Region');
    const account = nagValue(stack.account, 'AWS::AccountId');
    const machineLogicalId = stack.getLogicalId(this.stateMachine.node.defaultChild as cdk.CfnElement);
    cdk.Validations.of(triggerRole).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:<${machineLogicalId}.Name>:*]`,
      reason: 'Executions of this rollout\'s own state machine (their names are generated per start): the trigger stops one that a rolled-back stack update left running and reads its last state.',
    });
    cdk.Validations.of(role).acknowledge(
      { id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:${region}:${account}:endpoint-config/${configPrefix.toLowerCase()}-*]`, reason: 'The endpoint configs this controller creates for a rollout carry the endpoint name and a timestamp; the prefix is this endpoint\'s.' },
      { id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:${region}:${account}:endpoint-config/*]`, reason: 'CloudFormation generates the endpoint configs\' names; read and use only those tagged with this model\'s name.' },
      { id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]', reason: 'application-autoscaling:DescribeScalableTargets and sagemaker:ListEndpointConfigs have no resource-level permissions; cloudwatch:DescribeAlarms returns composite alarms only when scoped to * (CloudWatch API reference). All three are read-only.' },
      { id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:application-autoscaling:${region}:${account}:scalable-target/*]`, reason: 'Scalable target ARNs end in a generated id; the grant is conditioned on aws:ResourceTag/model-name of this model, and the controller registers only this endpoint\'s stable variant (endpoint/<name>/variant/<variant>).' },
    );
  }
}
