// Kubernetes backend (cdk8s). Import as `model-serving-constructs/k8s`.
// Explicit export list (no `export *`): a name reaches users only when it is listed here.
export {
  API_KEY_SECRET_KEY,
  AUTHENTICATION_ANNOTATION,
  GKE_ACCELERATOR_LABEL,
  GRPC_PORT_NAME,
  HTTP_PORT_NAME,
  KARPENTER_NODEPOOL_LABEL,
  KNATIVE_AUTOSCALER_METRICS_PORT,
  KNATIVE_QUEUE_PROXY_PORT,
  KNATIVE_SYSTEM_NAMESPACE,
  LABELS,
  LABEL_PREFIX,
  METRICS_PORT_NAME,
  PRE_STOP_SLEEP_SECONDS,
  TERMINATION_MARGIN_SECONDS,
  endpointPodPattern,
} from './names';
export {
  AcceleratorNodeSelector,
  EndpointAuth,
  ModelDelivery,
  ModelDeliveryKind,
  NetworkPeer,
  ServingFlavour,
  ServingFlavourKind,
} from './endpoint-options';
export type {
  ApiKeySecretOptions,
  ICpuNodePool,
  IGpuNodePool,
  KServeOptions,
  KedaScalingOptions,
  ModelInitContainerOptions,
  NetworkAccess,
  NetworkPolicyPeer,
  NodePoolTaint,
  PersistentVolumeClaimOptions,
  WorkloadRef,
} from './endpoint-options';
export { ModelEndpoint } from './model-endpoint';
export type { ModelEndpointProps, PrometheusAlert } from './model-endpoint';
export { containerSecurityContext } from './pod-template';
export { CanaryRollout, routedCapabilities } from './canary-rollout';
export type { CanaryRolloutProps, KServePromotion } from './canary-rollout';
export { ConsolidationPolicy, GpuNodePool, KarpenterGpuNodePool } from './gpu-node-pool';
export { CpuNodePool, KarpenterCpuNodePool } from './cpu-node-pool';
export type { CpuNodePoolProps, KarpenterCpuNodePoolProps } from './cpu-node-pool';
export type { GpuNodePoolProps, KarpenterGpuNodePoolProps } from './gpu-node-pool';
export { BudgetGuard, HOURS_PER_MONTH } from './budget-guard';
export type { BudgetGuardProps, GpuPrice } from './budget-guard';
export type { InferenceServiceManifest, KServePredictor } from './kserve';
export { ENVOY_GATEWAY_CAPABILITIES, KSERVE_RAW_CAPABILITIES, KSERVE_SERVERLESS_CAPABILITIES, KUBERNETES_CAPABILITIES } from './capabilities';
export { GATEWAY_API_PLUGIN, MANAGED_ROUTES, PRIMARY_GRPC_ROUTE, PRIMARY_ROUTE, TrafficRouter } from './traffic-router';
export type { GatewayApiRouterOptions, IstioRouterOptions, TrafficRouterFeatures } from './traffic-router';
export { ENVOY_GATEWAY_NAMESPACE, KSERVE_PREDICTOR_SERVICE_PORT, ModelGateway } from './gateway';
export type { ModelGatewayProps, ModelGatewayRoute } from './gateway';
export type { GatewayParentRef } from './gateway-objects';
export { ModelCredentials } from './model-credentials';
export type { BoundModelCredentials } from './model-credentials';
export { AlertRouting, COST_PER_1000_RECORD, GRAFANA_DASHBOARD_LABEL, grafanaDashboardModel } from './dashboard';
export type { AlertRoutingProps, AlertTarget } from './dashboard';
export type {
  Container,
  ContainerPort,
  ContainerSecurityContext,
  EmptyDirVolumeSource,
  EnvFromSource,
  EnvVar,
  EnvVarSource,
  HttpGetAction,
  LabelSelector,
  Lifecycle,
  LifecycleHandler,
  ObjectMeta,
  PersistentVolumeClaimVolumeSource,
  PodSecurityContext,
  PodSpec,
  PodTemplateSpec,
  Probe,
  ResourceRequirements,
  SeccompProfile,
  SecretEnvSource,
  SecretKeySelector,
  SecurityCapabilities,
  SleepAction,
  Toleration,
  TopologySpreadConstraint,
  Volume,
  VolumeMount,
} from './k8s-types';
