import { ApiObject, Testing } from 'cdk8s';
import { Duration, ModelArtifact, RolloutPolicy, approximatedShare } from '../../lib';
import { CanaryRollout, CanaryRolloutProps, ModelCredentials, ModelEndpoint, ModelEndpointProps, NetworkPeer, ServingFlavour, TrafficRouter } from '../../constructs/k8s';
import { findOne, expectSchemaValid, schemaProblems, synthChart } from '../support/k8s-helpers';
import { PROMETHEUS, baseProps, image, metadata } from './fixtures';
import { expectNoProblems, expectProblems } from '../support/expect-problems';

const canary5 = RolloutPolicy.canary({ trafficPercent: 5, bake: Duration.hours(1) });

function routed(minReplicas: number, router: TrafficRouter, policy = canary5, extra: Partial<CanaryRolloutProps> = {}, grpc = true, endpointExtra: Partial<ModelEndpointProps> = {}) {
  return synthChart((chart) => {
    const endpoint = new ModelEndpoint(chart, 'Endpoint', baseProps({ namespace: 'ml', scaling: { minReplicas, maxReplicas: Math.max(minReplicas, 4) }, server: { grpc }, ...endpointExtra }));
    new CanaryRollout(chart, 'Canary', { endpoint, policy, prometheusAddress: PROMETHEUS, trafficRouter: router, ...extra });
  });
}

