// Kubernetes backend (cdk8s). Import as `model-serving-constructs/k8s`.
export * from './names';
export * from './endpoint-options';
export * from './model-endpoint';
export { containerSecurityContext } from './pod-template';
export * from './canary-rollout';
export * from './gpu-node-pool';
export * from './budget-guard';
export type { KServePredictor, InferenceServiceManifest } from './kserve';
export * from './capabilities';
export * from './traffic-router';
export * from './model-credentials';
export type { AlertRoutingProps, AlertTarget } from './dashboard';
export { AlertRouting, COST_PER_1000_RECORD, GRAFANA_DASHBOARD_LABEL, grafanaDashboardModel } from './dashboard';
export type { ObjectMeta, PodTemplateSpec, PodSpec, Container, ContainerSecurityContext, PodSecurityContext } from './k8s-types';
