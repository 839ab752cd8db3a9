/**
 * The PromQL the Kubernetes constructs emit (KEDA triggers, guardrail and budget PrometheusRules, the Argo
 * AnalysisTemplate), read back from the synthesized manifests and checked as PromQL, not as strings:
 * - parsed by Prometheus' own grammar (@prometheus-io/lezer-promql 0.315.0, from github.com/prometheus/prometheus
 *   web/ui/module/lezer-promql);
 * - every selector names a series that exists, with label names those series carry (the server's metrics as
 *   runtime/src/metrics.ts registers them from lib/contract.ts SERVER_METRICS, plus the target labels the
 *   Prometheus Operator adds; the exporters' own documented labels for DCGM and kube-state-metrics);
 * - evaluated against a small in-memory series set (test/support/promql.ts): the error condition is a share of
 *   requests (a ratio), scoped to the model, the namespace and, for the canary, the canary's pods.
 */
import { Accelerator, BudgetAction, Duration, LatencyPercentile, RolloutPolicy, SERVER_METRICS, ScalingTarget } from '../../lib';
import { BudgetGuard, CanaryRollout, ModelEndpoint } from '../../constructs/k8s';
import { findOne, synthChart } from '../support/k8s-helpers';
import { Sample, Series, evaluatePromQL, promqlGroupingLabels, promqlSelectors, promqlSyntaxErrors } from '../support/promql';
import { PROMETHEUS, baseProps } from './fixtures';

const NS = 'ml';
const MODEL = 'digits';
const CANARY_HASH = '5d9f7c8b4';
const STABLE_HASH = '7f9c6d5b8';
const NOW = 1_800_000_000;

const docs = synthChart((chart) => {
  const endpoint = new ModelEndpoint(chart, 'Endpoint', baseProps({
    namespace: NS,
    serviceMonitor: true,
    keda: { prometheusAddress: PROMETHEUS, queueDepthPerReplica: 4 },
    scaling: { minReplicas: 2, maxReplicas: 4, targets: [ScalingTarget.invocationsPerReplicaPerSecond(20)] },
    guardrails: { maxErrorRatePercent: 1, latencyPercentile: LatencyPercentile.P99, maxLatency: Duration.seconds(1) },
  }));
  new CanaryRollout(chart, 'Rollout', { endpoint, policy: RolloutPolicy.canary({ trafficPercent: 50, bake: Duration.minutes(30) }), prometheusAddress: PROMETHEUS });
  new BudgetGuard(chart, 'Budget', { namespace: NS, budget: { monthlyLimitUsd: 1000, alertThresholdsPercent: [50, 100], action: BudgetAction.NOTIFY }, gpuPrices: [{ accelerator: Accelerator.NVIDIA_L4, hourlyUsd: 0.8 }] });
});

/** Every `expr` and `query` string in the manifests, with where it is; Argo's args filled in as Argo would. */
function queries(): { where: string; promql: string }[] {
  const out: { where: string; promql: string }[] = [];
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'expr' || k === 'query') && typeof x === 'string') out.push({ where: `${path}.${k}`, promql: x.replace(/\{\{args\.canary-hash\}\}/g, CANARY_HASH) });
        else walk(x, `${path}.${k}`);
      }
    }
  };
  for (const d of docs) walk(d, `${d.kind}/${d.metadata.name}`);
  return out;
}
const ALL = queries();
const one = (where: RegExp): string => {
  const found = ALL.filter((q) => where.test(q.where));
  if (found.length !== 1) throw new Error(`expected one query at ${where}, found ${found.map((f) => f.where).join(', ') || 'none'}`);
  return found[0].promql;
};

/**
 * The series each metric has and its label names. The server's (model_server_*) as it registers them, plus what
 * the Prometheus Operator's ServiceMonitor scrape adds to every target (namespace, pod, service, endpoint,
 * container, instance, job: prometheus-operator Documentation/api.md, "ServiceMonitor" relabelling), and
 * `le` on histogram buckets (Prometheus exposition format). The others from their exporters' documentation:
 * dcgm-exporter with Kubernetes pod mapping adds namespace, pod, container (NVIDIA/dcgm-exporter README,
 * "Enabling DCGM-exporter Kubernetes mapping"); kube-state-metrics kube_pod_container_resource_requests
 * (docs/metrics/workload/pod-metrics.md: namespace, pod, uid, container, node, resource, unit) and
 * kube_pod_labels (namespace, pod, uid, label_<POD_LABEL>). The recording rule gets `namespace` from its
 * label_replace.
 */
