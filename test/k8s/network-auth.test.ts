/**
 * Authentication on the serving path and who reaches the pods.
 * - The server (runtime/src/core.ts via lib/contract.ts SERVER_ENV.apiKeySha256) refuses inference without a key
 *   once MODEL_SERVER_API_KEY_SHA256 holds digests; the constructs feed it from a Secret (secretKeyRef), never a literal.
 * - NetworkPolicy semantics (kubernetes.io/docs/concepts/services-networking/network-policies, networking.k8s.io/v1
 *   NetworkPolicyIngressRule): a rule with no `from` admits every source; peers in one `from` are ORed; a peer with
 *   namespaceSelector and podSelector admits those pods in those namespaces; the `kubernetes.io/metadata.name`
 *   label is set on every namespace by the API server (1.22+). Manifests validated against the real schemas.
 * - Knative (serverless): ports from knative/serving pkg/networking/constants.go at 98e5ef9 (queue-proxy 8012,
 *   autoscaler scrape 9090).
 */
import { parseServerEnvironment } from '../../lib/contract';
import { ModelArtifact } from '../../lib';
import { EndpointAuth, ModelCredentials, ModelEndpoint, ModelEndpointProps, NetworkPeer, ServingFlavour } from '../../constructs/k8s';
import { Manifest, findOne, podSpecs, expectSchemaValid, synthChart } from '../support/k8s-helpers';
import { knativeAdmissionProblems } from '../support/knative-admission';
import { baseProps, image, metadata } from './fixtures';
import { expectProblems } from '../support/expect-problems';

const synth = (props: ModelEndpointProps): Manifest[] => synthChart((chart) => { new ModelEndpoint(chart, 'E', props); });
const kserve = (o: Partial<ModelEndpointProps> = {}) =>
  ({ model: ModelArtifact.fromUri('s3://models/digits/model.onnx'), metadata, image, modelCredentials: ModelCredentials.ambient(), flavour: ServingFlavour.kserve(), ...o }) as ModelEndpointProps;
const serverContainer = (docs: Manifest[]): Manifest => podSpecs(docs)[0].spec.containers[0];
const KEY_VAR = 'MODEL_SERVER_API_KEY_SHA256';
const PROMETHEUS_PEER = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } };

describe('authentication', () => {
  test('on by default: the key digests come from the Secret <endpoint>-api-keys through secretKeyRef, under the variable the server reads', () => {
    for (const docs of [synth(baseProps()), synth(kserve()), synth(kserve({ flavour: ServingFlavour.kserve({ serverless: false }) }))]) {
      const env = serverContainer(docs).env as Manifest[];
      expect(env.filter((e) => e.name === KEY_VAR)).toEqual([{ name: KEY_VAR, valueFrom: { secretKeyRef: { name: 'digits-api-keys', key: 'api-key-sha256' } } }]);
      expectSchemaValid(docs);
    }
    // The server's own parser reads that variable as the accepted digests (authentication on when non-empty).
    const digest = 'a'.repeat(64);
    const parsed = parseServerEnvironment({ [KEY_VAR]: `${digest},${'b'.repeat(64)}` });
    expect(parsed.config.apiKeySha256).toEqual([digest, 'b'.repeat(64)]);
  });

  test('a Secret you name; no key or digest is ever a literal in the manifests', () => {
    const docs = synth(baseProps({ auth: EndpointAuth.apiKeys({ secretName: 'team-keys', key: 'digests' }) }));
    expect((serverContainer(docs).env as Manifest[]).find((e) => e.name === KEY_VAR)).toEqual({ name: KEY_VAR, valueFrom: { secretKeyRef: { name: 'team-keys', key: 'digests' } } });
    for (const d of [synth(baseProps()), docs, synth(kserve())]) expect(JSON.stringify(d)).not.toMatch(/"MODEL_SERVER_API_KEY_SHA256","value"/);
  });

  test('the serverless predictor with its key Secret is still admitted by Knative (secretKeyRef is allowed)', () => {
    expect(knativeAdmissionProblems(findOne(synth(kserve()), 'InferenceService'))).toEqual([]);
  });

  test('explicit opt-out: no key variable, and the NetworkPolicy records why', () => {
    const docs = synth(baseProps({ auth: EndpointAuth.none('mesh AuthorizationPolicy admits only the gateway') }));
    expect((serverContainer(docs).env ?? []).map((e: Manifest) => e.name)).not.toContain(KEY_VAR);
    expect(findOne(docs, 'NetworkPolicy').metadata.annotations).toEqual({ 'model-serving.dev/authentication': 'none: mesh AuthorizationPolicy admits only the gateway' });
    expectSchemaValid(docs);
  });

  test('bad auth settings are refused together, naming each field', () => {
    expectProblems(() => synth(baseProps({ auth: EndpointAuth.none(' ') })), /auth: got EndpointAuth\.none\(""\); allowed: EndpointAuth\.none\(reason\) with a reason/);
    expectProblems(() => synth(baseProps({ auth: EndpointAuth.apiKeys({ secretName: 'Team_Keys', key: 'a/b' }) })), /2 invalid settings:[\s\S]*auth\.secretName: got "Team_Keys"[\s\S]*auth\.key: got "a\/b"; allowed: a Secret data key/);
  });
});

