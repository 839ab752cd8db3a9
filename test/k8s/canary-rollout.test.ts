import { Testing } from 'cdk8s';
import { Duration, ModelArtifact, RolloutPolicy } from '../../lib';
import { CanaryRollout, ModelCredentials, ModelEndpoint, ServingFlavour } from '../../constructs/k8s';
import { findAll, findOne, restrictedViolations, expectSchemaValid, synthChart } from '../support/k8s-helpers';
import { PROMETHEUS, baseProps, image, metadata } from './fixtures';
import { expectProblems } from '../support/expect-problems';

const steps = RolloutPolicy.steps([
  { trafficPercent: 5, bake: Duration.hours(1) },
  { trafficPercent: 25, bake: Duration.hours(1) },
  { trafficPercent: 100, bake: Duration.minutes(10) },
], { guardrails: { maxErrorRatePercent: 2, maxLatency: Duration.millis(250), breachingPeriods: 3 } });

/** One replica by default: Argo serves 5% as one pod of two (50%), so these tests accept approximate traffic. */
function plain(policy = steps) {
  return synthChart((chart) => {
    const endpoint = new ModelEndpoint(chart, 'Endpoint', baseProps({ namespace: 'ml' }));
    new CanaryRollout(chart, 'Canary', { endpoint, policy, prometheusAddress: PROMETHEUS, acceptApproximateTraffic: true });
  });
}

