// model-serving-constructs/azure: Azure ML managed online endpoints and AKS on cdktf (azurerm + azapi).
export * from './azapi/arm-bodies';
export * from './azapi/provider';
export * from './azapi/resources';
export * from './instance-types';
export * from './metrics';
export * from './names';
export * from './capabilities';
export * from './workspace';
export * from './model-endpoint';
export * from './guardrail-alerts';
export * from './gpu-node-pool';
export * from './canary-rollout';
export * from './budget-guard';
export * from './function-app';
export { CONTROLLER_ENV, renderControllerEnvironment, parseControllerEnvironment } from './rollout-controller/environment';
export type { ControllerConfig, ControllerStep } from './rollout-controller/environment';
export { ENFORCER_ENV, renderEnforcerEnvironment, parseEnforcerEnvironment } from './budget-enforcer/environment';
export type { EnforcerConfig, GuardedEndpoint } from './budget-enforcer/environment';
