/**
 * The seeds' multi-model platform on Kubernetes (examples/platform/k8s.ts from examples/platform/models.ts):
 * each requirement of issue 20's checkpoint project checked in the synthesized objects, value by value.
 * Receivers the values are checked against:
 * - every object: strictly against the vendored schemas and CRDs, CEL rules included (test/support/k8s-validate.mjs;
 *   provenance in test/fixtures/schemas/README.md: Kubernetes, Argo Rollouts v1.9.1 strategy, KEDA, Karpenter,
 *   Prometheus Operator, Gateway API v1.6.1 HTTPRoute, Envoy Gateway v1.9.0 SecurityPolicy/BackendTrafficPolicy);
 * - the server's variables: the bundled server's own configuration code (runtime/src/config.ts resolveOptions)
 *   reads them back; the fallback answer: the server's own reader (runtime/src/breaker.ts readFallback);
 * - the canary on the gateway's route: Argo Rollouts' Gateway API plugin
 *   (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi, commit 96c63fd7666a7cc9ab1fe19477cd0751550230ab,
 *   pkg/plugin/httproute.go setHTTPRouteWeight: weights go on the backendRefs named by the Rollout's
 *   stableService and canaryService; pkg/plugin/types.go: `httpRoutes`, `namespace`);
 * - the alert queries: parsed by the PromQL grammar and evaluated on series (test/support/promql.ts).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { ModelArtifact } from '../../lib';
import { resolveOptions } from '../../runtime/src/config';
import { readFallback } from '../../runtime/src/breaker';
import { tracingSettings } from '../../runtime/src/tracing';
import { PLATFORM, PLATFORM_SETTINGS } from '../../examples/platform/models';
import { PLATFORM_NAMESPACE, PLATFORM_ROOT, REDIS_SECRET, buildK8sPlatform, synthK8sPlatform } from '../../examples/platform/k8s';
import { fraudFallback } from '../../scripts/platform-models';
import { BACKENDS } from '../../scripts/backends';
import { Manifest, expectSchemaValid, findAll, findOne } from '../support/k8s-helpers';
import { Series, evaluatePromQL, promqlSyntaxErrors } from '../support/promql';

const built = buildK8sPlatform(PLATFORM, mkdtempSync(join(tmpdir(), 'platform-k8s-')));
const docs = Testing.synth(built.chart) as Manifest[];
const MODELS = ['cnn', 'fraud', 'sentiment'];

const rollout = (name: string): Manifest => findOne(docs, 'Rollout', name);
const container = (name: string): Manifest => rollout(name).spec.template.spec.containers[0];
const envOf = (name: string): Record<string, string | undefined> => Object.fromEntries((container(name).env as Manifest[]).map((e) => [e.name, e.value]));
/** The configuration the bundled server derives from the pod's variables (secrets filled in as the kubelet would). */
const serverConfig = (name: string) => {
  const env = Object.fromEntries((container(name).env as Manifest[]).map((e) => [e.name, e.value ?? 'redis://:pw@redis:6379']));
  return resolveOptions(['--model', '/mnt/models/model.onnx'], env, () => true).config;
};

test('the table holds the seeds\' three models, and one object set each', () => {
  expect(PLATFORM.map((m) => m.name)).toEqual(MODELS);
  expect(findAll(docs, 'Rollout').map((r) => r.metadata.name)).toEqual(MODELS);
  expect(findAll(docs, 'Deployment')).toEqual([]);
  for (const d of docs.filter((x) => x.kind !== 'Namespace' && x.kind !== 'NodePool' && x.kind !== 'DaemonSet')) expect([d.kind, d.metadata.namespace]).toEqual([d.kind, PLATFORM_NAMESPACE]);
});

