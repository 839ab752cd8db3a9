// model-serving-constructs/gcp: Vertex AI, GKE and Cloud Billing on cdktf + @cdktf/provider-google.
export * from './capabilities';
export * from './machine-types';
export * from './model-endpoint';
export * from './removed-model-endpoint';
export * from './monitoring';
export * from './canary-rollout';
export * from './budget-guard';
export * from './gpu-node-pool';
export * from './pubsub-function';
// The Vertex AI request bodies and the deployment plan: plain TypeScript, usable without cdktf.
export * from './vertex/bodies';
export * from './vertex/plan';
