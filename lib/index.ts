// The cloud-neutral serving spec. Backends live under model-serving-constructs/{aws,gcp,azure,k8s}.
// Explicit export list (no `export *`): a name reaches users only when it is listed here.
export { Duration, Size } from './units';
export { ProblemCollector, SpecValidationError, addSpecValidation, collectSpecProblems, describe, isUnresolved, reportProblems } from './errors';
export type { SpecProblem, SpecWarning } from './errors';
export { Accelerator } from './accelerator';
export type { AcceleratorOptions } from './accelerator';
export {
  DCGM_WORKLOAD_LABELS,
  DEFAULT_DRAIN_SECONDS,
  DEFAULT_GRPC_PORT,
  DEFAULT_METRICS_PORT,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_PORT,
  EXECUTION_PROVIDERS,
  GRPC_APP_PROTOCOL,
  JWT_ALGORITHMS,
  LINGERING_CLOSE,
  LOG_LEVELS,
  MAX_SUPPORTED_OPSET,
  METRIC_LABELS,
  MODEL_DIRECTORIES,
  NODE_SCHEDULING,
  OTEL_ENV,
  ONNX_TO_OIP_DATATYPE,
  PLATFORM_ENV,
  PROMETHEUS_TARGET_LABELS,
  PROMQL,
  ROUTES,
  SERVABLE_DATATYPES,
  SERVER_ENV,
  SERVER_METRICS,
  SERVER_USER_ID,
  SERVER_API_KEY_HEADER,
  defaultServerConfig,
  inferPath,
  parseServerEnvironment,
  renderServerEnvironment,
  renderTracingEnvironment,
} from './contract';
export type {
  ContractProblem,
  ExecutionProviderName,
  JwtAlgorithm,
  LogLevel,
  MetricScope,
  MetricSpec,
  ModelSignature,
  ServerConfig,
  TensorSpec,
  TracingEnvironment,
} from './contract';
export { OnnxModelError, parseOnnxSignature, readOnnxSignature } from './onnx';
export { ArtifactLayout, ArtifactStorage, ModelArtifact } from './artifact';
export type { ArtifactLocation, UriArtifactOptions } from './artifact';
export { GUARDRAIL_DEFAULTS, LatencyPercentile, resolveGuardrails, sameGuardrails } from './guardrails';
export type { GuardrailOptions, ResolvedGuardrails } from './guardrails';
export { NameRule, sanitizeLabels } from './naming';
export type { NameRuleOptions } from './naming';
export { APPROXIMATION_TOLERANCE_PERCENT, RolloutStepShape, TrafficSplitting } from './capabilities';
export type {
  ArtifactCapabilities,
  BackendCapabilities,
  BudgetCapabilities,
  GuardrailCapabilities,
  ImageCapabilities,
  NamingCapabilities,
  RolloutCapabilities,
  ScalingCapabilities,
  ServerCapabilities,
} from './capabilities';
export {
  ExecutionProvider,
  MANAGED_BY,
  ScalingMetric,
  ScalingTarget,
  ServingImage,
  TAG_KEYS,
  metadataTags,
  validateMetadata,
} from './spec';
export type {
  CircuitBreakerOptions,
  JwtAuthOptions,
  ModelMetadata,
  ModelServingProps,
  OutboundTarget,
  ResolvedServing,
  ScalingOptions,
  SecretEnvironmentVariable,
  ServerAuthOptions,
  ServerCacheOptions,
  ServerSettings,
  TracingOptions,
} from './spec';
export { SecretSource, ServerSecret } from './secret';
export { Resolution, explicitFieldsOf, refusal } from './resolution';
export { DASHBOARD_PROP_SHAPES, GATEWAY_PROP_SHAPES, SERVING_PROP_SHAPES, describeShape, guardrailShapes, shapeProblems, throwIfBadPropShapes } from './prop-shapes';
export type { PropShape, ShapeClass } from './prop-shapes';
export { ServingResolution, guardrailRefusals, validateSignature } from './resolve-serving';
export { RolloutPolicy } from './rollout';
export type { CanaryOptions, HeaderRoute, LinearOptions, RolloutOptions, RolloutStep } from './rollout';
export { RolloutResolution, approximatedShare } from './resolve-rollout';
export type { ResolvedRollout, ResolvedRolloutStep, RolloutContext } from './resolve-rollout';
export { BudgetAction, BudgetResolution } from './budget';
export type { BudgetSpec, ResolvedBudget } from './budget';
export { SpecResolver } from './resolver';
export {
  GATEWAY_DEFAULT_API_KEY_HEADER,
  GATEWAY_DEFAULT_JWT_ALGORITHMS,
  GATEWAY_DEFAULT_BASE_PATH,
  GATEWAY_DEFAULT_MAX_BODY_BYTES,
  GATEWAY_DEFAULT_REQUESTS_PER_MINUTE,
  GatewayResolution,
  defaultJwtAlgorithms,
} from './gateway';
export type {
  GatewayApiKeyOptions,
  GatewayCacheOptions,
  GatewayCapabilities,
  GatewayJwtOptions,
  GatewayRouteInput,
  ModelGatewaySpec,
  RateLimitRange,
  ResolvedGateway,
  ResolvedGatewayApiKeys,
  ResolvedGatewayJwt,
  ResolvedGatewayRoute,
} from './gateway';
export { CapacityType } from './node-pool';
export {
  DASHBOARD_WIDGETS,
  DASHBOARD_WIDGET_IDS,
  dashboardWidgets,
  isDashboardGap,
  serverMetric,
  serverMetricsPresent,
} from './dashboard';
export type {
  DashboardCondition,
  DashboardContext,
  DashboardGap,
  DashboardOptions,
  DashboardUnit,
  DashboardWidget,
  DashboardWidgetId,
} from './dashboard';
export { PRICE_SNAPSHOT, checkCostOptions, costPer1000Predictions, estimateCost, replicaPrice } from './cost';
export type { CostEstimate, PricedCloud, ReplicaPrice, SnapshotPrice } from './cost';
// The backend contract's interfaces and helpers are at model-serving-constructs/backend; users meet NotSupported
// as the value of a member a platform lacks.
export { NotSupported } from './backend-contract';
