/**
 * The one table of spec cases every backend runs. A backend not named in `refusals` must honour the case
 * and render exactly the spec; one named must refuse exactly those fields, by name. Constructs throw one by
 * one (endpoint, then rollout, then budget), so a case lists the refusals of the first construct that fails.
 *
 * Each case's `expected` is its meaning written out by hand from the spec's documentation (defaults: one
 * replica at least, at most the larger of that and 2; 70% CPU, or 70% GPU with an accelerator; providers
 * [cuda, cpu] with an accelerator; a canary is its step then 100%; a linear rollout steps by stepPercent up
 * to 100; a budget notifies at its alert thresholds and, when it acts, at enforceAtPercent too). It is never
 * computed by the library, so a resolver that maps a field wrongly fails here.
 */
import { join } from 'node:path';
import {
  Accelerator,
  BudgetAction,
  Duration,
  ExecutionProvider,
  LatencyPercentile,
  ModelArtifact,
  RolloutPolicy,
  ScalingTarget,
  ServerSecret,
  Size,
} from '../../lib';
import { ConformanceCase, DEFAULT_GUARDRAILS } from './harness';

export const MODEL_FILE = join(__dirname, '..', '..', 'examples', 'models', 'digits-classifier', '1', 'model.onnx');
const model = ModelArtifact.fromFile(MODEL_FILE);
const metadata = { name: 'digits', version: '1.0.0', owner: 'ml-platform' };

