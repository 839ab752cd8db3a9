import * as cdk from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import {
  ArtifactLayout,
  ArtifactStorage,
  Duration,
  ModelServingProps,
  NameRule,
  ProblemCollector,
  ResolvedServing,
  ScalingMetric,
  Size,
  SpecResolver,
  SpecWarning,
  describe,
  isUnresolved,
} from '../../lib';
import { SAGEMAKER_CAPABILITIES } from './capabilities';
import { RUNTIME_FILES, runtimeDirectory } from '../../lib/internal/package-layout';
import { SageMakerInstance, checkSageMakerInstance } from './instance-types';
import { nagValue } from './nag';

/** A SageMaker real-time endpoint, created here or imported. */
export interface IModelEndpoint extends cdk.IResource {
  /** @attribute */
  readonly endpointName: string;
  /** @attribute */
  readonly endpointArn: string;
  /** The production variant's name (stable across updates). */
  readonly variantName: string;
  /** Allows `grantee` to invoke this endpoint and nothing else. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
  /** A metric of this endpoint's variant in `AWS/SageMaker` (or `/aws/sagemaker/Endpoints` for instance metrics). */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricOverheadLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Percent of invocations that answered 5XX, per period. */
  metricErrorRate(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression;
}

/** Metrics SageMaker publishes per invocation, in `AWS/SageMaker`. The rest are per instance. */
const INVOCATION_METRICS = new Set([
  'Invocations', 'Invocation4XXErrors', 'Invocation5XXErrors', 'InvocationModelErrors', 'ModelLatency',
  'OverheadLatency', 'InvocationsPerInstance', 'ModelSetupTime', 'ConcurrentRequestsPerModel',
]);

abstract class EndpointBase extends cdk.Resource implements IModelEndpoint {
  public abstract readonly endpointName: string;
  public abstract readonly endpointArn: string;
  public abstract readonly variantName: string;

  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'],
      resourceArns: [this.endpointArn],
    });
  }

  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: INVOCATION_METRICS.has(metricName) ? 'AWS/SageMaker' : '/aws/sagemaker/Endpoints',
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: this.variantName },
      period: cdk.Duration.minutes(1),
      ...props,
    });
  }
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', { statistic: 'Sum', ...props });
  }
  public metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation5XXErrors', { statistic: 'Sum', ...props });
  }
  public metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation4XXErrors', { statistic: 'Sum', ...props });
  }
  /** Model latency in microseconds (SageMaker's unit), p99 unless you say otherwise. */
  public metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ModelLatency', { statistic: 'p99', ...props });
  }
  public metricOverheadLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('OverheadLatency', { statistic: 'p99', ...props });
  }
  /** Sum over the instance's cores: 0-100 per core. */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CPUUtilization', { statistic: 'Average', ...props });
  }
  /** Sum over the instance's GPUs: 0-100 per GPU. */
  public metricGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('GPUUtilization', { statistic: 'Average', ...props });
  }
  public metricErrorRate(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: 'IF(invocations > 0, 100 * FILL(errors, 0) / invocations, 0)',
      usingMetrics: { invocations: this.metricInvocations(), errors: this.metricInvocation5XXErrors() },
      label: `${this.endpointName} 5XX error rate (%)`,
      period: cdk.Duration.minutes(1),
      ...props,
    });
  }
}

export interface ModelEndpointProps extends ModelServingProps {
  /** SageMaker instance type, e.g. `ml.m5.xlarge` or `ml.g5.xlarge`. */
  readonly instanceType: string;
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
  /** Deny the container all network access. The bundled server needs none. @default true */
  readonly networkIsolation?: boolean;
  /** Execution role. @default - a role with read access to this model object, pull access to this image, and its own logs and metrics */
  readonly role?: iam.IRole;
}

export interface EndpointAttributes {
  readonly endpointName: string;
  /** @default 'AllTraffic' */
  readonly variantName?: string;
}

/**
 * A SageMaker real-time endpoint serving one ONNX model with the bundled server: model, endpoint
 * config, endpoint, autoscaling from the shared spec, alarms, and a least-privilege execution role.
 */
