import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Duration,
  MANAGED_BY,
  ModelGatewaySpec,
  NotSupported,
  ProblemCollector,
  PropShape,
  ResolvedGateway,
  SERVER_API_KEY_HEADER,
  SpecProblem,
  SpecResolver,
  SpecWarning,
  addSpecValidation,
  describe,
  guardrailShapes,
  refusal,
  shapeProblems,
} from '../../lib';
import { IModelGatewayContract } from '../../lib/backend';
import { addMetadataWarnings } from '../../lib/internal/warnings';
import { CanaryRollout } from './canary-rollout';
import { ENVOY_GATEWAY_CAPABILITIES } from './capabilities';
import {
  CLIENT_ID_HEADER,
  GatewayObjectMeta,
  GatewayParentRef,
  RouteBackend,
  clusterSelector,
  gatewayLatencyQuantile,
  renderGatewayAlerts,
  renderReferenceGrant,
  renderRoute,
  renderSecurityPolicy,
  renderTrafficPolicy,
} from './gateway-objects';
import { DNS_LABEL, rateWindow } from './internal';
import { ModelEndpoint, PrometheusAlert } from './model-endpoint';
import { LABELS, LABEL_PREFIX } from './names';

/** One model behind the gateway. */
export interface ModelGatewayRoute {
  /** The endpoint that serves the model (plain flavour, or KServe RawDeployment). */
  readonly endpoint: ModelEndpoint;
  /** Path prefix of the model's routes. @default `${basePath}/${endpoint.serving.metadata.name}` */
  readonly path?: string;
  /** Gateway cache: refused on Envoy Gateway (no body-keyed cache); cache at the server instead. @default false */
  readonly cache?: boolean;
}

export interface ModelGatewayProps extends ModelGatewaySpec {
  /** The models behind the gateway, one route each. */
  readonly routes: ModelGatewayRoute[];
  /** The Gateway (of an Envoy Gateway GatewayClass) the routes attach to; it must admit routes from `namespace`. */
  readonly gateway: GatewayParentRef;
  /** Prefix of every object's name, and the `model_serving_gateway` label of the alerts. @default 'model-gateway' */
  readonly gatewayName?: string;
  /** Namespace of the routes and policies. @default - the chart's namespace */
  readonly namespace?: string;
  /** Host names the routes answer for. @default - whatever the Gateway's listener accepts */
  readonly hostnames?: string[];
  /**
   * The Secret (yours, in `namespace`; nothing in the manifests holds a key) that holds the API keys, one per
   * client id, as Envoy Gateway's apiKeyAuth reads them (Opaque; `stringData: { <client-id>: <key> }`).
   * @default `<gatewayName>-api-keys`
   */
  readonly apiKeySecretName?: string;
  /**
   * Namespace of the Envoy proxy pods (Envoy Gateway's controller namespace unless the Gateway is deployed in
   * its own namespace). Every endpoint outside it must admit them in `networkAccess.ingress`.
   * @default 'envoy-gateway-system'
   */
  readonly proxyNamespace?: string;
  /** How often Prometheus scrapes the Envoy proxies; the alert windows span at least four scrapes. @default Duration.seconds(30) */
  readonly scrapeInterval?: Duration;
}

const BACKEND = ENVOY_GATEWAY_CAPABILITIES.backend;
/** Envoy Gateway's default namespace for the controller and the proxies it deploys. */
export const ENVOY_GATEWAY_NAMESPACE = 'envoy-gateway-system';
/** KServe RawDeployment's predictor Service port (the Service `<name>-predictor` maps 80 to the container port). */
export const KSERVE_PREDICTOR_SERVICE_PORT = 80;

const NO_GRANT = NotSupported.because(BACKEND, 'Envoy Gateway authorizes callers by their JWT or API key, not by a Kubernetes identity: issue tokens (with jwt.modelsClaim naming the models) or add a key to the API-key Secret');
const NO_TARGETS = NotSupported.because(BACKEND, 'Alertmanager routes the PrometheusRule alerts by their labels (model_serving_gateway, severity); configure the route in Alertmanager, and add labels to every alert of the chart with AlertRouting');

