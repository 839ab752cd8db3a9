/**
 * Issue 9, "Why": each case that the Kubernetes backend used to accept without honouring it is now either
 * honoured or refused by name (backend + field). One test per case.
 */
import { Testing } from 'cdk8s';
import { Accelerator, BudgetAction, Duration, LatencyPercentile, ModelArtifact, RolloutPolicy, SpecValidationError } from '../../lib';
import { BudgetGuard, BudgetGuardProps, CanaryRollout, ModelCredentials, ModelDelivery, ModelEndpoint, ServingFlavour } from '../../constructs/k8s';
import { findOne, expectSchemaValid, synthChart } from '../support/k8s-helpers';
import { PROMETHEUS, baseProps, image, metadata, model } from './fixtures';
import { expectNoProblems, expectProblems, reportedProblems } from '../support/expect-problems';

const budgetBase: BudgetGuardProps = {
  namespace: 'ml-serving',
  budget: { monthlyLimitUsd: 3000, action: BudgetAction.NOTIFY },
  gpuPrices: [{ accelerator: Accelerator.NVIDIA_L4, hourlyUsd: 0.8 }],
};

/** The problems the construct `fn` builds reports at synth (structured, with collectSpecProblems). */
function problemsOf(fn: () => unknown): SpecValidationError['problems'] {
  return reportedProblems(fn);
}

