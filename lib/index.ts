// The cloud-neutral serving spec. Backends live under model-serving-constructs/{aws,gcp,azure,k8s}.
export * from './units';
export * from './errors';
export * from './accelerator';
export * from './contract';
export * from './onnx';
export * from './artifact';
export * from './guardrails';
export * from './naming';
export * from './capabilities';
export * from './spec';
export * from './resolution';
export * from './resolve-serving';
export * from './rollout';
export * from './resolve-rollout';
export * from './budget';
export * from './resolver';
export * from './node-pool';
