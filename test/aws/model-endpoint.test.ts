import * as cdk from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  Accelerator,
  LatencyPercentile,
  Duration,
  ExecutionProvider,
  ModelArtifact,
  ScalingTarget,
  ServingImage,
  Size,
  parseServerEnvironment,
} from '../../lib';
import { ModelEndpoint, ModelEndpointProps } from '../../constructs/aws';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';
import { expectNoProblems, expectProblems } from '../support/expect-problems';

const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0';
const model = ModelArtifact.fromFile(DEMO_MODEL_PATH);

function stackWith(extra: Partial<ModelEndpointProps> = {}, registry = true) {
  // Built-in CloudFormation schema validation is off here (1.3 s per synth); the example tests keep it on in `npm run test:all`.
  const app = new cdk.App({ builtinCloudFormationValidation: false });
  const stack = new cdk.Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const endpoint = new ModelEndpoint(stack, 'Endpoint', {
    model,
    metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' },
    instanceType: 'ml.c5.xlarge',
    ...(registry ? { image: ServingImage.fromRegistry(ECR_IMAGE) } : {}),
    ...extra,
  });
  return { stack, endpoint, template: () => Template.fromStack(stack) };
}

function rolePolicyStatements(template: Template): Record<string, unknown>[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties.PolicyDocument.Statement);
}