const SAGEMAKER = 'SageMaker';
const KUBERNETES = 'Kubernetes';
const KSERVE = 'KServe (serverless)';
const VERTEX = 'Vertex AI';
const AZURE = 'Azure ML';

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'CPU, defaults, a 50% canary and a notify-only budget',
    expected: { server: {}, minReplicas: 2, maxReplicas: 4, scalingTargets: ['CPU_UTILIZATION=70'], guardrails: DEFAULT_GUARDRAILS, rolloutWeights: [50, 100], budget: ['limit=1000', 'notifyAt=80,100', 'action=NOTIFY'] },
    spec: { model, metadata, scaling: { minReplicas: 2, maxReplicas: 4 } },
    rollout: RolloutPolicy.canary({ trafficPercent: 50, bake: Duration.minutes(30) }),
    budget: { monthlyLimitUsd: 1000, alertThresholdsPercent: [80, 100], action: BudgetAction.NOTIFY },
    // KServe moves traffic but rolls nothing back.
    refusals: { [KSERVE]: ['policy.guardrails'] },
  },
  {
    name: 'GPU, tuned server, explicit cooldown, linear rollout',
    expected: {
      server: { MODEL_SERVER_MAX_BATCH_SIZE: '32', MODEL_SERVER_MAX_QUEUE_DELAY_MS: '4', MODEL_SERVER_WARMUP_RUNS: '10', MODEL_SERVER_EXECUTION_PROVIDERS: 'cuda,cpu' },
      minReplicas: 4, maxReplicas: 8, scalingTargets: ['GPU_UTILIZATION=60'], guardrails: DEFAULT_GUARDRAILS, rolloutWeights: [25, 50, 75, 100],
    },
    spec: {
      model,
      metadata: { name: 'digits-gpu', version: '2.1.0', owner: 'vision', framework: 'pytorch-2.4', trainedOn: '2026-09-30' },
      accelerator: Accelerator.NVIDIA_L4,
      scaling: { minReplicas: 4, maxReplicas: 8, targets: [ScalingTarget.gpuUtilization(60)], scaleInCooldown: Duration.minutes(10) },
      server: { maxBatchSize: 32, maxQueueDelayMs: 4, warmupRuns: 10 },
    },
    rollout: RolloutPolicy.linear({ stepPercent: 25, interval: Duration.minutes(15) }),
    // The endpoint fails first; the rollout (also refused on KServe) is never reached.
    // Azure ML managed endpoints have no L4 size.
    // One synth reports every construct's problems: the endpoint's refusals and the rollout's (KServe: no automatic rollback).
    refusals: { [KSERVE]: ['policy.guardrails', 'scaling.scaleInCooldown', 'scaling.targets[0]'], [VERTEX]: ['scaling.scaleInCooldown'], [AZURE]: ['accelerator'] },
  },
  {
    name: 'scale to zero on invocations',
    expected: { server: {}, minReplicas: 0, maxReplicas: 3, scalingTargets: ['INVOCATIONS_PER_REPLICA=20'], guardrails: DEFAULT_GUARDRAILS },
    spec: { model, metadata, scaling: { minReplicas: 0, maxReplicas: 3, targets: [ScalingTarget.invocationsPerReplicaPerSecond(20)] } },
    refusals: { [SAGEMAKER]: ['scaling.minReplicas'], [KUBERNETES]: ['scaling.minReplicas'], [VERTEX]: ['scaling.minReplicas', 'scaling.targets[0]'], [AZURE]: ['scaling.minReplicas'] },
  },
  {
    name: 'p95 guardrails and arbitrary rollout steps',
    expected: { server: {}, minReplicas: 4, maxReplicas: 8, scalingTargets: ['CPU_UTILIZATION=70'], guardrails: ['errors>2%', 'p95>300ms', 'window=60s', 'breaches=2'], rolloutWeights: [25, 50, 100] },
    spec: {
      model, metadata,
      scaling: { minReplicas: 4, maxReplicas: 8 },
      guardrails: { maxErrorRatePercent: 2, latencyPercentile: LatencyPercentile.P95, maxLatency: Duration.millis(300), breachingPeriods: 2 },
    },
    rollout: RolloutPolicy.steps([
      { trafficPercent: 25, bake: Duration.minutes(30) },
      { trafficPercent: 50, bake: Duration.minutes(30) },
      { trafficPercent: 100, bake: Duration.minutes(10) },
    ]),
    // KServe emits no alerts, so the endpoint's explicit guardrails are refused before the rollout is reached.
    // SageMaker runs arbitrary steps with exact weights (the controller), which the default picks here.
    refusals: { [KSERVE]: ['guardrails', 'policy.guardrails'] },
  },
  {
    name: 'a budget that acts before the limit',
    expected: { server: {}, minReplicas: 1, maxReplicas: 2, scalingTargets: ['CPU_UTILIZATION=70'], guardrails: DEFAULT_GUARDRAILS, budget: ['limit=2000', 'notifyAt=50,80,90', 'action=SCALE_TO_FLOOR'] },
    spec: { model, metadata },
    budget: { monthlyLimitUsd: 2000, alertThresholdsPercent: [50, 80], action: BudgetAction.SCALE_TO_FLOOR, enforceAtPercent: 90 },
    refusals: { [KUBERNETES]: ['budget.action', 'budget.enforceAtPercent'], [KSERVE]: ['budget.action', 'budget.enforceAtPercent'] },
  },
  {
    name: 'a body limit above 6 MiB and a long request timeout',
    expected: { server: { MODEL_SERVER_MAX_REQUEST_BODY_BYTES: '8388608', MODEL_SERVER_REQUEST_TIMEOUT_MS: '120000' }, minReplicas: 1, maxReplicas: 2, scalingTargets: ['CPU_UTILIZATION=70'], guardrails: DEFAULT_GUARDRAILS },
    spec: { model, metadata, server: { maxRequestBodySize: Size.mebibytes(8), requestTimeout: Duration.seconds(120) } },
    refusals: { [SAGEMAKER]: ['server.maxRequestBodySize', 'server.requestTimeout'], [VERTEX]: ['server.maxRequestBodySize'] },
  },
  {
    name: 'two scaling targets (CPU and invocations)',
    expected: { server: {}, minReplicas: 2, maxReplicas: 6, scalingTargets: ['CPU_UTILIZATION=60', 'INVOCATIONS_PER_REPLICA=30'], guardrails: DEFAULT_GUARDRAILS },
    spec: { model, metadata, scaling: { minReplicas: 2, maxReplicas: 6, targets: [ScalingTarget.cpuUtilization(60), ScalingTarget.invocationsPerReplicaPerSecond(30)] } },
    refusals: { [SAGEMAKER]: ['scaling.targets'], [KSERVE]: ['scaling.targets'], [VERTEX]: ['scaling.targets[1]'] },
  },
  {
    name: 'TensorRT first, CPU fallback, on a GPU',
    expected: { server: { MODEL_SERVER_EXECUTION_PROVIDERS: 'tensorrt,cuda,cpu' }, minReplicas: 1, maxReplicas: 2, scalingTargets: ['CPU_UTILIZATION=50'], guardrails: DEFAULT_GUARDRAILS },
    spec: {
      model, metadata, accelerator: Accelerator.NVIDIA_A10G,
      scaling: { minReplicas: 1, maxReplicas: 2, targets: [ScalingTarget.cpuUtilization(50)] },
      server: { executionProviders: [ExecutionProvider.TENSORRT, ExecutionProvider.CUDA, ExecutionProvider.CPU] },
    },
    // A10G is AWS's GPU: Google Cloud offers none; Azure's NVads A10 v5 sizes carry an A10.
    refusals: { [VERTEX]: ['accelerator'], [AZURE]: ['accelerator'] },
  },
  {
    name: 'a model already in S3, with its signature',
    expected: { server: {}, minReplicas: 1, maxReplicas: 3, scalingTargets: ['CPU_UTILIZATION=70'], guardrails: DEFAULT_GUARDRAILS },
    spec: { model: ModelArtifact.fromUri('s3://acme-models/digits/1/model.onnx', { signature: model.signature }), metadata, scaling: { minReplicas: 1, maxReplicas: 3 } },
    // Vertex AI reads local files (uploaded) and gs:// folders; Azure ML local files and Azure Blob URIs.
    refusals: { [VERTEX]: ['model'], [AZURE]: ['model'] },
  },
  {
    // runtime/README.md: the breaker guards the models named in MODEL_SERVER_BREAKER_MODELS; the rest are its variables.
    name: 'a circuit breaker with its own thresholds',
    expected: {
      server: { MODEL_SERVER_BREAKER_MODELS: 'digits', MODEL_SERVER_BREAKER_CONSECUTIVE_FAILURES: '3', MODEL_SERVER_BREAKER_WINDOW_SECONDS: '60' },
      minReplicas: 1, maxReplicas: 2, scalingTargets: ['CPU_UTILIZATION=70'], guardrails: DEFAULT_GUARDRAILS,
    },
    spec: { model, metadata, server: { circuitBreaker: { consecutiveFailures: 3, window: Duration.minutes(1) } } },
  },
  {
    // The Redis URL comes from a Secret (secretKeyRef), so only the cache's model list is a plain variable.
    name: 'JWT with a per-minute limit, and a Redis cache from a Kubernetes Secret',
    expected: {
      server: {
        MODEL_SERVER_JWT_JWKS_URI: 'https://login.example.com/.well-known/jwks.json',
        MODEL_SERVER_JWT_ISSUER: 'https://login.example.com/',
        MODEL_SERVER_JWT_AUDIENCE: 'digits-api',
        MODEL_SERVER_RATE_LIMIT_PER_MINUTE: '100',
        MODEL_SERVER_CACHE_MODELS: 'digits',
      },
      minReplicas: 1, maxReplicas: 2, scalingTargets: ['CPU_UTILIZATION=70'], guardrails: DEFAULT_GUARDRAILS,
    },
    spec: {
      model, metadata,
      server: {
        auth: { jwt: { issuer: 'https://login.example.com/', audience: 'digits-api', jwksUri: 'https://login.example.com/.well-known/jwks.json' }, requestsPerMinute: 100 },
        cache: { redisUrl: ServerSecret.fromKubernetesSecret('redis', 'url') },
      },
    },
    // Callers' headers and Kubernetes Secrets reach the server only on Kubernetes; SageMaker (network isolation by
    // default) also has no route to the Redis; Vertex AI reaches public addresses only (a warning: the URL is secret).
    refusals: {
      [SAGEMAKER]: ['server.auth', 'server.cache.redisUrl', 'server.cache.redisUrl'],
      [VERTEX]: ['server.auth', 'server.cache.redisUrl'],
      [AZURE]: ['server.auth', 'server.cache.redisUrl'],
    },
  },
];