describe('Istio: exact weights at any replica count', () => {
  test.each([1, 2, 3, 20])('5%% at minReplicas %i is setWeight 5 on the VirtualService, no approximation', (replicas) => {
    const docs = routed(replicas, TrafficRouter.istio());
    const canary = findOne(docs, 'Rollout').spec.strategy.canary;
    expect(canary.steps.slice(0, 2)).toEqual([{ setWeight: 5 }, { pause: { duration: '3600s' } }]);
    expect(canary.trafficRouting).toEqual({
      istio: {
        virtualService: { name: 'digits-vsvc', routes: ['primary', 'primary-grpc'] },
        destinationRule: { name: 'digits-destrule', stableSubsetName: 'stable', canarySubsetName: 'canary' },
      },
    });
    expectSchemaValid(docs);
  });

  test.each([1, 2, 3, 20])('the resolver serves 5%% as 5%% at minReplicas %i with Istio, and warns of nothing', (replicas) => {
    let rollout!: CanaryRollout;
    synthChart((chart) => {
      const endpoint = new ModelEndpoint(chart, 'Endpoint', baseProps({ namespace: 'ml', scaling: { minReplicas: replicas, maxReplicas: Math.max(replicas, 4) } }));
      rollout = new CanaryRollout(chart, 'Canary', { endpoint, policy: canary5, prometheusAddress: PROMETHEUS, trafficRouter: TrafficRouter.istio() });
    });
    expect(rollout.rollout.steps.map((s) => s.effectivePercent)).toEqual([5, 100]);
    expect(rollout.warnings).toEqual([]);
  });

  test('the VirtualService and DestinationRule route the endpoint\'s Service by subset', () => {
    const docs = routed(2, TrafficRouter.istio({ gateways: ['istio-ingress/public', 'mesh'], hosts: ['digits.example.com', 'digits'] }));
    const vs = findOne(docs, 'VirtualService');
    expect(vs.metadata).toMatchObject({ name: 'digits-vsvc', namespace: 'ml' });
    expect(vs.spec).toEqual({
      hosts: ['digits.example.com', 'digits'],
      gateways: ['istio-ingress/public', 'mesh'],
      // Istio VirtualService reference (istio.io/latest/docs/reference/config/networking/virtual-service/):
      // HTTPMatchRequest.port "Specifies the ports on the host that is being addressed"; a route without it
      // applies to every HTTP port of the host (8081 is one: named grpc, appProtocol kubernetes.io/h2c), so
      // each port gets its own weighted route, and Argo sets the weights of every route in `routes`.
      http: [
        { name: 'primary', match: [{ port: 8080 }], route: [
          { destination: { host: 'digits', subset: 'stable', port: { number: 8080 } }, weight: 100 },
          { destination: { host: 'digits', subset: 'canary', port: { number: 8080 } }, weight: 0 },
        ] },
        { name: 'primary-grpc', match: [{ port: 8081 }], route: [
          { destination: { host: 'digits', subset: 'stable', port: { number: 8081 } }, weight: 100 },
          { destination: { host: 'digits', subset: 'canary', port: { number: 8081 } }, weight: 0 },
        ] },
      ],
    });
    expect(findOne(docs, 'Rollout').spec.strategy.canary.trafficRouting.istio.virtualService).toEqual({ name: 'digits-vsvc', routes: ['primary', 'primary-grpc'] });
    // Every serving port the Service exposes is matched by exactly one weighted route. The `metrics` port is not
    // traffic: Prometheus scrapes it on the pods' own addresses (ServiceMonitor endpoints), never through the route.
    const servicePorts = (findOne(docs, 'Service', 'digits').spec.ports as { name: string; port: number }[]).filter((p) => p.name !== 'metrics').map((p) => p.port);
    expect(servicePorts).toEqual([8080, 8081]);
    expect(vs.spec.http.flatMap((r: { match: { port: number }[] }) => r.match.map((m) => m.port))).toEqual(servicePorts);
    expectSchemaValid(docs);
    const dr = findOne(docs, 'DestinationRule');
    expect(dr.spec.host).toBe('digits');
    expect(dr.spec.subsets.map((s: { name: string }) => s.name)).toEqual(['stable', 'canary']);
    expect(dr.spec.subsets[0].labels).toEqual(findOne(docs, 'Service', 'digits').spec.selector);
  });

  test('with gRPC off there is one route, on 8080', () => {
    const docs = synthChart((chart) => {
      const endpoint = new ModelEndpoint(chart, 'Endpoint', baseProps({ namespace: 'ml', server: { grpc: false } }));
      new CanaryRollout(chart, 'Canary', { endpoint, policy: canary5, prometheusAddress: PROMETHEUS, trafficRouter: TrafficRouter.istio() });
    });
    expect(findOne(docs, 'VirtualService').spec.http.map((r: { name: string; match: unknown }) => [r.name, r.match])).toEqual([['primary', [{ port: 8080 }]]]);
  });

  test('the strict validation would catch a misspelt field in the generated routing objects', () => {
    const docs = routed(2, TrafficRouter.istio());
    const vs = JSON.parse(JSON.stringify(findOne(docs, 'VirtualService')));
    vs.spec.http[0].route[0].destination.subsett = 'stable';
    const dr = JSON.parse(JSON.stringify(findOne(docs, 'DestinationRule')));
    dr.spec.subsets[0].label = {};
    const problems = schemaProblems([vs, dr]);
    // Both layers see it: the upstream CRD schema, and the excess-property check against the TypeScript models.
    expect(problems).toEqual(expect.arrayContaining([
      'VirtualService/digits-vsvc: /spec/http/0/route/0/destination must NOT have additional properties (subsett) (istio-1.29.6-virtualservice-v1.json)',
      'DestinationRule/digits-destrule: /spec/subsets/0 must NOT have additional properties (label) (istio-1.29.6-destinationrule-v1.json)',
      expect.stringMatching(/^VirtualService\/digits-vsvc: unknown field "subsett"/),
      expect.stringMatching(/^DestinationRule\/digits-destrule: unknown field "label"/),
    ]));
    expect(problems).toHaveLength(4);
  });

  test('the analysis still watches the canary pods in every mode', () => {
    const docs = routed(2, TrafficRouter.istio());
    expect(findOne(docs, 'Rollout').spec.strategy.canary.analysis.templates).toEqual([{ templateName: 'digits-canary-analysis' }]);
    expect(findOne(docs, 'AnalysisTemplate').spec.metrics.map((m: { name: string }) => m.name)).toEqual(['error-rate', 'p99-latency']);
  });

  test('header route and shadow: mirror first, then weights with the header route from the first step', () => {
    const policy = RolloutPolicy.steps([
      { trafficPercent: 5, bake: Duration.hours(1) },
      { trafficPercent: 25, bake: Duration.hours(1) },
      { trafficPercent: 100, bake: Duration.minutes(10) },
    ], { headerRoute: { headerName: 'canary', headerValue: 'true' }, shadowTrafficPercent: 20, shadowDuration: Duration.hours(24) });
    const docs = routed(2, TrafficRouter.istio(), policy, {}, false);
    const canary = findOne(docs, 'Rollout').spec.strategy.canary;
    expect(canary.steps).toEqual([
      { setCanaryScale: { weight: 20 } },
      { setMirrorRoute: { name: 'shadow-mirror', percentage: 20, match: [{ path: { prefix: '/' } }] } },
      { pause: { duration: '86400s' } },
      { setMirrorRoute: { name: 'shadow-mirror' } },
      { setCanaryScale: { matchTrafficWeight: true } },
      { setWeight: 5 },
      { setHeaderRoute: { name: 'canary-header', match: [{ headerName: 'canary', headerValue: { exact: 'true' } }] } },
      { pause: { duration: '3600s' } },
      { setWeight: 25 },
      { pause: { duration: '3600s' } },
      { setWeight: 100 },
      { pause: { duration: '600s' } },
    ]);
    expect(canary.trafficRouting.managedRoutes).toEqual([{ name: 'canary-header' }, { name: 'shadow-mirror' }]);
    expectSchemaValid(docs);
  });
});