const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECTION_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const SHAPES: readonly PropShape[] = [
  { field: 'routes', kind: 'object', array: true, required: true, example: '{ endpoint: fraud }' },
  { field: 'gateway', kind: 'object', required: true, example: "{ name: 'public', namespace: 'gateway-system' }" },
  { field: 'gateway.name', kind: 'string', required: true, example: "'public'" },
  { field: 'jwt', kind: 'object', example: "{ issuer: 'https://login.example.com/', audiences: ['https://api.example.com'], jwksUri: 'https://login.example.com/.well-known/jwks.json' }" },
  { field: 'jwt.audiences', kind: 'string', array: true, example: "'https://api.example.com'" },
  { field: 'apiKeys', kind: 'object', example: '{ requestsPerMinute: 100 }' },
  { field: 'apiKeys.requestsPerMinute', kind: 'number', example: '100' },
  { field: 'cache', kind: 'object', example: '{ ttl: Duration.minutes(5) }' },
  { field: 'hostnames', kind: 'string', array: true, example: "'models.example.com'" },
  ...guardrailShapes('guardrails'),
];

/**
 * One front door for several Kubernetes ModelEndpoints, on the Gateway API with Envoy Gateway's policies.
 *
 * **Route contract** (as on every backend): a client sends `POST <url><route.path>/infer` with an Open
 * Inference Protocol JSON body and gets the model's OIP answer. Each model gets an HTTPRoute that matches that
 * path exactly (method POST) and rewrites it (`URLRewrite` `ReplaceFullPath`) to the bundled server's
 * `/v2/models/<model>/infer` (lib/contract.ts inferPath; runtime/src/http/oip.ts registers it (`app.post(ROUTES.infer, ...)`)),
 * forwarded to the endpoint's Service: `<endpointName>` (plain flavour) or `<endpointName>-predictor` port 80
 * (KServe RawDeployment). KServe serverless is refused: its Service is Knative's ExternalName to the Knative
 * ingress, which routes by Host, so a Gateway API backendRef cannot reach the revision directly.
 *
 * **Canaries through the gateway**: a CanaryRollout with `TrafficRouter.modelGateway()` shifts exact weights
 * on the model's route itself: the route then carries two backendRefs, the endpoint's (stable) Service at 100
 * and the rollout's `<endpointName>-canary` Service at 0, and the Rollout's Gateway API plugin config names the
 * route (both resolved at synth, whatever order the constructs are created in). Without a router the Service
 * selects stable and canary pods alike (weights become pod counts). Refused at synth: `TrafficRouter.gatewayApi()`
 * (it shifts a route of its own, which the gateway's route would bypass) and `TrafficRouter.istio()`
 * (Envoy Gateway sends to the pods itself, where a VirtualService's weights do not apply).
 *
 * **What it creates**: per model an HTTPRoute `<gatewayName>-<endpointName>` and, with JWT or API keys, a
 * SecurityPolicy `<route>-auth`; one BackendTrafficPolicy `<gatewayName>-traffic` (request size limit, 413 at
 * the gateway; the per-key limit); a ReferenceGrant in each endpoint namespace other than `namespace`; a
 * PrometheusRule `<gatewayName>-guardrails` on Envoy's upstream metrics.
 *
 * **Auth**: JWT from `Authorization: Bearer` only (issuer, audiences, remote JWKS; Envoy's jwt_authn verifies
 * whichever algorithm the JWKS keys carry, so `jwt.algorithms` is advice: a warning says so); API keys from a
 * Secret you create (`apiKeySecretName`), the key in `apiKeys.header`. With both, a request needs both.
 * `jwt.modelsClaim`: a deny-by-default authorization per route that admits tokens whose claim is the model's
 * name or an array containing it (a space-separated string of several names is not split: a warning says so).
 *
 * **Per-key limit**: `requestsPerMinute` per client (the key's entry in the Secret), one budget across all the gateway's models, counted by
 * Envoy Gateway's global rate limit service in fixed calendar-minute windows (envoyproxy/ratelimit): a key can
 * send up to twice the limit across a minute boundary (a warning says so). Needs the global rate limit enabled
 * in Envoy Gateway's configuration (`rateLimit.backend` with Redis); without it the policy is not accepted.
 *
 * **Access logs**: Envoy Gateway's default JSON access log (method, path, status, durations, no bodies, no
 * headers but user-agent and x-forwarded-for) unless the Gateway's EnvoyProxy says otherwise; it is set per
 * Gateway, not per route, so `accessLogs: false` is refused.
 *
 * **Prerequisites** (not emitted: cluster-wide): Envoy Gateway v1.9 with its Gateway and GatewayClass; Prometheus
 * scraping the Envoy proxies' `/stats/prometheus`; each endpoint's NetworkPolicy admitting the proxies
 * (`networkAccess.ingress`, checked at synth). The endpoint's own EndpointAuth still applies behind the gateway:
 * the gateway forwards `Authorization` unchanged, and the client's id (the Secret's data key) in
 * `x-model-gateway-client`. The key header reaches the model only where the server needs it: the endpoint checks
 * API keys (`serverChecksApiKeys`) and `apiKeys.header` is the server's `x-api-key`; otherwise Envoy removes it.
 */