describe('node pools: GPU (L4) and CPU, Karpenter', () => {
  test('an L4 pool and a CPU pool, each tainted so only its models land there', () => {
    const gpu = findOne(docs, 'NodePool', 'gpu-l4');
    // Karpenter's AWS provider: L4 is the g6/gr6 families (instance-family requirement).
    expect(gpu.spec.template.spec.requirements).toContainEqual({ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['g6', 'gr6'] });
    // At most the GPUs the BudgetGuard's quota lets the namespace request.
    expect(gpu.spec.limits).toEqual({ 'nvidia.com/gpu': '8' });
    expect(findOne(docs, 'ResourceQuota').spec.hard['requests.nvidia.com/gpu']).toBe('8');
    expect(gpu.spec.template.spec.taints).toEqual([{ effect: 'NoSchedule', key: 'nvidia.com/gpu', value: 'true' }]);
    const cpu = findOne(docs, 'NodePool', 'cpu-serving');
    expect(cpu.spec.limits).toEqual({ cpu: '64' });
    expect(cpu.spec.template.spec.taints).toEqual([{ effect: 'NoSchedule', key: 'model-serving.dev/pool', value: 'cpu-serving' }]);
  });

  test('the CNN and the transformer on the L4 pool with one GPU each; the fraud trees on the CPU pool, no GPU', () => {
    for (const m of ['cnn', 'sentiment']) {
      const spec = rollout(m).spec.template.spec;
      expect(spec.nodeSelector).toEqual({ 'karpenter.sh/nodepool': 'gpu-l4', 'model-serving.dev/accelerator': 'nvidia-l4' });
      expect(spec.tolerations).toContainEqual({ effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Exists' });
      expect(container(m).resources.limits['nvidia.com/gpu']).toBe('1');
      expect(container(m).image).toMatch(/\/model-server-gpu:/);
    }
    const fraud = rollout('fraud').spec.template.spec;
    expect(fraud.nodeSelector).toEqual({ 'karpenter.sh/nodepool': 'cpu-serving' });
    expect(fraud.tolerations).toEqual([{ effect: 'NoSchedule', key: 'model-serving.dev/pool', operator: 'Equal', value: 'cpu-serving' }]);
    expect(container('fraud').resources.limits['nvidia.com/gpu']).toBeUndefined();
  });
});

describe('the models as the server reads them', () => {
  test('CNN: TensorRT first, batches up to 32, a request waits at most 20 ms for its batch', () => {
    expect(serverConfig('cnn')).toMatchObject({ maxBatchSize: 32, maxQueueDelayMs: 20, executionProviders: ['tensorrt', 'cuda', 'cpu'], tensorRtFp16: false });
  });

  test('transformer: TensorRT with FP16 engines', () => {
    expect(serverConfig('sentiment')).toMatchObject({ executionProviders: ['tensorrt', 'cuda', 'cpu'], tensorRtFp16: true });
  });

  test('fraud: a Redis cache whose URL comes from a Kubernetes Secret, and a circuit breaker', () => {
    expect((container('fraud').env as Manifest[])).toContainEqual({ name: 'MODEL_SERVER_CACHE_REDIS_URL', valueFrom: { secretKeyRef: { name: REDIS_SECRET.name, key: REDIS_SECRET.key } } });
    // No secret in the manifests: the URL is only a reference.
    expect(JSON.stringify(docs)).not.toMatch(/redis:\/\//);
    expect(serverConfig('fraud')).toMatchObject({
      cacheModels: ['fraud'], cacheTtlSeconds: 300, cacheRedisUrl: 'redis://:pw@redis:6379',
      breakerModels: ['fraud'], breakerConsecutiveFailures: 5, breakerFailureRatio: 0.5, breakerMinimumCalls: 20, breakerWindowSeconds: 30, breakerOpenSeconds: 10,
    });
    for (const m of ['cnn', 'sentiment']) expect(serverConfig(m)).toMatchObject({ cacheModels: [], breakerModels: [] });
  });

  test('fraud\'s fallback answer lies next to its model, as the server reads it: the model\'s outputs, probability 0.5 and label 0', () => {
    const entry = PLATFORM.find((m) => m.name === 'fraud')!;
    const file = join(PLATFORM_ROOT, entry.modelFile);
    const fallbackFile = join(file, '..', 'fallback.json');
    // Generated by scripts/generate-models.ts (fraudFallback), byte for byte.
    expect(readFileSync(fallbackFile, 'utf8')).toBe(`${JSON.stringify(fraudFallback(), null, 2)}\n`);
    const read = readFallback(file);
    expect(read.problem).toBeUndefined();
    expect(read.outputs).toEqual({
      probability: { datatype: 'FP32', shape: [1, 1], data: new Float32Array([0.5]) },
      label: { datatype: 'INT64', shape: [1, 1], data: new BigInt64Array([0n]) },
    });
    // The same names and types as the model's own outputs.
    const outputs = ModelArtifact.fromFile(file).signature!.outputs.map((o) => [o.name, o.datatype]);
    expect(outputs).toEqual([['probability', 'FP32'], ['label', 'INT64']]);
    // The pod mounts the model's folder (model.onnx and fallback.json) from the models claim.
    expect(rollout('fraud').spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'model', mountPath: '/mnt/models', readOnly: true, subPath: 'fraud/1' });
  });

  test('every server verifies the gateway\'s JWT again (Envoy Gateway forwards it), so pods in the namespace cannot call around the gateway', () => {
    // envoyproxy/gateway (commit d32f28294245e454d20f81d323d626a90e660c1e) internal/xds/translator/jwt.go
    // buildJWTProvider sets jwt_authn `Forward: true`: the Authorization header reaches the server unchanged.
    for (const m of MODELS) {
      expect(serverConfig(m)).toMatchObject({ jwtIssuer: PLATFORM_SETTINGS.gateway.jwt.issuer, jwtAudience: PLATFORM_SETTINGS.gateway.jwt.audiences[0], jwtJwksUri: PLATFORM_SETTINGS.gateway.jwt.jwksUri });
    }
  });

  test('every model traces to the OTLP collector', () => {
    for (const m of MODELS) {
      expect(envOf(m)).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: PLATFORM_SETTINGS.tracingEndpoint, OTEL_SERVICE_NAME: m });
      // The server's tracing setup (runtime/src/tracing.ts) sends its spans to the collector's /v1/traces.
      const tracing = tracingSettings(envOf(m));
      expect(tracing.problems).toEqual([]);
      expect(tracing.settings).toMatchObject({ url: `${PLATFORM_SETTINGS.tracingEndpoint}/v1/traces` });
    }
  });
});