describe('BudgetGuard on Kubernetes', () => {
  test('enforceAtPercent and forecastThresholdPercent are refused by name: nothing acts on spend, nothing forecasts', () => {
    const problems = problemsOf(() => new BudgetGuard(Testing.chart(), 'B', { ...budgetBase, budget: { ...budgetBase.budget, enforceAtPercent: 90, forecastThresholdPercent: 120 } }));
    expect(problems.map((p) => [p.field, p.backend])).toEqual([
      ['budget.forecastThresholdPercent', 'Kubernetes'],
      ['budget.enforceAtPercent', 'Kubernetes'],
    ]);
    expectProblems(() => new BudgetGuard(Testing.chart(), 'B', { ...budgetBase, budget: { ...budgetBase.budget, enforceAtPercent: 90 } }), /budget\.enforceAtPercent: got 90; allowed: on Kubernetes: no action threshold/);
  });

  test('no gpuPrices: a clear error, not a TypeError', () => {
    const props = { namespace: 'ml-serving', budget: budgetBase.budget } as unknown as BudgetGuardProps;
    expectProblems(() => new BudgetGuard(Testing.chart(), 'B', props), /gpuPrices: got nothing; allowed: one price per accelerator.*Fix: e\.g\. gpuPrices: \[/);
  });
});

describe('CanaryRollout on KServe', () => {
  const endpointOn = (chart: ReturnType<typeof Testing.chart>) => new ModelEndpoint(chart, 'Endpoint', {
    model: ModelArtifact.fromUri('s3://models/digits/model.onnx', { signature: model.signature }), metadata, image,
    modelCredentials: ModelCredentials.ambient(), flavour: ServingFlavour.kserve(),
  });

  test('guardrails nothing enforces are refused unless manual promotion is accepted', () => {
    const chart = Testing.chart();
    const endpoint = endpointOn(chart);
    const problems = problemsOf(() => new CanaryRollout(chart, 'Canary', { endpoint, policy: RolloutPolicy.canary() }));
    expect(problems).toEqual([expect.objectContaining({ field: 'policy.guardrails', backend: 'KServe (serverless)' })]);
    expect(problems[0].fix).toMatch(/acceptManualPromotion: true/);
  });

  test('with acceptManualPromotion the canary is set and the annotation says the guardrails are checked by hand', () => {
    const docs = synthChart((chart) => {
      new CanaryRollout(chart, 'Canary', { endpoint: endpointOn(chart), policy: RolloutPolicy.canary({ trafficPercent: 10 }), acceptManualPromotion: true });
    });
    const isvc = findOne(docs, 'InferenceService');
    expect(isvc.spec.predictor.canaryTrafficPercent).toBe(10);
    expect(isvc.metadata.annotations['model-serving.dev/rollout-guardrails']).toBe('errorRate<=1%,p99<=1000ms,manual');
  });

  test('RawDeployment has no canary: a rollout is refused by name, even with manual promotion accepted', () => {
    const chart = Testing.chart();
    const endpoint = new ModelEndpoint(chart, 'Endpoint', {
      model: ModelArtifact.fromUri('s3://models/digits/model.onnx', { signature: model.signature }), metadata, image,
      modelCredentials: ModelCredentials.ambient(), flavour: ServingFlavour.kserve({ serverless: false }),
    });
    expect(problemsOf(() => new CanaryRollout(chart, 'Canary', { endpoint, policy: RolloutPolicy.canary(), acceptManualPromotion: true })))
      .toEqual([expect.objectContaining({ field: 'policy', backend: 'KServe (RawDeployment)', allowed: 'on KServe (RawDeployment): no progressive rollouts' })]);
  });

  test('an explicit cooldown is refused on KServe (Knative has no cooldown knob); the default is accepted', () => {
    const props = { model: ModelArtifact.fromUri('s3://models/digits/model.onnx'), metadata, image, modelCredentials: ModelCredentials.ambient(), flavour: ServingFlavour.kserve() };
    expectNoProblems(() => new ModelEndpoint(Testing.chart(), 'E', props));
    expectProblems(() => new ModelEndpoint(Testing.chart(), 'E', { ...props, scaling: { scaleInCooldown: Duration.minutes(10) } }), /scaling\.scaleInCooldown: got 10min; allowed: on KServe \(serverless\): no cooldown setting/);
  });
});

describe('Argo Rollouts without a traffic router', () => {
  const rollout = (minReplicas: number, extra: { acceptApproximateTraffic?: boolean } = {}) => {
    let canary!: CanaryRollout;
    const docs = synthChart((chart) => {
      const endpoint = new ModelEndpoint(chart, 'Endpoint', baseProps({ namespace: 'ml', scaling: { minReplicas, maxReplicas: 40 } }));
      canary = new CanaryRollout(chart, 'Canary', { endpoint, policy: RolloutPolicy.canary(), prometheusAddress: PROMETHEUS, ...extra });
    });
    return { docs, canary };
  };

  test('a 5% canary at 2 replicas is refused: Argo would serve it as 33.3%', () => {
    expectProblems(() => rollout(2), /policy\.steps\[0\]\.trafficPercent: got 5% at minReplicas 2, served as 33\.3%; allowed: on Kubernetes: shares within 5 points/);
  });

  test('accepted explicitly, it synthesizes and states the effective share', () => {
    const { docs, canary } = rollout(2, { acceptApproximateTraffic: true });
    expect(findOne(docs, 'Rollout').spec.strategy.canary.steps[0]).toEqual({ setWeight: 5 });
    expect(canary.rollout.steps[0]).toMatchObject({ trafficPercent: 5, effectivePercent: 33.3 });
    expect(canary.warnings[0].message).toMatch(/5% is served as 33\.3% at minReplicas 2/);
    expect(canary.node.metadata.find((m) => m.type === 'model-serving:warning')?.data).toMatch(/served as 33\.3%/);
  });

  test('enough replicas make the share honest without any opt-in', () => {
    const { canary } = rollout(20);
    expect(canary.rollout.steps[0].effectivePercent).toBe(5);
    expect(canary.warnings).toEqual([]);
  });
});

describe('object-store models on Kubernetes get credentials', () => {
  const s3 = ModelArtifact.fromUri('s3://models/digits/model.onnx', { signature: model.signature });
  const gcs = ModelArtifact.fromUri('gs://models/digits/model.onnx', { signature: model.signature });
  const blob = ModelArtifact.fromUri('https://acct.blob.core.windows.net/models/digits/model.onnx', { signature: model.signature });
  const kserve = ServingFlavour.kserve();

  test('a download without credentials is refused', () => {
    expectProblems(() => new ModelEndpoint(Testing.chart(), 'E', { model: s3, metadata, image, flavour: kserve }), /modelCredentials: got nothing, for "s3:\/\/models\/digits\/model\.onnx" downloaded by the KServe storage initializer/);
    expectProblems(() => new ModelEndpoint(Testing.chart(), 'E', baseProps({ model: gcs, modelDelivery: ModelDelivery.initContainer({ image: 'registry.example.com/fetch:1' }) })), /modelCredentials: got nothing, for "gs:\/\/models\/digits\/model\.onnx" downloaded by the init container/);
  });

  test('IRSA: the ServiceAccount carries the role', () => {
    const docs = synthChart((chart) => new ModelEndpoint(chart, 'E', { model: s3, metadata, image, flavour: kserve, modelCredentials: ModelCredentials.awsIamRole('arn:aws:iam::123456789012:role/reader') }));
    expect(findOne(docs, 'ServiceAccount').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/reader' });
    expect(findOne(docs, 'InferenceService').spec.predictor.serviceAccountName).toBe('digits');
    expectSchemaValid(docs);
  });

  test('GKE Workload Identity: the ServiceAccount carries the Google service account', () => {
    const docs = synthChart((chart) => new ModelEndpoint(chart, 'E', { model: gcs, metadata, image, flavour: kserve, modelCredentials: ModelCredentials.gkeWorkloadIdentity('model-reader@my-project.iam.gserviceaccount.com') }));
    expect(findOne(docs, 'ServiceAccount').metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': 'model-reader@my-project.iam.gserviceaccount.com' });
  });

  test('Azure workload identity: client id on the ServiceAccount, the webhook label on the pods', () => {
    const clientId = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const docs = synthChart((chart) => new ModelEndpoint(chart, 'E', baseProps({ model: blob, namespace: 'ml', modelDelivery: ModelDelivery.initContainer({ image: 'registry.example.com/fetch:1' }), modelCredentials: ModelCredentials.azureWorkloadIdentity(clientId) })));
    expect(findOne(docs, 'ServiceAccount').metadata.annotations).toEqual({ 'azure.workload.identity/client-id': clientId });
    expect(findOne(docs, 'Deployment').spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
    expectSchemaValid(docs);
  });

  test('a Secret: envFrom on the init container; listed on the ServiceAccount for KServe', () => {
    const plain = synthChart((chart) => new ModelEndpoint(chart, 'E', baseProps({ model: s3, modelDelivery: ModelDelivery.initContainer({ image: 'registry.example.com/fetch:1' }), modelCredentials: ModelCredentials.secret('model-storage') })));
    expect(findOne(plain, 'Deployment').spec.template.spec.initContainers[0].envFrom).toEqual([{ secretRef: { name: 'model-storage' } }]);
    const ks = synthChart((chart) => new ModelEndpoint(chart, 'E', { model: s3, metadata, image, flavour: kserve, modelCredentials: ModelCredentials.secret('model-storage') }));
    expect(findOne(ks, 'ServiceAccount').secrets).toEqual([{ name: 'model-storage' }]);
    expectSchemaValid([...plain, ...ks]);
  });

  test('the wrong cloud\'s identity, a malformed value, or credentials where nothing downloads are refused', () => {
    expectProblems(() => new ModelEndpoint(Testing.chart(), 'E', { model: gcs, metadata, image, flavour: kserve, modelCredentials: ModelCredentials.awsIamRole('arn:aws:iam::123456789012:role/reader') }), /modelCredentials: got AWS_IAM_ROLE for a GCS model; allowed: AWS_IAM_ROLE reads S3 only/);
    expectProblems(() => new ModelEndpoint(Testing.chart(), 'E', { model: s3, metadata, image, flavour: kserve, modelCredentials: ModelCredentials.awsIamRole('reader') }), /modelCredentials: got AWS_IAM_ROLE "reader"; allowed: an IAM role ARN/);
    expectProblems(() => new ModelEndpoint(Testing.chart(), 'E', baseProps({ modelCredentials: ModelCredentials.ambient() })), /modelCredentials: got AMBIENT; allowed: only when an object-store model is downloaded/);
  });
});

describe('advice that must not fail a build', () => {
  test('ModelArtifact.fromUri without a signature: a warning on the endpoint, not an error', () => {
    const chart = Testing.chart();
    const endpoint = new ModelEndpoint(chart, 'E', { model: ModelArtifact.fromUri('s3://models/digits/model.onnx'), metadata, image, flavour: ServingFlavour.kserve(), modelCredentials: ModelCredentials.ambient() });
    expect(endpoint.warnings).toEqual([expect.objectContaining({ field: 'model', message: expect.stringMatching(/has no signature/) })]);
    expect(endpoint.node.metadata.filter((m) => m.type === 'model-serving:warning')).toHaveLength(1);
  });
});

describe('latency at a chosen percentile', () => {
  test('p95 guardrails become a p95 analysis query', () => {
    const docs = synthChart((chart) => {
      const endpoint = new ModelEndpoint(chart, 'Endpoint', baseProps({ namespace: 'ml', serviceMonitor: true, scaling: { minReplicas: 4, maxReplicas: 8 }, guardrails: { latencyPercentile: LatencyPercentile.P95, maxLatency: Duration.millis(300) } }));
      new CanaryRollout(chart, 'Canary', { endpoint, policy: RolloutPolicy.canary({ trafficPercent: 25 }), prometheusAddress: PROMETHEUS });
    });
    const metrics = findOne(docs, 'AnalysisTemplate').spec.metrics;
    expect(metrics[1].name).toBe('p95-latency');
    expect(metrics[1].provider.prometheus.query).toMatch(/^histogram_quantile\(0\.95, /);
    expect(metrics[1].successCondition).toBe('len(result) == 0 || isNaN(result[0]) || result[0] <= 0.3');
  });
});
