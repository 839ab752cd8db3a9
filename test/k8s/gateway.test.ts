// ModelGateway on Kubernetes: Gateway API HTTPRoutes with Envoy Gateway's SecurityPolicy and
// BackendTrafficPolicy. Every synthesized object is checked strictly against the receiver's CRD schema
// (test/support/k8s-validate.mjs; provenance in test/fixtures/schemas/README.md):
// - HTTPRoute, ReferenceGrant: kubernetes-sigs/gateway-api v1.6.1 (commit 8bb74df00e56ec8f944d48c25e6c1c9c2f6848e3),
//   config/crd/standard/gateway.networking.k8s.io_{httproutes,referencegrants}.yaml;
// - SecurityPolicy, BackendTrafficPolicy: envoyproxy/gateway v1.9.0 (commit 39763b1c07ec30a5526fe70434a2cfe4181de642),
//   charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_{securitypolicies,backendtrafficpolicies}.yaml;
// - PrometheusRule: @kubernetes-models/prometheus-operator.
// Envoy's metric and cluster names: envoyproxy/gateway v1.9.0 site/content/en/latest/tasks/traffic/retry.md
// (`envoy_cluster_upstream_rq_retry{envoy_cluster_name="httproute/default/backend/rule/0"}`) and
// charts/gateway-addons-helm/dashboards/envoy-clusters.json (envoy_cluster_upstream_rq_xx with
// envoy_response_code_class, envoy_cluster_upstream_rq_total, envoy_cluster_upstream_rq_time_bucket in ms).
import { Chart, Testing } from 'cdk8s';
import { Duration, LatencyPercentile, ModelMetadata, NotSupported, RolloutPolicy, Size, inferPath } from '../../lib';
import {
  CanaryRollout,
  EndpointAuth,
  ModelEndpoint,
  ModelEndpointProps,
  ModelGateway,
  ModelGatewayProps,
  NetworkPeer,
  ServingFlavour,
  TrafficRouter,
} from '../../constructs/k8s';
import { Manifest, expectSchemaValid, findAll, findOne, schemaProblemsByLabel, synthChart } from '../support/k8s-helpers';
import { Series, evaluatePromQL, promqlSyntaxErrors } from '../support/promql';
import { PROMETHEUS, baseProps } from './fixtures';
import { expectNoProblems, expectProblems } from '../support/expect-problems';

const JWT = { issuer: 'https://login.example.com/', audiences: ['https://api.example.com'], jwksUri: 'https://login.example.com/.well-known/jwks.json' };
const PROXIES = [NetworkPeer.namespace('envoy-gateway-system')];
const SEED_MODELS = ['cnn', 'fraud', 'sentiment'];

function endpointOf(chart: Chart, name: string, extra: Partial<ModelEndpointProps> = {}): ModelEndpoint {
  const metadata: ModelMetadata = { name, version: '1.0.0', owner: 'ml-platform' };
  return new ModelEndpoint(chart, `Endpoint-${name}`, baseProps({ metadata, namespace: 'ml', networkAccess: { ingress: PROXIES }, ...extra }));
}

/** The seeds' platform: three models under /api/v1/<model>, JWT and 100/min per key, p95 > 100 ms and errors > 0.1% alerting. */
function seeds(extra: Partial<ModelGatewayProps> = {}): { docs: Manifest[]; gateway: ModelGateway } {
  let gateway!: ModelGateway;
  const docs = synthChart((chart) => {
    const routes = SEED_MODELS.map((m) => ({ endpoint: endpointOf(chart, m) }));
    gateway = new ModelGateway(chart, 'Gateway', {
      routes,
      gateway: { name: 'public', namespace: 'gateway-system', sectionName: 'https' },
      namespace: 'ml-gateway',
      hostnames: ['models.example.com'],
      jwt: JWT,
      apiKeys: { requestsPerMinute: 100 },
      guardrails: { maxLatency: Duration.millis(100), latencyPercentile: LatencyPercentile.P95, maxErrorRatePercent: 0.1 },
      ...extra,
    });
  });
  return { docs, gateway };
}

function build(props: (chart: Chart) => ModelGatewayProps): () => void {
  return () => synthChart((chart) => new ModelGateway(chart, 'Gateway', props(chart)));
}

