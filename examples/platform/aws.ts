// The seeds' multi-model platform on AWS, rendered from the same table as Kubernetes (examples/platform/models.ts):
// one SageMaker real-time endpoint per model (GPU models on ml.g6 instances with one NVIDIA L4, CPU models on
// ml.c6i: SageMaker's "node pools" are the instance types), autoscaling per model on queue depth
// (ConcurrentRequestsPerModel), a 5%/1 h canary per model with exact weights that rolls back on the SLO alarms,
// the ModelGateway (API Gateway REST: /api/v1/<model>, a JWT authorizer, 100 requests/minute per API key in WAF),
// a Redis cache for the fraud model (its URL read from Secrets Manager by the server at start), tracing to an OTLP
// collector in the VPC, a budget, and per model a dashboard and a cost-per-1000-predictions alarm. Checked by
// cdk-nag. `npm run synth` writes it to cdk.out.platform/.
//
// The model folders are read from S3 (a prefix per model version, uploaded by CI with
// `aws s3 sync examples/platform-models/<name>/<version> s3://<bucket>/<name>/<version>/`), so a model's
// fallback.json travels with its model.onnx; the signature is read from the local copy at synth.
import { dirname, isAbsolute, join } from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Accelerator, BudgetAction, ModelArtifact, RolloutPolicy, ScalingTarget, ServerSecret, ServerSettings } from '../../lib';
import { AlertRouting, BudgetGuard, CanaryRollout, ModelEndpoint, ModelGateway, SageMakerRolloutMode } from '../../constructs/aws';
import { PLATFORM, PLATFORM_SETTINGS, PlatformModel, PlatformSettings } from './models';

export const PLATFORM_AWS_OUTDIR = 'cdk.out.platform';
export const PLATFORM_AWS_STACK = 'ModelPlatform';
/** The repository: where the table's model files are, by default. */
export const PLATFORM_ROOT = join(__dirname, '..', '..');
/** us-east-1 offers ml.g6 (NVIDIA L4) hosting; eu-west-1 does not (constructs/aws/instance-types.ts). */
export const PLATFORM_ENV = { account: '111111111111', region: 'us-east-1' };
/** The bucket CI syncs examples/platform-models/ into. */
export const PLATFORM_MODELS_BUCKET = 'acme-platform-models';
/** The Secrets Manager secret holding the fraud cache's `rediss://` URL (password included). */
export const REDIS_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:platform/redis-url-AbCdEf';
/** The VPC the endpoints run in: the Redis cluster and the OTLP collector live there. */
export const PLATFORM_VPC = {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  privateSubnetIds: ['subnet-0a1b2c3d4e5f60711', 'subnet-0a1b2c3d4e5f60722'],
};
/** The collector's address inside the VPC (the table's tracing endpoint is a Kubernetes Service name). */
export const AWS_TRACING_ENDPOINT = 'http://otel-collector.platform.internal:4318';

export interface AwsPlatformOptions {
  /** Where the table's model files are (relative paths resolve from here). @default the repository */
  readonly root?: string;
  /** cdk.out folder. @default PLATFORM_AWS_OUTDIR */
  readonly outdir?: string;
}

/**
 * USD per instance-hour, for the dashboards' cost per 1000 predictions and the cost alarms. ASSUMED us-east-1
 * on-demand hosting list prices (not in lib/cost.ts's dated snapshot, not checked against the AWS Price List
 * API here): replace them with your region's prices and discounts.
 */
export const SAGEMAKER_HOURLY_USD: Readonly<Record<string, number>> = {
  'ml.g6.xlarge': 1.01,
  'ml.g6.2xlarge': 1.22,
  'ml.g6.4xlarge': 1.66,
  'ml.c6i.large': 0.1,
  'ml.c6i.xlarge': 0.2,
  'ml.c6i.2xlarge': 0.41,
};

/** SageMaker's instance for a table entry: one L4 (ml.g6) for GPU models, compute-optimized ml.c6i for CPU ones. */
export function platformInstanceType(m: PlatformModel): string {
  if (m.compute === 'gpu') return m.cpu <= 4 ? 'ml.g6.xlarge' : m.cpu <= 8 ? 'ml.g6.2xlarge' : 'ml.g6.4xlarge';
  return m.cpu <= 2 ? 'ml.c6i.large' : m.cpu <= 4 ? 'ml.c6i.xlarge' : 'ml.c6i.2xlarge';
}

/** The S3 prefix of a model version: `s3://<bucket>/<name>/<version folder>/`. */
export function platformModelPrefix(m: PlatformModel): string {
  const versionFolder = dirname(m.modelFile).split(/[\\/]/).pop();
  return `s3://${PLATFORM_MODELS_BUCKET}/${m.name}/${versionFolder}/`;
}