describe('Gateway API: exact weights through Argo\'s plugin', () => {
  const router = () => TrafficRouter.gatewayApi({ gatewayName: 'public', gatewayNamespace: 'gateway-system', hostnames: ['digits.example.com'] });
  const gatewayPods = { networkAccess: { ingress: [NetworkPeer.namespace('gateway-system')] } };

  test('an HTTPRoute with the stable and canary Services as weighted backends, wired to the plugin', () => {
    const docs = routed(2, router(), RolloutPolicy.canary({ headerRoute: { headerName: 'x-canary', headerValue: 'true' } }), {}, true, gatewayPods);
    const canary = findOne(docs, 'Rollout').spec.strategy.canary;
    expect(canary).toMatchObject({
      canaryService: 'digits-canary',
      stableService: 'digits',
      trafficRouting: { managedRoutes: [{ name: 'canary-header' }], plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'digits-route', namespace: 'ml' } } },
    });
    expect(canary.steps.slice(0, 3)).toEqual([{ setWeight: 5 }, { setHeaderRoute: { name: 'canary-header', match: [{ headerName: 'x-canary', headerValue: { exact: 'true' } }] } }, { pause: { duration: '3600s' } }]);
    const route = findOne(docs, 'HTTPRoute');
    expect(route.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway-system' }],
      hostnames: ['digits.example.com'],
      rules: [{
        name: 'primary',
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [
          { group: '', kind: 'Service', name: 'digits', port: 8080, weight: 100 },
          { group: '', kind: 'Service', name: 'digits-canary', port: 8080, weight: 0 },
        ],
      }],
    });
    const canarySvc = findOne(docs, 'Service', 'digits-canary');
    expect(canarySvc.spec.selector).toEqual(findOne(docs, 'Service', 'digits').spec.selector);
    expectSchemaValid(docs);
  });

  // A Gateway's data plane forwards from its own pods (Gateway API: the Gateway is implemented by the
  // controller's proxies; Kubernetes NetworkPolicy: an ingress rule admits only the pods its `from` peers
  // select, and traffic matching no rule is dropped once a policy selects the pod). The endpoint's default
  // NetworkPolicy admits its own namespace and Prometheus, so the Gateway's pods in another namespace would be
  // dropped: refused at synth unless networkAccess.ingress names them.
  test('a Gateway in another namespace without networkAccess.ingress is refused, naming the field and the fix', () => {
    expectProblems(() => routed(2, router()), 
      /networkAccess\.ingress: got nothing, with TrafficRouter\.gatewayApi\(\) on Gateway "gateway-system\/public".*Fix: set networkAccess: \{ ingress: \[NetworkPeer\.namespace\("gateway-system"\)\] \}/s,
    );
    // Once named, the Gateway's namespace is admitted to the serving port.
    const policy = findOne(routed(2, router(), canary5, {}, true, gatewayPods), 'NetworkPolicy');
    expect(policy.spec.ingress[0].from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway-system' } } });
    // A Gateway in the endpoint's own namespace is admitted by the default (same namespace).
    expectNoProblems(() => routed(2, TrafficRouter.gatewayApi({ gatewayName: 'public', gatewayNamespace: 'ml' })));
  });

  test('shadow traffic is refused by name: the plugin does not implement setMirrorRoute', () => {
    expectProblems(() => routed(2, router(), RolloutPolicy.canary({ shadowTrafficPercent: 10 }), {}, true, gatewayPods), /policy\.shadowTrafficPercent: got 10%; allowed: on Kubernetes \(Argo Rollouts \+ Gateway API plugin\): no shadow traffic/);
  });

  test('router options are checked', () => {
    expectProblems(() => routed(2, TrafficRouter.gatewayApi({ gatewayName: 'Public GW', hostnames: ['bad host'] })), /trafficRouter\.gatewayName: got "Public GW".*trafficRouter\.hostnames: got "bad host"/s);
    expectProblems(() => routed(2, TrafficRouter.istio({ gateways: ['not a gateway'] })), /trafficRouter\.gateways: got "not a gateway"; allowed: "mesh" or "<namespace>\/<gateway name>"/);
  });
});

