import * as cdk from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import {
  DASHBOARD_PROP_SHAPES,
  DashboardOptions,
  Duration,
  ModelServingProps,
  NotSupported,
  ReplicaPrice,
  checkCostOptions,
  replicaPrice,
  NameRule,
  ProblemCollector,
  ResolvedServing,
  SecretSource,
  Size,
  SpecResolver,
  SpecWarning,
  throwIfBadPropShapes,
} from '../../lib';
import { IModelEndpointContract } from '../../lib/backend';
import { addIdWarnings } from '../../lib/internal/warnings';
import { SAGEMAKER_CAPABILITIES } from './capabilities';
import { addGuardrailAlarms } from './endpoint-alarms';
import { costPer1000PredictionsMetric, renderCloudWatchDashboard } from './dashboard';
import { addTargetTracking } from './endpoint-autoscaling';
import { EndpointBase, IModelEndpoint } from './endpoint-base';
import { checkEndpointProps, addEndpointNameCheck, checkStackRegion } from './endpoint-checks';
import { bindModelData } from './model-data';
import { bindVpc, outboundProblems, secretRouteProblems } from './endpoint-network';
import { bindServerImage } from './server-image';
import { SageMakerInstance, checkSageMakerInstance } from './instance-types';
import { nagValue } from './nag';

export interface ModelEndpointProps extends ModelServingProps, DashboardOptions {
  /** SageMaker instance type, e.g. `ml.m5.xlarge` or `ml.g5.xlarge`. */
  readonly instanceType: string;
  /**
   * Accept an `instanceType` the library's catalogues do not list: a type SageMaker added after
   * SAGEMAKER_CATALOGUE_SOURCE's date, or a GPU type the region table (EC2_GPU_REGIONS_SOURCE) does not list in
   * the stack's region. Synth warns that it was not checked.
   * @default false - an uncatalogued type, or a GPU type the stack's region does not offer, is refused
   */
  readonly acceptUncataloguedInstanceType?: boolean;
  /** Endpoint name. @default - the model name and a hash of this construct's path */
  readonly endpointName?: string;
  /** Production variant name. Keep it stable: a rename is a new variant and resets traffic. @default 'AllTraffic' */
  readonly variantName?: string;
  /** How long SageMaker waits for the first healthy `/ping` (60 s - 1 h). @default Duration.minutes(10) */
  readonly containerStartupHealthCheckTimeout?: Duration;
  /** How long SageMaker may take to download the model (60 s - 1 h). @default Duration.minutes(10) */
  readonly modelDataDownloadTimeout?: Duration;
  /** ML storage volume per instance; only for instance types without local NVMe storage. @default - SageMaker's default */
  readonly volumeSize?: Size;
  /**
   * KMS key for the ML storage volume. Not allowed for instance types with local NVMe storage
   * (their instance store is encrypted by the hardware).
   * @default - a key with rotation enabled is created where the instance type has an EBS volume
   */
  readonly encryptionKey?: kms.IKey;
  /** VPC to run the model in. @default - SageMaker's managed network */
  readonly vpc?: ec2.IVpc;
  /** Subnets within `vpc`. @default - the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Security groups within `vpc`. @default - one is created, with no inbound rules */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Deny the container all network access. The bundled server needs none, unless server.cache or server.tracing
   * name a destination: those are refused while it is on (turn it off and set vpc).
   * @default true
   */
  readonly networkIsolation?: boolean;
  /** Execution role. @default - a role with read access to this model object, pull access to this image, and its own logs and metrics */
  readonly role?: iam.IRole;
}

export interface EndpointAttributes {
  readonly endpointName: string;
  /** @default 'AllTraffic' */
  readonly variantName?: string;
}

/** Options of `ModelEndpoint.metricCostPer1000Predictions`. */
export interface CostMetricOptions {
  /** Period of the metric. @default Duration.minutes(5) */
  readonly period?: cdk.Duration;
}

/**
 * A SageMaker real-time endpoint serving one ONNX model with the bundled server: model, endpoint
 * config, endpoint, autoscaling from the shared spec, alarms, and a least-privilege execution role.
 */