/** Builds the platform app (nothing written until `app.synth()`). */
export function buildAwsPlatform(models: readonly PlatformModel[] = PLATFORM, settings: PlatformSettings = PLATFORM_SETTINGS, options: AwsPlatformOptions = {}): cdk.App {
  const root = options.root ?? PLATFORM_ROOT;
  const app = new cdk.App({ outdir: options.outdir ?? PLATFORM_AWS_OUTDIR });
  cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new cdk.Stack(app, PLATFORM_AWS_STACK, { env: PLATFORM_ENV, description: 'The multi-model serving platform (model-serving-constructs examples/platform)' });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', PLATFORM_VPC);
  const guardrails = { ...settings.slo };

  const endpoints = models.map((m) => {
    const local = isAbsolute(m.modelFile) ? m.modelFile : join(root, m.modelFile);
    const server: ServerSettings = {
      maxBatchSize: m.batching.maxBatchSize,
      maxQueueDelayMs: m.batching.maxQueueDelayMs,
      executionProviders: [...m.executionProviders],
      ...(m.tensorRtFp16 ? { tensorRtFp16: true } : {}),
      tracing: { endpoint: AWS_TRACING_ENDPOINT, serviceName: m.name },
      ...(m.cache ? { cache: { redisUrl: ServerSecret.fromAwsSecretsManager(REDIS_SECRET_ARN), ttl: m.cache.ttl } } : {}),
      ...(m.circuitBreaker ? { circuitBreaker: breakerOf(m) } : {}),
    };
    const endpoint = new ModelEndpoint(stack, idOf(m.name), {
      model: ModelArtifact.fromUri(platformModelPrefix(m), { signature: ModelArtifact.readSignature(local) }),
      metadata: { name: m.name, version: m.version, owner: m.owner },
      instanceType: platformInstanceType(m),
      ...(m.compute === 'gpu' ? { accelerator: Accelerator.NVIDIA_L4 } : {}),
      server,
      scaling: { minReplicas: m.scaling.minReplicas, maxReplicas: m.scaling.maxReplicas, targets: [ScalingTarget.concurrentRequestsPerReplica(m.scaling.concurrentRequestsPerReplica)] },
      guardrails,
      // The cache and the collector are in the VPC: the model runs there, with outbound connections allowed.
      vpc,
      networkIsolation: false,
      dashboard: true,
      hourlyPriceUsd: SAGEMAKER_HOURLY_USD[platformInstanceType(m)],
      costPer1000PredictionsAbove: m.costPer1000PredictionsAbove,
    });
    // Exactly 5% of requests for an hour on a second production variant, whatever the instance count; the
    // endpoint's SLO alarms roll it back.
    new CanaryRollout(stack, `${idOf(m.name)}Canary`, {
      endpoint,
      mode: SageMakerRolloutMode.EXACT_WEIGHTS,
      policy: RolloutPolicy.canary({ trafficPercent: settings.canary.trafficPercent, bake: settings.canary.bake }),
    });
    return endpoint;
  });

  new ModelGateway(stack, 'Gateway', {
    routes: endpoints.map((endpoint) => ({ endpoint })),
    basePath: settings.gateway.basePath,
    jwt: { issuer: settings.gateway.jwt.issuer, audiences: [...settings.gateway.jwt.audiences], jwksUri: settings.gateway.jwt.jwksUri },
    apiKeys: { requestsPerMinute: settings.gateway.requestsPerMinutePerKey },
    guardrails,
  });

  const budget = new BudgetGuard(stack, 'Budget', {
    endpoints,
    budget: { monthlyLimitUsd: settings.budget.monthlyLimitUsd, alertThresholdsPercent: [50, 80, 100], action: BudgetAction.NOTIFY, emails: ['ml-oncall@example.com'] },
  });
  // Every alarm in the stack (SLOs of endpoints, gateway and canaries, cost) notifies the on-call topic.
  new AlertRouting(stack, 'Alerts', { alertTarget: budget.topic });
  return app;
}

function breakerOf(m: PlatformModel): ServerSettings['circuitBreaker'] {
  // `fallback` is the table's statement that fallback.json lies beside model.onnx (it does: the prefix holds both).
  const { fallback: _fallback, ...breaker } = m.circuitBreaker!;
  return breaker;
}

function idOf(name: string): string {
  return name.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

/** `npm run synth`'s entry (scripts/backends.json, "platform"): the app for `outdir`, synthesized by the caller. */
export function synthAwsPlatform(outdir: string = PLATFORM_AWS_OUTDIR): cdk.App {
  return buildAwsPlatform(PLATFORM, PLATFORM_SETTINGS, { outdir });
}

if (require.main === module) {
  buildAwsPlatform().synth();
}
