/**
 * The objects a ModelEndpoint emits besides its workload, one function each: autoscaler, NetworkPolicy,
 * guardrail alerts and (KServe) the InferenceService. They read the endpoint through its public surface.
 */
import { ApiObject, Lazy } from 'cdk8s';
import { PROMQL, ScalingMetric } from '../../lib';
import { routedAlertLabels } from './dashboard';
import { rateWindow, typedApiObject } from './internal';
import type { IHorizontalPodAutoscaler, INetworkPolicy, IPrometheusRule, IScaledObject } from './k8s-schema';
import type { PodTemplateSpec } from './k8s-types';
import { InferenceServiceManifest, KServePredictor } from './kserve';
import type { ModelEndpoint, ModelEndpointProps } from './model-endpoint';
import { NetworkPeer } from './endpoint-options';
import { AUTHENTICATION_ANNOTATION, KNATIVE_SYSTEM_NAMESPACE } from './names';

/** Metadata every object of an endpoint carries. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels: Record<string, string>;
}

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

/** Which of the endpoint's ports each kind of peer reaches. */
export interface NetworkPorts {
  /** Ports callers and the ingress reach (the server's, or the queue-proxy's on KServe serverless). */
  readonly serving: number[];
  /** Port Prometheus scrapes /metrics on. */
  readonly metrics: number;
  /** KServe serverless: Knative's activator and autoscaler ports. */
  readonly knative?: number[];
}

/**
 * The endpoint's NetworkPolicy: callers and ingress on the serving ports, Prometheus on the metrics port,
 * Knative's system namespace on the queue-proxy's ports (serverless). Nothing else reaches the pods.
 */
export function renderNetworkPolicy(endpoint: ModelEndpoint, props: ModelEndpointProps, metadata: ObjectMeta, podLabels: Readonly<Record<string, string>>, ports: NetworkPorts): void {
  const access = props.networkAccess ?? {};
  const callers = access.callers ?? [NetworkPeer.sameNamespace()];
  const ingress = access.ingress ?? (ports.knative ? [NetworkPeer.namespace(DEFAULT_KNATIVE_INGRESS_NAMESPACE)] : []);
  const prometheus = access.prometheus ?? DEFAULT_PROMETHEUS_PEER;
  const tcp = (list: number[]) => list.map((port) => ({ port, protocol: 'TCP' as const }));
  const rules: NonNullable<NonNullable<INetworkPolicy['spec']>['ingress']> = [
    { from: [...callers, ...ingress].map((p) => ({ ...p.peer })), ports: tcp(ports.serving) },
    { from: [{ ...prometheus.peer }], ports: tcp([ports.metrics]) },
  ];
  if (ports.knative) rules.push({ from: [{ ...NetworkPeer.namespace(KNATIVE_SYSTEM_NAMESPACE).peer }], ports: tcp(ports.knative) });
  const reason = props.auth?.unauthenticatedReason;
  typedApiObject<INetworkPolicy>(endpoint, 'NetworkPolicy', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { ...metadata, ...(reason !== undefined ? { annotations: { [AUTHENTICATION_ANNOTATION]: `none: ${reason}` } } : {}) },
    spec: {
      podSelector: { matchLabels: { ...podLabels } },
      policyTypes: ['Ingress'],
      ingress: rules,
    },
  });
}

/** Where KServe's default ingress gateway (Istio) runs. */
export const DEFAULT_KNATIVE_INGRESS_NAMESPACE = 'istio-system';
/** The Prometheus Operator's Prometheus pods (label `app.kubernetes.io/name: prometheus`) in `monitoring`. */
export const DEFAULT_PROMETHEUS_PEER = NetworkPeer.namespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' });

/** The endpoint's guardrails as Prometheus alerts: the same thresholds the rollout analysis uses. */
export function renderGuardrailAlerts(endpoint: ModelEndpoint, metadata: ObjectMeta): ApiObject {
  const g = endpoint.serving.guardrails;
  const scope = endpoint.metricScope('guardrail alert');
  const interval = `${g.evaluationPeriod.toSeconds()}s`;
  const window = rateWindow(g.evaluationPeriod, endpoint.scrapeInterval);
  const sustained = `${g.evaluationPeriod.toSeconds() * g.breachingPeriods}s`;
  const labels = routedAlertLabels(endpoint, { model_serving_endpoint: endpoint.endpointName, severity: 'critical' });
  return typedApiObject<IPrometheusRule>(endpoint, 'GuardrailAlerts', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata,
    spec: {
      groups: [{
        name: `model-serving-guardrails-${endpoint.endpointName}`,
        interval,
        rules: [
          {
            alert: 'ModelServingErrorRateHigh',
            expr: `${PROMQL.errorRatio(scope, window)} > ${g.maxErrorRatePercent / 100}`,
            for: sustained,
            labels,
            annotations: { summary: `More than ${g.maxErrorRatePercent}% of requests to ${endpoint.endpointName} answered 5XX` },
          },
          {
            alert: 'ModelServingLatencyHigh',
            expr: `${PROMQL.latencyQuantile(scope, g.latencyPercentile.quantile, window)} > ${g.maxLatency.toMilliseconds() / 1000}`,
            for: sustained,
            labels,
            annotations: { summary: `${g.latencyPercentile.name} latency of ${endpoint.endpointName} above ${g.maxLatency.toString()}` },
          },
        ],
      }],
    },
  });
}

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
