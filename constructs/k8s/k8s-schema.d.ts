// Type-only views of the Kubernetes, Argo Rollouts, KEDA, Karpenter and Prometheus Operator schemas
// (kubernetes-models, a devDependency). A hand-written .d.ts so that it is never emitted into dist/: the
// manifests this backend builds are typed against these in function bodies only, and the published
// declarations use the owned types in k8s-types.ts instead (consumers never install kubernetes-models).
// The packages are ESM-only; `resolution-mode: import` lets this CommonJS library use their types.
export type { IDeployment } from 'kubernetes-models/apps/v1/Deployment' with { 'resolution-mode': 'import' };
export type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet' with { 'resolution-mode': 'import' };
export type { IService } from 'kubernetes-models/v1/Service' with { 'resolution-mode': 'import' };
export type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount' with { 'resolution-mode': 'import' };
export type { INamespace } from 'kubernetes-models/v1/Namespace' with { 'resolution-mode': 'import' };
export type { IResourceQuota } from 'kubernetes-models/v1/ResourceQuota' with { 'resolution-mode': 'import' };
export type { ILimitRange } from 'kubernetes-models/v1/LimitRange' with { 'resolution-mode': 'import' };
export type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec' with { 'resolution-mode': 'import' };
export type { IContainer } from 'kubernetes-models/v1/Container' with { 'resolution-mode': 'import' };
export type { IToleration } from 'kubernetes-models/v1/Toleration' with { 'resolution-mode': 'import' };
export type { IVolume } from 'kubernetes-models/v1/Volume' with { 'resolution-mode': 'import' };
export type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount' with { 'resolution-mode': 'import' };
export type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler' with { 'resolution-mode': 'import' };
export type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget' with { 'resolution-mode': 'import' };
export type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy' with { 'resolution-mode': 'import' };
export type { IRollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout' with { 'resolution-mode': 'import' };
export type { IAnalysisTemplate } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate' with { 'resolution-mode': 'import' };
export type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject' with { 'resolution-mode': 'import' };
export type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor' with { 'resolution-mode': 'import' };
export type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule' with { 'resolution-mode': 'import' };
export type { INodePool } from '@kubernetes-models/karpenter/karpenter.sh/v1/NodePool' with { 'resolution-mode': 'import' };
export type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService' with { 'resolution-mode': 'import' };
export type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule' with { 'resolution-mode': 'import' };
export type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute' with { 'resolution-mode': 'import' };
