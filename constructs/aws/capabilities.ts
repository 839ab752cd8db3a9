import {
  ArtifactLayout,
  ArtifactStorage,
  BackendCapabilities,
  BudgetAction,
  Duration,
  LatencyPercentile,
  NameRule,
  RolloutStepShape,
  ScalingMetric,
  TrafficSplitting,
} from '../../lib';
import { NodePoolCapabilities } from '../../lib/backend';

/**
 * What SageMaker real-time endpoints (with Application Auto Scaling, CloudWatch, blue/green deployment
 * guardrails and AWS Budgets) can honour. The shared resolvers refuse everything else by name.
 */
export const SAGEMAKER_CAPABILITIES: BackendCapabilities = {
  backend: 'SageMaker',
  image: {
    buildsBundledImage: true,
    registryPattern: '^\\d{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/',
    registryDescription: 'Amazon ECR ("<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>")',
  },
  artifacts: {
    storages: [ArtifactStorage.LOCAL_FILE, ArtifactStorage.S3],
    layouts: [ArtifactLayout.SINGLE_FILE, ArtifactLayout.PREFIX, ArtifactLayout.ARCHIVE],
  },
  scaling: {
    metrics: [ScalingMetric.INVOCATIONS_PER_REPLICA, ScalingMetric.CPU_UTILIZATION, ScalingMetric.GPU_UTILIZATION, ScalingMetric.CONCURRENT_REQUESTS_PER_REPLICA],
    // Several target-tracking policies on one variant fight over capacity; the endpoint builds one.
    multipleTargets: false,
    cooldowns: true,
    // Real-time endpoints keep at least one instance (scale to zero needs inference components).
    scaleToZero: false,
    maxReplicas: 1000,
  },
  // InvokeEndpoint forwards at most 6 MiB and waits at most 60 s for the model.
  // Callers authenticate with SigV4 and "SageMaker strips all POST headers except those supported by the API"
  // (InvokeEndpoint API reference). ContainerDefinition.Environment is a string map whose documentation says
  // "Don't include any sensitive data in your environment variables" (CreateModel API reference): no secret refs.
  server: {
    maxRequestBodyBytes: 6_291_456,
    maxRequestTimeout: Duration.seconds(60),
    callerCredentials: false,
    platformAuthentication: 'SageMaker checks AWS Signature Version 4 on InvokeEndpoint and strips every request header its API does not define',
    secretSources: [],
    outboundNetwork: 'with `networkIsolation: false` and `vpc` only',
    secretsFix: 'SageMaker passes the container plain strings only (CreateModel ContainerDefinition.Environment, "Don\'t include any sensitive data"): leave it out on SageMaker, or serve with the Kubernetes backend and ServerSecret.fromKubernetesSecret(name, key)',
  },
  // CloudWatch computes any percentile; SageMaker publishes endpoint metrics once a minute.
  guardrails: { latencyPercentiles: LatencyPercentile.ALL, evaluationPeriodMultiple: Duration.minutes(1) },
  rollout: {
    traffic: TrafficSplitting.EXACT,
    automaticRollback: true,
    stepShapes: [RolloutStepShape.ONE_STEP, RolloutStepShape.EQUAL_STEPS],
    // WaitIntervalInSeconds and TerminationWaitInSeconds are at most 3600.
    longestBake: Duration.hours(1),
    longestFinalBake: Duration.hours(1),
    // CanarySize / LinearStepSize are at most 50% of the fleet.
    maxStepPercent: 50,
    // Shadow variants exist in SageMaker, but this library does not build them yet.
    shadowTraffic: false,
  },
  budget: {
    actions: [BudgetAction.NOTIFY, BudgetAction.SCALE_TO_FLOOR, BudgetAction.DELETE],
    forecastAlerts: true,
    actionThreshold: true,
    emailNotifications: true,
    maxNotifications: 5,
  },
  naming: { endpointName: NameRule.SAGEMAKER_NAME, labelValue: NameRule.AWS_TAG_VALUE },
};

/**
 * SageMaker with the exact-weight controller (CanaryRollout mode EXACT_WEIGHTS): two production variants
 * whose weights are the step percentages, any step shape, shadow variants; the whole rollout must fit the
 * 12 h CloudFormation waits for it (checked by the construct). No routing by header: a caller can pin the
 * canary with InvokeEndpoint's TargetVariant instead.
 */
export const SAGEMAKER_EXACT_WEIGHT_CAPABILITIES: BackendCapabilities = {
  ...SAGEMAKER_CAPABILITIES,
  backend: 'SageMaker (exact-weight controller)',
  rollout: {
    traffic: TrafficSplitting.EXACT,
    automaticRollback: true,
    stepShapes: [RolloutStepShape.ONE_STEP, RolloutStepShape.EQUAL_STEPS, RolloutStepShape.ANY_STEPS],
    longestBake: Duration.hours(12),
    longestFinalBake: Duration.hours(12),
    maxStepPercent: 99,
    shadowTraffic: true,
    maxShadowPercent: 100,
    headerRouting: false,
  },
};

/** What an EKS managed node group accepts (GpuNodePool): gp3 boot volumes of 20 to 16384 GiB. */
export const EKS_NODE_POOL_CAPABILITIES: NodePoolCapabilities = {
  backend: 'EKS',
  diskGiB: { min: 20, max: 16_384, note: 'gp3' },
};