export class ModelEndpoint extends EndpointBase
  implements IModelEndpointContract<iam.IGrantable, iam.Grant, cloudwatch.Metric, cloudwatch.Alarm, cloudwatch.IAlarmAction> {
  public static fromEndpointName(scope: Construct, id: string, endpointName: string): IModelEndpoint {
    return ModelEndpoint.fromEndpointAttributes(scope, id, { endpointName });
  }

  public static fromEndpointAttributes(scope: Construct, id: string, attrs: EndpointAttributes): IModelEndpoint {
    class Import extends EndpointBase {
      public readonly endpointName = attrs.endpointName;
      public readonly variantName = attrs.variantName ?? 'AllTraffic';
      public readonly endpointArn = cdk.Stack.of(scope).formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: attrs.endpointName.toLowerCase() });
    }
    return new Import(scope, id);
  }

  public readonly endpointName: string;
  public readonly endpointArn: string;
  public readonly variantName: string;
  /** The spec after defaults, as every backend sees it. */
  public readonly serving: ResolvedServing;
  /** Advice from the shared resolver (also emitted as Annotations warnings). */
  public readonly warnings: SpecWarning[];
  public readonly role: iam.IRole;
  /** Key for the ML storage volume; undefined on instance types with local NVMe storage. */
  public readonly encryptionKey?: kms.IKey;
  /** The image URI the model runs. */
  public readonly imageUri: string;
  /** The S3 URI of the model data. */
  public readonly modelDataUri: string;
  public readonly scalableTarget: appscaling.CfnScalableTarget;
  public readonly scalingPolicy: appscaling.CfnScalingPolicy;
  public readonly errorRateAlarm: cloudwatch.Alarm;
  public readonly latencyAlarm: cloudwatch.Alarm;
  public readonly cfnModel: sagemaker.CfnModel;
  public readonly cfnEndpointConfig: sagemaker.CfnEndpointConfig;
  public readonly cfnEndpoint: sagemaker.CfnEndpoint;
  /** The instance type and what the library knows about it. */
  public readonly instance?: SageMakerInstance;
  /** Price of one instance per hour (yours, or the snapshot's); undefined when neither is known. */
  public readonly price?: ReplicaPrice;
  /** The endpoint's CloudWatch dashboard (`dashboard: true`). */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** Alarm on the cost per 1000 predictions (`costPer1000PredictionsAbove`). */
  public readonly costPer1000PredictionsAlarm?: cloudwatch.Alarm;
  /**
   * Where the guardrail alarms notify: this construct sets no alarm actions; route every alarm of the stack
   * (this endpoint's, its rollouts', your own) to one SNS topic with `new AlertRouting(stack, 'Alerts', { alertTarget: topic })`,
   * or add one to a single alarm with `endpoint.errorRateAlarm.addAlarmAction(new SnsAction(topic))`.
   */
  public readonly alarmTargets = NotSupported.because(SAGEMAKER_CAPABILITIES.backend, 'the endpoint takes no alarm-action prop: add actions to its alarms (errorRateAlarm.addAlarmAction(new SnsAction(topic)), latencyAlarm likewise) or route every alarm of the stack at once with AlertRouting (new AlertRouting(stack, \'Alerts\', { alertTarget: topic }))');

  /** Whether a rollout owns traffic: a CanaryRollout or a hand-written `cfnEndpoint.deploymentConfig`. */
  public get hasRollout(): boolean {
    return this.cfnEndpoint.deploymentConfig !== undefined;
  }

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    throwIfBadPropShapes(`ModelEndpoint ${this.node.path}`, props, [
      { field: 'instanceType', kind: 'string', required: true, example: "'ml.c5.xlarge'" },
      { field: 'acceptUncataloguedInstanceType', kind: 'boolean', example: 'true' },
      { field: 'endpointName', kind: 'string', example: "'fraud-classifier-prod'" },
      { field: 'variantName', kind: 'string', example: "'AllTraffic'" },
      { field: 'containerStartupHealthCheckTimeout', kind: Duration, example: 'Duration.minutes(10)' },
      { field: 'modelDataDownloadTimeout', kind: Duration, example: 'Duration.minutes(10)' },
      { field: 'volumeSize', kind: Size, example: 'Size.gibibytes(30)' },
      { field: 'encryptionKey', kind: 'object', example: "new kms.Key(this, 'Key')" },
      { field: 'vpc', kind: 'object', example: "ec2.Vpc.fromLookup(this, 'Vpc', { vpcId })" },
      { field: 'vpcSubnets', kind: 'object', example: '{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }' },
      { field: 'securityGroups', kind: 'object', array: true, example: "new ec2.SecurityGroup(this, 'Sg', { vpc })" },
      { field: 'networkIsolation', kind: 'boolean', example: 'true' },
      { field: 'role', kind: 'object', example: "iam.Role.fromRoleArn(this, 'Role', arn)" },
      ...DASHBOARD_PROP_SHAPES,
    ]);
    const problems = new ProblemCollector();
    const uncatalogued: string[] = [];
    this.instance = checkSageMakerInstance(props.instanceType, props.accelerator, props.acceleratorCount, problems, {
      region: cdk.Stack.of(this).region,
      acceptUncatalogued: props.acceptUncataloguedInstanceType,
      warn: (m) => uncatalogued.push(m),
    });
    const { variantName, startup, download } = checkEndpointProps(props, this.instance, problems);
    checkStackRegion(this, problems);
    const nameProblem = props.endpointName === undefined ? undefined : NameRule.SAGEMAKER_NAME.problem('endpointName', props.endpointName, 'e.g. "fraud-classifier-prod"');
    if (nameProblem) problems.add(nameProblem);
    this.price = replicaPrice('aws', props.instanceType, props.hourlyPriceUsd);
    checkCostOptions(props, this.price, props.instanceType, problems);
    // Shared validation last, so one error lists the backend's problems and the spec's together.
    const resolution = SpecResolver.serving(props, SAGEMAKER_CAPABILITIES);
    problems.addAll(outboundProblems(resolution.resolved.outbound, props.networkIsolation, props.vpc !== undefined));
    problems.addAll(secretRouteProblems(resolution.resolved.secretEnvironment, props.networkIsolation));
    this.serving = resolution.reportIfInvalid(this, `ModelEndpoint ${this.node.path}`, problems);
    this.warnings = [...resolution.warnings];
    addIdWarnings(cdk.Annotations.of(this), this.warnings);
    for (const m of uncatalogued) cdk.Annotations.of(this).addWarningV2('model-serving:uncatalogued-instance-type', m);
    const serving = this.serving;

    this.variantName = variantName;
    this.endpointName = props.endpointName ?? NameRule.SAGEMAKER_NAME.generate(serving.metadata.name, this.node.path);
    addEndpointNameCheck(this, `ModelEndpoint ${this.node.path}`, this.endpointName);
    const stack = cdk.Stack.of(this);

    // Execution role: exactly this model object, this image, this endpoint's logs and metrics.
    const role = props.role ?? new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Execution role for SageMaker endpoint ${this.endpointName}`,
    });
    this.role = role;

    const { modelDataUri, modelDataSource, modelDataUrl } = bindModelData(this, props.model, role);
    this.modelDataUri = modelDataUri;
    this.imageUri = bindServerImage(this, serving, role);

    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/sagemaker/Endpoints/${this.endpointName}:*`, arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME })],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnMetrics',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/Endpoints*', 'AWS/SageMaker*'] } },
    }));

    // Secrets by reference (MODEL_SERVER_SECRET_REFS): the server reads exactly these secrets with this role.
    const secretArns = [...new Set(serving.secretEnvironment.filter((s) => s.secret.source === SecretSource.AWS_SECRETS_MANAGER).map((s) => s.secret.name))];
    if (secretArns.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadServerSecrets', actions: ['secretsmanager:GetSecretValue'], resources: secretArns }));
      if (props.vpc) {
        cdk.Annotations.of(this).addWarningV2('model-serving:secrets-manager-route',
          `the server fetches ${secretArns.join(', ')} from Secrets Manager at start: the vpc's subnets need a Secrets Manager interface endpoint (com.amazonaws.<region>.secretsmanager) or a NAT route, or the endpoint never becomes healthy`);
      }
    }

    // Encryption at rest for the ML volume.
    if (!this.instance?.hasInstanceStore) {
      this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'VolumeKey', {
        enableKeyRotation: true,
        description: `ML storage volume of SageMaker endpoint ${this.endpointName}`,
        removalPolicy: cdk.RemovalPolicy.RETAIN,
      });
      this.encryptionKey.grant(role, 'kms:CreateGrant', 'kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey');
    }

    const vpcConfig = props.vpc ? bindVpc(this, props.vpc, props.vpcSubnets, props.securityGroups, role) : undefined;

    this.cfnModel = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: role.roleArn,
      enableNetworkIsolation: props.networkIsolation ?? true,
      primaryContainer: {
        image: this.imageUri,
        mode: 'SingleModel',
        modelDataSource,
        modelDataUrl,
        environment: { ...serving.environment },
      },
      vpcConfig,
    });
    // The role's policy must exist before SageMaker validates the model's access to S3 and ECR.
    this.cfnModel.node.addDependency(role);

    const variant: sagemaker.CfnEndpointConfig.ProductionVariantProperty = {
      variantName,
      modelName: this.cfnModel.attrModelName,
      instanceType: props.instanceType,
      initialInstanceCount: serving.minReplicas,
      initialVariantWeight: 1,
      containerStartupHealthCheckTimeoutInSeconds: startup.toSeconds(),
      modelDataDownloadTimeoutInSeconds: download.toSeconds(),
      volumeSizeInGb: props.volumeSize?.toGibibytes(),
    };
    this.cfnEndpointConfig = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      productionVariants: [variant],
      kmsKeyId: this.encryptionKey?.keyArn,
    });

    this.cfnEndpoint = new sagemaker.CfnEndpoint(this, 'Resource', {
      endpointName: this.endpointName,
      endpointConfigName: this.cfnEndpointConfig.attrEndpointConfigName,
    });
    this.endpointArn = this.cfnEndpoint.ref;

    const scaling = addTargetTracking(this, serving, variantName);
    this.scalableTarget = scaling.scalableTarget;
    this.scalingPolicy = scaling.scalingPolicy;
    // Alarms on by default: errors and tail latency are what users notice first.
    const alarmsOut = addGuardrailAlarms(this, serving.guardrails);
    this.errorRateAlarm = alarmsOut.errorRateAlarm;
    this.latencyAlarm = alarmsOut.latencyAlarm;
    this.dashboard = props.dashboard ? renderCloudWatchDashboard(this, (this.instance?.gpuCount ?? 0) > 0, this.price) : undefined;
    if (props.costPer1000PredictionsAbove !== undefined && this.price) {
      this.costPer1000PredictionsAlarm = costPer1000PredictionsMetric(this, this.price).createAlarm(this, 'CostPer1000PredictionsAlarm', {
        alarmDescription: `Cost per 1000 predictions of ${this.endpointName} above ${props.costPer1000PredictionsAbove} USD`,
        threshold: props.costPer1000PredictionsAbove,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    for (const [key, value] of Object.entries(serving.tags)) cdk.Tags.of(this).add(key, NameRule.AWS_TAG_VALUE.sanitize(value));

    if (!props.role) {
      // Findings that cdk-nag (AwsSolutions-IAM5) reports on the role's policy, each with its reason.
      cdk.Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'cloudwatch:PutMetricData has no resource-level permissions (limited by a cloudwatch:namespace condition), ' +
          'ecr:GetAuthorizationToken is account-wide by design, and VPC ENI actions do not support resource ARNs.',
      });
      cdk.Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${nagValue(stack.region, 'AWS::Region')}:${nagValue(stack.account, 'AWS::AccountId')}:log-group:/aws/sagemaker/Endpoints/${this.endpointName}:*]`,
        reason: 'Log streams are created at run time inside this endpoint\'s own log group.',
      });
    }
  }

  /** USD per 1000 predictions (invocations) per period, from the instance price; undefined without a price. */
  public metricCostPer1000Predictions(props?: CostMetricOptions): cloudwatch.MathExpression | undefined {
    return this.price ? costPer1000PredictionsMetric(this, this.price, props?.period) : undefined;
  }
}
