// KServe: the InferenceService a ModelEndpoint with ServingFlavour.kserve() emits instead of a Deployment.
import { ApiObject, Lazy } from 'cdk8s';
import { ScalingMetric } from '../../lib';
import { typedApiObject } from './internal';
import type { PodTemplateSpec } from './k8s-types';
import { InferenceServiceManifest, KServePredictor } from './kserve';
import type { ModelEndpoint } from './model-endpoint';

/** KServe's scaleMetric for each spec metric its capabilities accept (GPU utilization is refused before this). */
const KSERVE_SCALE_METRIC: Record<ScalingMetric, 'cpu' | 'rps' | 'concurrency'> = {
  [ScalingMetric.CPU_UTILIZATION]: 'cpu',
  [ScalingMetric.INVOCATIONS_PER_REPLICA]: 'rps',
  [ScalingMetric.CONCURRENT_REQUESTS_PER_REPLICA]: 'concurrency',
  [ScalingMetric.GPU_UTILIZATION]: 'cpu',
};

export function renderInferenceService(endpoint: ModelEndpoint, pod: PodTemplateSpec, serverless: boolean): ApiObject {
  const r = endpoint.serving;
  const o = endpoint.flavour.kserveOptions;
  const annotations: Record<string, string> = { 'serving.kserve.io/deploymentMode': serverless ? 'Serverless' : 'RawDeployment' };
  if (!serverless) annotations['serving.kserve.io/autoscalerClass'] = 'hpa';
  const predictor: KServePredictor = {
    ...predictorPodFields(endpoint, pod, serverless),
    minReplicas: r.minReplicas,
    maxReplicas: r.maxReplicas,
    scaleMetric: KSERVE_SCALE_METRIC[r.targets[0].metric],
    scaleTarget: r.targets[0].value,
    ...(o.containerConcurrency !== undefined ? { containerConcurrency: o.containerConcurrency } : {}),
    timeout: Math.ceil((o.timeout ?? r.requestTimeout).toSeconds()),
  };
  const manifest: InferenceServiceManifest = {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: {
      name: endpoint.endpointName,
      namespace: endpoint.namespace,
      labels: { ...endpoint.labels },
      annotations,
    },
    spec: {
      predictor: Lazy.any({
        produce: () => (endpoint._canaryTrafficPercent === undefined ? predictor : { ...predictor, canaryTrafficPercent: endpoint._canaryTrafficPercent }),
      }),
    },
  };
  return typedApiObject(endpoint, 'Resource', manifest);
}

/**
 * The predictor's pod fields. RawDeployment: the whole hardened pod (KServe makes a Deployment of it).
 * Serverless: only what Knative Serving admits with its default feature flags (knative/serving
 * pkg/apis/serving/fieldmask.go and k8s_validation.go): no container `lifecycle` (Knative's queue-proxy
 * drains), no `terminationGracePeriodSeconds` (Knative derives it from the timeout), no pod
 * `securityContext` (its user, group and seccomp move to the container, which Knative admits) and no
 * `topologySpreadConstraints` (flag-gated); the serving port is unnamed (a name other than "h2c"/"http1"
 * is refused) and the probes name it by number. GPU `nodeSelector`/`tolerations` stay: they need the
 * `kubernetes.podspec-nodeselector` / `-tolerations` flags, a documented cluster prerequisite.
 */
function predictorPodFields(endpoint: ModelEndpoint, pod: PodTemplateSpec, serverless: boolean): Omit<KServePredictor, 'minReplicas' | 'maxReplicas'> {
  const spec = pod.spec!;
  const common = {
    serviceAccountName: spec.serviceAccountName!,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    volumes: spec.volumes!,
    ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
    ...(spec.tolerations ? { tolerations: spec.tolerations } : {}),
  };
  if (!serverless) {
    return {
      ...common,
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds!,
      securityContext: spec.securityContext!,
      containers: spec.containers,
      topologySpreadConstraints: spec.topologySpreadConstraints!.map((c) => ({ ...c, labelSelector: { matchLabels: { 'serving.kserve.io/inferenceservice': endpoint.endpointName } } })),
    };
  }
  const podSc = spec.securityContext ?? {};
  const containers = spec.containers.map((c) => {
    const { lifecycle: _drainedByQueueProxy, ports, startupProbe, readinessProbe, livenessProbe, securityContext, ...rest } = c;
    const byNumber = <P extends { httpGet?: { port: number | string } }>(probe: P | undefined): P | undefined =>
      probe?.httpGet ? { ...probe, httpGet: { ...probe.httpGet, port: endpoint.port } } : probe;
    return {
      ...rest,
      ...(ports ? { ports: ports.map(({ name: _knativeReservesTheName, ...port }) => port) } : {}),
      ...(startupProbe ? { startupProbe: byNumber(startupProbe) } : {}),
      ...(readinessProbe ? { readinessProbe: byNumber(readinessProbe) } : {}),
      ...(livenessProbe ? { livenessProbe: byNumber(livenessProbe) } : {}),
      securityContext: {
        ...securityContext,
        ...(podSc.runAsUser !== undefined ? { runAsUser: podSc.runAsUser } : {}),
        ...(podSc.runAsGroup !== undefined ? { runAsGroup: podSc.runAsGroup } : {}),
      },
    };
  });
  return { ...common, containers };
}
