/**
 * The one table of spec cases every backend runs. A backend not named in `refusals` must honour the case
 * and render exactly the spec; one named must refuse exactly those fields, by name. Constructs throw one by
 * one (endpoint, then rollout, then budget), so a case lists the refusals of the first construct that fails.
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
  Size,
} from '../../lib';
import { ConformanceCase } from './harness';

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
    spec: { model, metadata, scaling: { minReplicas: 2, maxReplicas: 4 } },
    rollout: RolloutPolicy.canary({ trafficPercent: 50, bake: Duration.minutes(30) }),
    budget: { monthlyLimitUsd: 1000, alertThresholdsPercent: [80, 100], action: BudgetAction.NOTIFY },
    // KServe moves traffic but rolls nothing back.
    refusals: { [KSERVE]: ['policy.guardrails'] },
  },
  {
    name: 'GPU, tuned server, explicit cooldown, linear rollout',
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
    refusals: { [KSERVE]: ['scaling.scaleInCooldown', 'scaling.targets[0]'], [VERTEX]: ['scaling.scaleInCooldown'], [AZURE]: ['accelerator'] },
  },
  {
    name: 'scale to zero on invocations',
    spec: { model, metadata, scaling: { minReplicas: 0, maxReplicas: 3, targets: [ScalingTarget.invocationsPerReplicaPerSecond(20)] } },
    refusals: { [SAGEMAKER]: ['scaling.minReplicas'], [KUBERNETES]: ['scaling.minReplicas'], [VERTEX]: ['scaling.minReplicas', 'scaling.targets[0]'], [AZURE]: ['scaling.minReplicas'] },
  },
  {
    name: 'p95 guardrails and arbitrary rollout steps',
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
    refusals: { [KSERVE]: ['guardrails'] },
  },
  {
    name: 'a budget that acts before the limit',
    spec: { model, metadata },
    budget: { monthlyLimitUsd: 2000, alertThresholdsPercent: [50, 80], action: BudgetAction.SCALE_TO_FLOOR, enforceAtPercent: 90 },
    refusals: { [KUBERNETES]: ['budget.action', 'budget.enforceAtPercent'], [KSERVE]: ['budget.action', 'budget.enforceAtPercent'] },
  },
  {
    name: 'a body limit above 6 MiB and a long request timeout',
    spec: { model, metadata, server: { maxRequestBodySize: Size.mebibytes(8), requestTimeout: Duration.seconds(120) } },
    refusals: { [SAGEMAKER]: ['server.maxRequestBodySize', 'server.requestTimeout'], [VERTEX]: ['server.maxRequestBodySize'] },
  },
  {
    name: 'two scaling targets (CPU and invocations)',
    spec: { model, metadata, scaling: { minReplicas: 2, maxReplicas: 6, targets: [ScalingTarget.cpuUtilization(60), ScalingTarget.invocationsPerReplicaPerSecond(30)] } },
    refusals: { [SAGEMAKER]: ['scaling.targets'], [KSERVE]: ['scaling.targets'], [VERTEX]: ['scaling.targets[1]'] },
  },
  {
    name: 'TensorRT first, CPU fallback, on a GPU',
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
    spec: { model: ModelArtifact.fromUri('s3://acme-models/digits/1/model.onnx', { signature: model.signature }), metadata, scaling: { minReplicas: 1, maxReplicas: 3 } },
    // Vertex AI reads local files (uploaded) and gs:// folders; Azure ML local files and Azure Blob URIs.
    refusals: { [VERTEX]: ['model'], [AZURE]: ['model'] },
  },
];