test('autoscaling per model on queue depth: KEDA on the server\'s in-flight requests, targeting the Rollout', () => {
  for (const m of PLATFORM) {
    const so = findOne(docs, 'ScaledObject', m.name);
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: m.name });
    expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([m.scaling.minReplicas, m.scaling.maxReplicas]);
    expect(so.spec.triggers).toEqual([{
      type: 'prometheus', name: 'concurrent-requests',
      metadata: { serverAddress: 'http://prometheus-operated.monitoring:9090', query: `sum(model_server_inflight_requests{namespace="ml-platform",model="${m.name}",pod=~"${m.name}-[a-z0-9]{1,10}-[a-z0-9]{5}"})`, threshold: String(m.scaling.concurrentRequestsPerReplica) },
    }]);
  }
});

describe('canaries: 5% for 1 h through the gateway\'s route, rolled back automatically on the SLO', () => {
  test.each(MODELS)('%s', (m) => {
    const canary = rollout(m).spec.strategy.canary;
    expect(canary.steps.slice(0, 2)).toEqual([{ setWeight: 5 }, { pause: { duration: '3600s' } }]);
    // Exact 5%: the plugin shifts the gateway's own route (stable 100 / canary 0 until the rollout starts).
    expect(canary.trafficRouting).toEqual({ plugins: { 'argoproj-labs/gatewayAPI': { httpRoutes: [{ name: `model-gateway-${m}`, useHeaderRoutes: true }], namespace: PLATFORM_NAMESPACE } } });
    expect([canary.stableService, canary.canaryService]).toEqual([m, `${m}-canary`]);
    expect(findOne(docs, 'HTTPRoute', `model-gateway-${m}`).spec.rules[0].backendRefs).toEqual([
      { group: '', kind: 'Service', name: m, port: 8080, weight: 100 },
      { group: '', kind: 'Service', name: `${m}-canary`, port: 8080, weight: 0 },
    ]);
    // Automatic rollback: a background analysis from the first step; a failed run aborts the rollout.
    expect(canary.analysis).toEqual({ templates: [{ templateName: `${m}-canary-analysis` }], args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }] });
    const analysis = findOne(docs, 'AnalysisTemplate', `${m}-canary-analysis`);
    expect(analysis.spec.metrics.map((x: Manifest) => [x.name, x.successCondition])).toEqual([
      ['error-rate', 'len(result) == 0 || result[0] <= 0.001'],
      ['p95-latency', 'len(result) == 0 || isNaN(result[0]) || result[0] <= 0.1'],
    ]);
  });
});