describe('without a router', () => {
  test('5% at two replicas is served as 33.3% and refused, with the share and the fixes', () => {
    expect(approximatedShare(2, 5)).toBe(33.3);
    expectProblems(() => routed(2, TrafficRouter.none()), /5% at minReplicas 2, served as 33\.3%.*add a traffic router, or accept it with acceptApproximateTraffic: true/s);
  });

  test('accepted explicitly, it synthesizes with pod-count weights and says so', () => {
    let rollout!: CanaryRollout;
    synthChart((chart) => {
      const endpoint = new ModelEndpoint(chart, 'Endpoint', baseProps({ namespace: 'ml', scaling: { minReplicas: 2, maxReplicas: 4 } }));
      rollout = new CanaryRollout(chart, 'Canary', { endpoint, policy: canary5, prometheusAddress: PROMETHEUS, acceptApproximateTraffic: true });
    });
    expect(rollout.rollout.steps[0].effectivePercent).toBe(33.3);
    expect(rollout.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/5% is served as 33\.3% at minReplicas 2/)]);
  });

  test('header routes and shadow traffic need a router, refused by name', () => {
    const policy = RolloutPolicy.canary({ trafficPercent: 50, headerRoute: { headerName: 'canary', headerValue: 'true' }, shadowTrafficPercent: 10 });
    expectProblems(() => routed(4, TrafficRouter.none(), policy), /policy\.shadowTrafficPercent: got 10%; allowed: on Kubernetes: no shadow traffic.*policy\.headerRoute: got canary: true; allowed: on Kubernetes: no routing by request header/s);
  });
});

describe('KServe', () => {
  test('a traffic router is refused on KServe', () => {
    const chart = Testing.chart();
    const endpoint = new ModelEndpoint(chart, 'Endpoint', { model: ModelArtifact.fromUri('s3://models/d/model.onnx'), metadata, image, flavour: ServingFlavour.kserve(), modelCredentials: ModelCredentials.ambient() });
    expectProblems(() => new CanaryRollout(chart, 'Canary', { endpoint, policy: canary5, acceptManualPromotion: true, trafficRouter: TrafficRouter.istio() }), /trafficRouter: got TrafficRouter\.istio\(\); allowed: only with the plain flavour/);
  });

  test('guardrails are not accepted silently: without manual promotion the rollout is refused', () => {
    const chart = Testing.chart();
    const endpoint = new ModelEndpoint(chart, 'Endpoint', { model: ModelArtifact.fromUri('s3://models/d/model.onnx'), metadata, image, flavour: ServingFlavour.kserve(), modelCredentials: ModelCredentials.ambient() });
    expectProblems(() => new CanaryRollout(chart, 'Canary', { endpoint, policy: canary5 }), /no automatic rollback.*acceptManualPromotion: true/s);
    // The refused rollout renders nothing (synth fails on it anyway).
    expect(chart.node.findAll().filter((c) => ApiObject.isApiObject(c) && c.kind === 'Rollout')).toEqual([]);
  });
});

describe('Istio managed routes and gRPC', () => {
  // argoproj/argo-rollouts rollout/trafficrouting/istio/istio.go (commit 9f8d111): createHeaderRoute and
  // SetMirrorRoute build routes that match headers / the mirror match only, with the destination port of the
  // first weighted route (getVirtualServiceCanaryPort), so they would carry gRPC calls to the HTTP port.
  const build = (grpc: boolean, options: Parameters<typeof RolloutPolicy.steps>[1]) => () => synthChart((chart) => {
    const endpoint = new ModelEndpoint(chart, 'Endpoint', baseProps({ namespace: 'ml', scaling: { minReplicas: 2, maxReplicas: 4 }, server: { grpc } }));
    new CanaryRollout(chart, 'Canary', {
      endpoint, prometheusAddress: PROMETHEUS, trafficRouter: TrafficRouter.istio(),
      policy: RolloutPolicy.steps([{ trafficPercent: 5, bake: Duration.hours(1) }, { trafficPercent: 100, bake: Duration.minutes(10) }], options),
    });
  });
  test('header route or shadow traffic with gRPC on is refused, naming the fix', () => {
    expectProblems(build(true, { headerRoute: { headerName: 'canary', headerValue: 'true' } }), /policy: got headerRoute with TrafficRouter\.istio\(\) and the server's gRPC on; allowed: header routes and shadow traffic with gRPC off.*Fix: set server: \{ grpc: false \}/);
    expectProblems(build(true, { shadowTrafficPercent: 10 }), /policy: got shadow traffic with TrafficRouter\.istio\(\)/);
  });
  test('with gRPC off they are accepted', () => {
    expectNoProblems(build(false, { shadowTrafficPercent: 10, headerRoute: { headerName: 'canary', headerValue: 'true' } }));
  });
});