const TARGET = ['namespace', 'pod', 'service', 'endpoint', 'container', 'instance', 'job'];
const KNOWN: Readonly<Record<string, readonly string[]>> = {
  model_server_requests_total: ['model', 'version', 'route', 'code', ...TARGET],
  model_server_request_duration_seconds_bucket: ['model', 'version', 'route', 'le', ...TARGET],
  model_server_queue_depth: ['model', 'version', ...TARGET],
  DCGM_FI_DEV_GPU_UTIL: ['gpu', 'UUID', 'device', 'modelName', 'Hostname', 'namespace', 'pod', 'container'],
  kube_pod_container_resource_requests: ['namespace', 'pod', 'uid', 'container', 'node', 'resource', 'unit'],
  kube_pod_labels: ['namespace', 'pod', 'uid', 'label_*'],
  'model_serving:gpu_cost_usd_per_hour': ['namespace'],
};

describe('PromQL the Kubernetes constructs emit', () => {
  test('all of them (KEDA, guardrail alerts, Argo analysis, budget rules) parse with Prometheus\' grammar', () => {
    expect(ALL.map((q) => q.where.split('.')[0]).sort()).toEqual([
      'AnalysisTemplate/digits-canary-analysis', 'AnalysisTemplate/digits-canary-analysis',
      'PrometheusRule/digits-guardrails', 'PrometheusRule/digits-guardrails',
      'PrometheusRule/model-serving-budget', 'PrometheusRule/model-serving-budget', 'PrometheusRule/model-serving-budget',
      'ScaledObject/digits', 'ScaledObject/digits',
    ]);
    for (const q of ALL) expect(`${q.where}: ${promqlSyntaxErrors(q.promql).join('; ')}`).toBe(`${q.where}: `);
  });

  test('a broken expression is caught by the same check (the check can fail)', () => {
    expect(promqlSyntaxErrors('sum(rate(model_server_requests_total{code=~"5.."}[1m])')).not.toEqual([]);
    expect(promqlSyntaxErrors('sum by (le) rate(x[1m])')).not.toEqual([]);
  });

  test('the server\'s series in the table are the ones it registers', () => {
    const own = (name: string) => KNOWN[name].filter((l) => !TARGET.includes(l) && l !== 'le');
    expect(own(SERVER_METRICS.requests.name)).toEqual([...SERVER_METRICS.requests.labels]);
    expect(own(`${SERVER_METRICS.requestDuration.name}_bucket`)).toEqual([...SERVER_METRICS.requestDuration.labels]);
    expect(own(SERVER_METRICS.queueDepth.name)).toEqual([...SERVER_METRICS.queueDepth.labels]);
  });

  test('every selector reads a series that exists, matching only labels it carries; groupings use carried labels', () => {
    const problems: string[] = [];
    for (const q of ALL) {
      const carried = new Set<string>();
      for (const s of promqlSelectors(q.promql)) {
        const labels = KNOWN[s.metric];
        if (!labels) {
          problems.push(`${q.where}: unknown series ${s.metric}`);
          continue;
        }
        labels.forEach((l) => carried.add(l));
        for (const m of s.matchers) {
          const ok = labels.includes(m.label) || (labels.includes('label_*') && m.label.startsWith('label_'));
          if (!ok) problems.push(`${q.where}: ${s.metric} has no label ${m.label}`);
        }
      }
      for (const l of promqlGroupingLabels(q.promql)) if (!carried.has(l)) problems.push(`${q.where}: groups by ${l}, which none of its series carries`);
    }
    expect(problems).toEqual([]);
  });
});

/** A counter growing steadily at `perSecond` over the last two minutes, scraped every 15 seconds. */
function counter(labels: Record<string, string>, perSecond: number): Series {
  const times = Array.from({ length: 9 }, (_, i) => NOW - 120 + 15 * i);
  return { labels, samples: times.map((t) => [t, 1000 + perSecond * (t - (NOW - 120))] as const) };
}
function gauge(labels: Record<string, string>, value: number): Series {
  return { labels, samples: [[NOW - 30, value]] };
}
const requests = (pod: string, code: string, perSecond: number, over: Record<string, string> = {}): Series =>
  counter({ __name__: 'model_server_requests_total', namespace: NS, pod, model: MODEL, version: '1.0.0', route: '/v2/models/:model/infer', code, ...over }, perSecond);
