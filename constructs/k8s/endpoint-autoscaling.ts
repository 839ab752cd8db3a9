// The ModelEndpoint's autoscaler (HPA or KEDA ScaledObject); it reads the endpoint through its public surface.
import { Lazy } from 'cdk8s';
import { PROMQL, ScalingMetric } from '../../lib';
import { ObjectMeta, typedApiObject } from './internal';
import type { IHorizontalPodAutoscaler, IScaledObject } from './k8s-schema';
import type { ModelEndpoint, ModelEndpointProps } from './model-endpoint';

export function renderAutoscaling(endpoint: ModelEndpoint, props: ModelEndpointProps, metadata: ObjectMeta): void {
  const r = endpoint.serving;
  const scaleTargetRef = Lazy.any({ produce: () => ({ ...endpoint.workload }) });
  const needsKeda = props.keda !== undefined || r.targets.some((t) => t.metric !== ScalingMetric.CPU_UTILIZATION);
  const behavior = {
    scaleDown: { stabilizationWindowSeconds: r.scaleInCooldown.toSeconds(), policies: [{ type: 'Pods' as const, value: 1, periodSeconds: 60 }] },
    scaleUp: { stabilizationWindowSeconds: r.scaleOutCooldown.toSeconds() === 60 ? 0 : r.scaleOutCooldown.toSeconds(), policies: [{ type: 'Percent' as const, value: 100, periodSeconds: 60 }] },
  };
  if (!needsKeda) {
    typedApiObject<IHorizontalPodAutoscaler>(endpoint, 'Autoscaler', {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata,
      spec: {
        scaleTargetRef,
        minReplicas: r.minReplicas,
        maxReplicas: r.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: r.targets[0].value } } }],
        behavior,
      },
    });
    return;
  }
  const keda = props.keda!;
  const scope = endpoint.metricScope('keda');
  const triggers: NonNullable<IScaledObject['spec']>['triggers'] = [];
  for (const target of r.targets) {
  if (target.metric === ScalingMetric.CPU_UTILIZATION) {
    triggers.push({ type: 'cpu', metricType: 'Utilization', metadata: { value: String(target.value) } });
  } else if (target.metric === ScalingMetric.INVOCATIONS_PER_REPLICA) {
    triggers.push({
      type: 'prometheus',
      name: 'invocations',
      metadata: { serverAddress: keda.prometheusAddress, query: PROMQL.requestRate(scope, '1m'), threshold: String(target.value) },
    });
  } else if (target.metric === ScalingMetric.CONCURRENT_REQUESTS_PER_REPLICA) {
    // KEDA's prometheus scaler targets an AverageValue: the sum over pods divided by the replicas.
    triggers.push({
      type: 'prometheus',
      name: 'concurrent-requests',
      metadata: { serverAddress: keda.prometheusAddress, query: PROMQL.inflight(scope), threshold: String(target.value) },
    });
  } else {
    // dcgm-exporter's per-GPU utilization, attributed to pods by its Kubernetes mapping.
    triggers.push({
      type: 'prometheus',
      name: 'gpu-utilization',
      metadata: { serverAddress: keda.prometheusAddress, query: PROMQL.gpuUtilization(scope), threshold: String(target.value), metricType: 'Value' },
      metricType: 'Value',
    });
  }
  }
  if (keda.queueDepthPerReplica !== undefined) {
    triggers.push({
      type: 'prometheus',
      name: 'queue-depth',
      metadata: { serverAddress: keda.prometheusAddress, query: PROMQL.queueDepth(scope), threshold: String(keda.queueDepthPerReplica) },
    });
  }
  // KEDA creates and owns the HPA; emitting our own as well would make two controllers fight.
  typedApiObject<IScaledObject>(endpoint, 'Autoscaler', {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata,
    spec: {
      scaleTargetRef,
      minReplicaCount: r.minReplicas,
      maxReplicaCount: r.maxReplicas,
      cooldownPeriod: r.scaleInCooldown.toSeconds(),
      advanced: { horizontalPodAutoscalerConfig: { behavior } },
      triggers,
    },
  });
}