export class ModelGateway extends Construct
  implements IModelGatewayContract<never, never, string, PrometheusAlert, never> {
  /** Prefix of the gateway's objects. */
  public readonly gatewayName: string;
  /**
   * `https://<first hostname that is not a wildcard>` (the Gateway's listener must terminate TLS for it); empty
   * without such a host name: then the Gateway's address (`kubectl get gateway <name> -o jsonpath='{.status.addresses[0].value}'`).
   */
  public readonly url: string;
  /** Namespace of the routes and policies. */
  public readonly namespace: string;
  /** The gateway spec after resolution against Envoy Gateway's capabilities. */
  public readonly gateway: ResolvedGateway;
  /** Advice from the shared resolver and this backend (also `model-serving:warning` node metadata). */
  public readonly warnings: SpecWarning[];
  /** The HTTPRoutes, one per model, in route order. */
  public readonly routes: ApiObject[];
  /** Not applicable (see the reason): callers are authorized by JWT or API key. */
  public readonly grantInvoke: NotSupported = NO_GRANT;
  /** Not applicable (see the reason): Alertmanager routes by label. */
  public readonly alarmTargets: NotSupported = NO_TARGETS;
  /** The PrometheusRule alert on the gateway's 5XX share. */
  public readonly errorRateAlarm: PrometheusAlert;
  /** The PrometheusRule alert on the gateway's latency at the guardrails' percentile. */
  public readonly latencyAlarm: PrometheusAlert;
  private readonly selector: string;
  private readonly window: string;

  constructor(scope: Construct, id: string, props: ModelGatewayProps) {
    super(scope, id);
    const owner = `ModelGateway ${this.node.path}`;
    const shapes = new ProblemCollector();
    if (typeof props !== 'object' || props === null) {
      shapes.add({ field: 'props', given: describe(props), allowed: 'an object', fix: 'pass the props object as the third argument' });
    } else {
      shapes.addAll(shapeProblems(props, SHAPES));
      (Array.isArray(props.routes) ? props.routes : []).forEach((r, i) => {
        if (!(r?.endpoint instanceof ModelEndpoint)) shapes.add({ field: `routes[${i}].endpoint`, given: describe(r?.endpoint), allowed: 'a ModelEndpoint of model-serving-constructs/k8s', fix: 'routes: [{ endpoint }] with the ModelEndpoint that serves the model' });
      });
    }
    shapes.throwIfAny(owner);

    const problems = new ProblemCollector();
    const resolution = SpecResolver.gateway(props, props.routes.map((r) => ({ model: r.endpoint.serving.metadata.name, path: r.path, cache: r.cache })), ENVOY_GATEWAY_CAPABILITIES);
    this.gatewayName = props.gatewayName ?? 'model-gateway';
    const namespace = props.namespace ?? Chart.of(this).namespace;
    const proxyNamespace = props.proxyNamespace ?? ENVOY_GATEWAY_NAMESPACE;
    problems.addAll(ownProblems(props, this.gatewayName, namespace, proxyNamespace));
    this.gateway = resolution.reportIfInvalid(this, owner, problems);
    this.namespace = namespace!;
    this.warnings = [...resolution.warnings, ...ownWarnings(this.gateway)];
    addMetadataWarnings(this, this.warnings);
    const host = props.hostnames?.find((h) => !h.startsWith('*.'));
    this.url = host !== undefined ? `https://${host}` : '';

    // A CanaryRollout's traffic router (Argo's Gateway API plugin, Istio) would be bypassed by the gateway's
    // route. Checked at synth: the rollout may be declared after the gateway.
    // Two gateways of one name in one namespace would overwrite each other's objects on apply.
    addSpecValidation(this, owner, () => [
      ...props.routes.flatMap((r, i) => rolloutConflicts(r.endpoint, i)),
      ...Chart.of(this).node.findAll()
        .filter((n): n is ModelGateway => n instanceof ModelGateway && n !== this && n.gatewayName === this.gatewayName && n.namespace === this.namespace)
        .map((other) => ({
          field: 'gatewayName',
          given: `"${this.gatewayName}" in namespace "${this.namespace}", also used by ModelGateway ${other.node.path}`,
          allowed: 'one gateway per name and namespace in a chart (the objects share names: the second would overwrite the first on apply)',
          fix: 'set a different gatewayName (default "model-gateway") or namespace on one of them',
        })),
    ]);

    const labels = { [LABELS.managedBy]: MANAGED_BY, [`${LABEL_PREFIX}/gateway`]: this.gatewayName };
    const meta = (name: string, ns: string = this.namespace): GatewayObjectMeta => ({ name, namespace: ns, labels: { ...labels } });
    const routeNames = props.routes.map((r) => `${this.gatewayName}-${r.endpoint.endpointName}`);
    const foreign = new Map<string, RouteBackend[]>();
    this.routes = props.routes.map((r, i) => {
      const backend = routeBackend(r.endpoint);
      if (backend.namespace !== this.namespace) foreign.set(backend.namespace, [...(foreign.get(backend.namespace) ?? []), backend]);
      // A CanaryRollout with TrafficRouter.modelGateway() names this route in its plugin config.
      r.endpoint._addGatewayRoute({ routeName: routeNames[i], namespace: this.namespace, gatewayPath: this.node.path });
      const model = this.gateway.routes[i];
      const route = renderRoute(this, `Route${i}`, meta(routeNames[i]), props.gateway, props.hostnames, model, backend);
      if (this.gateway.jwt || this.gateway.apiKeys) {
        renderSecurityPolicy(this, `Auth${i}`, meta(`${routeNames[i]}-auth`), routeNames[i], this.gateway, model.model, props.apiKeySecretName ?? `${this.gatewayName}-api-keys`,
          r.endpoint.serverChecksApiKeys && this.gateway.apiKeys?.header === SERVER_API_KEY_HEADER);
      }
      return route;
    });
    for (const [ns, backends] of foreign) {
      const services = () => backends.flatMap((b) => [b.serviceName, ...(b.canaryServiceName?.() !== undefined ? [b.canaryServiceName()!] : [])]);
      renderReferenceGrant(this, `ReferenceGrant-${ns}`, meta(`${this.gatewayName}-from-${this.namespace}`, ns), this.namespace, services);
    }
    renderTrafficPolicy(this, 'Traffic', meta(`${this.gatewayName}-traffic`), routeNames, this.gateway);

    this.selector = clusterSelector(this.namespace, routeNames);
    this.window = rateWindow(this.gateway.guardrails.evaluationPeriod, props.scrapeInterval ?? Duration.seconds(30));
    const rule = renderGatewayAlerts(this, meta(`${this.gatewayName}-guardrails`), this.gatewayName, this.selector, this.gateway, this.window);
    this.errorRateAlarm = { rule, alert: 'ModelGatewayErrorRateHigh' };
    this.latencyAlarm = { rule, alert: 'ModelGatewayLatencyHigh' };
  }

  /** PromQL of the gateway's request latency at P99 in seconds (Envoy's upstream time: the model included, the auth filters not). */
  public metricLatency(): string {
    return gatewayLatencyQuantile(this.selector, 0.99, this.window);
  }
}