const canaryPod = `${MODEL}-${CANARY_HASH}-x7k2p`;
const stablePod = `${MODEL}-${STABLE_HASH}-q9z4m`;

/** Canary: 98 ok + 2 failing requests per second (2%). Around it, traffic the queries must not see. */
const TRAFFIC: Series[] = [
  requests(canaryPod, '200', 98),
  requests(canaryPod, '503', 2),
  requests(stablePod, '200', 50),
  requests(stablePod, '500', 50),
  requests(`${MODEL}-${STABLE_HASH}-other`, '200', 0, { namespace: 'other' }),
  requests(`${MODEL}-${CANARY_HASH}-other`, '500', 40, { namespace: 'other' }),
  requests(`fraud-${CANARY_HASH}-x7k2p`, '500', 40, { model: 'fraud' }),
];
const values = (r: Sample[] | number): number[] => (typeof r === 'number' ? [r] : r.map((s) => s.value));

describe('evaluated against a series set', () => {
  test('Argo analysis: the canary\'s error RATIO (failed / all of its requests), not a 5xx rate, and only the canary\'s pods', () => {
    const q = one(/AnalysisTemplate.*metrics\[0\]/);
    expect(values(evaluatePromQL(q, TRAFFIC, NOW))).toEqual([0.02]);
    // The same 2 failures/s among 1000 requests/s is a tenth of the ratio: a raw rate would stay at 2.
    const busier = [requests(canaryPod, '200', 998), requests(canaryPod, '503', 2)];
    expect(values(evaluatePromQL(q, busier, NOW))[0]).toBeCloseTo(0.002, 12);
    const successCondition = findOne(docs, 'AnalysisTemplate').spec.metrics[0].successCondition as string;
    expect(successCondition).toBe('len(result) == 0 || result[0] <= 0.01');
  });

  test('Argo analysis: a window without canary requests (its series exist, rate 0) is a 0 ratio, not NaN', () => {
    const q = one(/AnalysisTemplate.*metrics\[0\]/);
    expect(values(evaluatePromQL(q, [requests(canaryPod, '200', 0), requests(canaryPod, '500', 0), requests(stablePod, '500', 50)], NOW))).toEqual([0]);
    expect(values(evaluatePromQL(q, [requests(canaryPod, '200', 10)], NOW))).toEqual([0]);
  });

  // Before the canary has answered its first inference request it has no model_server_requests_total series
  // (health probes are counted with model=""), so `sum(...)` is empty and the ratio is an empty vector. Argo
  // evaluates `result[0]` on it as an error ("reflect: slice index out of range", argoproj/argo-rollouts#1466) and,
  // past consecutiveErrorLimit, aborts the rollout; the condition must guard with `len(result) == 0 || ...`.
  test('Argo analysis: a canary that has served no inference yet gives Argo a value it can compare', () => {
    const q = one(/AnalysisTemplate.*metrics\[0\]/);
    const condition = findOne(docs, 'AnalysisTemplate').spec.metrics[0].successCondition as string;
    const result = values(evaluatePromQL(q, [requests(stablePod, '500', 50)], NOW));
    expect(result.length > 0 || /len\(result\) == 0/.test(condition)).toBe(true);
  });

  test('guardrail alert: fires on the endpoint\'s ratio above 1%, and not below it', () => {
    const q = one(/digits-guardrails.*rules\[0\]/);
    // Every pod of the model in the namespace: (2 + 50) / (100 + 100) = 26%.
    expect(values(evaluatePromQL(q, TRAFFIC, NOW))).toEqual([0.26]);
    const healthy = [requests(stablePod, '200', 995), requests(stablePod, '500', 5)];
    expect(evaluatePromQL(q, healthy, NOW)).toEqual([]);
    const failing = [requests(stablePod, '200', 985), requests(stablePod, '500', 15)];
    expect(values(evaluatePromQL(q, failing, NOW))).toEqual([0.015]);
  });

  test('latency: the 99th percentile in seconds from the request-duration histogram, for the canary only', () => {
    const buckets = (pod: string, perSecond: Record<string, number>): Series[] =>
      Object.entries(perSecond).map(([le, rate]) => counter({ __name__: 'model_server_request_duration_seconds_bucket', namespace: NS, pod, model: MODEL, version: '1.0.0', route: '/v2/models/:model/infer', le }, rate));
    // Canary: 100 req/s, 90 under 0.1 s, 98 under 0.5 s, all under 2.5 s: p99 lies in (0.5, 2.5], at half of it.
    const series = [...buckets(canaryPod, { '0.1': 90, '0.5': 98, '2.5': 100, '+Inf': 100 }), ...buckets(stablePod, { '0.1': 0, '0.5': 0, '2.5': 0, '+Inf': 100 })];
    const analysis = one(/AnalysisTemplate.*metrics\[1\]/);
    expect(values(evaluatePromQL(analysis, series, NOW))[0]).toBeCloseTo(1.5, 9);
    const alert = one(/digits-guardrails.*rules\[1\]/);
    expect(values(evaluatePromQL(alert, buckets(canaryPod, { '0.1': 90, '0.5': 98, '2.5': 100, '+Inf': 100 }), NOW))[0]).toBeCloseTo(1.5, 9);
    expect(evaluatePromQL(alert, buckets(canaryPod, { '0.1': 99, '0.5': 100, '2.5': 100, '+Inf': 100 }), NOW)).toEqual([]);
  });

  test('KEDA: requests per second of the model in its namespace, and the queue depth summed over its pods', () => {
    expect(values(evaluatePromQL(one(/ScaledObject.*triggers\[0\]/), TRAFFIC, NOW))).toEqual([200]);
    const queue = (pod: string, v: number, ns = NS) => gauge({ __name__: 'model_server_queue_depth', namespace: ns, pod, model: MODEL, version: '1.0.0' }, v);
    expect(values(evaluatePromQL(one(/ScaledObject.*triggers\[1\]/), [queue(canaryPod, 3), queue(stablePod, 4), queue(stablePod, 9, 'other')], NOW))).toEqual([7]);
  });

  test('budget: GPU cost per hour of the namespace\'s L4 pods, then projected over a month against each threshold', () => {
    const requestsGpu = (pod: string, gpus: number, ns = NS) => gauge({ __name__: 'kube_pod_container_resource_requests', namespace: ns, pod, container: 'server', uid: pod, node: 'n1', resource: 'nvidia_com_gpu', unit: 'integer' }, gpus);
    const podLabels = (pod: string, accelerator: string, ns = NS) => gauge({ __name__: 'kube_pod_labels', namespace: ns, pod, uid: pod, label_model_serving_dev_accelerator: accelerator }, 1);
    const series = [
      requestsGpu('a', 1), podLabels('a', 'nvidia-l4'),
      requestsGpu('b', 2), podLabels('b', 'nvidia-l4'),
      requestsGpu('c', 1), podLabels('c', 'nvidia-a100'),
      requestsGpu('d', 4, 'other'), podLabels('d', 'nvidia-l4', 'other'),
    ];
    const record = evaluatePromQL(one(/model-serving-budget.*rules\[0\]/), series, NOW) as Sample[];
    expect(record.map((s) => [s.labels, s.value])).toEqual([[{ namespace: NS }, 0.8 * 3]]);
    // No GPU pods: 0, not an empty result that would leave the alert without data.
    expect((evaluatePromQL(one(/model-serving-budget.*rules\[0\]/), [], NOW) as Sample[]).map((s) => s.value)).toEqual([0]);
    const recorded = (v: number): Series[] => [gauge({ __name__: 'model_serving:gpu_cost_usd_per_hour', namespace: NS }, v)];
    // 50% of 1000 USD: fires above 500 USD a month, i.e. above 500 / 730.5 USD an hour.
    expect(values(evaluatePromQL(one(/model-serving-budget.*rules\[1\]/), recorded(0.7), NOW))[0]).toBeCloseTo(0.7 * 730.5, 9);
    expect(evaluatePromQL(one(/model-serving-budget.*rules\[1\]/), recorded(0.68), NOW)).toEqual([]);
  });
});
