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
  SecretSource,
  TrafficSplitting,
} from '../../lib';

const ALL_SHAPES = [RolloutStepShape.ONE_STEP, RolloutStepShape.EQUAL_STEPS, RolloutStepShape.ANY_STEPS];

/** Shared by every flavour: what the cluster, Prometheus and the namespace budget can do. */
const COMMON: Pick<BackendCapabilities, 'image' | 'artifacts' | 'server' | 'guardrails' | 'budget' | 'naming'> = {
  // cdk8s writes manifests; it cannot build images.
  image: { buildsBundledImage: false },
  // A local file is only read for its signature: the model reaches /mnt/models through modelDelivery.
  artifacts: {
    storages: [ArtifactStorage.LOCAL_FILE, ArtifactStorage.S3, ArtifactStorage.GCS, ArtifactStorage.AZURE_BLOB],
    layouts: [ArtifactLayout.SINGLE_FILE, ArtifactLayout.PREFIX, ArtifactLayout.ARCHIVE],
  },
  // No platform limit in front of the pod (an ingress may add one: lower server.maxRequestBodySize to it).
  // Callers' headers reach the pod; secretKeyRef fills a variable from a Secret at container start.
  server: {
    callerCredentials: true,
    secretSources: [SecretSource.KUBERNETES_SECRET],
    secretsFix: 'copy the secret into a Kubernetes Secret in the endpoint\'s namespace (External Secrets Operator, Secrets Store CSI driver) and use ServerSecret.fromKubernetesSecret(name, key)',
  },
  // Prometheus histogram_quantile computes any percentile from the server's latency histogram.
  guardrails: { latencyPercentiles: LatencyPercentile.ALL },
  // A namespace budget caps GPUs with a ResourceQuota and alerts through Prometheus: nothing acts on spend.
  budget: { actions: [BudgetAction.NOTIFY], forecastAlerts: false, actionThreshold: false, emailNotifications: false },
  naming: { endpointName: NameRule.KUBERNETES_NAME, labelValue: NameRule.KUBERNETES_LABEL_VALUE },
};

/** Plain Kubernetes: Deployment + HPA or KEDA; rollouts by Argo Rollouts without a traffic router. */
export const KUBERNETES_CAPABILITIES: BackendCapabilities = {
  ...COMMON,
  backend: 'Kubernetes',
  // A Service routes any number of ports; gRPC gets its own, marked h2c for meshes and gateways.
  server: { ...COMMON.server, grpc: true },
  scaling: {
    // CPU through the HPA; invocations, GPU utilization and concurrent requests through KEDA (the endpoint asks for `keda`).
    metrics: [ScalingMetric.CPU_UTILIZATION, ScalingMetric.INVOCATIONS_PER_REPLICA, ScalingMetric.GPU_UTILIZATION, ScalingMetric.CONCURRENT_REQUESTS_PER_REPLICA],
    multipleTargets: true,
    cooldowns: true,
    scaleToZero: false,
    maxReplicas: 1000,
  },
  rollout: {
    // Without a traffic router Argo approximates weights with pod counts.
    traffic: TrafficSplitting.REPLICA_APPROXIMATED,
    automaticRollback: true,
    stepShapes: ALL_SHAPES,
    longestBake: Duration.hours(24),
    shadowTraffic: false,
  },
};

/** KServe in Serverless mode (Knative): request-based scaling, scale to zero, no cooldown knobs. */
export const KSERVE_SERVERLESS_CAPABILITIES: BackendCapabilities = {
  ...COMMON,
  backend: 'KServe (serverless)',
  // Knative refuses a revision timeoutSeconds above max-revision-timeout-seconds, 600 by default
  // (knative/serving pkg/apis/config/defaults.go, pkg/apis/serving/v1/revision_validation.go).
  server: { ...COMMON.server, maxRequestTimeout: Duration.minutes(10) },
  scaling: {
    // Knative's KPA: concurrency is its own default metric (KServe scaleMetric 'concurrency').
    metrics: [ScalingMetric.CPU_UTILIZATION, ScalingMetric.INVOCATIONS_PER_REPLICA, ScalingMetric.CONCURRENT_REQUESTS_PER_REPLICA],
    multipleTargets: false,
    cooldowns: false,
    scaleToZero: true,
    maxReplicas: 1000,
  },
  rollout: {
    // canaryTrafficPercent is a Knative route weight: exact. Nothing watches guardrails or rolls back.
    traffic: TrafficSplitting.EXACT,
    automaticRollback: false,
    stepShapes: ALL_SHAPES,
    longestBake: Duration.hours(24),
    shadowTraffic: false,
  },
};

/** KServe in RawDeployment mode: a Deployment with KServe's HPA on CPU. */
export const KSERVE_RAW_CAPABILITIES: BackendCapabilities = {
  ...KSERVE_SERVERLESS_CAPABILITIES,
  backend: 'KServe (RawDeployment)',
  server: COMMON.server,
  scaling: { metrics: [ScalingMetric.CPU_UTILIZATION], multipleTargets: false, cooldowns: false, scaleToZero: false, maxReplicas: 1000 },
  // canaryTrafficPercent needs Knative routes: KServe supports canary rollouts in Serverless mode only.
  rollout: { ...KSERVE_SERVERLESS_CAPABILITIES.rollout, stepShapes: [] },
};

/**
 * Envoy Gateway (gateway.envoyproxy.io/v1alpha1 policies on Gateway API routes), for ModelGateway. Checked
 * against envoyproxy/gateway v1.9.0 (commit 39763b1c07ec30a5526fe70434a2cfe4181de642): its CRDs
 * (charts/gateway-helm/charts/crds/crds/generated/) and docs (site/content/en/latest/).
 * - JWT: SecurityPolicy `jwt.providers` (issuer, audiences, remoteJWKS) on Envoy's jwt_authn filter, which
 *   verifies every asymmetric algorithm of lib/contract.ts JWT_ALGORITHMS (Envoy docs, "JWT Authentication":
 *   RS*, PS*, ES*, EdDSA); it does not restrict them to a list (ModelGateway warns).
 * - jwt.modelsClaim: SecurityPolicy `authorization.rules[].principal.jwt.claims` (valueType String or
 *   StringArray) on a policy per HTTPRoute (tasks/security/jwt-claim-authorization.md).
 * - API keys: SecurityPolicy `apiKeyAuth` (Secret of client id -> key, tasks/security/apikey-auth.md); the
 *   per-key limit: BackendTrafficPolicy `rateLimit.global` with a `Distinct` header selector, counted by
 *   Envoy's rate limit service in fixed windows (envoyproxy/ratelimit src/limiter/cache_key.go: the cache key
 *   ends in `(now/divider)*divider`), concepts/rate-limiting.md. `limit.requests` is a uint32.
 * - No response cache in Envoy Gateway's policies (no cache field in BackendTrafficPolicy or
 *   ClientTrafficPolicy v1.9.0): refused.
 * - Request size: BackendTrafficPolicy `requestBuffer.limit`, "If exceeded, the request will be rejected with
 *   HTTP 413" (the CRD's own description); no platform maximum.
 */
export const ENVOY_GATEWAY_CAPABILITIES: BackendCapabilities = {
  ...KUBERNETES_CAPABILITIES,
  backend: 'Kubernetes (Envoy Gateway)',
  gateway: {
    product: 'Envoy Gateway v1.9',
    jwtAlgorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
    jwtModelsClaim: true,
    perKeyRateLimit: true,
    rateLimitRange: { min: 1, max: 4_294_967_295 },
    bodyKeyedCache: false,
  },
};
