// model-serving-constructs/azure: Azure ML managed online endpoints and AKS on cdktf (azurerm + azapi).
// Explicit export list (no `export *`): a name reaches users only when it is listed here.
export {
  AZURE_ML_API_VERSION,
  AZURE_ML_TYPES,
  endpointTrafficBody,
  environmentVersionBody,
  isoDuration,
  modelVersionBody,
  onlineDeploymentBody,
  onlineEndpointBody,
} from './azapi/arm-bodies';
export type {
  ArmAuthMode,
  ArmEnabled,
  ArmProbe,
  ArmRoute,
  DefaultScaleSettings,
  EndpointTrafficBody,
  EndpointTrafficProperties,
  EnvironmentVersionBody,
  EnvironmentVersionInput,
  EnvironmentVersionProperties,
  InferenceContainerProperties,
  ModelVersionBody,
  ModelVersionInput,
  ModelVersionProperties,
  OnlineDeploymentBody,
  OnlineDeploymentInput,
  OnlineDeploymentProperties,
  OnlineDeploymentSku,
  OnlineEndpointBody,
  OnlineEndpointInput,
  OnlineEndpointProperties,
  OnlineRequestSettings,
  ProbeInput,
} from './azapi/arm-bodies';
export { AZAPI_GENERATOR_METADATA, AZAPI_SOURCE, AZAPI_VERSION_CONSTRAINT, AzapiProvider } from './azapi/provider';
export {
  FunctionTriggerSync,
  MlDeploymentPut,
  MlEndpointTraffic,
  MlEnvironmentVersion,
  MlModelVersion,
  MlOnlineDeployment,
  MlOnlineEndpoint,
} from './azapi/resources';
export type {
  ArmRequest,
  AzapiTypedProps,
  FunctionTriggerSyncProps,
  MlDeploymentPutProps,
  MlEndpointTrafficProps,
  MlEnvironmentVersionProps,
  MlModelVersionProps,
  MlOnlineDeploymentProps,
  MlOnlineEndpointProps,
} from './azapi/resources';
export {
  AZURE_GPU_REGIONS_SOURCE,
  AZURE_GPU_SIZE_REGIONS,
  AZURE_ML_GPU_SIZES,
  AZURE_PRICED_REGIONS,
  azureMlSizesFor,
  checkAzureMlInstance,
  AZURE_RETIRED_GPU_SIZES,
  isSoldInLocation,
} from './instance-types';
export type { AzureMlGpuSize, AzureMlInstance } from './instance-types';
export { azureVmSeriesFor } from './accelerators';
export { DEPLOYMENT_METRIC_NAMESPACE, ENDPOINT_METRIC_NAMESPACE, withOptions } from './metrics';
export type { AzureMetric, MetricDimension, MetricOptions } from './metrics';
export { AKS_NODE_POOL_NAME, keyVaultName, shortHash, storageAccountName } from './names';
export { AKS_NODE_POOL_CAPABILITIES, APIM_GATEWAY_CAPABILITIES, AZURE_ML_BACKEND, AZURE_ML_CAPABILITIES, latencyMetricName } from './capabilities';
export { SecureWorkspace, WorkspaceSource, checkNewWorkspaceOptions } from './workspace';
export type { ExistingWorkspaceOptions, ModelContainer, NewWorkspaceOptions, SecureWorkspaceProps } from './workspace';
export { EndpointAuthMode, ModelEndpoint, SCORE_ACTION, checkDeploymentNetwork } from './model-endpoint';
export type { EndpointAttributes, IModelEndpoint, ModelEndpointProps, PrincipalType } from './model-endpoint';
export { resolveProbes } from './probes';
export type { ProbeOptions } from './probes';
export {
  GuardrailAlerts,
  LOG_ALERT_MAX_PERIODS,
  LOG_ALERT_WINDOWS_MIN,
  checkGuardrails,
  describeGuardrailAlerts,
  errorRateQuery,
  latencyQuery,
} from './guardrail-alerts';
export type { GuardrailAlertsProps, GuardrailQueries, GuardrailRuleNames } from './guardrail-alerts';
export { AKS_GPU_VM_SIZES, AKS_SPOT_LABEL, AKS_SPOT_TAINT, GpuDriver, GpuNodePool } from './gpu-node-pool';
export type { GpuNodePoolProps } from './gpu-node-pool';
export {
  CONTROLLER_TICK_SECONDS,
  CanaryRollout,
  ROLLBACK_FUNCTION_NAME,
  ROLLOUT_CONTROLLER_ACTIONS,
  ROLLOUT_CONTROLLER_ALERT_READ,
  ROLLOUT_CONTROLLER_AUTOSCALE,
} from './canary-rollout';
export type { CanaryRolloutProps } from './canary-rollout';
export {
  AZURE_ML_ENDPOINT_COST_TAG,
  BudgetGuard,
  BudgetScope,
  ENFORCER_ACTIONS,
  ENFORCER_BUDGET_READ,
  ENFORCER_ROLLOUT_AUTOSCALE,
  ENFORCE_FUNCTION_NAME,
} from './budget-guard';
export type { BudgetGuardProps } from './budget-guard';
export { FUNCTION_HOSTING, HandlerFunctionApp, stagePackage, webhookApplicationProblems } from './function-app';
export type { EntraWebhookApplication, FunctionPermissions, HandlerFunctionAppProps, StagedPackage } from './function-app';
export {
  ARM_ID_TYPES,
  AZURE_EXTRA_LOCATIONS_CONTEXT,
  AZURE_LOCATIONS,
  AZURE_LOCATIONS_SOURCE,
  checkArmId,
  checkLocation,
  checkResourceGroupName,
  normalizeLocation,
} from './validation';
export {
  CONTROLLER_ENV,
  parseControllerEnvironment,
  renderControllerEnvironment,
} from './rollout-controller/environment';
export type { ControllerConfig, ControllerStep } from './rollout-controller/environment';
export { ENFORCER_ENV, parseEnforcerEnvironment, renderEnforcerEnvironment } from './budget-enforcer/environment';
export type { EnforcerConfig, GuardedEndpoint } from './budget-enforcer/environment';
export { AlertRouting, alarmTargetsOf } from './alert-routing';
export type { AlertRoutingProps } from './alert-routing';
export { azureWorkbook, errorRateTimeSeriesQuery } from './dashboard';
export {
  APIM_AZURE_MONITOR_LOGGER,
  APIM_KEY_QUERY_PARAMETER,
  APIM_METRIC_NAMESPACE,
  APIM_SKU_PATTERN,
  AZURE_ML_SCORING_URI_PATH,
  GATEWAY_API_NAME,
  ModelGateway,
  gatewayErrorRateQuery,
  gatewayLatencyQuery,
} from './gateway';
export type { ModelGatewayProps, ModelGatewayRoute } from './gateway';
export { AZURE_ML_TOKEN_RESOURCE, JWT_VARIABLE, apiPolicy, operationPolicy, renderPolicy } from './gateway-policies';
export type { ApiPolicyOptions, OperationPolicyOptions, PolicyElement } from './gateway-policies';
