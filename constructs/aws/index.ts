
// Explicit export list (no `export *`): a name reaches users only when it is listed here.
export { ModelEndpoint } from './model-endpoint';
export type { CostMetricOptions, EndpointAttributes, ModelEndpointProps } from './model-endpoint';
export {
  EC2_ACCELERATED_SIZES,
  EC2_CATALOGUE_SOURCE,
  EC2_GPU_FAMILY_REGIONS,
  EC2_GPU_REGIONS_SOURCE,
  SAGEMAKER_CATALOGUE_SOURCE,
  SAGEMAKER_HOSTING_SIZES,
  checkSageMakerInstance,
  isCataloguedEc2Type,
  isOfferedInRegion,
  parseEc2InstanceType,
} from './instance-types';
export type { Ec2InstanceType, SageMakerCatalogueOptions, SageMakerInstance } from './instance-types';
export { EC2_GPU_FAMILIES, acceleratorForEc2Family, ec2FamiliesFor } from './accelerators';
export { CanaryRollout, ROLLOUT_VARIANT_METADATA, SageMakerRolloutMode } from './canary-rollout';
export type { CanaryRolloutProps } from './canary-rollout';
export { BudgetGuard } from './budget-guard';
export type { BudgetGuardProps } from './budget-guard';
export { GpuAmiType, GpuNodePool } from './gpu-node-pool';
export type { GpuNodePoolProps } from './gpu-node-pool';
export { ModelGateway } from './gateway';
export type { ModelGatewayApiKeyOptions, ModelGatewayProps, ModelGatewayRoute } from './gateway';
export {
  API_GATEWAY_REST_CAPABILITIES,
  EKS_NODE_POOL_CAPABILITIES,
  SAGEMAKER_CAPABILITIES,
  SAGEMAKER_EXACT_WEIGHT_CAPABILITIES,
} from './capabilities';
export { ExactWeightController, MAX_CONTROLLED_ROLLOUT_S, canaryVariantNameFor } from './exact-weight-controller';
export type { ControllerShadow, ExactWeightControllerProps } from './exact-weight-controller';
export type { IModelEndpoint } from './endpoint-base';
export type { ControllerShadowInput, ControllerStep, RolloutInput } from './rollout-controller/input';
export { AlertRouting } from './alert-routing';
export { AWS_EXTRA_REGIONS_CONTEXT, AWS_REGIONS_SOURCE } from './endpoint-checks';
export type { AlertRoutingProps } from './alert-routing';
export { costPer1000PredictionsMetric, renderCloudWatchDashboard } from './dashboard';