describe('alerts: p95 > 100 ms and errors > 0.1%, per model and at the gateway', () => {
  const rules = (name: string): Manifest[] => findOne(docs, 'PrometheusRule', name).spec.groups.flatMap((g: Manifest) => g.rules);
  test.each(MODELS)('%s: the guardrail rule fires above 0.1% errors and above 100 ms at p95, routed to the team', (m) => {
    const [errors, latency] = rules(`${m}-guardrails`);
    expect(errors.alert).toBe('ModelServingErrorRateHigh');
    expect(errors.expr).toMatch(/ > 0\.001$/);
    expect(latency.alert).toBe('ModelServingLatencyHigh');
    expect(latency.expr).toMatch(/^histogram_quantile\(0\.95, .*model="[a-z]+".* > 0\.1$/);
    expect(latency.expr).toContain(`model="${m}"`);
    for (const r of [errors, latency]) {
      expect(promqlSyntaxErrors(r.expr)).toEqual([]);
      expect(r.labels).toMatchObject({ team: 'ml-platform' });
    }
  });

  test('the gateway\'s rule: the same thresholds on Envoy\'s upstream metrics of the three routes', () => {
    const [errors, latency] = rules('model-gateway-guardrails');
    expect(errors.expr).toMatch(/ > 0\.001$/);
    expect(latency.expr).toMatch(/^histogram_quantile\(0\.95, .* > 0\.1$/);
    expect(errors.expr).toContain('envoy_cluster_name=~"(httproute/ml-platform/model-gateway-cnn/rule/[0-9]+|httproute/ml-platform/model-gateway-fraud/rule/[0-9]+|httproute/ml-platform/model-gateway-sentiment/rule/[0-9]+)"');
    // 2 errors per 1000 requests (0.2%) fires; 0.05% does not.
    const now = 1_000_000;
    const cluster = 'httproute/ml-platform/model-gateway-fraud/rule/0';
    const counter = (name: string, labels: Record<string, string>, perSecond: number): Series => ({ labels: { __name__: name, ...labels }, samples: [[now - 60, 0], [now, 60 * perSecond]] });
    const traffic = (total: number, failed: number): Series[] => [
      counter('envoy_cluster_upstream_rq_total', { envoy_cluster_name: cluster }, total),
      counter('envoy_cluster_upstream_rq_xx', { envoy_cluster_name: cluster, envoy_response_code_class: '5' }, failed),
    ];
    expect((evaluatePromQL(errors.expr, traffic(1000, 2), now) as { value: number }[]).map((x) => x.value)).toEqual([0.002]);
    expect(evaluatePromQL(errors.expr, traffic(2000, 1), now)).toEqual([]);
  });
});

describe('the gateway: /api/v1/<model>, JWT and 100 requests per minute per API key', () => {
  test.each(MODELS)('%s: POST /api/v1/<model>/infer, rewritten to the server\'s OIP path, JWT and API key required', (m) => {
    const route = findOne(docs, 'HTTPRoute', `model-gateway-${m}`);
    expect(route.spec.hostnames).toEqual([PLATFORM_SETTINGS.gateway.hostname]);
    expect(route.spec.rules[0].matches).toEqual([{ path: { type: 'Exact', value: `/api/v1/${m}/infer` }, method: 'POST' }]);
    expect(route.spec.rules[0].filters).toEqual([{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: `/v2/models/${m}/infer` } } }]);
    const auth = findOne(docs, 'SecurityPolicy', `model-gateway-${m}-auth`).spec;
    expect(auth.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: `model-gateway-${m}` }]);
    expect(auth.jwt.providers[0]).toMatchObject({ issuer: PLATFORM_SETTINGS.gateway.jwt.issuer, audiences: PLATFORM_SETTINGS.gateway.jwt.audiences, remoteJWKS: { uri: PLATFORM_SETTINGS.gateway.jwt.jwksUri } });
    // The client id (the Secret's data key), not the key, is forwarded and counted; the servers check JWTs, not
    // keys, so the key header is removed before the model (sanitize).
    expect(auth.apiKeyAuth).toEqual({ credentialRefs: [{ group: '', kind: 'Secret', name: 'model-gateway-api-keys' }], extractFrom: [{ headers: ['x-api-key'] }], forwardClientIDHeader: 'x-model-gateway-client', sanitize: true });
  });

  test('one per-key budget of 100 per minute across the three routes', () => {
    const traffic = findOne(docs, 'BackendTrafficPolicy').spec;
    expect(traffic.targetRefs.map((t: Manifest) => t.name)).toEqual(MODELS.map((m) => `model-gateway-${m}`));
    expect(traffic.rateLimit).toEqual({ global: { rules: [{ clientSelectors: [{ headers: [{ name: 'x-model-gateway-client', type: 'Distinct' }] }], limit: { requests: 100, unit: 'Minute' }, shared: true }] } });
  });

  test('only the gateway\'s proxies (and Prometheus) reach the models', () => {
    for (const m of MODELS) {
      const from = findOne(docs, 'NetworkPolicy', m).spec.ingress.flatMap((i: Manifest) => i.from);
      expect(from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } } });
    }
  });
});