describe('ModelEndpoint defaults', () => {
  test('snapshot with the bundled image', () => {
    const { template } = stackWith({}, false);
    expect(template().toJSON()).toMatchSnapshot();
  });

  test('the bundled CPU image is built from runtime/Dockerfile for linux/amd64', () => {
    const { stack } = stackWith({}, false);
    const assembly = (stack.node.root as cdk.App).synth();
    const assets = JSON.parse(require('node:fs').readFileSync(`${assembly.directory}/Test.assets.json`, 'utf8'));
    const images = Object.values(assets.dockerImages) as { source: { directory: string; dockerFile?: string; platform?: string } }[];
    expect(images).toHaveLength(1);
    expect(images[0].source.dockerFile ?? 'Dockerfile').toBe('Dockerfile');
    expect(images[0].source.platform).toBe('linux/amd64');
  });

  test('model, endpoint config and endpoint are wired together', () => {
    const t = stackWith().template();
    t.resourceCountIs('AWS::SageMaker::Model', 1);
    t.resourceCountIs('AWS::SageMaker::EndpointConfig', 1);
    t.resourceCountIs('AWS::SageMaker::Endpoint', 1);
    t.hasResourceProperties('AWS::SageMaker::Model', {
      EnableNetworkIsolation: true,
      PrimaryContainer: {
        Image: ECR_IMAGE,
        Mode: 'SingleModel',
        ModelDataSource: { S3DataSource: { S3DataType: 'S3Object', CompressionType: 'None', S3Uri: Match.stringLikeRegexp('^s3://cdk-.*-assets-123456789012-eu-west-1/[0-9a-f]{64}\\.onnx$') } },
      },
    });
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('EndpointVolumeKey'), 'Arn'] },
      ProductionVariants: [{
        VariantName: 'AllTraffic',
        InstanceType: 'ml.c5.xlarge',
        InitialInstanceCount: 1,
        InitialVariantWeight: 1,
        ContainerStartupHealthCheckTimeoutInSeconds: 600,
        ModelDataDownloadTimeoutInSeconds: 600,
        ModelName: { 'Fn::GetAtt': [Match.stringLikeRegexp('EndpointModel'), 'ModelName'] },
      }],
    });
    t.hasResourceProperties('AWS::SageMaker::Endpoint', {
      EndpointName: Match.stringLikeRegexp('^digits-[0-9a-f]{8}$'),
      EndpointConfigName: { 'Fn::GetAtt': [Match.stringLikeRegexp('EndpointEndpointConfig'), 'EndpointConfigName'] },
    });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('the server environment carries the model identity and signature, and the server parses it', () => {
    const t = stackWith({ server: { maxBatchSize: 16, maxQueueDelayMs: 3, warmupRuns: 5 } }).template();
    const models = t.findResources('AWS::SageMaker::Model');
    const env = (Object.values(models)[0] as { Properties: { PrimaryContainer: { Environment: Record<string, string> } } }).Properties.PrimaryContainer.Environment;
    const { config, problems } = parseServerEnvironment(env);
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ modelName: 'digits', modelVersion: '1.0.0', maxBatchSize: 16, maxQueueDelayMs: 3, warmupRuns: 5, executionProviders: ['cpu'] });
    expect(JSON.parse(config.modelSignature)).toEqual(model.signature);
  });

  test('autoscaling: 1-2 instances tracking 70% CPU summed over 4 vCPUs of ml.c5.xlarge', () => {
    const t = stackWith().template();
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 2,
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      ServiceNamespace: 'sagemaker',
      ResourceId: { 'Fn::Join': ['', ['endpoint/', { 'Fn::GetAtt': [Match.anyValue(), 'EndpointName'] }, '/variant/AllTraffic']] },
      RoleARN: Match.absent(),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 280,
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
        CustomizedMetricSpecification: { MetricName: 'CPUUtilization', Namespace: '/aws/sagemaker/Endpoints', Statistic: 'Average' },
      },
    });
    t.resourceCountIs('AWS::IAM::Role', 1);
  });

  test('alarms: 5XX error rate above 1% and p99 ModelLatency above 1 s (in microseconds)', () => {
    const t = stackWith().template();
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'IF(invocations > 0, 100 * FILL(errors, 0) / invocations, 0)' })]),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ModelLatency',
      Namespace: 'AWS/SageMaker',
      ExtendedStatistic: 'p99',
      Threshold: 1_000_000,
    });
  });

  test('execution role: this model object, this image repository, own logs, metrics by namespace; nothing else', () => {
    const t = stackWith().template();
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Principal: { Service: 'sagemaker.amazonaws.com' } }] },
      ManagedPolicyArns: Match.absent(),
    });
    const statements = rolePolicyStatements(t);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.sort()).toEqual([
      'cloudwatch:PutMetricData', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetAuthorizationToken',
      'ecr:GetDownloadUrlForLayer', 'kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey',
      'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents', 's3:GetObject',
    ]);
    const s3 = statements.find((s) => s.Action === 's3:GetObject')!;
    expect(JSON.stringify(s3.Resource)).toMatch(/:s3:::cdk-[a-z0-9]+-assets-123456789012-eu-west-1\/[0-9a-f]{64}\.onnx"/);
    const ecr = statements.find((s) => [s.Action].flat().includes('ecr:BatchGetImage'))!;
    expect(JSON.stringify(ecr.Resource)).toContain(':ecr:eu-west-1:123456789012:repository/model-server');
    const metrics = statements.find((s) => s.Action === 'cloudwatch:PutMetricData')!;
    expect(metrics.Condition).toEqual({ StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/Endpoints*', 'AWS/SageMaker*'] } });
    for (const s of statements) expect([s.Action].flat().some((a) => String(a).includes('*'))).toBe(false);
  });

  test('model metadata becomes tags on every taggable resource', () => {
    const t = stackWith({ metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform', framework: 'pytorch-2.4', trainedOn: '2026-10-01' } }).template();
    for (const type of ['AWS::SageMaker::Model', 'AWS::SageMaker::EndpointConfig', 'AWS::SageMaker::Endpoint', 'AWS::IAM::Role', 'AWS::KMS::Key', 'AWS::CloudWatch::Alarm', 'AWS::ApplicationAutoScaling::ScalableTarget']) {
      const resources = Object.values(t.findResources(type)) as { Properties: { Tags: { Key: string; Value: string }[] } }[];
      expect(resources.length).toBeGreaterThan(0);
      for (const r of resources) {
        expect(Object.fromEntries(r.Properties.Tags.map((tag) => [tag.Key, tag.Value]))).toEqual({
          'model-name': 'digits',
          'model-version': '1.0.0',
          'model-owner': 'ml-platform',
          'model-framework': 'pytorch-2.4',
          'model-trained-on': '2026-10-01',
          'managed-by': 'model-serving-constructs',
        });
      }
    }
  });
});

describe('ModelEndpoint props that change the template', () => {
  test('GPU instance: A10G on ml.g5.xlarge uses no KMS key (instance store), tracks 70% of one GPU, cuda first', () => {
    const t = stackWith({ instanceType: 'ml.g5.xlarge', accelerator: Accelerator.NVIDIA_A10G }).template();
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', { KmsKeyId: Match.absent() });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 70, CustomizedMetricSpecification: { MetricName: 'GPUUtilization' } },
    });
    t.hasResourceProperties('AWS::SageMaker::Model', { PrimaryContainer: { Environment: { MODEL_SERVER_EXECUTION_PROVIDERS: 'cuda,cpu' } } });
  });

  test('the bundled GPU image is built from runtime/Dockerfile.gpu', () => {
    const { stack } = stackWith({ instanceType: 'ml.g4dn.xlarge', accelerator: Accelerator.NVIDIA_T4 }, false);
    const assembly = (stack.node.root as cdk.App).synth();
    const assets = JSON.parse(require('node:fs').readFileSync(`${assembly.directory}/Test.assets.json`, 'utf8'));
    expect((Object.values(assets.dockerImages)[0] as { source: { dockerFile: string } }).source.dockerFile).toBe('Dockerfile.gpu');
  });

  test('invocations target is converted to SageMaker\'s per-minute metric', () => {
    const t = stackWith({ scaling: { minReplicas: 2, maxReplicas: 8, targets: [ScalingTarget.invocationsPerReplicaPerSecond(50)], scaleInCooldown: Duration.minutes(10) } }).template();
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 8 });
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', { ProductionVariants: [Match.objectLike({ InitialInstanceCount: 2 })] });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 3000,
        ScaleInCooldown: 600,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
      },
    });
  });

  test('a concurrent-requests target (queue depth) tracks SageMaker\'s high-resolution ConcurrentRequestsPerModel', () => {
    // SageMaker developer guide, "Define a scaling policy": ConcurrentRequestsPerModel counts requests the model
    // container handles, those queued inside it included, every 10 s; predefined type as in the Application
    // Auto Scaling API reference (PredefinedMetricSpecification) and aws-cdk-lib's PredefinedMetric enum.
    const t = stackWith({ scaling: { minReplicas: 1, maxReplicas: 4, targets: [ScalingTarget.concurrentRequestsPerReplica(8)] } }).template();
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 8,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantConcurrentRequestsPerModelHighResolution' },
      },
    });
  });

  test('an S3 object artifact is read in place with exactly that object', () => {
    const t = stackWith({ model: ModelArtifact.fromUri('s3://acme-models/digits/1/model.onnx') }).template();
    t.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: { ModelDataSource: { S3DataSource: { S3Uri: 's3://acme-models/digits/1/model.onnx', S3DataType: 'S3Object', CompressionType: 'None' } } },
    });
    const s3 = rolePolicyStatements(t).find((s) => s.Action === 's3:GetObject')!;
    expect(s3.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-models/digits/1/model.onnx']] });
  });

  test('an S3 prefix artifact lists only that prefix', () => {
    const t = stackWith({ model: ModelArtifact.fromUri('s3://acme-models/digits/1/') }).template();
    t.hasResourceProperties('AWS::SageMaker::Model', { PrimaryContainer: { ModelDataSource: { S3DataSource: { S3DataType: 'S3Prefix' } } } });
    const list = rolePolicyStatements(t).find((s) => s.Action === 's3:ListBucket')!;
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['digits/1/*'] } });
  });

  test('a tar.gz archive uses ModelDataUrl', () => {
    const t = stackWith({ model: ModelArtifact.fromUri('s3://acme-models/digits/1/model.tar.gz') }).template();
    t.hasResourceProperties('AWS::SageMaker::Model', { PrimaryContainer: { ModelDataUrl: 's3://acme-models/digits/1/model.tar.gz', ModelDataSource: Match.absent() } });
  });

  test('VPC: private subnets, a security group without inbound rules, ENI permissions', () => {
    const app = new cdk.App({ builtinCloudFormationValidation: false });
    const stack = new cdk.Stack(app, 'Vpc', { env: { account: '123456789012', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    new ModelEndpoint(stack, 'Endpoint', {
      model, metadata: { name: 'digits', version: '1', owner: 'ml' }, instanceType: 'ml.c5.large', image: ServingImage.fromRegistry(ECR_IMAGE), vpc,
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SageMaker::Model', { VpcConfig: { Subnets: Match.arrayWith([{ Ref: Match.stringLikeRegexp('VpcPrivateSubnet1') }]), SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('EndpointSecurityGroup'), 'GroupId'] }] } });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', { GroupDescription: Match.stringLikeRegexp('SageMaker endpoint'), SecurityGroupIngress: Match.absent() });
    expect(rolePolicyStatements(t).some((s) => [s.Action].flat().includes('ec2:CreateNetworkInterface'))).toBe(true);
  });

  test('network isolation can be turned off; names, timeouts, volume and key are passed through', () => {
    const app = new cdk.App({ builtinCloudFormationValidation: false });
    const stack = new cdk.Stack(app, 'S');
    const key = new kms.Key(stack, 'Key');
    new ModelEndpoint(stack, 'Endpoint', {
      model, metadata: { name: 'digits', version: '1', owner: 'ml' }, instanceType: 'ml.m5.large', image: ServingImage.fromRegistry(ECR_IMAGE),
      networkIsolation: false, endpointName: 'digits-prod', variantName: 'Primary', encryptionKey: key, volumeSize: Size.gibibytes(30),
      containerStartupHealthCheckTimeout: Duration.minutes(15), modelDataDownloadTimeout: Duration.minutes(20),
      guardrails: { maxErrorRatePercent: 5, maxLatency: Duration.millis(250), latencyPercentile: LatencyPercentile.P95, breachingPeriods: 5 },
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SageMaker::Model', { EnableNetworkIsolation: false });
    t.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'digits-prod' });
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      ProductionVariants: [Match.objectLike({ VariantName: 'Primary', VolumeSizeInGB: 30, ContainerStartupHealthCheckTimeoutInSeconds: 900, ModelDataDownloadTimeoutInSeconds: 1200 })],
    });
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelLatency', ExtendedStatistic: 'p95', Threshold: 250_000, EvaluationPeriods: 5 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 5, Metrics: Match.anyValue() });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { ResourceId: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['/variant/Primary'])] }) });
  });

  test('grantInvoke gives exactly the invoke actions on this endpoint', () => {
    const { stack, endpoint } = stackWith();
    const fn = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    endpoint.grantInvoke(fn);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('Caller') }],
      PolicyDocument: { Statement: [{ Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'], Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('Endpoint') } }] },
    });
  });

  test('imported endpoints grant on their ARN and expose metrics; caller options win', () => {
    const { stack } = stackWith();
    const imported = ModelEndpoint.fromEndpointName(stack, 'Imported', 'legacy-model');
    expect(stack.resolve(imported.endpointArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:123456789012:endpoint/legacy-model']] });
    const m = imported.metricModelLatency({ statistic: 'p50', period: cdk.Duration.minutes(5) });
    expect(m.metricName).toBe('ModelLatency');
    expect(m.namespace).toBe('AWS/SageMaker');
    expect(m.statistic).toBe('p50');
    expect(m.period.toSeconds()).toBe(300);
    expect(m.dimensions).toEqual({ EndpointName: 'legacy-model', VariantName: 'AllTraffic' });
    expect(imported.metricCpuUtilization().namespace).toBe('/aws/sagemaker/Endpoints');
  });
});

describe('ModelEndpoint validation: one failing test per rule', () => {
  const cases: [string, Partial<ModelEndpointProps>, RegExp][] = [
    ['malformed instance type', { instanceType: 'c5.xlarge' }, /instanceType: got "c5\.xlarge"; allowed: a SageMaker instance type "ml\.<family>\.<size>"/],
    ['accelerator on a CPU instance', { instanceType: 'ml.m5.xlarge', accelerator: Accelerator.NVIDIA_T4 }, /instanceType: got "ml\.m5\.xlarge" with accelerator NVIDIA_T4; allowed: a GPU instance family for NVIDIA_T4: ml\.g4dn\.\*/],
    ['GPU that the family does not carry', { instanceType: 'ml.g4dn.xlarge', accelerator: Accelerator.NVIDIA_A10G }, /accelerator: got NVIDIA_A10G on ml\.g4dn\.xlarge; allowed: ml\.g4dn\.\* carries NVIDIA_T4\. Fix: set accelerator: Accelerator\.NVIDIA_T4/],
    ['GPU instance without accelerator', { instanceType: 'ml.g5.2xlarge' }, /accelerator: got none, on "ml\.g5\.2xlarge"; allowed: Accelerator\.NVIDIA_A10G.*a GPU you do not use still bills/],
    ['GPU count the size does not have', { instanceType: 'ml.g5.xlarge', accelerator: Accelerator.NVIDIA_A10G, acceleratorCount: 4 }, /acceleratorCount: got 4 on ml\.g5\.xlarge; allowed: 1 \(SageMaker fixes the GPU count/],
    ['volume size on an instance-store family', { instanceType: 'ml.g5.xlarge', accelerator: Accelerator.NVIDIA_A10G, volumeSize: Size.gibibytes(50) }, /volumeSize: got 50 GiB on ml\.g5\.xlarge; allowed: only on instance types without local NVMe storage/],
    ['volume size out of range', { volumeSize: Size.gibibytes(1000) }, /volumeSize: got 1000 GiB; allowed: whole GiB from 1 to 512/],
    ['startup timeout under a minute', { containerStartupHealthCheckTimeout: Duration.seconds(30) }, /containerStartupHealthCheckTimeout: got 30s; allowed: whole seconds from 60 to 3600/],
    ['download timeout over an hour', { modelDataDownloadTimeout: Duration.hours(2) }, /modelDataDownloadTimeout: got 2h/],
    ['a GCS artifact', { model: ModelArtifact.fromUri('gs://acme/model.onnx') }, /model: got "gs:\/\/acme\/model\.onnx" \(GCS\); allowed: on SageMaker: models from LOCAL_FILE, S3\. Fix: copy the model to S3/],
    ['an image outside ECR', { image: ServingImage.fromRegistry('ghcr.io/acme/model-server:1.0.0') }, /image: got "ghcr\.io\/acme\/model-server:1\.0\.0"; allowed: on SageMaker: an image in Amazon ECR.*SageMaker pulls from there only/],
    ['a variant name with underscores', { variantName: 'all_traffic' }, /variantName: got "all_traffic"/],
    ['an endpoint name with dots', { endpointName: 'digits.prod' }, /endpointName: got "digits\.prod" \(has characters outside the allowed set\); allowed: SageMaker name/],
    ['subnets without a VPC', { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }, /vpcSubnets\/securityGroups: got set without vpc; allowed: only together with vpc/],
    ['scale to zero', { scaling: { minReplicas: 0 } }, /scaling\.minReplicas: got 0; allowed: on SageMaker: at least 1 replica \(no scale to zero\)\. Fix: SageMaker cannot scale to zero/],
    ['body limit above SageMaker\'s 6 MiB', { server: { maxRequestBodySize: Size.mebibytes(8) } }, /server\.maxRequestBodySize: got 8388608 bytes; allowed: on SageMaker: at most 6291456 bytes/],
    ['error-rate guardrail of 0%', { guardrails: { maxErrorRatePercent: 0 } }, /guardrails\.maxErrorRatePercent: got 0/],
    ['guardrail breaching periods of 0', { guardrails: { breachingPeriods: 0 } }, /guardrails\.breachingPeriods: got 0/],
    ['a guardrail window shorter than SageMaker\'s one-minute metrics', { guardrails: { evaluationPeriod: Duration.seconds(30) } }, /guardrails\.evaluationPeriod: got 30s; allowed: on SageMaker: multiples of 1min/],
    ['a request timeout beyond SageMaker\'s 60 s', { server: { requestTimeout: Duration.seconds(90) } }, /server\.requestTimeout: got 90s; allowed: on SageMaker: at most 60s/],
    ['two scaling targets', { scaling: { targets: [ScalingTarget.cpuUtilization(60), ScalingTarget.invocationsPerReplicaPerSecond(10)] } }, /scaling\.targets: got \[60% CPU, 10 invocations\/s per replica\]; allowed: on SageMaker: one target/],
    ['CUDA on a CPU instance', { server: { executionProviders: [ExecutionProvider.CUDA] } }, /server\.executionProviders: got \[cuda\]; allowed: tensorrt and cuda only with an accelerator/],
  ];
  test.each(cases)('%s', (_name, extra, message) => {
    expectProblems(() => stackWith(extra), message);
  });

  // Catalogue: the ProductionVariantInstanceType enum of the SageMaker API model (botocore 1.43.11,
  // botocore/data/sagemaker/2017-07-24/service-2.json, shape ProductionVariantInstanceType; read 2026-12-06): the
  // type of CreateEndpointConfig's ProductionVariant.InstanceType, so SageMaker refuses anything outside it.
  test('a typo in the instance type is refused with the closest catalogued types (issue 17)', () => {
    expectProblems(() => stackWith({ instanceType: 'ml.g5.xlarg', accelerator: Accelerator.NVIDIA_A10G }),
      /instanceType: got "ml\.g5\.xlarg"; allowed: a size SageMaker hosts: ml\.g5 comes in xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 48xlarge \(the ProductionVariantInstanceType enum of the SageMaker API model \(botocore 1\.43\.11.*\)\)\. Fix: did you mean "ml\.g5\.xlarge"[^?]*\? If AWS added ml\.g5\.xlarg after that date, set acceptUncataloguedInstanceType: true/);
    expectProblems(() => stackWith({ instanceType: 'ml.m5.3xlarge' }), /instanceType: got "ml\.m5\.3xlarge"; allowed: a size SageMaker hosts: ml\.m5 comes in large, xlarge, 2xlarge, 4xlarge, 12xlarge, 24xlarge/);
    expectProblems(() => stackWith({ instanceType: 'ml.c5n.xlarge' }), /instanceType: got "ml\.c5n\.xlarge"; allowed: an instance type SageMaker real-time endpoints accept.*Fix: did you mean "ml\.c5\.xlarge"/);
    expectProblems(() => stackWith({ instanceType: 'ml.g5xlarge' }), /instanceType: got "ml\.g5xlarge"; allowed: an instance type SageMaker real-time endpoints accept .*Fix: did you mean "ml\.g5\.xlarge"[^?]*\? If AWS/);
    expectProblems(() => stackWith({ instanceType: 'g5.xlarge' }), /instanceType: got "g5\.xlarge"; allowed: a SageMaker instance type "ml\.<family>\.<size>"\. Fix: did you mean "ml\.g5\.xlarge"\?/);
  });

  test('acceptUncataloguedInstanceType accepts a type the catalogue does not list, with a synth warning', () => {
    const { stack, template } = stackWith({ instanceType: 'ml.m5.3xlarge', acceptUncataloguedInstanceType: true });
    template().hasResourceProperties('AWS::SageMaker::EndpointConfig', { ProductionVariants: [Match.objectLike({ InstanceType: 'ml.m5.3xlarge' })] });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('ml.m5.3xlarge is not in the SageMaker instance-type catalogue'))).toHaveLength(1);
  });

  // Region table: EC2 DescribeInstanceTypeOfferings per region as moto 5.2.1 records it from the live API
  // (moto/ec2/resources/instance_type_offerings/region/eu-west-1.json.gz, read 2026-12-06): no g6 in eu-west-1.
  // SageMaker hosting runs on EC2 instances, so ml.g6.* cannot be hosted there either.
  test('a GPU instance the stack\'s region does not offer is refused; a token region is not checked (issue 17)', () => {
    expectProblems(() => stackWith({ instanceType: 'ml.g6.xlarge', accelerator: Accelerator.NVIDIA_L4 }),
      /instanceType: got "ml\.g6\.xlarge" \(NVIDIA_L4\) in eu-west-1; allowed: a region where EC2 offers g6\.xlarge: .*us-east-1.*Fix: deploy the stack to one of those regions, or pick a GPU eu-west-1 offers: NVIDIA_T4 \(ml\.g4dn\.\*\), NVIDIA_A10G \(ml\.g5\.\*\), NVIDIA_A100 \(ml\.p4d\.\*\); if AWS added it in eu-west-1 since, set acceptUncataloguedInstanceType: true/);
    const app = new cdk.App({ builtinCloudFormationValidation: false });
    const agnostic = new cdk.Stack(app, 'Agnostic');
    expectNoProblems(() => new ModelEndpoint(agnostic, 'E', { model, metadata: { name: 'digits', version: '1', owner: 'ml' }, instanceType: 'ml.g6.xlarge', accelerator: Accelerator.NVIDIA_L4, image: ServingImage.fromRegistry(ECR_IMAGE) }));
    const { stack } = stackWith({ instanceType: 'ml.g6.xlarge', accelerator: Accelerator.NVIDIA_L4, acceptUncataloguedInstanceType: true });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('ml.g6.xlarge is not offered in eu-west-1'))).toHaveLength(1);
  });

  test('an encryption key on an instance-store family', () => {
    const app = new cdk.App({ builtinCloudFormationValidation: false });
    const stack = new cdk.Stack(app, 'S');
    expectProblems(() => new ModelEndpoint(stack, 'E', {
      model, metadata: { name: 'digits', version: '1', owner: 'ml' }, instanceType: 'ml.g5.xlarge', accelerator: Accelerator.NVIDIA_A10G,
      image: ServingImage.fromRegistry(ECR_IMAGE), encryptionKey: new kms.Key(stack, 'K'),
    }), /encryptionKey: got a key on ml\.g5\.xlarge; allowed: only on instance types without local NVMe storage \(SageMaker rejects KmsKeyId there\)/);
  });

  test('spec and backend problems are listed together in one error', () => {
    expectProblems(() => stackWith({ instanceType: 'ml.g5.xlarge', metadata: { name: 'X', version: '1', owner: 'ml' } }), /ModelEndpoint Test\/Endpoint has 2 invalid settings:\n {2}1\. accelerator: .*\n {2}2\. metadata\.name: /);
  });
});
