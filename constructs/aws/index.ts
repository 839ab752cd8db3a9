export * from './model-endpoint';
export * from './instance-types';
export * from './canary-rollout';
export * from './budget-guard';
export * from './gpu-node-pool';
export * from './capabilities';
export * from './exact-weight-controller';
export type { IModelEndpoint } from './endpoint-base';
