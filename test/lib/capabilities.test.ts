import {
  ArtifactStorage,
  BudgetAction,
  Duration,
  GUARDRAIL_DEFAULTS,
  LatencyPercentile,
  ModelArtifact,
  ModelServingProps,
  NameRule,
  ProblemCollector,
  RolloutPolicy,
  RolloutStepShape,
  ScalingTarget,
  ServingImage,
  Size,
  SpecResolver,
  SpecValidationError,
  TrafficSplitting,
  approximatedShare,
  sanitizeLabels,
} from '../../lib';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';
import { TEST_CAPABILITIES as caps, capabilities } from '../support/test-capabilities';

const model = ModelArtifact.fromFile(DEMO_MODEL_PATH);
const base: ModelServingProps = { model, metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' } };

describe('provenance: which values the user set', () => {
  test('explicit fields are listed; defaults are not', () => {
    const r = SpecResolver.serving({ ...base, scaling: { minReplicas: 2 }, server: { maxBatchSize: 4 } }, caps);
    expect(r.isExplicit('scaling.minReplicas')).toBe(true);
    expect(r.isExplicit('scaling.maxReplicas')).toBe(false);
    expect(r.isExplicit('server.maxBatchSize')).toBe(true);
    expect(r.isExplicit('image')).toBe(false);
    expect(r.resolved.maxReplicas).toBe(2);
    expect(r.problems).toEqual([]);
  });

  test('a backend without cooldowns refuses an explicit cooldown by name, and accepts the default', () => {
    const noCooldowns = capabilities({ backend: 'NoCooldownCloud', scaling: { ...caps.scaling, cooldowns: false } });
    expect(SpecResolver.serving(base, noCooldowns).problems).toEqual([]);
    const r = SpecResolver.serving({ ...base, scaling: { scaleInCooldown: Duration.minutes(2) } }, noCooldowns);
    expect(r.refusals).toEqual([expect.objectContaining({ field: 'scaling.scaleInCooldown', backend: 'NoCooldownCloud', given: '2min' })]);
    expect(() => r.throwIfInvalid('E')).toThrow(/scaling\.scaleInCooldown: got 2min; allowed: on NoCooldownCloud: no cooldown setting/);
  });

  test('nothing throws until throwIfInvalid, which lists the backend\'s own problems first', () => {
    const r = SpecResolver.serving({ ...base, server: { maxBatchSize: 0 } }, caps);
    const own = new ProblemCollector();
    own.add({ field: 'instanceType', given: '"x"', allowed: 'a type', fix: 'fix it' });
    try {
      r.throwIfInvalid('Endpoint E', own);
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(SpecValidationError);
      expect((e as SpecValidationError).problems.map((p) => p.field)).toEqual(['instanceType', 'server.maxBatchSize']);
    }
  });
});

describe('refusals from the capabilities', () => {
  const refused = (props: Partial<ModelServingProps>, c = caps) => SpecResolver.serving({ ...base, ...props }, c).refusals;

  test('the request-body default is the backend\'s platform limit, rendered for the server', () => {
    const vertexLike = capabilities({ server: { maxRequestBodyBytes: 1_500_000 } });
    const r = SpecResolver.serving(base, vertexLike).throwIfInvalid('E');
    expect(r.maxRequestBodyBytes).toBe(1_500_000);
    expect(r.environment.MODEL_SERVER_MAX_REQUEST_BODY_BYTES).toBe('1500000');
    // Without a platform limit, the server's own default (6 MiB) applies and is not rendered.
    const free = SpecResolver.serving(base, capabilities({ server: {} })).throwIfInvalid('E');
    expect(free.maxRequestBodyBytes).toBe(6_291_456);
    expect(free.environment.MODEL_SERVER_MAX_REQUEST_BODY_BYTES).toBeUndefined();
  });

  test('the bundled image is refused where the backend cannot build it, default included', () => {
    const c = capabilities({ backend: 'Manifests', image: { buildsBundledImage: false } });
    expect(refused({}, c)).toEqual([expect.objectContaining({ field: 'image', backend: 'Manifests', given: 'nothing (ServingImage.bundled() by default)' })]);
    expect(refused({ image: ServingImage.bundled() }, c)).toEqual([expect.objectContaining({ field: 'image', given: 'ServingImage.bundled()' })]);
    expect(refused({ image: ServingImage.fromRegistry('ghcr.io/acme/server:1') }, c)).toEqual([]);
  });

  test('an image outside the platform registry is refused', () => {
    const c = capabilities({ image: { buildsBundledImage: false, registryPattern: '^[a-z0-9-]+-docker\\.pkg\\.dev/', registryDescription: 'Artifact Registry' } });
    expect(refused({ image: ServingImage.fromRegistry('ghcr.io/acme/server:1') }, c)[0].allowed).toBe('on TestCloud: an image in Artifact Registry');
    expect(refused({ image: ServingImage.fromRegistry('europe-west4-docker.pkg.dev/p/r/server:1') }, c)).toEqual([]);
  });

  test('artifact storages and layouts', () => {
    const gcsOnly = capabilities({ artifacts: { storages: [ArtifactStorage.GCS], layouts: caps.artifacts.layouts } });
    expect(refused({ model: ModelArtifact.fromUri('s3://bucket/model.onnx') }, gcsOnly)).toEqual([expect.objectContaining({ field: 'model', allowed: 'on TestCloud: models from GCS' })]);
    const noArchives = capabilities({ artifacts: { storages: caps.artifacts.storages, layouts: caps.artifacts.layouts.slice(0, 2) } });
    expect(refused({ model: ModelArtifact.fromUri('s3://bucket/model.tar.gz') }, noArchives)).toEqual([expect.objectContaining({ field: 'model', given: '"s3://bucket/model.tar.gz" (ARCHIVE)' })]);
  });

  test('several scaling targets only where the backend tracks several', () => {
    const targets = [ScalingTarget.cpuUtilization(60), ScalingTarget.invocationsPerReplicaPerSecond(20)];
    expect(refused({ scaling: { targets } })).toEqual([]);
    expect(refused({ scaling: { targets } }, capabilities({ scaling: { ...caps.scaling, multipleTargets: false } }))).toEqual([expect.objectContaining({ field: 'scaling.targets' })]);
  });

  test('request timeout beyond the platform\'s, replicas beyond its maximum, a percentile it cannot compute', () => {
    const c = capabilities({ server: { maxRequestTimeout: Duration.seconds(180) }, scaling: { ...caps.scaling, maxReplicas: 50 }, guardrails: { latencyPercentiles: [LatencyPercentile.P99] } });
    const fields = refused({ server: { requestTimeout: Duration.minutes(5) }, scaling: { maxReplicas: 60 }, guardrails: { latencyPercentile: LatencyPercentile.P95 } }, c).map((p) => p.field);
    expect(fields).toEqual(['scaling.maxReplicas', 'server.requestTimeout', 'guardrails.latencyPercentile']);
  });

  test('a URI without a signature is accepted with a warning, not an error', () => {
    const r = SpecResolver.serving({ ...base, model: ModelArtifact.fromUri('s3://bucket/model.onnx') }, caps);
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([expect.objectContaining({ field: 'model', message: expect.stringMatching(/no signature: the server cannot check requests/) })]);
    expect(SpecResolver.serving({ ...base, model: ModelArtifact.fromUri('s3://bucket/model.onnx', { signature: model.signature }) }, caps).warnings).toEqual([]);
  });
});

describe('guardrails', () => {
  test('defaults: errors above 1%, p99 above 1 s, three one-minute windows', () => {
    expect(SpecResolver.serving(base, caps).resolved.guardrails).toEqual(GUARDRAIL_DEFAULTS);
  });
  test('p95 is expressible', () => {
    const g = SpecResolver.serving({ ...base, guardrails: { latencyPercentile: LatencyPercentile.P95, maxLatency: Duration.millis(300) } }, caps).resolved.guardrails;
    expect([g.latencyPercentile.name, g.latencyPercentile.quantile, g.maxLatency.toMilliseconds()]).toEqual(['p95', 0.95, 300]);
    expect(LatencyPercentile.ALL.map((p) => p.name)).toEqual(['p50', 'p90', 'p95', 'p99', 'p99.9']);
  });
});

describe('rollout resolution', () => {
  const context = { minReplicas: 2, endpointGuardrails: GUARDRAIL_DEFAULTS };
  const argo = capabilities({ backend: 'Argo', rollout: { ...caps.rollout, traffic: TrafficSplitting.REPLICA_APPROXIMATED } });

  test('Argo\'s pod approximation: 5% at 2 replicas is served as 33.3% (one canary pod beside two stable)', () => {
    expect(approximatedShare(2, 5)).toBe(33.3);
    expect(approximatedShare(2, 50)).toBe(50);
    expect(approximatedShare(20, 5)).toBe(5);
    expect(approximatedShare(4, 25)).toBe(25);
    expect(approximatedShare(3, 10)).toBe(25);
  });

  test('an approximated share beyond the tolerance is refused with the share that would be served', () => {
    const r = SpecResolver.rollout(RolloutPolicy.canary(), argo, context);
    expect(r.refusals).toEqual([expect.objectContaining({ field: 'policy.steps[0].trafficPercent', backend: 'Argo', given: '5% at minReplicas 2, served as 33.3%' })]);
    expect(r.refusals[0].fix).toMatch(/raise scaling\.minReplicas to 9 or more.*acceptApproximateTraffic: true/);
  });

  test('accepted explicitly, it resolves with the effective share and a warning', () => {
    const r = SpecResolver.rollout(RolloutPolicy.canary(), argo, { ...context, acceptApproximateTraffic: true });
    expect(r.problems).toEqual([]);
    expect(r.resolved.steps.map((s) => [s.trafficPercent, s.effectivePercent])).toEqual([[5, 33.3], [100, 100]]);
    expect(r.warnings[0].message).toMatch(/5% is served as 33\.3% at minReplicas 2 on Argo/);
  });

  test('exact traffic keeps the share', () => {
    expect(SpecResolver.rollout(RolloutPolicy.canary(), caps, context).resolved.steps[0].effectivePercent).toBe(5);
  });

  test('no automatic rollback: refused unless manual promotion is accepted', () => {
    const manual = capabilities({ backend: 'KServeLike', rollout: { ...caps.rollout, automaticRollback: false } });
    expect(SpecResolver.rollout(RolloutPolicy.canary(), manual, context).refusals).toEqual([expect.objectContaining({ field: 'policy.guardrails', backend: 'KServeLike' })]);
    const ok = SpecResolver.rollout(RolloutPolicy.canary(), manual, { ...context, acceptManualPromotion: true });
    expect(ok.problems).toEqual([]);
    expect(ok.resolved.automaticRollback).toBe(false);
  });

  test('step shapes, bakes, largest step and shadow traffic come from the capabilities', () => {
    const strict = capabilities({ rollout: { ...caps.rollout, stepShapes: [RolloutStepShape.ONE_STEP], longestBake: Duration.hours(1), maxStepPercent: 50, shadowTraffic: false } });
    const steps = RolloutPolicy.steps([{ trafficPercent: 60, bake: Duration.hours(2) }, { trafficPercent: 80, bake: Duration.minutes(5) }, { trafficPercent: 100, bake: Duration.hours(3) }], { shadowTrafficPercent: 10 });
    expect(SpecResolver.rollout(steps, strict, context).refusals.map((p) => p.field)).toEqual([
      'policy.steps', 'policy.steps[0].bake', 'policy.finalBake', 'policy.steps[0].trafficPercent', 'policy.shadowTrafficPercent',
    ]);
  });

  test('the shape follows the steps, whichever factory made them', () => {
    const bake = Duration.minutes(5);
    expect(RolloutPolicy.linear({ stepPercent: 20 }).shape).toBe(RolloutStepShape.EQUAL_STEPS);
    expect(RolloutPolicy.steps([{ trafficPercent: 10, bake }, { trafficPercent: 100, bake }]).shape).toBe(RolloutStepShape.ONE_STEP);
    expect(RolloutPolicy.steps([{ trafficPercent: 5, bake }, { trafficPercent: 50, bake }, { trafficPercent: 100, bake }]).shape).toBe(RolloutStepShape.ANY_STEPS);
  });

  test('a policy without guardrails uses the endpoint\'s, so its alarms can be reused', () => {
    expect(SpecResolver.rollout(RolloutPolicy.canary(), caps, context).resolved.reusesEndpointGuardrails).toBe(true);
    expect(SpecResolver.rollout(RolloutPolicy.canary({ guardrails: { maxErrorRatePercent: 5 } }), caps, context).resolved.reusesEndpointGuardrails).toBe(false);
  });
});

describe('budget resolution', () => {
  const notifyOnly = capabilities({ backend: 'Cluster', budget: { actions: [BudgetAction.NOTIFY], forecastAlerts: false, actionThreshold: false, emailNotifications: false } });
  test('fields the backend cannot honour are refused by name', () => {
    const r = SpecResolver.budget({ monthlyLimitUsd: 100, action: BudgetAction.NOTIFY, forecastThresholdPercent: 90, enforceAtPercent: 80, emails: ['a@example.com'] }, notifyOnly);
    expect(r.refusals.map((p) => [p.field, p.backend])).toEqual([
      ['budget.forecastThresholdPercent', 'Cluster'], ['budget.enforceAtPercent', 'Cluster'], ['budget.emails', 'Cluster'],
    ]);
  });
  test('the default action is refused where it cannot be carried out', () => {
    expect(SpecResolver.budget({ monthlyLimitUsd: 100 }, notifyOnly).refusals[0]).toMatchObject({ field: 'budget.action', given: 'nothing (SCALE_TO_FLOOR by default)' });
  });
  test('too many notifications', () => {
    const five = capabilities({ budget: { ...caps.budget, maxNotifications: 5 } });
    expect(SpecResolver.budget({ monthlyLimitUsd: 100, alertThresholdsPercent: [10, 20, 30, 40] }, five).refusals[0].allowed).toBe('on TestCloud: at most 5 notifications per budget');
  });
});

describe('NameRule', () => {
  test('SageMaker: 63 characters with a stable hash suffix', () => {
    const name = NameRule.SAGEMAKER_NAME.generate('a'.repeat(80), 'Stack/Endpoint');
    expect(name).toHaveLength(63);
    expect(name).toMatch(/^a{54}-[0-9a-f]{8}$/);
    expect(NameRule.SAGEMAKER_NAME.generate('a'.repeat(80), 'Stack/Endpoint')).toBe(name);
    expect(NameRule.SAGEMAKER_NAME.generate('a'.repeat(80), 'Stack/Other')).not.toBe(name);
    expect(NameRule.SAGEMAKER_NAME.check(name)).toBeUndefined();
    expect(NameRule.SAGEMAKER_NAME.check('a'.repeat(64))).toBe('64 characters');
  });

  test('Azure ML endpoints: 3-32, a letter first, no "--", unique per region', () => {
    const r = NameRule.AZURE_ML_ENDPOINT;
    const name = r.generate('9-fraud--classifier-for-retail-banking', 'Stack/Endpoint');
    expect(name.length).toBeLessThanOrEqual(32);
    expect(r.check(name)).toBeUndefined();
    expect(name).toMatch(/^m9-fraud-classifier-for-r-[0-9a-f]{8}$|^m9-fraud-classifier-for-[0-9a-f-]+$/);
    expect(r.check('ab')).toBe('2 characters');
    expect(r.check('9abc')).toBe('does not start with a letter');
    expect(r.check('ab--c')).toBe('has "--"');
    expect(r.allowed).toMatch(/unique per Azure region/);
  });

  test('Google Cloud label values hold no "." and no upper case', () => {
    expect(NameRule.GCP_LABEL_VALUE.check('3.1.0')).toBe('has characters outside the allowed set');
    expect(NameRule.GCP_LABEL_VALUE.sanitize('3.1.0')).toBe('3-1-0');
    expect(NameRule.GCP_LABEL_VALUE.sanitize('Risk_ML')).toBe('risk_ml');
    expect(sanitizeLabels({ 'model-version': '3.1.0', 'model-owner': 'risk-ml' }, NameRule.GCP_LABEL_VALUE, NameRule.GCP_LABEL_KEY))
      .toEqual({ 'model-version': '3-1-0', 'model-owner': 'risk-ml' });
  });

  test('long label values are cut with a hash so two long values stay distinct', () => {
    const a = NameRule.KUBERNETES_LABEL_VALUE.sanitize(`${'x'.repeat(70)}a`);
    const b = NameRule.KUBERNETES_LABEL_VALUE.sanitize(`${'x'.repeat(70)}b`);
    expect(a).toHaveLength(63);
    expect(a).not.toBe(b);
    expect(NameRule.KUBERNETES_LABEL_VALUE.check(a)).toBeUndefined();
  });

  test('Kubernetes names are DNS-1123 labels', () => {
    expect(NameRule.KUBERNETES_NAME.sanitize('Digits_V2')).toBe('digits-v2');
    expect(NameRule.KUBERNETES_NAME.problem('endpointName', 'Digits_V2', 'e.g. "digits"')).toMatchObject({ field: 'endpointName', given: '"Digits_V2" (has characters outside the allowed set)' });
  });

  test('a size in messages stays readable', () => {
    expect(Size.mebibytes(1).toBytes()).toBe(1_048_576);
  });
});