/** The Service that serves `endpoint`, as the route's backendRef. */
function routeBackend(endpoint: ModelEndpoint): RouteBackend {
  const raw = endpoint.flavour.isKServe;
  return {
    serviceName: raw ? `${endpoint.endpointName}-predictor` : endpoint.endpointName,
    namespace: endpoint.namespace!,
    port: raw ? KSERVE_PREDICTOR_SERVICE_PORT : endpoint.port,
    canaryServiceName: () => endpoint._gatewayCanaryServiceName,
  };
}

/** This backend's own checks: names, Envoy Gateway's CRD limits, the endpoints it can reach. */
function ownProblems(props: ModelGatewayProps, gatewayName: string, namespace: string | undefined, proxyNamespace: string): SpecProblem[] {
  const p: SpecProblem[] = [];
  const caps = ENVOY_GATEWAY_CAPABILITIES;
  if (!DNS_LABEL.test(gatewayName) || gatewayName.length > 40) {
    p.push({ field: 'gatewayName', given: describe(gatewayName), allowed: 'a DNS-1123 label of at most 40 characters (object names add the endpoint name)', fix: 'e.g. "models"' });
  }
  if (namespace === undefined) {
    p.push({ field: 'namespace', given: 'nothing, on the gateway or its chart', allowed: 'a Kubernetes namespace', fix: 'set namespace (e.g. "ml-gateway"): the routes, policies and alert queries are namespaced' });
  } else if (!DNS_LABEL.test(namespace)) {
    p.push({ field: 'namespace', given: describe(namespace), allowed: 'a namespace name (DNS-1123 label)', fix: 'e.g. "ml-gateway"' });
  }
  if (!DNS_LABEL.test(props.gateway.name)) p.push({ field: 'gateway.name', given: describe(props.gateway.name), allowed: 'a Kubernetes object name (DNS-1123 label)', fix: 'the metadata.name of your Gateway, e.g. "public"' });
  if (props.gateway.namespace !== undefined && !DNS_LABEL.test(props.gateway.namespace)) p.push({ field: 'gateway.namespace', given: describe(props.gateway.namespace), allowed: 'a namespace name', fix: 'e.g. "gateway-system"' });
  if (props.gateway.sectionName !== undefined && (!SECTION_NAME.test(props.gateway.sectionName) || props.gateway.sectionName.length > 253)) {
    p.push({ field: 'gateway.sectionName', given: describe(props.gateway.sectionName), allowed: 'a listener name (DNS-1123 subdomain)', fix: 'the name of one of the Gateway\'s listeners, e.g. "https"' });
  }
  for (const h of props.hostnames ?? []) {
    if (!HOSTNAME.test(h) || h.length > 253) p.push({ field: 'hostnames', given: describe(h), allowed: 'a DNS host name, optionally starting with "*."', fix: 'e.g. "models.example.com"' });
  }
  if (props.hostnames !== undefined && props.hostnames.length === 0) p.push({ field: 'hostnames', given: '[]', allowed: 'at least one host name, or none set', fix: 'leave hostnames out to accept whatever the Gateway\'s listener accepts' });
  if (props.apiKeySecretName !== undefined && (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(props.apiKeySecretName) || props.apiKeySecretName.length > 253)) {
    p.push({ field: 'apiKeySecretName', given: describe(props.apiKeySecretName), allowed: 'a Secret name (DNS-1123 subdomain)', fix: 'e.g. "model-gateway-api-keys"' });
  }
  if (props.apiKeySecretName !== undefined && props.apiKeys === undefined) {
    p.push({ field: 'apiKeySecretName', given: `${describe(props.apiKeySecretName)} without apiKeys`, allowed: 'together with apiKeys', fix: 'add apiKeys: { requestsPerMinute: 100 }, or remove apiKeySecretName' });
  }
  // The per-key limit counts apiKeyAuth's client-id header; the key in that same header would be overwritten by
  // the client id (and, sanitized, removed before the rate limit filter reads it).
  if (props.apiKeys?.header === CLIENT_ID_HEADER) {
    p.push({ field: 'apiKeys.header', given: describe(props.apiKeys.header), allowed: `any header but ${CLIENT_ID_HEADER}, where Envoy Gateway forwards the authenticated client's id that the per-key limit counts`, fix: 'leave apiKeys.header out (x-api-key), or name another header' });
  }
  // Envoy Gateway v1.9.0 SecurityPolicy CRD: jwt.providers[].audiences maxItems 8, issuer maxLength 253.
  if (Array.isArray(props.jwt?.audiences) && props.jwt!.audiences.length > 8) {
    p.push(refusal(caps, 'jwt.audiences', `${props.jwt!.audiences.length} audiences`, 'at most 8 (the SecurityPolicy CRD\'s jwt.providers[].audiences maxItems)', 'keep the audiences of this API only (at most 8)'));
  }
  if (typeof props.jwt?.issuer === 'string' && props.jwt.issuer.length > 253) {
    p.push(refusal(caps, 'jwt.issuer', `${props.jwt.issuer.length} characters`, 'at most 253 characters (the SecurityPolicy CRD\'s issuer maxLength)', 'use the exact, shorter iss your tokens carry'));
  }
  if (props.accessLogs === false) {
    p.push(refusal(caps, 'accessLogs', 'false', 'access logs on: Envoy Gateway sets them per Gateway (EnvoyProxy telemetry.accessLog), not per route', 'remove accessLogs: false; to turn the logs off for the whole Gateway, set telemetry.accessLog.disable on its EnvoyProxy'));
  }
  const seen = new Map<ModelEndpoint, number>();
  props.routes.forEach((r, i) => {
    const e = r.endpoint;
    const first = seen.get(e);
    if (first !== undefined) {
      p.push({ field: `routes[${i}].endpoint`, given: `${e.node.path} (also routes[${first}])`, allowed: 'one route per endpoint', fix: 'drop the second route; every endpoint gets one path' });
      return;
    }
    seen.set(e, i);
    if (e.flavour.isKServe && (e.flavour.kserveOptions.serverless ?? true)) {
      p.push(refusal(caps, `routes[${i}].endpoint`, `${e.node.path} (KServe serverless)`, 'the plain flavour or KServe RawDeployment: a serverless predictor\'s Service is an ExternalName to the Knative ingress, which routes by Host, so a Gateway API backendRef cannot reach the revision',
        'use ServingFlavour.kserve({ serverless: false }) or ServingFlavour.plain(), or route to the model through Knative\'s own ingress'));
    }
    if (e.namespace === undefined) {
      p.push({ field: `routes[${i}].endpoint`, given: `${e.node.path} without a namespace`, allowed: 'an endpoint with a namespace (the route\'s backendRef and ReferenceGrant name it)', fix: 'set namespace on the ModelEndpoint or its chart' });
    } else if (e.namespace !== proxyNamespace && !e._ingressPeersSet) {
      p.push({
        field: `routes[${i}].endpoint`,
        given: `${e.node.path} in namespace "${e.namespace}", whose NetworkPolicy admits only its own namespace and Prometheus (networkAccess.ingress not set)`,
        allowed: `an endpoint whose NetworkPolicy admits the Envoy proxies in "${proxyNamespace}": otherwise it drops all traffic through the gateway`,
        fix: `set networkAccess: { ingress: [NetworkPeer.namespace("${proxyNamespace}")] } on the ModelEndpoint (add pod labels to narrow it to the proxies of your Gateway), or set proxyNamespace if the proxies run elsewhere`,
      });
    }
  });
  return p;
}