describe('cost: a budget for the namespace, and $ per 1000 predictions per model', () => {
  test('BudgetGuard: the namespace, its GPU quota and the projected-cost alerts at 80% and 100% of the budget', () => {
    expect(findOne(docs, 'Namespace').metadata.name).toBe(PLATFORM_NAMESPACE);
    expect(findOne(docs, 'ResourceQuota').spec.hard['requests.nvidia.com/gpu']).toMatch(/^\d+$/);
    const budget = findOne(docs, 'PrometheusRule', 'model-serving-budget').spec.groups.flatMap((g: Manifest) => g.rules).filter((r: Manifest) => r.alert);
    expect(budget.map((r: Manifest) => r.expr)).toEqual([
      'model_serving:gpu_cost_usd_per_hour{namespace="ml-platform"} * 730.5 > 4000',
      'model_serving:gpu_cost_usd_per_hour{namespace="ml-platform"} * 730.5 > 5000',
    ]);
  });

  test.each(PLATFORM.map((m) => [m.name, m.hourlyPriceUsd, m.costPer1000PredictionsAbove] as const))('%s: recorded at %d USD per replica-hour, alert above %d USD per 1000', (name, price, above) => {
    const [record, alert] = findOne(docs, 'PrometheusRule', `${name}-cost`).spec.groups.flatMap((g: Manifest) => g.rules);
    expect(record.record).toBe('model_serving:cost_per_1000_predictions_usd');
    expect(record.expr).toContain(` * ${price} * 1000 / (3600 * sum(rate(model_server_inference_count{namespace="ml-platform",model="${name}"`);
    expect(alert.expr).toBe(`model_serving:cost_per_1000_predictions_usd{namespace="ml-platform",model_serving_endpoint="${name}"} > ${above}`);
    expect(findOne(docs, 'ConfigMap', `${name}-dashboard`).metadata.labels.grafana_dashboard).toBe('1');
  });
});

test('every object passes the strict schema check', () => {
  expectSchemaValid(docs);
});

test('npm run synth builds it: registered in scripts/backends.json, written where the registry says', () => {
  const k8s = BACKENDS.find((b) => b.id === 'k8s')!;
  expect(k8s.platform).toEqual({ main: 'examples/platform/k8s.ts', build: 'synthK8sPlatform', format: 'yaml', output: 'dist/platform/k8s' });
  const outdir = mkdtempSync(join(tmpdir(), 'platform-synth-'));
  synthK8sPlatform(outdir);
  expect(existsSync(join(outdir, 'platform.k8s.yaml'))).toBe(true);
});