describe('the seeds\' gateway: cnn, fraud and sentiment under /api/v1/<model>, JWT, 100/min per key', () => {
  const { docs, gateway } = seeds();
  const gwDocs = docs.filter((d) => d.metadata?.labels?.['model-serving.dev/gateway'] === 'model-gateway');

  test('one HTTPRoute per model: POST <path>/infer rewritten to the server\'s OIP infer path, to the endpoint\'s Service', () => {
    const routes = findAll(docs, 'HTTPRoute');
    expect(routes.map((r) => r.metadata.name)).toEqual(['model-gateway-cnn', 'model-gateway-fraud', 'model-gateway-sentiment']);
    for (const [i, m] of SEED_MODELS.entries()) {
      const r = routes[i];
      expect(r.metadata.namespace).toBe('ml-gateway');
      expect(r.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway-system', sectionName: 'https' }]);
      expect(r.spec.hostnames).toEqual(['models.example.com']);
      expect(r.spec.rules).toEqual([{
        name: 'infer',
        matches: [{ path: { type: 'Exact', value: `/api/v1/${m}/infer` }, method: 'POST' }],
        // The bundled server answers POST /v2/models/<model>/infer (runtime/src/http/oip.ts, ROUTES.infer).
        filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: `/v2/models/${m}/infer` } } }],
        backendRefs: [{ group: '', kind: 'Service', name: m, namespace: 'ml', port: 8080 }],
      }]);
      expect(inferPath(m)).toBe(`/v2/models/${m}/infer`);
    }
    expect(gateway.gateway.routes.map((r) => r.path)).toEqual(['/api/v1/cnn', '/api/v1/fraud', '/api/v1/sentiment']);
    expect(gateway.url).toBe('https://models.example.com');
  });

  test('the backend Service is what the endpoint emits: name and port match the endpoint\'s own Service', () => {
    for (const m of SEED_MODELS) {
      const svc = findOne(docs, 'Service', m);
      const ref = findOne(docs, 'HTTPRoute', `model-gateway-${m}`).spec.rules[0].backendRefs[0];
      expect(svc.metadata.namespace).toBe(ref.namespace);
      expect(svc.spec.ports.map((p: Manifest) => p.port)).toContain(ref.port);
    }
  });

  test('each endpoint\'s NetworkPolicy admits the Envoy proxies\' namespace on the serving port the route reaches', () => {
    for (const m of SEED_MODELS) {
      const rules = findOne(docs, 'NetworkPolicy', m).spec.ingress;
      expect(rules).toContainEqual({ from: expect.arrayContaining([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } } }]), ports: expect.arrayContaining([{ port: 8080, protocol: 'TCP' }]) });
    }
  });

  test('a ReferenceGrant in the endpoints\' namespace admits exactly the gateway\'s HTTPRoutes to exactly those Services', () => {
    const grants = findAll(docs, 'ReferenceGrant');
    expect(grants).toHaveLength(1);
    expect(grants[0].metadata).toMatchObject({ name: 'model-gateway-from-ml-gateway', namespace: 'ml' });
    expect(grants[0].spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'ml-gateway' }],
      to: SEED_MODELS.map((name) => ({ group: '', kind: 'Service', name })),
    });
  });

  test('a SecurityPolicy per route: JWT from the Authorization header only, API keys from the Secret', () => {
    const policies = findAll(docs, 'SecurityPolicy');
    expect(policies.map((p) => p.metadata.name)).toEqual(SEED_MODELS.map((m) => `model-gateway-${m}-auth`));
    expect(policies[1].spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'model-gateway-fraud' }],
      jwt: {
        providers: [{
          name: 'model-gateway-jwt',
          issuer: 'https://login.example.com/',
          audiences: ['https://api.example.com'],
          remoteJWKS: { uri: 'https://login.example.com/.well-known/jwks.json' },
          // Without extractFrom Envoy also takes ?access_token= (Envoy docs, jwt_authn "Default Extract Location"),
          // which the default access log's path field would record.
          extractFrom: { headers: [{ name: 'Authorization', valuePrefix: 'Bearer ' }] },
        }],
      },
      // The seeds' endpoints check API keys themselves (EndpointAuth.apiKeys(), the default) from x-api-key
      // (runtime/src/auth.ts), so the key header stays; the client id goes upstream in its own header.
      apiKeyAuth: {
        credentialRefs: [{ group: '', kind: 'Secret', name: 'model-gateway-api-keys' }],
        extractFrom: [{ headers: ['x-api-key'] }],
        forwardClientIDHeader: 'x-model-gateway-client',
        sanitize: false,
      },
    });
    expect(policies.every((p) => p.spec.authorization === undefined)).toBe(true);
  });

  test('one BackendTrafficPolicy: 100 requests per minute per distinct key, shared across the models; 413 above 6 MiB', () => {
    const btp = findOne(docs, 'BackendTrafficPolicy');
    expect(btp.metadata).toMatchObject({ name: 'model-gateway-traffic', namespace: 'ml-gateway' });
    expect(btp.spec).toEqual({
      targetRefs: SEED_MODELS.map((m) => ({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: `model-gateway-${m}` })),
      requestBuffer: { limit: 6 * 1024 * 1024 },
      rateLimit: { global: { rules: [{ clientSelectors: [{ headers: [{ name: 'x-model-gateway-client', type: 'Distinct' }] }], limit: { requests: 100, unit: 'Minute' }, shared: true }] } },
    });
  });

  // Why the limit counts the client id and never the key:
  // - envoyproxy/gateway v1.9.0 (mirror d32f28294245e454d20f81d323d626a90e660c1e) internal/xds/translator/ratelimit.go:
  //   a Distinct header selector becomes a `request_headers` rate-limit action, so the descriptor value is the
  //   header's raw value; envoyproxy/ratelimit src/limiter/cache_key.go (5fc35df) writes descriptor values
  //   verbatim into the Redis key. A selector on the key header would store every key in clear in Redis.
  // - envoyproxy/gateway v1.9.0 (tag commit 39763b1c07ec30a5526fe70434a2cfe4181de642) internal/xds/translator/api_key_auth.go
  //   (buildAPIKeyAuthFilterConfig): forwardClientIDHeader/sanitize become the filter's Forwarding{header,
  //   hide_credentials}; internal/gatewayapi/securitypolicy.go passes both through unchanged. Its default proxy
  //   image is envoyproxy/envoy v1.39.0 (api/v1alpha1/shared_types.go DefaultEnvoyProxyImage).
  // - envoyproxy/envoy source/extensions/filters/http/api_key_auth/api_key_auth.cc (commit 03503b340e0e4d1257f2be1f50d40853c3d5bc4f,
  //   the newest stored; not checked at the v1.39.0 tag itself),
  //   decodeHeaders: after a key matched, `headers.setCopy(header_name, client)` (replaces any value the caller
  //   sent under that name) and, with hide_credentials, `removeKey` deletes the key header. apiKeyAuth (filter
  //   order 7) runs before the rate limit filter (303): every counted request carries the filter's client id.
  test('the per-key limit counts the client id apiKeyAuth sets, never the key header', () => {
    const btp = findOne(docs, 'BackendTrafficPolicy');
    const selectors = btp.spec.rateLimit.global.rules.flatMap((r: { clientSelectors: { headers: { name: string }[] }[] }) => r.clientSelectors.flatMap((c) => c.headers.map((h) => h.name)));
    expect(selectors).toEqual(['x-model-gateway-client']);
    expect(JSON.stringify(btp)).not.toContain('x-api-key');
    for (const p of findAll(docs, 'SecurityPolicy')) expect(p.spec.apiKeyAuth.forwardClientIDHeader).toBe('x-model-gateway-client');
  });

  test('alerts: p95 above 100 ms and errors above 0.1% on the gateway\'s own Envoy clusters', () => {
    const rule = findOne(docs, 'PrometheusRule', 'model-gateway-guardrails');
    const [errors, latency] = rule.spec.groups[0].rules;
    expect(errors).toMatchObject({ alert: 'ModelGatewayErrorRateHigh', for: '180s', labels: { model_serving_gateway: 'model-gateway', severity: 'critical' } });
    expect(latency).toMatchObject({ alert: 'ModelGatewayLatencyHigh', for: '180s' });
    for (const r of [errors, latency]) expect(promqlSyntaxErrors(r.expr)).toEqual([]);
    expect(errors.expr).toMatch(/> 0\.001$/);
    expect(latency.expr).toMatch(/^histogram_quantile\(0\.95, .*> 0\.1$/);
    expect(gateway.errorRateAlarm).toEqual({ rule: expect.anything(), alert: 'ModelGatewayErrorRateHigh' });
    expect(gateway.metricLatency()).toMatch(/^histogram_quantile\(0\.99, /);
  });

  test('the alert expressions fire on Envoy series of these routes and ignore other routes\' series', () => {
    const now = 1_000_000;
    const cluster = (route: string, ns = 'ml-gateway') => `httproute/${ns}/${route}/rule/0`;
    const counter = (name: string, labels: Record<string, string>, perSecond: number): Series => ({ labels: { __name__: name, ...labels }, samples: [[now - 60, 0], [now, 60 * perSecond]] });
    const traffic = (route: string, total: number, errors: number, ns?: string): Series[] => [
      counter('envoy_cluster_upstream_rq_total', { envoy_cluster_name: cluster(route, ns) }, total),
      counter('envoy_cluster_upstream_rq_xx', { envoy_cluster_name: cluster(route, ns), envoy_response_code_class: '5' }, errors),
      counter('envoy_cluster_upstream_rq_xx', { envoy_cluster_name: cluster(route, ns), envoy_response_code_class: '2' }, total - errors),
    ];
    const rule = findOne(docs, 'PrometheusRule', 'model-gateway-guardrails');
    const [errors, latency] = rule.spec.groups[0].rules;
    // 0.2% of the gateway's requests fail: above 0.1%.
    const failing = [...traffic('model-gateway-cnn', 500, 2), ...traffic('model-gateway-fraud', 500, 0), ...traffic('other-route', 1000, 500), ...traffic('model-gateway-cnn', 100, 100, 'elsewhere')];
    const fired = evaluatePromQL(errors.expr, failing, now) as { value: number }[];
    expect(fired.map((s) => s.value)).toEqual([0.002]);
    // 0.05%: below, however bad the other routes are.
    const fine = [...traffic('model-gateway-cnn', 1000, 0), ...traffic('model-gateway-sentiment', 1000, 1), ...traffic('other-route', 1000, 900)];
    expect(evaluatePromQL(errors.expr, fine, now)).toEqual([]);
    // Envoy's histogram is in milliseconds: most requests under 50 ms, 10% between 100 and 250 ms.
    const bucket = (le: string, perSecond: number) => counter('envoy_cluster_upstream_rq_time_bucket', { envoy_cluster_name: cluster('model-gateway-fraud'), le }, perSecond);
    const slow = [bucket('50', 80), bucket('100', 85), bucket('250', 100), bucket('+Inf', 100)];
    const p95 = evaluatePromQL(latency.expr, slow, now) as { value: number }[];
    expect(p95).toHaveLength(1);
    expect(p95[0].value).toBeCloseTo(0.2, 6);
    const quick = [bucket('50', 99), bucket('100', 100), bucket('250', 100), bucket('+Inf', 100)];
    expect(evaluatePromQL(latency.expr, quick, now)).toEqual([]);
  });

  test('requests an Argo header route sends to the canary count too (the plugin appends its rule after the route\'s own)', () => {
    // argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi pkg/plugin/httproute.go setHTTPHeaderRoute @96c63fd:
    // `httpRoute.Spec.Rules = append(cleanedRules, newManagedRules...)`, so the header rule is rule 1 of the route,
    // and Envoy Gateway names its cluster `httproute/<ns>/<name>/rule/1`.
    const now = 1_000_000;
    const counter = (name: string, labels: Record<string, string>, perSecond: number): Series => ({ labels: { __name__: name, ...labels }, samples: [[now - 60, 0], [now, 60 * perSecond]] });
    const rule = findOne(docs, 'PrometheusRule', 'model-gateway-guardrails');
    const [errors] = rule.spec.groups[0].rules;
    const stable = 'httproute/ml-gateway/model-gateway-fraud/rule/0';
    const headerCanary = 'httproute/ml-gateway/model-gateway-fraud/rule/1';
    // The canary behind the header route fails 10 of 10 requests a second; stable traffic is clean.
    const series = [
      counter('envoy_cluster_upstream_rq_total', { envoy_cluster_name: stable }, 990),
      counter('envoy_cluster_upstream_rq_xx', { envoy_cluster_name: stable, envoy_response_code_class: '2' }, 990),
      counter('envoy_cluster_upstream_rq_total', { envoy_cluster_name: headerCanary }, 10),
      counter('envoy_cluster_upstream_rq_xx', { envoy_cluster_name: headerCanary, envoy_response_code_class: '5' }, 10),
    ];
    const fired = evaluatePromQL(errors.expr, series, now) as { value: number }[];
    expect(fired.map((s) => s.value)).toEqual([0.01]);
    // A route whose name only starts with one of ours is still not ours.
    expect(evaluatePromQL(errors.expr, [
      counter('envoy_cluster_upstream_rq_total', { envoy_cluster_name: 'httproute/ml-gateway/model-gateway-fraud-v2/rule/0' }, 10),
      counter('envoy_cluster_upstream_rq_xx', { envoy_cluster_name: 'httproute/ml-gateway/model-gateway-fraud-v2/rule/0', envoy_response_code_class: '5' }, 10),
    ], now)).toEqual([]);
  });

  test('warnings say how Envoy Gateway counts the per-key limit and checks algorithms', () => {
    const text = gateway.warnings.map((w) => `${w.field}: ${w.message}`).join('\n');
    expect(text).toMatch(/apiKeys\.requestsPerMinute: 100 requests per key per calendar minute \(fixed windows.*up to 200 across a minute boundary/);
    expect(text).toMatch(/jwt\.algorithms: Envoy's jwt_authn verifies any algorithm the issuer's JWKS keys carry/);
    expect(gateway.node.metadata.filter((m) => m.type === 'model-serving:warning')).toHaveLength(gateway.warnings.length);
  });

  test('contract members: grantInvoke and alarmTargets say why not, with the backend\'s name', () => {
    expect(NotSupported.is(gateway.grantInvoke)).toBe(true);
    expect(String(gateway.grantInvoke)).toMatch(/not supported on Kubernetes \(Envoy Gateway\): .*JWT or API key/);
    expect(String(gateway.alarmTargets)).toMatch(/Alertmanager routes/);
  });

  test('snapshot (the gateway\'s own objects)', () => {
    expect(gwDocs).toMatchSnapshot();
  });

  test('every object is valid against its CRD (Gateway API v1.6.1, Envoy Gateway v1.9.0, Prometheus Operator)', () => {
    expect(gwDocs.map((d) => d.kind).sort()).toEqual(['BackendTrafficPolicy', 'HTTPRoute', 'HTTPRoute', 'HTTPRoute', 'PrometheusRule', 'ReferenceGrant', 'SecurityPolicy', 'SecurityPolicy', 'SecurityPolicy']);
    expectSchemaValid(docs);
  });
});

describe('the strict schema check sees into Envoy Gateway\'s and Gateway API\'s objects', () => {
  // A check that cannot fail proves nothing: the same objects with one wrong value or unknown field each,
  // checked in one validator run.
  const { docs } = seeds();
  const clone = (kind: string): Manifest => JSON.parse(JSON.stringify(findAll(docs, kind)[0]));
  const cases: [string, string, (d: Manifest) => void, RegExp][] = [
    ['unit', 'BackendTrafficPolicy', (d) => { d.spec.rateLimit.global.rules[0].limit.unit = 'Minutes'; }, /BackendTrafficPolicy\/model-gateway-traffic: .*must be equal to one of the allowed values/],
    ['unknown', 'BackendTrafficPolicy', (d) => { d.spec.rateLimit.global.rules[0].perKey = true; }, /must NOT have additional properties \(perKey\)/],
    ['jwks', 'SecurityPolicy', (d) => { d.spec.jwt.providers[0].jwksUri = 'https://x'; }, /SecurityPolicy\/model-gateway-cnn-auth: .*additional properties \(jwksUri\)/],
    ['audiences', 'SecurityPolicy', (d) => { d.spec.jwt.providers[0].audiences = Array.from({ length: 9 }, (_, i) => `a${i}`); }, /must NOT have more than 8 items/],
    ['grant', 'ReferenceGrant', (d) => { d.spec.to[0].namespace = 'ml'; }, /ReferenceGrant\/.*additional properties \(namespace\)/],
    // The CRDs' CEL rules (x-kubernetes-validations), which the API server evaluates on create:
    ['cel-prefix', 'HTTPRoute', (d) => { d.spec.rules[0].filters[0].urlRewrite.path = { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2/models/cnn' }; },
      /HTTPRoute\/model-gateway-cnn: \/spec\/rules\/0: When using URLRewrite filter with path\.replacePrefixMatch, exactly one PathPrefix match must be specified \(CEL rule/],
    ['cel-port', 'HTTPRoute', (d) => { delete d.spec.rules[0].backendRefs[0].port; }, /\/spec\/rules\/0\/backendRefs\/0: Must have port for Service reference \(CEL rule/],
    ['cel-jwt', 'SecurityPolicy', (d) => { delete d.spec.jwt; d.spec.authorization = { rules: [{ action: 'Allow', principal: { jwt: { provider: 'p', claims: [{ name: 'models', values: ['cnn'] }] } } }] }; },
      /SecurityPolicy\/model-gateway-cnn-auth: \/spec: if authorization\.rules\.principal\.jwt is used, jwt must be defined \(CEL rule/],
    ['cel-selector', 'BackendTrafficPolicy', (d) => { d.spec.rateLimit.global.rules[0].clientSelectors = [{}]; }, /at least one of headers, methods, path, sourceCIDR or queryParams must be specified \(CEL rule/],
    ['cel-apikey', 'SecurityPolicy', (d) => { d.spec.apiKeyAuth.extractFrom = [{ headers: ['x-api-key'], params: ['key'] }]; }, /exactly one of headers, params, or cookies must be specified \(CEL rule/],
  ];
  let results: Record<string, string[]> = {};
  beforeAll(() => {
    results = schemaProblemsByLabel(Object.fromEntries(cases.map(([label, kind, mutate]) => {
      const doc = clone(kind);
      mutate(doc);
      return [label, [doc]];
    })));
  });
  test.each(cases.map(([label, kind, , message]) => [label, kind, message] as const))('%s: %s with a mutation is refused', (label, _kind, message) => {
    expect(results[label].join('\n')).toMatch(message);
  });
});

describe('other shapes', () => {
  test('gateway and endpoints in one namespace: no ReferenceGrant, no namespace on the backendRef', () => {
    const docs = synthChart((chart) => {
      const e = endpointOf(chart, 'fraud');
      new ModelGateway(chart, 'Gateway', { routes: [{ endpoint: e, path: '/fraud/v2' }], gateway: { name: 'public' }, namespace: 'ml', allowUnauthenticated: true });
    });
    expect(findAll(docs, 'ReferenceGrant')).toEqual([]);
    expect(findAll(docs, 'SecurityPolicy')).toEqual([]);
    const route = findOne(docs, 'HTTPRoute', 'model-gateway-fraud');
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public' }]);
    expect(route.spec.rules[0].matches[0].path).toEqual({ type: 'Exact', value: '/fraud/v2/infer' });
    expect(route.spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'fraud', port: 8080 }]);
    expect(findOne(docs, 'BackendTrafficPolicy').spec.rateLimit).toBeUndefined();
    expectSchemaValid(docs);
  });

  test('KServe RawDeployment: the route reaches KServe\'s predictor Service <name>-predictor on port 80', () => {
    // KServe RawDeployment creates Service <isvc>-predictor with port constants.CommonDefaultHttpPort (80) to the
    // predictor container's first port (kserve/kserve pkg/controller/v1beta1/inferenceservice/reconcilers/service/
    // service_reconciler.go createDefaultSvc; pkg/constants CommonDefaultHttpPort = 80, PredictorServiceName), and
    // KServe's own Gateway API routes reach it on that port.
    const docs = synthChart((chart) => {
      const e = endpointOf(chart, 'sentiment', { flavour: ServingFlavour.kserve({ serverless: false }) });
      new ModelGateway(chart, 'Gateway', { routes: [{ endpoint: e }], gateway: { name: 'public' }, namespace: 'ml', apiKeys: {}, maxRequestBodySize: Size.kibibytes(512) });
    });
    expect(findOne(docs, 'HTTPRoute').spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'sentiment-predictor', port: 80 }]);
    // KServe targets the container's first port: the server's HTTP port.
    expect(findOne(docs, 'InferenceService').spec.predictor.containers[0].ports[0]).toEqual({ name: 'http', containerPort: 8080, protocol: 'TCP' });
    expect(findOne(docs, 'BackendTrafficPolicy').spec.requestBuffer).toEqual({ limit: 524288 });
    expect(findOne(docs, 'SecurityPolicy').spec.jwt).toBeUndefined();
    expectSchemaValid(docs);
  });

  test('the key header is removed before the model (sanitize) unless the endpoint\'s server checks keys from that header', () => {
    const docs = synthChart((chart) => {
      const open = endpointOf(chart, 'cnn', { auth: EndpointAuth.none('behind the gateway only') });
      const keyed = endpointOf(chart, 'fraud');
      new ModelGateway(chart, 'Gateway', { routes: [{ endpoint: open }, { endpoint: keyed }], gateway: { name: 'public', namespace: 'gateway-system' }, namespace: 'ml-gateway', apiKeys: { requestsPerMinute: 100 } });
      new ModelGateway(chart, 'Custom', { gatewayName: 'custom', routes: [{ endpoint: keyed }], gateway: { name: 'public', namespace: 'gateway-system' }, namespace: 'ml-gateway', apiKeys: { header: 'x-gateway-key', requestsPerMinute: 100 } });
    });
    // The server has no API keys to check: nothing behind the gateway needs the key.
    expect(findOne(docs, 'SecurityPolicy', 'model-gateway-cnn-auth').spec.apiKeyAuth).toMatchObject({ sanitize: true, forwardClientIDHeader: 'x-model-gateway-client' });
    // The server checks keys from x-api-key (runtime/src/auth.ts presentedKey), the gateway's header: kept.
    expect(findOne(docs, 'SecurityPolicy', 'model-gateway-fraud-auth').spec.apiKeyAuth).toMatchObject({ sanitize: false });
    // The gateway reads another header, which the server never reads: removed.
    expect(findOne(docs, 'SecurityPolicy', 'custom-fraud-auth').spec.apiKeyAuth).toMatchObject({ sanitize: true, extractFrom: [{ headers: ['x-gateway-key'] }] });
    expectSchemaValid(docs);
  });

  test('jwt.modelsClaim: deny by default, allow a token whose claim names the route\'s model (array or single string)', () => {
    const { docs, gateway } = seeds({ jwt: { ...JWT, modelsClaim: 'models' }, apiKeys: undefined });
    const fraud = findOne(docs, 'SecurityPolicy', 'model-gateway-fraud-auth');
    expect(fraud.spec.authorization).toEqual({
      defaultAction: 'Deny',
      rules: [
        { name: 'models-claim-array', action: 'Allow', principal: { jwt: { provider: 'model-gateway-jwt', claims: [{ name: 'models', valueType: 'StringArray', values: ['fraud'] }] } } },
        { name: 'models-claim-string', action: 'Allow', principal: { jwt: { provider: 'model-gateway-jwt', claims: [{ name: 'models', valueType: 'String', values: ['fraud'] }] } } },
      ],
    });
    expect(fraud.spec.apiKeyAuth).toBeUndefined();
    expect(gateway.warnings.map((w) => w.field)).toContain('jwt.modelsClaim');
    expectSchemaValid(docs);
  });
});

describe('refusals name the field, what was given, what is allowed and the fix', () => {
  const routesOf = (chart: Chart, extra: Partial<ModelEndpointProps> = {}) => [{ endpoint: endpointOf(chart, 'fraud', extra) }];
  const base = (chart: Chart, routes?: ModelGatewayProps['routes']): ModelGatewayProps => ({ routes: routes ?? routesOf(chart), gateway: { name: 'public' }, namespace: 'ml-gateway', jwt: JWT });

  test('a gateway cache: Envoy Gateway has no cache keyed on the body', () => {
    expectProblems(build((c) => ({ ...base(c, [{ endpoint: endpointOf(c, 'fraud'), cache: true }]), cache: { ttl: Duration.minutes(1) } })),
      /cache: got a cache \(1min\); allowed: on Kubernetes \(Envoy Gateway\): no cache keyed on the request body in Envoy Gateway v1\.9\. Fix: .*server\.cache/);
  });
  test('accessLogs: false (set per Gateway on its EnvoyProxy)', () => {
    expectProblems(build((c) => ({ ...base(c), accessLogs: false })), /accessLogs: got false; allowed: on Kubernetes \(Envoy Gateway\): access logs on: .*EnvoyProxy.*Fix: .*telemetry\.accessLog\.disable/);
  });
  test('a KServe serverless endpoint', () => {
    expectProblems(build((c) => ({ ...base(c, routesOf(c, { flavour: ServingFlavour.kserve() })) })), /routes\[0\]\.endpoint: got \S+ \(KServe serverless\); allowed: on Kubernetes \(Envoy Gateway\): the plain flavour or KServe RawDeployment: .*ExternalName.*Fix: use ServingFlavour\.kserve\(\{ serverless: false \}\)/);
  });
  test('an endpoint whose NetworkPolicy would drop the proxies\' traffic', () => {
    expectProblems(build((c) => ({ ...base(c, routesOf(c, { networkAccess: undefined })) })),
      /routes\[0\]\.endpoint: got \S+ in namespace "ml", whose NetworkPolicy admits only its own namespace and Prometheus.*allowed: an endpoint whose NetworkPolicy admits the Envoy proxies in "envoy-gateway-system".*Fix: set networkAccess: \{ ingress: \[NetworkPeer\.namespace\("envoy-gateway-system"\)\] \}/);
    // Proxies in the endpoint's own namespace need no extra peer.
    expectNoProblems(build((c) => ({ ...base(c, routesOf(c, { networkAccess: undefined })), proxyNamespace: 'ml' })));
  });
  test('an endpoint without a namespace, a gateway without one', () => {
    expectProblems(build((c) => ({ ...base(c, routesOf(c, { namespace: undefined })) })), /routes\[0\]\.endpoint: got \S+ without a namespace; allowed: an endpoint with a namespace.*Fix: set namespace/);
    expectProblems(build((c) => ({ ...base(c), namespace: undefined })), /namespace: got nothing, on the gateway or its chart; allowed: a Kubernetes namespace\. Fix: set namespace/);
  });
  test('more than 8 audiences, an issuer over 253 characters (the SecurityPolicy CRD\'s limits)', () => {
    const audiences = Array.from({ length: 9 }, (_, i) => `https://api${i}.example.com`);
    expectProblems(build((c) => ({ ...base(c), jwt: { ...JWT, audiences } })), /jwt\.audiences: got 9 audiences; allowed: on Kubernetes \(Envoy Gateway\): at most 8 .*maxItems.*Fix: /);
    expectProblems(build((c) => ({ ...base(c), jwt: { ...JWT, issuer: `https://login.example.com/${'a'.repeat(240)}` } })), /jwt\.issuer: got \d+ characters; allowed: on Kubernetes \(Envoy Gateway\): at most 253 characters/);
  });
  test('bad names: gatewayName, gateway.name/namespace/sectionName, hostnames, apiKeySecretName, all at once', () => {
    const message = expectProblems(build((c) => ({ ...base(c), gatewayName: 'Models', gateway: { name: 'Public GW', namespace: 'Gateway_System', sectionName: 'HTTPS' }, hostnames: ['bad host'], apiKeySecretName: 'keys' })), []);
    expect(message).toMatch(/gatewayName: got "Models"; allowed: a DNS-1123 label/);
    expect(message).toMatch(/gateway\.name: got "Public GW"; allowed: a Kubernetes object name/);
    expect(message).toMatch(/gateway\.namespace: got "Gateway_System"; allowed: a namespace name/);
    expect(message).toMatch(/gateway\.sectionName: got "HTTPS"; allowed: a listener name/);
    expect(message).toMatch(/hostnames: got "bad host"; allowed: a DNS host name/);
    expect(message).toMatch(/apiKeySecretName: got "keys" without apiKeys; allowed: together with apiKeys\. Fix: add apiKeys/);
  });
  test('apiKeys.header set to the client-id header the per-key limit counts', () => {
    expect(build((chart) => ({ routes: [{ endpoint: endpointOf(chart, 'cnn') }], gateway: { name: 'public' }, namespace: 'ml', apiKeys: { header: 'x-model-gateway-client', requestsPerMinute: 100 } })))
      .toThrow(/apiKeys\.header: got "x-model-gateway-client"; allowed: any header but x-model-gateway-client, where Envoy Gateway forwards the authenticated client's id.*Fix: leave apiKeys\.header out/);
  });

  test('the same endpoint twice', () => {
    expectProblems(build((c) => {
      const e = endpointOf(c, 'fraud');
      return base(c, [{ endpoint: e }, { endpoint: e, path: '/other' }]);
    }), /routes\[1\]\.endpoint: got \S+ \(also routes\[0\]\); allowed: one route per endpoint/);
  });
  test('no routes (the shared spec\'s rule): reported at synth, the constructor does not crash', () => {
    expectProblems(build((c) => base(c, [])), /routes: got \[\]; allowed: at least one route/);
  });
  test('no authentication (the shared spec\'s rule, on this backend too)', () => {
    expectProblems(build((c) => ({ ...base(c), jwt: undefined })), /jwt: got neither jwt nor apiKeys; allowed: a gateway that authenticates its callers/);
  });
  // Wrong prop shapes (JavaScript callers) are thrown at once: nothing can be built from them (README "How problems are reported").
  test('plain JavaScript: a route without a ModelEndpoint, a gateway without a name', () => {
    expect(build((c) => base(c, [{ endpoint: { endpointName: 'fraud' } as unknown as ModelEndpoint }]))).toThrow(/routes\[0\]\.endpoint: got .*; allowed: a ModelEndpoint of model-serving-constructs\/k8s/);
    expect(build((c) => ({ ...base(c), gateway: {} as unknown as ModelGatewayProps['gateway'] }))).toThrow(/gateway\.name: got nothing \(the prop is missing\); allowed: a string/);
  });
  test.each([
    ['gatewayApi', () => TrafficRouter.gatewayApi({ gatewayName: 'public' }), /uses TrafficRouter\.gatewayApi\(\); allowed: on Kubernetes \(Envoy Gateway\): an endpoint whose traffic split is on the gateway's route: .*HTTPRoute of its own/],
    ['istio', () => TrafficRouter.istio(), /uses TrafficRouter\.istio\(\); allowed: on Kubernetes \(Envoy Gateway\): an endpoint whose traffic split the gateway honours: .*VirtualService's weights do not apply/],
  ])('an endpoint whose CanaryRollout splits traffic with %s, which the gateway would bypass (checked at synth, whatever the order)', (_name, router, message) => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const e = endpointOf(chart, 'fraud');
    new ModelGateway(chart, 'Gateway', { routes: [{ endpoint: e }], gateway: { name: 'public' }, namespace: 'ml-gateway', jwt: JWT });
    new CanaryRollout(chart, 'Canary', { endpoint: e, policy: RolloutPolicy.canary({ trafficPercent: 5, bake: Duration.hours(1) }), prometheusAddress: PROMETHEUS, trafficRouter: router() });
    let error = '';
    try {
      app.synth();
    } catch (err) {
      error = (err as Error).message;
    }
    expect(error).toMatch(/routes\[0\]\.endpoint: got \S+, whose CanaryRollout \S+ /);
    expect(error).toMatch(message);
    expect(error).toMatch(/Fix: use trafficRouter: TrafficRouter\.modelGateway\(\) on that endpoint's CanaryRollout/);
  });

  test('two gateways of one name in one namespace (checked at synth)', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const a = endpointOf(chart, 'fraud');
    const b = endpointOf(chart, 'cnn');
    new ModelGateway(chart, 'A', { routes: [{ endpoint: a }], gateway: { name: 'public' }, namespace: 'ml-gateway', jwt: JWT });
    new ModelGateway(chart, 'B', { routes: [{ endpoint: b }], gateway: { name: 'public' }, namespace: 'ml-gateway', jwt: JWT });
    expect(() => app.synth()).toThrow(/gatewayName: got "model-gateway" in namespace "ml-gateway", also used by ModelGateway c\/B; allowed: one gateway per name and namespace in a chart.*Fix: set a different gatewayName/s);
    const ok = Testing.app();
    const chart2 = new Chart(ok, 'c');
    new ModelGateway(chart2, 'A', { routes: [{ endpoint: endpointOf(chart2, 'fraud') }], gateway: { name: 'public' }, namespace: 'ml-gateway', jwt: JWT });
    new ModelGateway(chart2, 'B', { routes: [{ endpoint: endpointOf(chart2, 'cnn') }], gateway: { name: 'public' }, namespace: 'ml-gateway', gatewayName: 'internal', jwt: JWT });
    expect(() => ok.synth()).not.toThrow();
  });

  test('a CanaryRollout without a traffic router is fine: the Service selects stable and canary pods alike', () => {
    const docs = synthChart((chart) => {
      const e = endpointOf(chart, 'fraud', { scaling: { minReplicas: 20, maxReplicas: 40 } });
      new ModelGateway(chart, 'Gateway', { routes: [{ endpoint: e }], gateway: { name: 'public' }, namespace: 'ml-gateway', jwt: JWT });
      new CanaryRollout(chart, 'Canary', { endpoint: e, policy: RolloutPolicy.canary({ trafficPercent: 5, bake: Duration.hours(1) }), prometheusAddress: PROMETHEUS });
    });
    expect(findOne(docs, 'HTTPRoute').spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'fraud', namespace: 'ml', port: 8080 }]);
    expect(findOne(docs, 'Rollout').spec.strategy.canary.trafficRouting).toBeUndefined();
  });
});

// Exact canaries through the gateway: Argo Rollouts' Gateway API plugin shifts the gateway's own route.
// Receiver: argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi (commit 96c63fd7666a7cc9ab1fe19477cd0751550230ab):
// - pkg/plugin/types.go GatewayAPITrafficRouting: `httpRoutes: [{ name, useHeaderRoutes }]`, `namespace`;
// - pkg/plugin/httproute.go setHTTPRouteWeight: in every rule it does not manage, the backendRef named by the
//   Rollout's canaryService gets the weight and the one named by stableService 100 - weight; either missing is
//   BackendRefWasNotFoundInHTTPRouteError; setHTTPHeaderRoute copies the rule's matches (path, method) and
//   filters (our URLRewrite) into a rule named after the managed route, sending to the canary Service;
// - pkg/plugin/plugin.go SetHeaderRoute: header rules only on routes with useHeaderRoutes;
// - docs/features/multiple-routes.md: the Rollout's `plugins: { argoproj-labs/gatewayAPI: { httpRoutes, namespace } }`.
describe('TrafficRouter.modelGateway(): Argo shifts exact weights on the gateway\'s route', () => {
  /** What the plugin's setHTTPRouteWeight does to a route (pkg/plugin/httproute.go), for the rollout's Services. */
  function pluginSetWeight(route: Manifest, canaryService: string, stableService: string, weight: number): Manifest {
    const copy = JSON.parse(JSON.stringify(route)) as Manifest;
    let canaryFound = false;
    let stableFound = false;
    for (const rule of copy.spec.rules) {
      for (const ref of rule.backendRefs ?? []) {
        if (ref.name === canaryService) { ref.weight = weight; canaryFound = true; }
        if (ref.name === stableService) { ref.weight = 100 - weight; stableFound = true; }
      }
    }
    if (!canaryFound || !stableFound) throw new Error('backendRef was not found in httpRoute');
    return copy;
  }

  /**
   * What the plugin's setHTTPHeaderRoute adds to a route (pkg/plugin/httproute.go): per rule that sends to the
   * Rollout's Services, a rule named after the managed route with the rule's matches (path, method) plus the
   * header match, the rule's filters copied, and the canary Service alone (its port) as backend.
   */
  function pluginSetHeaderRoute(route: Manifest, canaryService: string, managedName: string, header: { name: string; value: string }): Manifest {
    const copy = JSON.parse(JSON.stringify(route)) as Manifest;
    const sources = copy.spec.rules.filter((r: Manifest) => (r.backendRefs ?? []).some((b: Manifest) => b.name === canaryService));
    const added = sources.map((rule: Manifest, i: number) => {
      const canary = rule.backendRefs.find((b: Manifest) => b.name === canaryService);
      return {
        name: i === 0 ? managedName : `${managedName}-${i}`,
        matches: rule.matches.map((m: Manifest) => ({ ...m, headers: [...(m.headers ?? []), { name: header.name, type: 'Exact', value: header.value }] })),
        filters: JSON.parse(JSON.stringify(rule.filters ?? [])),
        // BackendObjectReference{Group, Kind, Name, Port}: the plugin sets no Namespace.
        backendRefs: [{ group: '', kind: 'Service', name: canaryService, port: canary.port }],
      };
    });
    copy.spec.rules.push(...added);
    return copy;
  }

  function platform(order: 'gateway-first' | 'rollout-first', endpointNamespace = 'ml'): Manifest[] {
    return synthChart((chart) => {
      const e = endpointOf(chart, 'fraud', { namespace: endpointNamespace });
      const canary = () => new CanaryRollout(chart, 'Canary', {
        endpoint: e,
        policy: RolloutPolicy.canary({ trafficPercent: 5, bake: Duration.hours(1) }),
        prometheusAddress: PROMETHEUS,
        trafficRouter: TrafficRouter.modelGateway(),
      });
      if (order === 'rollout-first') canary();
      new ModelGateway(chart, 'Gateway', { routes: [{ endpoint: e }, { endpoint: endpointOf(chart, 'cnn') }], gateway: { name: 'public', namespace: 'gateway-system' }, namespace: 'ml-gateway', jwt: JWT, apiKeys: { requestsPerMinute: 100 } });
      if (order === 'gateway-first') canary();
    });
  }

  test.each(['gateway-first', 'rollout-first'] as const)('%s: the route carries stable 100 / canary 0 and the Rollout names it', (order) => {
    const docs = platform(order);
    const route = findOne(docs, 'HTTPRoute', 'model-gateway-fraud');
    expect(route.spec.rules).toHaveLength(1);
    expect(route.spec.rules[0].backendRefs).toEqual([
      { group: '', kind: 'Service', name: 'fraud', namespace: 'ml', port: 8080, weight: 100 },
      { group: '', kind: 'Service', name: 'fraud-canary', namespace: 'ml', port: 8080, weight: 0 },
    ]);
    // The other model's route is untouched: one backend, no weight.
    expect(findOne(docs, 'HTTPRoute', 'model-gateway-cnn').spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'cnn', namespace: 'ml', port: 8080 }]);
    // No route of the rollout's own: nothing reaches the model around the gateway's JWT and limits.
    expect(findAll(docs, 'HTTPRoute').map((r) => r.metadata.name).sort()).toEqual(['model-gateway-cnn', 'model-gateway-fraud']);
    const canary = findOne(docs, 'Rollout').spec.strategy.canary;
    expect(canary.canaryService).toBe('fraud-canary');
    expect(canary.stableService).toBe('fraud');
    expect(canary.trafficRouting).toEqual({
      plugins: { 'argoproj-labs/gatewayAPI': { httpRoutes: [{ name: 'model-gateway-fraud', useHeaderRoutes: true }], namespace: 'ml-gateway' } },
    });
    expect(canary.steps).toEqual([{ setWeight: 5 }, { pause: { duration: '3600s' } }, { setWeight: 100 }, { pause: { duration: '600s' } }]);
    const canaryService = findOne(docs, 'Service', 'fraud-canary');
    expect(canaryService.metadata.namespace).toBe('ml');
    expect(canaryService.spec.selector).toEqual(findOne(docs, 'Service', 'fraud').spec.selector);
    expect(canaryService.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
    // The route's Services live in another namespace: the ReferenceGrant admits the canary Service too.
    expect(findOne(docs, 'ReferenceGrant').spec.to).toEqual(['cnn', 'fraud', 'fraud-canary'].map((name) => ({ group: '', kind: 'Service', name })));
    // The plugin's setWeight(5) finds both backendRefs on the very route the SecurityPolicy and the per-key limit target.
    const shifted = pluginSetWeight(route, canary.canaryService, canary.stableService, 5);
    expect(shifted.spec.rules[0].backendRefs.map((r: Manifest) => [r.name, r.weight])).toEqual([['fraud', 95], ['fraud-canary', 5]]);
    expect(findOne(docs, 'SecurityPolicy', 'model-gateway-fraud-auth').spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'model-gateway-fraud' }]);
    expect(findOne(docs, 'BackendTrafficPolicy').spec.targetRefs.map((t: Manifest) => t.name)).toContain('model-gateway-fraud');
    // Strict CRD + CEL check, also of the route as the plugin leaves it at 5%.
    expectSchemaValid([...docs, shifted]);
  });

  test('endpoint and gateway in one namespace: no ReferenceGrant; a header route reaches the canary through the gateway\'s checks', () => {
    const docs = synthChart((chart) => {
      const e = endpointOf(chart, 'fraud', { namespace: 'ml-gateway', networkAccess: { ingress: PROXIES } });
      new CanaryRollout(chart, 'Canary', {
        endpoint: e,
        policy: RolloutPolicy.canary({ trafficPercent: 5, bake: Duration.hours(1), headerRoute: { headerName: 'x-canary', headerValue: 'always' } }),
        prometheusAddress: PROMETHEUS,
        trafficRouter: TrafficRouter.modelGateway(),
      });
      new ModelGateway(chart, 'Gateway', { routes: [{ endpoint: e }], gateway: { name: 'public' }, namespace: 'ml-gateway', jwt: JWT });
    });
    expect(findAll(docs, 'ReferenceGrant')).toEqual([]);
    const route = findOne(docs, 'HTTPRoute');
    expect(route.spec.rules[0].backendRefs).toEqual([
      { group: '', kind: 'Service', name: 'fraud', port: 8080, weight: 100 },
      { group: '', kind: 'Service', name: 'fraud-canary', port: 8080, weight: 0 },
    ]);
    const canary = findOne(docs, 'Rollout').spec.strategy.canary;
    expect(canary.trafficRouting).toEqual({
      managedRoutes: [{ name: 'canary-header' }],
      plugins: { 'argoproj-labs/gatewayAPI': { httpRoutes: [{ name: 'model-gateway-fraud', useHeaderRoutes: true }], namespace: 'ml-gateway' } },
    });
    expect(canary.steps.slice(0, 2)).toEqual([{ setWeight: 5 }, { setHeaderRoute: { name: 'canary-header', match: [{ headerName: 'x-canary', headerValue: { exact: 'always' } }] } }]);
    // The header rule the plugin adds at the first step keeps the gateway's exact path, method and rewrite, and
    // the SecurityPolicy targets the whole route: testers with the header reach the canary's OIP path through
    // the same JWT and key checks; the canary Service (named without a namespace) is in the route's namespace.
    const withHeader = pluginSetHeaderRoute(pluginSetWeight(route, 'fraud-canary', 'fraud', 5), 'fraud-canary', 'canary-header', { name: 'x-canary', value: 'always' });
    expect(withHeader.spec.rules[1]).toEqual({
      name: 'canary-header',
      matches: [{ path: { type: 'Exact', value: '/api/v1/fraud/infer' }, method: 'POST', headers: [{ name: 'x-canary', type: 'Exact', value: 'always' }] }],
      filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/v2/models/fraud/infer' } } }],
      backendRefs: [{ group: '', kind: 'Service', name: 'fraud-canary', port: 8080 }],
    });
    expect(findOne(docs, 'Service', 'fraud-canary').metadata.namespace).toBe(withHeader.metadata.namespace);
    // Strict CRD + CEL check, also of the route with the plugin's header rule.
    expectSchemaValid([...docs, withHeader]);
  });

  test('refused at synth: a header route with the gateway\'s route in another namespace (the plugin\'s header rule names no namespace)', () => {
    const error = synthError((chart) => {
      const e = endpointOf(chart, 'fraud');
      new ModelGateway(chart, 'Gateway', { routes: [{ endpoint: e }], gateway: { name: 'public' }, namespace: 'ml-gateway', jwt: JWT });
      new CanaryRollout(chart, 'Canary', {
        endpoint: e,
        policy: RolloutPolicy.canary({ trafficPercent: 5, bake: Duration.hours(1), headerRoute: { headerName: 'x-canary', headerValue: 'always' } }),
        prometheusAddress: PROMETHEUS,
        trafficRouter: TrafficRouter.modelGateway(),
      });
    });
    expect(error).toMatch(/policy\.headerRoute: got a header route with TrafficRouter\.modelGateway\(\), the gateway's route in namespace "ml-gateway" and the endpoint in "ml"; allowed: header routes where the gateway's routes and the endpoint share a namespace: .*no namespace.*Fix: give the ModelGateway the endpoint's namespace \(namespace: "ml"\), or remove policy\.headerRoute/s);
  });

  function synthError(build: (chart: Chart) => void): string {
    const app = Testing.app();
    build(new Chart(app, 'c'));
    try {
      app.synth();
    } catch (err) {
      return (err as Error).message;
    }
    return '';
  }

  test('refused at synth: modelGateway() on an endpoint no ModelGateway routes', () => {
    const error = synthError((chart) => {
      new CanaryRollout(chart, 'Canary', { endpoint: endpointOf(chart, 'fraud'), policy: RolloutPolicy.canary({ trafficPercent: 5, bake: Duration.hours(1) }), prometheusAddress: PROMETHEUS, trafficRouter: TrafficRouter.modelGateway() });
    });
    expect(error).toMatch(/CanaryRollout c\/Canary.*trafficRouter: got TrafficRouter\.modelGateway\(\) for c\/Endpoint-fraud, which no ModelGateway of the chart routes; allowed: an endpoint listed in the routes of a ModelGateway.*Fix: add \{ endpoint \} to a ModelGateway's routes, or use TrafficRouter\.gatewayApi/s);
  });

  test('refused at synth: modelGateway() on an endpoint routed by gateways in two namespaces (the plugin reads one)', () => {
    const error = synthError((chart) => {
      const e = endpointOf(chart, 'fraud');
      new ModelGateway(chart, 'A', { routes: [{ endpoint: e }], gateway: { name: 'public' }, namespace: 'ml-gateway', jwt: JWT });
      new ModelGateway(chart, 'B', { routes: [{ endpoint: e }], gateway: { name: 'internal' }, namespace: 'ml-internal', jwt: JWT });
      new CanaryRollout(chart, 'Canary', { endpoint: e, policy: RolloutPolicy.canary({ trafficPercent: 5, bake: Duration.hours(1) }), prometheusAddress: PROMETHEUS, trafficRouter: TrafficRouter.modelGateway() });
    });
    expect(error).toMatch(/trafficRouter: got TrafficRouter\.modelGateway\(\) for c\/Endpoint-fraud, routed by ModelGateways in namespaces "ml-gateway", "ml-internal" \(c\/A, c\/B\); allowed: gateways whose routes share one namespace.*Fix: give the ModelGateways/s);
  });

  test('two gateways in one namespace: the plugin shifts both routes', () => {
    const docs = synthChart((chart) => {
      const e = endpointOf(chart, 'fraud');
      new ModelGateway(chart, 'A', { routes: [{ endpoint: e }], gateway: { name: 'public' }, namespace: 'ml-gateway', jwt: JWT });
      new ModelGateway(chart, 'B', { routes: [{ endpoint: e }], gateway: { name: 'internal' }, namespace: 'ml-gateway', gatewayName: 'internal', jwt: JWT });
      new CanaryRollout(chart, 'Canary', { endpoint: e, policy: RolloutPolicy.canary({ trafficPercent: 5, bake: Duration.hours(1) }), prometheusAddress: PROMETHEUS, trafficRouter: TrafficRouter.modelGateway() });
    });
    expect(findOne(docs, 'Rollout').spec.strategy.canary.trafficRouting.plugins['argoproj-labs/gatewayAPI']).toEqual({
      httpRoutes: [{ name: 'model-gateway-fraud', useHeaderRoutes: true }, { name: 'internal-fraud', useHeaderRoutes: true }], namespace: 'ml-gateway',
    });
    for (const r of findAll(docs, 'HTTPRoute')) expect(r.spec.rules[0].backendRefs.map((b: Manifest) => [b.name, b.weight])).toEqual([['fraud', 100], ['fraud-canary', 0]]);
    expectSchemaValid(docs);
  });

  test('refused on KServe: the router is for the plain flavour', () => {
    expect(() => synthChart((chart) => {
      new CanaryRollout(chart, 'Canary', { endpoint: endpointOf(chart, 'fraud', { flavour: ServingFlavour.kserve({ serverless: false }) }), policy: RolloutPolicy.canary({ trafficPercent: 5, bake: Duration.hours(1) }), acceptManualPromotion: true, trafficRouter: TrafficRouter.modelGateway() });
    })).toThrow(/trafficRouter: got TrafficRouter\.modelGateway\(\); allowed: only with the plain flavour/);
  });
});