export class ModelEndpoint extends EndpointBase {
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
  public readonly warnings: readonly SpecWarning[];
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

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    const problems = new ProblemCollector();
    this.instance = checkSageMakerInstance(props.instanceType, props.accelerator, props.acceleratorCount, problems);
    const variantName = props.variantName ?? 'AllTraffic';
    if (!isUnresolved(variantName) && !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(variantName)) {
      problems.add({ field: 'variantName', given: describe(variantName), allowed: 'letters, digits and "-", 1-63 characters, not starting or ending with "-"', fix: 'e.g. "AllTraffic"' });
    }
    const startup = props.containerStartupHealthCheckTimeout ?? Duration.minutes(10);
    const download = props.modelDataDownloadTimeout ?? Duration.minutes(10);
    for (const [field, d] of [['containerStartupHealthCheckTimeout', startup], ['modelDataDownloadTimeout', download]] as const) {
      const s = d.toSeconds();
      if (!(Number.isInteger(s) && s >= 60 && s <= 3600)) {
        problems.add({ field, given: d.toString(), allowed: 'whole seconds from 60 to 3600', fix: 'e.g. Duration.minutes(10)' });
      }
    }
    if (this.instance?.hasInstanceStore) {
      if (props.volumeSize) {
        problems.add({ field: 'volumeSize', given: `${props.volumeSize.toGibibytes()} GiB on ${props.instanceType}`, allowed: 'only on instance types without local NVMe storage', fix: `remove volumeSize: ml.${this.instance.family}.* uses its instance store` });
      }
      if (props.encryptionKey) {
        problems.add({ field: 'encryptionKey', given: `a key on ${props.instanceType}`, allowed: 'only on instance types without local NVMe storage (SageMaker rejects KmsKeyId there)', fix: `remove encryptionKey: ml.${this.instance.family}.* encrypts its instance store in hardware` });
      }
    }
    if (props.volumeSize) {
      const gib = props.volumeSize.toGibibytes();
      if (!(Number.isInteger(gib) && gib >= 1 && gib <= 512)) {
        problems.add({ field: 'volumeSize', given: `${gib} GiB`, allowed: 'whole GiB from 1 to 512', fix: 'e.g. Size.gibibytes(30)' });
      }
    }
    if (!props.vpc && (props.vpcSubnets || props.securityGroups)) {
      problems.add({ field: 'vpcSubnets/securityGroups', given: 'set without vpc', allowed: 'only together with vpc', fix: 'pass the vpc they belong to' });
    }
    const nameProblem = props.endpointName === undefined ? undefined : NameRule.SAGEMAKER_NAME.problem('endpointName', props.endpointName, 'e.g. "fraud-classifier-prod"');
    if (nameProblem) problems.add(nameProblem);
    // Shared validation last, so one error lists the backend's problems and the spec's together.
    const resolution = SpecResolver.serving(props, SAGEMAKER_CAPABILITIES);
    this.serving = resolution.throwIfInvalid(`ModelEndpoint ${this.node.path}`, problems);
    this.warnings = resolution.warnings;
    for (const w of this.warnings) cdk.Annotations.of(this).addWarningV2(`model-serving:${w.field}`, w.message);
    const serving = this.serving;

    this.variantName = variantName;
    this.endpointName = props.endpointName ?? NameRule.SAGEMAKER_NAME.generate(serving.metadata.name, this.node.path);
    const stack = cdk.Stack.of(this);