/** Advice on what Envoy Gateway does differently from the spec's words. */
function ownWarnings(g: ResolvedGateway): SpecWarning[] {
  const w: SpecWarning[] = [];
  if (g.jwt) {
    w.push({ field: 'jwt.algorithms', message: `Envoy's jwt_authn verifies any algorithm the issuer's JWKS keys carry (it has no algorithm list); ${g.jwt.algorithms.join(', ')} hold only if the issuer publishes keys for those alone.` });
    if (g.jwt.modelsClaim !== undefined) {
      w.push({ field: 'jwt.modelsClaim', message: `Envoy Gateway matches the claim "${g.jwt.modelsClaim}" as one model name or an array of names; a space-separated string of several names is not split and is refused (403).` });
    }
  }
  if (g.apiKeys) {
    w.push({ field: 'apiKeys.requestsPerMinute', message: `${g.apiKeys.requestsPerMinute} requests per key per calendar minute (fixed windows in Envoy's rate limit service, Redis-backed): a key can send up to ${2 * g.apiKeys.requestsPerMinute} across a minute boundary. Enable Envoy Gateway's global rate limit (rateLimit.backend with Redis) or the policy is not applied.` });
  }
  return w;
}

/**
 * A route to an endpoint whose CanaryRollout splits traffic with a router the gateway's route would bypass:
 * TrafficRouter.gatewayApi() shifts weights on a route of the rollout's own (the gateway's route would send
 * all its traffic to the stable Service, and the own route reaches the model without the gateway's JWT and
 * limits), and Istio's VirtualService applies to mesh traffic, while Envoy Gateway sends to the Service's
 * endpoints itself (every pod, stable and canary, by pod count). TrafficRouter.modelGateway() shifts the
 * gateway's own route, and no router leaves the split to pod counts: both are fine.
 */
