/**
 * The objects a ModelGateway emits, one function each: the HTTPRoute of a model, the ReferenceGrant that lets
 * the routes reach Services in other namespaces, Envoy Gateway's SecurityPolicy (JWT, API keys, models claim)
 * and BackendTrafficPolicy (per-key limit, request size), and the guardrail PrometheusRule on Envoy's metrics.
 * Field names follow the CRDs vendored in test/fixtures/schemas (Gateway API v1.6.1, Envoy Gateway v1.9.0).
 */
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { ResolvedGateway, ResolvedGatewayRoute, inferPath } from '../../lib';
import { typedApiObject } from './internal';
import type { IHTTPRoute, IPrometheusRule } from './k8s-schema';
import { routedAlertLabels } from './dashboard';

/** The Gateway the routes attach to (a Gateway of an Envoy Gateway GatewayClass). */
export interface GatewayParentRef {
  /** The Gateway's `metadata.name`. */
  readonly name: string;
  /** The Gateway's namespace. @default - the ModelGateway's namespace */
  readonly namespace?: string;
  /** The listener to attach to (its `name`). @default - every listener that admits the routes */
  readonly sectionName?: string;
}

/** Where a route sends its requests: the Service that serves one endpoint. */
export interface RouteBackend {
  readonly serviceName: string;
  readonly namespace: string;
  readonly port: number;
  /**
   * The canary Service of a CanaryRollout that shifts weights on this route (TrafficRouter.modelGateway()),
   * read at synth (the rollout may be created after the gateway); undefined: one backend, no weight.
   */
  readonly canaryServiceName?: () => string | undefined;
}

/** Metadata every object of a gateway carries. */
export interface GatewayObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

/** Envoy Gateway's API group and version of its policies. */
export const ENVOY_GATEWAY_API_VERSION = 'gateway.envoyproxy.io/v1alpha1';
/** Name of the JWT provider in the SecurityPolicies (the authorization rules refer to it). */
export const JWT_PROVIDER_NAME = 'model-gateway-jwt';
/**
 * The header Envoy's api_key_auth filter sets to the authenticated client's id (the data key of its entry in the
 * API-key Secret, not the key), which the per-key limit counts on. The filter writes it with `setCopy`, replacing
 * whatever a caller sent under that name (envoyproxy/envoy source/extensions/filters/http/api_key_auth/api_key_auth.cc,
 * decodeHeaders), so a caller cannot pick another client's bucket.
 */
export const CLIENT_ID_HEADER = 'x-model-gateway-client';
/** Name of the HTTPRoute rule that carries the inference requests (Envoy names its cluster `.../rule/0`; Argo's header rules follow it). */
export const INFER_RULE = 'infer';

/**
 * One model's HTTPRoute: `POST <path>/infer` (exact) rewritten to the server's `/v2/models/<model>/infer`
 * (lib/contract.ts inferPath), forwarded to the endpoint's Service. Nothing else of the server is exposed.
 */
export function renderRoute(scope: Construct, id: string, meta: GatewayObjectMeta, parent: GatewayParentRef, hostnames: readonly string[] | undefined,
  route: ResolvedGatewayRoute, backend: RouteBackend): ApiObject {
  return typedApiObject<IHTTPRoute>(scope, id, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: meta,
    spec: {
      parentRefs: [{
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: parent.name,
        ...(parent.namespace !== undefined ? { namespace: parent.namespace } : {}),
        ...(parent.sectionName !== undefined ? { sectionName: parent.sectionName } : {}),
      }],
      ...(hostnames ? { hostnames: [...hostnames] } : {}),
      rules: [{
        name: INFER_RULE,
        matches: [{ path: { type: 'Exact', value: `${route.path}/infer` }, method: 'POST' }],
        filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: inferPath(route.model) } } }],
        backendRefs: Lazy.any({ produce: () => routeBackendRefs(backend, meta.namespace) }),
      }],
    },
  });
}

/**
 * The route's backendRefs: the endpoint's Service alone, or, under a CanaryRollout with
 * TrafficRouter.modelGateway(), the stable (the endpoint's) and the canary Service weighted 100/0, the shape
 * Argo's Gateway API plugin shifts: it sets the weight of the backendRefs named by the Rollout's stableService
 * and canaryService in every rule it does not manage, and fails when either is missing
 * (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi pkg/plugin/httproute.go setHTTPRouteWeight,
 * BackendRefWasNotFoundInHTTPRouteError).
 */