    // Execution role: exactly this model object, this image, this endpoint's logs and metrics.
    const role = props.role ?? new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Execution role for SageMaker endpoint ${this.endpointName}`,
    });
    this.role = role;

    // Model data.
    let modelDataSource: sagemaker.CfnModel.ModelDataSourceProperty | undefined;
    let modelDataUrl: string | undefined;
    if (props.model.storage === ArtifactStorage.LOCAL_FILE) {
      const asset = new s3assets.Asset(this, 'ModelData', { path: props.model.localPath! });
      this.modelDataUri = asset.s3ObjectUrl;
      modelDataSource = { s3DataSource: { s3Uri: asset.s3ObjectUrl, s3DataType: 'S3Object', compressionType: 'None' } };
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ReadModelObject',
        actions: ['s3:GetObject'],
        resources: [`arn:${stack.partition}:s3:::${asset.s3BucketName}/${asset.s3ObjectKey}`],
      }));
    } else {
      const loc = props.model.location!;
      this.modelDataUri = props.model.uri!;
      const objectArn = `arn:${stack.partition}:s3:::${loc.bucket}/${loc.key}`;
      if (props.model.layout === ArtifactLayout.ARCHIVE) {
        modelDataUrl = props.model.uri;
        role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadModelObject', actions: ['s3:GetObject'], resources: [objectArn] }));
      } else if (props.model.layout === ArtifactLayout.SINGLE_FILE) {
        modelDataSource = { s3DataSource: { s3Uri: props.model.uri!, s3DataType: 'S3Object', compressionType: 'None' } };
        role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadModelObject', actions: ['s3:GetObject'], resources: [objectArn] }));
      } else {
        modelDataSource = { s3DataSource: { s3Uri: props.model.uri!, s3DataType: 'S3Prefix', compressionType: 'None' } };
        role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadModelPrefix', actions: ['s3:GetObject'], resources: [`${objectArn}*`] }));
        role.addToPrincipalPolicy(new iam.PolicyStatement({
          sid: 'ListModelPrefix',
          actions: ['s3:ListBucket'],
          resources: [`arn:${stack.partition}:s3:::${loc.bucket}`],
          conditions: { StringLike: { 's3:prefix': [`${loc.key}*`] } },
        }));
      }
    }

    // Image.
    if (serving.image.isBundled) {
      const asset = new DockerImageAsset(this, 'ServerImage', {
        directory: runtimeDirectory(serving.accelerator !== undefined),
        file: serving.accelerator ? RUNTIME_FILES.gpuDockerfile : RUNTIME_FILES.cpuDockerfile,
        platform: Platform.LINUX_AMD64,
        exclude: ['node_modules', 'test', 'bench', '**/*.md'],
      });
      this.imageUri = asset.imageUri;
      asset.repository.grantPull(role);
    } else {
      this.imageUri = serving.image.registryUri!;
      const repoName = /\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(this.imageUri)?.[1];
      const region = /\.dkr\.ecr\.([a-z0-9-]+)\./.exec(this.imageUri)?.[1];
      const account = /^(\d{12})\./.exec(this.imageUri)?.[1];
      if (repoName && region && account) {
        ecr.Repository.fromRepositoryAttributes(this, 'ServerRepository', {
          repositoryName: repoName,
          repositoryArn: `arn:${stack.partition}:ecr:${region}:${account}:repository/${repoName}`,
        }).grantPull(role);
      }
    }

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

    // Encryption at rest for the ML volume.
    if (!this.instance?.hasInstanceStore) {
      this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'VolumeKey', {
        enableKeyRotation: true,
        description: `ML storage volume of SageMaker endpoint ${this.endpointName}`,
        removalPolicy: cdk.RemovalPolicy.RETAIN,
      });
      this.encryptionKey.grant(role, 'kms:CreateGrant', 'kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey');
    }

    // Network.
    let vpcConfig: sagemaker.CfnModel.VpcConfigProperty | undefined;
    if (props.vpc) {
      const sgs = props.securityGroups ?? [new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description: `SageMaker endpoint ${this.endpointName}`,
        allowAllOutbound: false,
      })];
      const subnets = props.vpc.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
      vpcConfig = { subnets: subnets.subnetIds, securityGroupIds: sgs.map((sg) => sg.securityGroupId) };
      // SageMaker creates ENIs in the VPC on the role's behalf; these actions do not support resource ARNs.
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ManageEndpointNetworkInterfaces',
        actions: [
          'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface',
          'ec2:DeleteNetworkInterfacePermission', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs',
          'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
        ],
        resources: ['*'],
      }));
    }

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

    // Autoscaling from the shared spec. No RoleARN: Application Auto Scaling uses its service-linked role
    // for SageMaker (a role created here would have no permissions to act on the endpoint).
    this.scalableTarget = new appscaling.CfnScalableTarget(this, 'ScalableTarget', {
      serviceNamespace: 'sagemaker',
      resourceId: `endpoint/${this.cfnEndpoint.attrEndpointName}/variant/${variantName}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: serving.minReplicas,
      maxCapacity: serving.maxReplicas,
    });
    const t = serving.targets[0];
    let tracking: appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty;
    const cooldowns = { scaleInCooldown: serving.scaleInCooldown.toSeconds(), scaleOutCooldown: serving.scaleOutCooldown.toSeconds() };
    if (t.metric === ScalingMetric.INVOCATIONS_PER_REPLICA) {
      // SageMaker counts invocations per instance per minute.
      tracking = {
        ...cooldowns,
        predefinedMetricSpecification: { predefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        targetValue: t.value * 60,
      };
    } else {
      // SageMaker reports CPU and GPU utilization summed over the instance's cores/GPUs (0-100 each).
      const cpu = t.metric === ScalingMetric.CPU_UTILIZATION;
      const units = cpu ? this.instance?.vcpus ?? 1 : this.instance?.gpuCount ?? serving.acceleratorCount;
      tracking = {
        ...cooldowns,
        customizedMetricSpecification: {
          namespace: '/aws/sagemaker/Endpoints',
          metricName: cpu ? 'CPUUtilization' : 'GPUUtilization',
          dimensions: [{ name: 'EndpointName', value: this.endpointName }, { name: 'VariantName', value: variantName }],
          statistic: 'Average',
        },
        targetValue: t.value * units,
      };
    }
    this.scalingPolicy = new appscaling.CfnScalingPolicy(this, 'ScalingPolicy', {
      policyName: `${this.endpointName}-${t.metric.toLowerCase().replace(/_/g, '-')}`,
      policyType: 'TargetTrackingScaling',
      scalingTargetId: this.scalableTarget.ref,
      targetTrackingScalingPolicyConfiguration: tracking,
    });

    // Alarms on by default: errors and tail latency are what users notice first.
    const g = serving.guardrails;
    const period = cdk.Duration.seconds(g.evaluationPeriod.toSeconds());
    this.errorRateAlarm = this.metricErrorRate({ period }).createAlarm(this, 'ErrorRateAlarm', {
      alarmDescription: `More than ${g.maxErrorRatePercent}% of invocations of ${this.endpointName} answered 5XX`,
      threshold: g.maxErrorRatePercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: g.breachingPeriods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.latencyAlarm = this.metricModelLatency({ period, statistic: g.latencyPercentile.name }).createAlarm(this, 'LatencyAlarm', {
      alarmDescription: `${g.latencyPercentile.name} ModelLatency of ${this.endpointName} above ${g.maxLatency.toString()}`,
      // ModelLatency is in microseconds.
      threshold: g.maxLatency.toMilliseconds() * 1000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: g.breachingPeriods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    for (const [key, value] of Object.entries(serving.tags)) cdk.Tags.of(this).add(key, value);

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
}
