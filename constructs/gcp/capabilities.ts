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
import type { GatewayCapabilities } from '../../lib';
import { NodePoolCapabilities } from '../../lib/backend';

/** google_vertex_ai_endpoint `name`: numeric, no leading zero, at most 10 digits (the display name is free). */
export const VERTEX_ENDPOINT_ID = NameRule.of({
  description: 'Vertex AI endpoint id (digits)', minLength: 1, maxLength: 10, characters: '0-9', uniqueWithin: 'per project and region',
});

/**
 * What Google Cloud API Gateway (the managed ESPv2/Envoy proxy; google-beta `google_api_gateway_*`) can do in
 * front of Vertex AI endpoints, through ModelGateway's relay (constructs/gcp/gateway.ts):
 * - JWT: `securityDefinitions` with `x-google-issuer`, `x-google-jwks_uri`, `x-google-audiences` (API Gateway
 *   docs, "Using JWTs to authenticate users"); the proxy is Envoy's jwt_authn filter, whose jwt_verify_lib
 *   verifies RSA (RS/PS 256-512) and ECDSA (ES256-512) signatures (envoyproxy/envoy commit b9faab6 added
 *   ES384/ES512); EdDSA is not declared because no Google page lists it. No per-route claim check.
 * - API keys with a quota per minute: Endpoints/API Gateway quotas count "requests per minute per consumer
 *   Google Cloud project" of the API key (Cloud Endpoints, "About quotas"): one key per project is one key's
 *   limit, several keys of one project share it (ModelGateway says so in a warning).
 * - No response cache.
 * - Request bodies: API Gateway forwards up to 32 MB ("Quotas and limits", payload size limits), Vertex AI's
 *   shared public endpoints accept 1.5 MB (VERTEX_CAPABILITIES.server), so the smaller is the gateway's.
 */
export const API_GATEWAY_CAPABILITIES: GatewayCapabilities = {
  product: 'Google Cloud API Gateway',
  jwtAlgorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'],
  jwtModelsClaim: false,
  perKeyRateLimit: true,
  bodyKeyedCache: false,
  maxRequestBodyBytes: 1_500_000,
};

/**
 * What Vertex AI online prediction (v1, shared public endpoints; Cloud Monitoring; a CanaryRollout controller
 * function; Cloud Billing budgets) can honour. The shared resolvers refuse everything else by name.
 */
export const VERTEX_CAPABILITIES: BackendCapabilities = {
  backend: 'Vertex AI',
  image: {
    // Terraform has no image build: the bundled image is refused with the commands that build and push it.
    buildsBundledImage: false,
    registryPattern: '^[a-z0-9-]+-docker\\.pkg\\.dev/',
    registryDescription: 'Artifact Registry in the endpoint\'s region ("<region>-docker.pkg.dev/<project>/<repository>/<image>:<tag>")',
  },
  artifacts: {
    storages: [ArtifactStorage.LOCAL_FILE, ArtifactStorage.GCS],
    // artifactUri is a folder; a single gs:// file is served from its folder, an archive is never unpacked.
    layouts: [ArtifactLayout.SINGLE_FILE, ArtifactLayout.PREFIX],
  },
  scaling: {
    // v1 autoscaling metric specs: CPU utilization and accelerator duty cycle (request_count's target
    // semantics are not documented, so a request rate is refused rather than guessed).
    metrics: [ScalingMetric.CPU_UTILIZATION, ScalingMetric.GPU_UTILIZATION],
    // On GPU machines Vertex AI tracks CPU and duty cycle together: out when either is above its target.
    multipleTargets: true,
    cooldowns: false,
    // scaleToZeroSpec is v1beta1 Preview only.
    scaleToZero: false,
    maxReplicas: 1000,
  },
  // Shared public endpoints refuse requests and responses above 1.5 MB.
  // ModelContainerSpec.env is `repeated EnvVar` (name and value; googleapis google/cloud/aiplatform/v1/model.proto):
  // no SecretEnvVar there, so only the reference travels (MODEL_SERVER_SECRET_REFS) and the server reads Secret
  // Manager itself with the endpoint's service account. Callers' Authorization header carries the Google access
  // token Vertex AI checks. A public endpoint's outbound networking is the public internet (Vertex AI "Choose an
  // endpoint type": outbound networking "Public internet"; no VPC path without PSC or peering).
  server: {
    maxRequestBodyBytes: 1_500_000,
    callerCredentials: false,
    platformAuthentication: 'Vertex AI checks the caller\'s Google access token (IAM aiplatform.endpoints.predict) in the Authorization header',
    secretSources: [SecretSource.GCP_SECRET_MANAGER],
    outboundNetwork: 'public addresses only (no VPC path)',
    secretsFix: 'keep the secret in Google Secret Manager and pass ServerSecret.fromGcpSecretManager(\'projects/<project>/secrets/<name>\', version): the server reads it at start with the endpoint\'s service account, which gets roles/secretmanager.secretAccessor on that secret (ModelContainerSpec.env takes name/value only)',
  },
  // Cloud Monitoring aligns distributions to ALIGN_PERCENTILE_50/95/99; Vertex AI writes metrics once a minute.
  guardrails: { latencyPercentiles: [LatencyPercentile.P50, LatencyPercentile.P95, LatencyPercentile.P99], evaluationPeriodMultiple: Duration.minutes(1) },
  rollout: {
    traffic: TrafficSplitting.EXACT,
    automaticRollback: true,
    stepShapes: [RolloutStepShape.ONE_STEP, RolloutStepShape.EQUAL_STEPS, RolloutStepShape.ANY_STEPS],
    // The controller ticks once a minute; bakes are bounded by the spec's own 24 h.
    longestBake: Duration.hours(24),
    // The rollout controller runs on a Cloud Scheduler job with schedule '* * * * *' (canary-rollout.ts).
    controllerTick: Duration.minutes(1),
    shadowTraffic: false,
  },
  budget: {
    actions: [BudgetAction.NOTIFY, BudgetAction.SCALE_TO_FLOOR, BudgetAction.DELETE],
    forecastAlerts: true,
    actionThreshold: true,
    emailNotifications: true,
  },
  naming: { endpointName: VERTEX_ENDPOINT_ID, labelKey: NameRule.GCP_LABEL_KEY, labelValue: NameRule.GCP_LABEL_VALUE },
  gateway: API_GATEWAY_CAPABILITIES,
};

/** What a GKE node pool accepts (GpuNodePool): up to 1000 nodes, boot disks of 50 to 65536 GiB. */
export const GKE_NODE_POOL_CAPABILITIES: NodePoolCapabilities = {
  backend: 'GKE',
  maxNodesLimit: 1000,
  diskGiB: { min: 50, max: 65_536, note: '' },
};
