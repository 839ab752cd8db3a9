// model-serving-constructs/gcp: Vertex AI, GKE and Cloud Billing on cdktf + @cdktf/provider-google.
// Explicit export list (no `export *`): a name reaches users only when it is listed here.
export { API_GATEWAY_CAPABILITIES, GKE_NODE_POOL_CAPABILITIES, VERTEX_CAPABILITIES, VERTEX_ENDPOINT_ID } from './capabilities';
export { CPU_MACHINE_TYPES, GCP_GPU_REGIONS, GCP_GPU_REGIONS_SOURCE, checkGcpMachine, gkeAcceleratorType, vertexAcceleratorType } from './machine-types';
export { GCP_EXTRA_REGIONS_CONTEXT, GCP_MULTI_REGIONS, GCP_REGIONS, GCP_REGIONS_SOURCE } from './checks';
export type { GcpMachine, MachineCatalogueOptions } from './machine-types';
export { GCP_ACCELERATORS, gcpAcceleratorTypeFor, gcpMachineFamiliesFor } from './accelerators';
export {
  MODEL_ENDPOINT_LABEL,
  ModelEndpoint,
  NOTIFICATION_CHANNEL,
  NOTIFICATION_CHANNEL_ALLOWED,
  NOTIFICATION_CHANNEL_FIX,
  VERTEX_PREDICT_ROUTE,
  VERTEX_PROBE_TIMING,
} from './model-endpoint';
export type { ModelEndpointProps } from './model-endpoint';
export { RemovedModelEndpoint } from './removed-model-endpoint';
export type { RemovedEndpointAddresses } from './removed-model-endpoint';
export { ModelGateway } from './gateway';
export type { ModelGatewayProps, ModelGatewayRoute } from './gateway';
export { apiGatewayMetric, errorRateCondition, latencyCondition, vertexMetric } from './monitoring';
export type { VertexMetric } from './monitoring';
export { CanaryRollout, ROLLOUT_TICK } from './canary-rollout';
export type { CanaryRolloutProps } from './canary-rollout';
export { BILLING_BUDGET_PUBLISHER, BudgetGuard, VERTEX_AI_BILLING_SERVICE } from './budget-guard';
export type { BudgetGuardProps } from './budget-guard';
export { GpuDriverVersion, GpuNodePool } from './gpu-node-pool';
export type { GpuNodePoolProps, ImageRepository } from './gpu-node-pool';
export { HttpFunction } from './http-function';
export type { HttpFunctionProps } from './http-function';
export { PubsubFunction } from './pubsub-function';
export type { PubsubFunctionProps } from './pubsub-function';
export {
  VERTEX_METRICS,
  deployModelRequest,
  endpointName,
  locationName,
  modelName,
  mutateReplicasRequest,
  splitWithout,
  trafficSplitUpdate,
  undeployModelRequest,
  uploadModelRequest,
  vertexHost,
} from './vertex/bodies';
export type {
  DedicatedResourcesView,
  DeployedModelView,
  DeploymentIds,
  EndpointView,
  MetricTarget,
  ProbeSpec,
  ServingSpec,
} from './vertex/bodies';
export { canonicalJson, deploymentIds } from './vertex/plan';
export type { DeploymentPlan, PlanStep, RolloutPlan, RolloutState, RolloutStatus, TeardownPlan } from './vertex/plan';
export { AlertRouting } from './alert-routing';
export type { AlertRoutingProps } from './alert-routing';
export { cloudMonitoringDashboard, costCondition, costPer1000PredictionsQuery, promqlMetricName } from './dashboard';
