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
import { GatewayCapabilities, NodePoolCapabilities } from '../../lib/backend';

export const AZURE_ML_BACKEND = 'Azure ML';

/**
 * What Azure API Management (ModelGateway) can do in front of Azure ML endpoints, from its policy reference
 * (learn.microsoft.com/azure/api-management/...):
 * - validate-jwt-policy, "Usage notes": asymmetric algorithms PS256, RS256 and RS512 (symmetric ones take a
 *   key in the policy; never used here); `required-claims` with `match="any"` and a `separator` checks a claim
 *   per operation (jwtModelsClaim);
 * - rate-limit-by-key-policy: any call count per sliding window of up to 300 s, keyed by an expression (the
 *   subscription id here); not in the Consumption tier (checked by ModelGateway against its SKU);
 * - cache-lookup-value / cache-store-value: a value cached under any key, so a key computed from the body
 *   works for POST; internal cache not in the Consumption tier (api-management-howto-cache, "Availability");
 * - no request body limit of its own is documented for the managed gateway: the spec's default (6 MiB) applies,
 *   enforced by the API policy (413).
 */
export const APIM_GATEWAY_CAPABILITIES: GatewayCapabilities = {
  product: 'Azure API Management',
  jwtAlgorithms: ['RS256', 'RS512', 'PS256'],
  jwtModelsClaim: true,
  perKeyRateLimit: true,
  bodyKeyedCache: true,
};

/**
 * What Azure ML managed online endpoints (with Azure Monitor autoscale and alerts, the rollout controller
 * Function and Cost Management budgets) can honour. The shared resolvers refuse everything else by name.
 */
export const AZURE_ML_CAPABILITIES: BackendCapabilities = {
  backend: AZURE_ML_BACKEND,
  // Terraform cannot build images; the image comes from a registry (ACR with imageRegistryId, or public).
  image: { buildsBundledImage: false },
  artifacts: {
    // A local file is uploaded to the workspace's blob container; remote models are Azure Blob URIs.
    storages: [ArtifactStorage.LOCAL_FILE, ArtifactStorage.AZURE_BLOB],
    // Azure ML mounts files and folders; it does not unpack archives.
    layouts: [ArtifactLayout.SINGLE_FILE, ArtifactLayout.PREFIX],
  },
  scaling: {
    // CpuUtilizationPercentage, GpuUtilizationPercentage, RequestsPerMinute divided by the instance count.
    metrics: [ScalingMetric.CPU_UTILIZATION, ScalingMetric.GPU_UTILIZATION, ScalingMetric.INVOCATIONS_PER_REPLICA],
    // Azure Monitor autoscale scales out when any rule fires and in only when every scale-in rule does.
    multipleTargets: true,
    cooldowns: true,
    // Managed deployments keep at least one instance.
    scaleToZero: false,
    // Quota: 50 instances per deployment (how-to-manage-quotas.md).
    maxReplicas: 50,
  },
  // Managed online endpoints end a request at 180 s (requestSettings.requestTimeout); no documented body limit.
  // An online deployment's environmentVariables map holds strings only (Microsoft.MachineLearningServices
  // 2025-06-01 type graph, EndpointDeploymentPropertiesBaseEnvironmentVariables): no Key Vault reference, so
  // only the reference travels (MODEL_SERVER_SECRET_REFS) and the server reads Key Vault itself with the
  // endpoint's managed identity.
  // Callers' Authorization header carries the endpoint key or token the endpoint's authMode checks.
  server: {
    maxRequestTimeout: Duration.seconds(180),
    callerCredentials: false,
    platformAuthentication: 'the endpoint checks the key or Azure ML/Entra token of its authMode in the Authorization header',
    secretSources: [SecretSource.AZURE_KEY_VAULT],
    outboundNetwork: 'public addresses, with `egressPublicNetworkAccess` on',
    secretsFix: 'keep the secret in Azure Key Vault and pass ServerSecret.fromAzureKeyVault(secret.versionlessId) with the vault in keyVaultIds: the server reads it at start with the endpoint\'s managed identity, which gets Key Vault Secrets User on that secret (environmentVariables take plain strings only)',
  },
  // Guardrail alerts query the traffic log (KQL percentile(): any percentile) in whole-minute windows.
  guardrails: { latencyPercentiles: LatencyPercentile.ALL, evaluationPeriodMultiple: Duration.minutes(1) },
  rollout: {
    // The endpoint's traffic map routes by exact percentages.
    traffic: TrafficSplitting.EXACT,
    automaticRollback: true,
    stepShapes: [RolloutStepShape.ONE_STEP, RolloutStepShape.EQUAL_STEPS, RolloutStepShape.ANY_STEPS],
    // The controller holds any step; the spec itself caps bakes at 24 h.
    longestBake: Duration.hours(24),
    // The rollout controller is a timer-triggered Azure Function, schedule '0 */1 * * * *' (rollout-controller/handler.ts).
    controllerTick: Duration.minutes(1),
    // mirrorTraffic: one deployment, at most 50%.
    shadowTraffic: true,
    maxShadowPercent: 50,
  },
  budget: {
    actions: [BudgetAction.NOTIFY, BudgetAction.SCALE_TO_FLOOR, BudgetAction.DELETE],
    forecastAlerts: true,
    actionThreshold: true,
    emailNotifications: true,
    // A Cost Management budget holds at most five notifications.
    maxNotifications: 5,
  },
  naming: { endpointName: NameRule.AZURE_ML_ENDPOINT, labelValue: NameRule.AZURE_TAG_VALUE },
  gateway: APIM_GATEWAY_CAPABILITIES,
};

/** Azure Monitor's latency metric for a percentile, e.g. `RequestLatency_P99`. */
export function latencyMetricName(p: LatencyPercentile): string {
  return `RequestLatency_${p.name.toUpperCase()}`;
}

/** What an AKS node pool accepts (GpuNodePool): up to 1000 nodes; kubernetes.azure.com/ labels are AKS's own. */
export const AKS_NODE_POOL_CAPABILITIES: NodePoolCapabilities = {
  backend: 'AKS',
  maxNodesLimit: 1000,
  reservedLabelPrefixes: ['kubernetes.azure.com/'],
};
