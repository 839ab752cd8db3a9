/** Kubernetes: plain (Deployment, HPA/KEDA, Argo Rollouts) and KServe serverless, read back from the manifests. */
import { Accelerator, LatencyPercentile, ModelServingProps, ScalingMetric } from '../../../lib';
import {
  BudgetGuard,
  CanaryRollout,
  KSERVE_SERVERLESS_CAPABILITIES,
  KUBERNETES_CAPABILITIES,
  ModelCredentials,
  ModelDelivery,
  ModelEndpoint,
  ModelEndpointProps,
  ServingFlavour,
} from '../../../constructs/k8s';
import { Manifest, findOne, synthChart } from '../../support/k8s-helpers';
import { CommonView, ConformanceAdapter, ConformanceCase, targetKey } from '../harness';
import { throwReportedProblems } from '../../support/expect-problems';

const NAMESPACE = 'ml';
const PROMETHEUS = 'http://prometheus-operated.monitoring:9090';

/** What the cluster needs besides the spec: how the model arrives, KEDA where the HPA cannot track, monitoring. */
function platformProps(spec: ModelServingProps, kserve: boolean): Partial<ModelEndpointProps> {
  const remote = spec.model.uri !== undefined;
  const credentials = remote ? { modelCredentials: ModelCredentials.ambient() } : {};
  if (kserve) {
    return { flavour: ServingFlavour.kserve(), ...credentials, ...(remote ? {} : { modelDelivery: ModelDelivery.bakedIntoImage() }) };
  }
  const targets = spec.scaling?.targets;
  const needsKeda = targets ? targets.some((t) => t.metric !== ScalingMetric.CPU_UTILIZATION) : spec.accelerator !== undefined;
  return {
    ...credentials,
    modelDelivery: remote ? ModelDelivery.initContainer({ image: 'registry.example.com/model-fetch:1.0.0' }) : ModelDelivery.bakedIntoImage(),
    ...(needsKeda ? { keda: { prometheusAddress: PROMETHEUS } } : {}),
    serviceMonitor: true,
  };
}

function render(c: ConformanceCase, spec: ModelServingProps, kserve: boolean): CommonView {
  const docs = synthChart((chart) => {
    const endpoint = new ModelEndpoint(chart, 'Endpoint', { ...spec, ...platformProps(spec, kserve), namespace: NAMESPACE });
    // KServe gets no manual-promotion opt-in: the table expects its refusal.
    if (c.rollout) new CanaryRollout(chart, 'Rollout', { endpoint, policy: c.rollout, ...(kserve ? {} : { prometheusAddress: PROMETHEUS }) });
    if (c.budget) new BudgetGuard(chart, 'Budget', { namespace: NAMESPACE, budget: c.budget, gpuPrices: [{ accelerator: Accelerator.NVIDIA_L4, hourlyUsd: 0.8 }] });
    throwReportedProblems(chart);
  });
  const name = spec.metadata.name;
  const workload = kserve ? findOne(docs, 'InferenceService') : docs.find((d) => (d.kind === 'Deployment' || d.kind === 'Rollout') && d.metadata.name === name)!;
  const pod = kserve ? workload.spec.predictor : workload.spec.template.spec;
  const container = pod.containers[0];
  const env = Object.fromEntries((container.env ?? []).map((e: { name: string; value: string }) => [e.name, e.value])) as Record<string, string>;
  const initEnv = Object.fromEntries((pod.initContainers?.[0]?.env ?? []).map((e: { name: string; value: string }) => [e.name, e.value])) as Record<string, string>;
  const labels = workload.metadata.labels as Record<string, string>;
  const identityKeys = ['name', 'version', 'owner', 'framework', 'trained-on'];

  const view: CommonView = {
    image: (container.image as string).split('/').slice(1).join('/'),
    modelSignature: env.MODEL_SERVER_MODEL_SIGNATURE ? JSON.parse(env.MODEL_SERVER_MODEL_SIGNATURE) : undefined,
    modelSource: env.STORAGE_URI ?? initEnv.MODEL_URI ?? 'local',
    environment: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('MODEL_SERVER_'))),
    ...(kserve ? kserveScaling(workload) : plainScaling(docs)),
    identity: Object.fromEntries(identityKeys.filter((k) => labels[`model-serving.dev/${k}`] !== undefined).map((k) => [k, labels[`model-serving.dev/${k}`]])),
    ...(kserve ? {} : { guardrails: guardrailsOf(findOne(docs, 'PrometheusRule', `${name}-guardrails`)) }),
  };
  return {
    ...view,
    ...(c.rollout ? { rolloutWeights: (findOne(docs, 'Rollout').spec.strategy.canary.steps as Manifest[]).filter((s) => s.setWeight !== undefined).map((s) => s.setWeight as number) } : {}),
    ...(c.budget ? { budget: budgetOf(findOne(docs, 'PrometheusRule', 'model-serving-budget')) } : {}),
  };
}

