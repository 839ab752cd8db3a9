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

/** A backend that can do everything, with a 6 MiB body limit; tests override what they need. */
export const TEST_CAPABILITIES: BackendCapabilities = {
  backend: 'TestCloud',
  image: { buildsBundledImage: true },
  artifacts: {
    storages: [ArtifactStorage.LOCAL_FILE, ArtifactStorage.S3, ArtifactStorage.GCS, ArtifactStorage.AZURE_BLOB],
    layouts: [ArtifactLayout.SINGLE_FILE, ArtifactLayout.PREFIX, ArtifactLayout.ARCHIVE],
  },
  scaling: {
    metrics: [ScalingMetric.CPU_UTILIZATION, ScalingMetric.GPU_UTILIZATION, ScalingMetric.INVOCATIONS_PER_REPLICA],
    multipleTargets: true,
    cooldowns: true,
    scaleToZero: false,
    maxReplicas: 1000,
  },
  server: { maxRequestBodyBytes: 6_291_456 },
  guardrails: { latencyPercentiles: LatencyPercentile.ALL },
  rollout: {
    traffic: TrafficSplitting.EXACT,
    automaticRollback: true,
    stepShapes: [RolloutStepShape.ONE_STEP, RolloutStepShape.EQUAL_STEPS, RolloutStepShape.ANY_STEPS],
    longestBake: Duration.hours(24),
    shadowTraffic: true,
  },
  budget: {
    actions: [BudgetAction.NOTIFY, BudgetAction.SCALE_TO_FLOOR, BudgetAction.DELETE],
    forecastAlerts: true,
    actionThreshold: true,
    emailNotifications: true,
  },
  naming: { endpointName: NameRule.KUBERNETES_NAME, labelValue: NameRule.KUBERNETES_LABEL_VALUE },
};

/** TEST_CAPABILITIES with some parts replaced. */
export function capabilities(overrides: Partial<BackendCapabilities>): BackendCapabilities {
  return { ...TEST_CAPABILITIES, ...overrides };
}