describe('NetworkPolicy', () => {
  test('plain default: same-namespace callers on 8080/8081, Prometheus in monitoring on the metrics port 9464 only; no rule admits every source', () => {
    const np = findOne(synth(baseProps()), 'NetworkPolicy');
    expect(np.spec).toEqual({
      podSelector: { matchLabels: { 'model-serving.dev/endpoint': 'digits' } },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: {} }], ports: [{ port: 8080, protocol: 'TCP' }, { port: 8081, protocol: 'TCP' }] },
        { from: [PROMETHEUS_PEER], ports: [{ port: 9464, protocol: 'TCP' }] },
      ],
    });
  });

  test('plain: callers never reach /metrics (served only on 9464, which only Prometheus is admitted to); KServe keeps it on 8080', () => {
    // Security review H2 / issue 16. The server serves /metrics only on MODEL_SERVER_METRICS_PORT once set and
    // answers 404 on the serving port (runtime/test/metrics-port.test.ts).
    const docs = synth(baseProps());
    const metricsPort = Number((serverContainer(docs).env as Manifest[]).find((e) => e.name === 'MODEL_SERVER_METRICS_PORT')!.value);
    const rules = findOne(docs, 'NetworkPolicy').spec.ingress as Manifest[];
    const admittedTo = (port: number) => rules.filter((r) => r.ports.some((p: Manifest) => p.port === port)).map((r) => r.from);
    expect(admittedTo(metricsPort)).toEqual([[PROMETHEUS_PEER]]);
    expect(admittedTo(8080)).toEqual([[{ podSelector: {} }]]);
    expectSchemaValid(docs);
    // KServe (serverless and raw): Knative admits one container port (knative/serving
    // pkg/apis/serving/k8s_validation.go at 98e5ef9: "Only a single port is allowed across all containers"), so
    // /metrics stays on the serving port and the variable is not set.
    for (const k of [synth(kserve()), synth(kserve({ flavour: ServingFlavour.kserve({ serverless: false }) }))]) {
      expect((serverContainer(k).env as Manifest[]).map((e) => e.name)).not.toContain('MODEL_SERVER_METRICS_PORT');
      expect(serverContainer(k).ports.map((p: Manifest) => p.containerPort)).toEqual([8080]);
    }
    expect(knativeAdmissionProblems(findOne(synth(kserve()), 'InferenceService'))).toEqual([]);
  });

  test('KServe serverless default: callers and the Istio ingress on the queue-proxy (8012), Knative on 8012 and 9090, Prometheus on 8080', () => {
    const docs = synth(kserve());
    expect(findOne(docs, 'NetworkPolicy').spec.ingress).toEqual([
      { from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }], ports: [{ port: 8012, protocol: 'TCP' }] },
      { from: [PROMETHEUS_PEER], ports: [{ port: 8080, protocol: 'TCP' }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'knative-serving' } } }], ports: [{ port: 8012, protocol: 'TCP' }, { port: 9090, protocol: 'TCP' }] },
    ]);
    expectSchemaValid(docs);
  });

  test('callers, ingress and Prometheus set by props', () => {
    const docs = synth(baseProps({
      server: { grpc: false },
      networkAccess: {
        callers: [NetworkPeer.pods({ role: 'frontend' })],
        ingress: [NetworkPeer.namespace('gateway-system', { 'gateway.networking.k8s.io/gateway-name': 'public' })],
        prometheus: NetworkPeer.namespacesLabelled({ observability: 'true' }, { 'app.kubernetes.io/name': 'prometheus' }),
      },
    }));
    expect(findOne(docs, 'NetworkPolicy').spec.ingress).toEqual([
      {
        from: [
          { podSelector: { matchLabels: { role: 'frontend' } } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway-system' } }, podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'public' } } },
        ],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
      { from: [{ namespaceSelector: { matchLabels: { observability: 'true' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }], ports: [{ port: 9464, protocol: 'TCP' }] },
    ]);
    expectSchemaValid(docs);
  });

  test('an empty caller list with no ingress is refused (nothing could call the model)', () => {
    expectProblems(() => synth(baseProps({ networkAccess: { callers: [] } })), /networkAccess\.callers: got \[\] with no ingress; allowed: at least one caller or ingress peer/);
  });

  test('opening to the whole cluster is explicit', () => {
    const np = findOne(synth(baseProps({ networkAccess: { callers: [NetworkPeer.anyPodInCluster()] } })), 'NetworkPolicy');
    expect(np.spec.ingress[0].from).toEqual([{ namespaceSelector: {} }]);
  });
});