describe('CanaryRollout, plain flavour (Argo Rollouts)', () => {
  test('snapshot', () => {
    expect(plain()).toMatchSnapshot();
  });

  test('the Rollout replaces the Deployment and the autoscaler follows it', () => {
    const docs = plain();
    expect(findAll(docs, 'Deployment')).toEqual([]);
    const rollout = findOne(docs, 'Rollout');
    expect(rollout.metadata).toMatchObject({ name: 'digits', namespace: 'ml' });
    expect(rollout.spec.template.spec.containers[0].name).toBe('server');
    expect(restrictedViolations(rollout.spec.template.spec)).toEqual([]);
    expect(findOne(docs, 'HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'digits' });
    expectSchemaValid(docs);
  });

  test('one setWeight and pause per policy step', () => {
    expect(findOne(plain(), 'Rollout').spec.strategy.canary.steps).toEqual([
      { setWeight: 5 }, { pause: { duration: '3600s' } },
      { setWeight: 25 }, { pause: { duration: '3600s' } },
      { setWeight: 100 }, { pause: { duration: '600s' } },
    ]);
  });

  test('background analysis on error rate and p99 latency of the canary pods aborts on failure', () => {
    const docs = plain();
    const canary = findOne(docs, 'Rollout').spec.strategy.canary;
    expect(canary.maxUnavailable).toBe(0);
    expect(canary.analysis).toEqual({
      templates: [{ templateName: 'digits-canary-analysis' }],
      args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
    });
    const metrics = findOne(docs, 'AnalysisTemplate').spec.metrics;
    expect(metrics.map((m: { name: string }) => m.name)).toEqual(['error-rate', 'p99-latency']);
    expect(metrics[0]).toMatchObject({ interval: '60s', failureLimit: 2, consecutiveErrorLimit: 10, successCondition: 'len(result) == 0 || result[0] <= 0.02', provider: { prometheus: { address: PROMETHEUS } } });
    expect(metrics[0].provider.prometheus.query).toContain('model_server_requests_total{namespace="ml",model="digits",pod=~"digits-{{args.canary-hash}}-.*",code=~"5.."}');
    expect(metrics[1].successCondition).toBe('len(result) == 0 || isNaN(result[0]) || result[0] <= 0.25');
    expect(metrics[1].provider.prometheus.query).toMatch(/^histogram_quantile\(0\.99, sum by \(le\) \(rate\(model_server_request_duration_seconds_bucket\{/);
  });

  test('RolloutPolicy.canary gives two weights', () => {
    const s = findOne(plain(RolloutPolicy.canary({ trafficPercent: 10, bake: Duration.minutes(30) })), 'Rollout').spec.strategy.canary.steps;
    expect(s).toEqual([{ setWeight: 10 }, { pause: { duration: '1800s' } }, { setWeight: 100 }, { pause: { duration: '600s' } }]);
  });
});

describe('CanaryRollout, KServe flavour', () => {
  test('canaryTrafficPercent at the first step; later steps are documented promotions', () => {
    let canary!: CanaryRollout;
    const docs = synthChart((chart) => {
      const endpoint = new ModelEndpoint(chart, 'Endpoint', { model: ModelArtifact.fromUri('s3://models/d/model.onnx'), metadata, image, modelCredentials: ModelCredentials.ambient(), flavour: ServingFlavour.kserve() });
      canary = new CanaryRollout(chart, 'Canary', { endpoint, policy: steps, acceptManualPromotion: true });
    });
    const isvc = findOne(docs, 'InferenceService');
    expect(isvc.spec.predictor.canaryTrafficPercent).toBe(5);
    expect(isvc.metadata.annotations['model-serving.dev/rollout-plan']).toBe('5%/3600s,25%/3600s,100%/600s');
    expect(canary.promotions.map((p) => [p.trafficPercent, p.after.toSeconds()])).toEqual([[25, 3600], [100, 3600]]);
    expect(canary.promotions[0].command).toBe(`kubectl patch inferenceservice digits --type merge -p '{"spec":{"predictor":{"canaryTrafficPercent":25}}}'`);
    expect(findAll(docs, 'Rollout')).toEqual([]);
    expectSchemaValid(docs);
  });
});

describe('CanaryRollout validation', () => {
  test('canary steps not ending at 100%', () => {
    // A policy is a value, not a construct: its factory still throws at once.
    expect(() => RolloutPolicy.steps([{ trafficPercent: 5, bake: Duration.hours(1) }, { trafficPercent: 50, bake: Duration.hours(1) }])).toThrow(/steps\[1\].trafficPercent: got 50; allowed: the last step at 100/);
  });
  test('plain flavour needs Prometheus for the analysis', () => {
    const chart = Testing.chart();
    const endpoint = new ModelEndpoint(chart, 'Endpoint', baseProps());
    expectProblems(() => new CanaryRollout(chart, 'Canary', { endpoint, policy: steps }), /prometheusAddress: got nothing.*roll back on errors/);
    expectProblems(() => new CanaryRollout(chart, 'Canary2', { endpoint, policy: steps, prometheusAddress: 'prom' }), /prometheusAddress: got "prom"; allowed: an http\(s\) URL/);
  });
  test('one CanaryRollout per endpoint', () => {
    const chart = Testing.chart();
    const endpoint = new ModelEndpoint(chart, 'Endpoint', baseProps({ namespace: 'ml' }));
    new CanaryRollout(chart, 'Canary', { endpoint, policy: steps, prometheusAddress: PROMETHEUS, acceptApproximateTraffic: true });
    // The one-rollout rule of lib/backend-contract.ts: the same SpecValidationError problem on every backend.
    expectProblems(() => new CanaryRollout(chart, 'Again', { endpoint, policy: steps, prometheusAddress: PROMETHEUS, acceptApproximateTraffic: true }), /CanaryRollout test\/Again has 1 invalid setting:\n  1\. endpoint: got test\/Endpoint, which already has a CanaryRollout; allowed: one rollout per endpoint/);
  });
  test('one CanaryRollout per KServe endpoint (a second one used to overwrite canaryTrafficPercent silently)', () => {
    const chart = Testing.chart();
    const endpoint = new ModelEndpoint(chart, 'Endpoint', { model: ModelArtifact.fromUri('s3://models/d/model.onnx'), metadata, image, namespace: 'ml', modelCredentials: ModelCredentials.ambient(), flavour: ServingFlavour.kserve() });
    new CanaryRollout(chart, 'Canary', { endpoint, policy: RolloutPolicy.canary({ trafficPercent: 20 }), acceptManualPromotion: true });
    expectProblems(() => new CanaryRollout(chart, 'Again', { endpoint, policy: RolloutPolicy.canary({ trafficPercent: 50 }), acceptManualPromotion: true }), /endpoint: got test\/Endpoint, which already has a CanaryRollout/);
  });
});

describe('Argo analysis semantics (argoproj/argo-rollouts commit 9f8d111)', () => {
  const template = (endpointProps = {}) => findOne(synthChart((chart) => {
    const endpoint = new ModelEndpoint(chart, 'Endpoint', baseProps({ namespace: 'ml', ...endpointProps }));
    new CanaryRollout(chart, 'Canary', { endpoint, policy: steps, prometheusAddress: PROMETHEUS, acceptApproximateTraffic: true });
  }), 'AnalysisTemplate');

  // metricproviders/prometheus/prometheus.go processResponse: an instant vector becomes a []float64 `result`,
  // empty when the canary has no series yet. utils/evaluate/evaluate.go EvaluateResult: an evaluation error
  // (indexing an empty list) is phase Error; with only a successCondition, false is Failed (never
  // Inconclusive). The conditions use expr-lang's `len`, `isNaN`, `||`, `==`, `<=` and indexing, which
  // behave as in JavaScript for these operands, so they are evaluated here with the same environment.
  function phase(condition: string, result: number[]): 'Successful' | 'Failed' | 'Error' {
    const guarded = (list: number[]) => new Proxy(list, { get: (t, k) => {
      if (typeof k === 'string' && /^\d+$/.test(k) && Number(k) >= t.length) throw new Error(`index out of range: ${k} (array length ${t.length})`);
      return Reflect.get(t, k);
    } });
    try {
      const ok = new Function('result', 'len', 'isNaN', `return (${condition});`)(guarded(result), (a: unknown[]) => a.length, Number.isNaN) as boolean;
      return ok ? 'Successful' : 'Failed';
    } catch {
      return 'Error';
    }
  }

  test('a canary with no series yet is not an error; a breach still fails; NaN latency (no requests) passes', () => {
    const [errors, latency] = template().spec.metrics;
    expect(phase(errors.successCondition, [])).toBe('Successful');
    expect(phase(errors.successCondition, [0.001])).toBe('Successful');
    expect(phase(errors.successCondition, [0.5])).toBe('Failed');
    expect(phase(latency.successCondition, [])).toBe('Successful');
    expect(phase(latency.successCondition, [Number.NaN])).toBe('Successful');
    expect(phase(latency.successCondition, [0.9])).toBe('Failed');
    // What the old condition did with an empty result: an Error, one of the four in a row that abort.
    expect(phase('result[0] <= 0.01', [])).toBe('Error');
  });

  test('rate windows span at least four scrape intervals; the measurement interval stays the evaluation period', () => {
    for (const m of template().spec.metrics) {
      expect(m.interval).toBe('60s');
      expect(m.provider.prometheus.query).toContain('[120s]');
      expect(m.provider.prometheus.query).not.toContain('[60s]');
    }
    for (const m of template({ serviceMonitor: true, scrapeInterval: Duration.seconds(15) }).spec.metrics) expect(m.provider.prometheus.query).toContain('[60s]');
  });

  test('measurement errors (Prometheus unreachable) are tolerated for 10 minutes before the run errs and the rollout aborts', () => {
    // analysis/analysis.go assessMetricFailureInconclusiveOrError: Error when consecutiveErrors > consecutiveErrorLimit
    // (utils/defaults DefaultConsecutiveErrorLimit = 4); Failed when failed > failureLimit, counted in total.
    for (const m of template().spec.metrics) {
      expect(m.consecutiveErrorLimit).toBe(10);
      expect(m.failureLimit).toBe(2);
      expect(m.inconclusiveLimit).toBeUndefined();
      expect(m.failureCondition).toBeUndefined();
    }
  });
});