function routeBackendRefs(backend: RouteBackend, routeNamespace: string): Record<string, unknown>[] {
  const ref = (name: string) => ({ group: '', kind: 'Service', name, ...(backend.namespace !== routeNamespace ? { namespace: backend.namespace } : {}), port: backend.port });
  const canary = backend.canaryServiceName?.();
  if (canary === undefined) return [ref(backend.serviceName)];
  return [{ ...ref(backend.serviceName), weight: 100 }, { ...ref(canary), weight: 0 }];
}

/**
 * The ReferenceGrant in an endpoint's namespace that lets the gateway's HTTPRoutes (in `fromNamespace`) name
 * its Services (Gateway API: a cross-namespace backendRef is invalid without one, status ResolvedRefs
 * RefNotPermitted).
 */
export function renderReferenceGrant(scope: Construct, id: string, meta: GatewayObjectMeta, fromNamespace: string, serviceNames: () => readonly string[]): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: meta,
    spec: {
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: fromNamespace }],
      // Read at synth: a canary Service joins once a CanaryRollout shifts weights on the gateway's route.
      to: Lazy.any({ produce: () => [...new Set(serviceNames())].sort().map((name) => ({ group: '', kind: 'Service', name })) }),
    },
  });
}

/**
 * Envoy Gateway's SecurityPolicy on one HTTPRoute: JWT (issuer, audiences, remote JWKS; the token only from
 * `Authorization: Bearer`, never a query parameter, so it cannot reach the access log's path), API keys from
 * a Secret, and, with `jwt.modelsClaim`, a deny-by-default authorization that admits tokens naming the model.
 * The authenticated client's id goes upstream in CLIENT_ID_HEADER; the key itself is removed (`sanitize`) unless
 * `keepKeyHeader` (the model server checks API keys and reads them from this header).
 */
export function renderSecurityPolicy(scope: Construct, id: string, meta: GatewayObjectMeta, routeName: string, g: ResolvedGateway, model: string,
  apiKeySecretName: string, keepKeyHeader: boolean): ApiObject {
  const jwt = g.jwt;
  const spec: Record<string, unknown> = {
    targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: routeName }],
  };
  if (jwt) {
    spec.jwt = {
      providers: [{
        name: JWT_PROVIDER_NAME,
        issuer: jwt.issuer,
        audiences: [...jwt.audiences],
        remoteJWKS: { uri: jwt.jwksUri },
        extractFrom: { headers: [{ name: 'Authorization', valuePrefix: 'Bearer ' }] },
      }],
    };
    if (jwt.modelsClaim !== undefined) {
      const claim = (valueType: 'StringArray' | 'String') => ({
        name: `models-claim-${valueType === 'String' ? 'string' : 'array'}`,
        action: 'Allow',
        principal: { jwt: { provider: JWT_PROVIDER_NAME, claims: [{ name: jwt.modelsClaim, valueType, values: [model] }] } },
      });
      spec.authorization = { defaultAction: 'Deny', rules: [claim('StringArray'), claim('String')] };
    }
  }
  if (g.apiKeys) {
    spec.apiKeyAuth = {
      credentialRefs: [{ group: '', kind: 'Secret', name: apiKeySecretName }],
      extractFrom: [{ headers: [g.apiKeys.header] }],
      forwardClientIDHeader: CLIENT_ID_HEADER,
      sanitize: !keepKeyHeader,
    };
  }
  return new ApiObject(scope, id, { apiVersion: ENVOY_GATEWAY_API_VERSION, kind: 'SecurityPolicy', metadata: meta, spec });
}

/**
 * Envoy Gateway's BackendTrafficPolicy on every route of the gateway: the request size limit (requestBuffer:
 * larger bodies get 413 before reaching a model) and, with API keys, the per-key limit as one global rule
 * with a `Distinct` selector on the client-id header (CLIENT_ID_HEADER, set by apiKeyAuth), never on the key
 * header: envoyproxy/ratelimit writes descriptor values verbatim into its Redis keys (src/limiter/cache_key.go),
 * so a selector on the key would store every key in clear. `shared` so a key has one budget across all models: Envoy
 * Gateway gives a shared rule one descriptor (the rule's name, in the policy's domain) on every route and adds a
 * `request_headers` action for a Distinct header, so the counter is per client, not per route
 * (envoyproxy/gateway v1.9.0 internal/xds/translator/ratelimit.go, buildRouteRateLimits). A request without the
 * header would skip the limit, but apiKeyAuth (filter order 7, before the rate limit filter's 303 in
 * internal/xds/translator/httpfilters.go) has already answered it 401.
 */