function rolloutConflicts(endpoint: ModelEndpoint, i: number): SpecProblem[] {
  if (!endpoint.hasRollout) return [];
  const rollout = Chart.of(endpoint).node.findAll().find((n): n is CanaryRollout => n instanceof CanaryRollout && n.endpoint === endpoint);
  if (rollout === undefined) return [];
  const kind = rollout.trafficRouter.kind;
  if (kind === 'GATEWAY_API') {
    return [refusal(ENVOY_GATEWAY_CAPABILITIES, `routes[${i}].endpoint`, `${endpoint.node.path}, whose CanaryRollout ${rollout.node.path} uses TrafficRouter.gatewayApi()`,
      'an endpoint whose traffic split is on the gateway\'s route: TrafficRouter.gatewayApi() shifts weights on an HTTPRoute of its own, so the gateway\'s route would send every request to the stable version (and the own route reaches the model without the gateway\'s JWT and limits)',
      'use trafficRouter: TrafficRouter.modelGateway() on that endpoint\'s CanaryRollout (Argo shifts exact weights on the gateway\'s route), or no traffic router (weights become pod counts, held to the tolerance by CanaryRollout)')];
  }
  if (kind === 'ISTIO') {
    return [refusal(ENVOY_GATEWAY_CAPABILITIES, `routes[${i}].endpoint`, `${endpoint.node.path}, whose CanaryRollout ${rollout.node.path} uses TrafficRouter.istio()`,
      'an endpoint whose traffic split the gateway honours: Envoy Gateway sends to the Service\'s pods itself, where the VirtualService\'s weights do not apply, so the canary would get its share of pods instead of the rollout\'s weight',
      'use trafficRouter: TrafficRouter.modelGateway() on that endpoint\'s CanaryRollout (Argo shifts exact weights on the gateway\'s route), or call that endpoint through the mesh instead of the gateway')];
  }
  return [];
}