function plainScaling(docs: Manifest[]): Pick<CommonView, 'minReplicas' | 'maxReplicas' | 'scalingTargets'> {
  const hpa = docs.find((d) => d.kind === 'HorizontalPodAutoscaler');
  if (hpa) {
    return {
      minReplicas: hpa.spec.minReplicas,
      maxReplicas: hpa.spec.maxReplicas,
      scalingTargets: (hpa.spec.metrics as Manifest[]).map((m) => targetKey('CPU_UTILIZATION', m.resource.target.averageUtilization)),
    };
  }
  const so = findOne(docs, 'ScaledObject');
  const byName: Record<string, string> = { invocations: 'INVOCATIONS_PER_REPLICA', 'gpu-utilization': 'GPU_UTILIZATION' };
  return {
    minReplicas: so.spec.minReplicaCount,
    maxReplicas: so.spec.maxReplicaCount,
    scalingTargets: (so.spec.triggers as Manifest[])
      .filter((t) => t.type === 'cpu' || byName[t.name] !== undefined)
      .map((t) => (t.type === 'cpu' ? targetKey('CPU_UTILIZATION', Number(t.metadata.value)) : targetKey(byName[t.name], Number(t.metadata.threshold)))),
  };
}

function kserveScaling(isvc: Manifest): Pick<CommonView, 'minReplicas' | 'maxReplicas' | 'scalingTargets'> {
  const p = isvc.spec.predictor;
  return {
    minReplicas: p.minReplicas,
    maxReplicas: p.maxReplicas,
    scalingTargets: [targetKey(p.scaleMetric === 'cpu' ? 'CPU_UTILIZATION' : 'INVOCATIONS_PER_REPLICA', p.scaleTarget)],
  };
}

function guardrailsOf(rule: Manifest): string[] {
  const group = rule.spec.groups[0];
  const [errors, latency] = group.rules as Manifest[];
  const quantile = Number(/^histogram_quantile\(([0-9.]+),/.exec(latency.expr)![1]);
  const percentile = LatencyPercentile.ALL.find((p) => p.quantile === quantile)!.name;
  const threshold = (expr: string) => Number(/ > ([0-9.e-]+)$/.exec(expr)![1]);
  const seconds = (d: string) => Number(d.replace(/s$/, ''));
  return [
    `errors>${Math.round(threshold(errors.expr) * 100 * 1000) / 1000}%`,
    `${percentile}>${Math.round(threshold(latency.expr) * 1000)}ms`,
    `window=${seconds(group.interval)}s`,
    `breaches=${seconds(errors.for) / seconds(group.interval)}`,
  ];
}

function budgetOf(rule: Manifest): string[] {
  const alerts = (rule.spec.groups[0].rules as Manifest[]).filter((r) => r.alert !== undefined);
  const thresholds = alerts.map((a) => Number(a.labels.threshold_percent));
  const first = alerts[0];
  const limit = (Number(/ > ([0-9.]+)$/.exec(first.expr)![1]) * 100) / thresholds[0];
  return [`limit=${Math.round(limit)}`, `notifyAt=${thresholds.join(',')}`, 'action=NOTIFY'];
}

export const adapters: ConformanceAdapter[] = [
  { backend: KUBERNETES_CAPABILITIES.backend, capabilities: KUBERNETES_CAPABILITIES, registry: 'registry.example.com', render: (c, spec) => render(c, spec, false) },
  {
    backend: KSERVE_SERVERLESS_CAPABILITIES.backend,
    capabilities: KSERVE_SERVERLESS_CAPABILITIES,
    // The namespace budget is the same object on every flavour: its refusals name Kubernetes.
    refusedBy: [KSERVE_SERVERLESS_CAPABILITIES.backend, KUBERNETES_CAPABILITIES.backend],
    registry: 'registry.example.com',
    render: (c, spec) => render(c, spec, true),
  },
];