export function renderTrafficPolicy(scope: Construct, id: string, meta: GatewayObjectMeta, routeNames: readonly string[], g: ResolvedGateway): ApiObject {
  const spec: Record<string, unknown> = {
    targetRefs: routeNames.map((name) => ({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name })),
    requestBuffer: { limit: g.maxRequestBodyBytes },
  };
  if (g.apiKeys) {
    spec.rateLimit = {
      global: {
        rules: [{
          clientSelectors: [{ headers: [{ name: CLIENT_ID_HEADER, type: 'Distinct' }] }],
          limit: { requests: g.apiKeys.requestsPerMinute, unit: 'Minute' },
          shared: true,
        }],
      },
    };
  }
  return new ApiObject(scope, id, { apiVersion: ENVOY_GATEWAY_API_VERSION, kind: 'BackendTrafficPolicy', metadata: meta, spec });
}

/**
 * Envoy's upstream series of the gateway's routes. Envoy Gateway names the cluster of a route rule
 * `httproute/<namespace>/<name>/rule/<index>` (site/content/en/latest/tasks/traffic/retry.md, the addons'
 * envoy-clusters dashboard); the proxies export `envoy_cluster_upstream_rq_total`, `..._rq_xx` (label
 * `envoy_response_code_class`) and the `..._rq_time` histogram in milliseconds.
 */
export function clusterSelector(namespace: string, routeNames: readonly string[]): string {
  // Every rule of each route, not rule 0 only: during a canary with a header route, Argo Rollouts' Gateway API
  // plugin appends its managed rule after the route's own rules (argoproj-labs/rollouts-plugin-trafficrouter-
  // gatewayapi pkg/plugin/httproute.go setHTTPHeaderRoute, `append(cleanedRules, newManagedRules...)` @96c63fd),
  // so header-routed inference requests reach Envoy as `.../rule/1` and must count toward the gateway's alerts.
  // Namespaces and route names are DNS labels: no regex metacharacters to escape.
  const names = routeNames.map((n) => `httproute/${namespace}/${n}/rule/[0-9]+`);
  return `envoy_cluster_name=~${JSON.stringify(names.length === 1 ? names[0] : `(${names.join('|')})`)}`;
}

/** PromQL: the share of the gateway's upstream requests answered 5XX over `window`. */
export function gatewayErrorRatio(selector: string, window: string): string {
  return `sum(rate(envoy_cluster_upstream_rq_xx{${selector},envoy_response_code_class="5"}[${window}])) / sum(rate(envoy_cluster_upstream_rq_total{${selector}}[${window}]))`;
}

/** PromQL: the gateway's upstream request latency at `quantile`, in seconds (Envoy records milliseconds). */
export function gatewayLatencyQuantile(selector: string, quantile: number, window: string): string {
  return `histogram_quantile(${quantile}, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{${selector}}[${window}]))) / 1000`;
}

/** The gateway's guardrails as Prometheus alerts on Envoy's metrics (thresholds from `g.guardrails`). */
export function renderGatewayAlerts(scope: Construct, meta: GatewayObjectMeta, gatewayName: string, selector: string, g: ResolvedGateway, window: string): ApiObject {
  const r = g.guardrails;
  const sustained = `${r.evaluationPeriod.toSeconds() * r.breachingPeriods}s`;
  const labels = routedAlertLabels(scope, { model_serving_gateway: gatewayName, severity: 'critical' });
  return typedApiObject<IPrometheusRule>(scope, 'GuardrailAlerts', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: meta,
    spec: {
      groups: [{
        name: `model-gateway-guardrails-${gatewayName}`,
        interval: `${r.evaluationPeriod.toSeconds()}s`,
        rules: [
          {
            alert: 'ModelGatewayErrorRateHigh',
            expr: `${gatewayErrorRatio(selector, window)} > ${r.maxErrorRatePercent / 100}`,
            for: sustained,
            labels,
            annotations: { summary: `More than ${r.maxErrorRatePercent}% of requests through gateway ${gatewayName} answered 5XX by or on the way to a model` },
          },
          {
            alert: 'ModelGatewayLatencyHigh',
            expr: `${gatewayLatencyQuantile(selector, r.latencyPercentile.quantile, window)} > ${r.maxLatency.toMilliseconds() / 1000}`,
            for: sustained,
            labels,
            annotations: { summary: `${r.latencyPercentile.name} latency through gateway ${gatewayName} above ${r.maxLatency.toString()}` },
          },
        ],
      }],
    },
  });
}
