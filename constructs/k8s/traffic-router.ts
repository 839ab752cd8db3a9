import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { DEFAULT_GRPC_PORT, ProblemCollector, SpecProblem, describe } from '../../lib';
import { DNS_LABEL, typedApiObject } from './internal';
import type { IDestinationRule, IHTTPRoute, IService, IVirtualService } from './k8s-schema';
import type { ArgoTrafficRouting } from './k8s-types';
import { ModelEndpoint } from './model-endpoint';
import { HTTP_PORT_NAME } from './names';

/** Name Argo Rollouts' Gateway API plugin is registered under in the argo-rollouts-config ConfigMap. */
export const GATEWAY_API_PLUGIN = 'argoproj-labs/gatewayAPI';
/** Names of the routes Argo manages above the weighted one. */
export const MANAGED_ROUTES = { header: 'canary-header', mirror: 'shadow-mirror' } as const;
/** The weighted route in the generated VirtualService / HTTPRoute. */
export const PRIMARY_ROUTE = 'primary';
/** The weighted route of the gRPC port in the generated VirtualService (when the server's gRPC is on). */
export const PRIMARY_GRPC_ROUTE = 'primary-grpc';

export interface IstioRouterOptions {
  /**
   * Istio gateways the VirtualService binds to, as `<namespace>/<name>`; `mesh` is traffic inside the mesh.
   * @default ['mesh']
   */
  readonly gateways?: string[];
  /** Hosts the VirtualService answers for. @default - the endpoint's Service name */
  readonly hosts?: string[];
}

export interface GatewayApiRouterOptions {
  /** The Gateway the HTTPRoute attaches to. */
  readonly gatewayName: string;
  /** The Gateway's namespace. @default - the endpoint's namespace */
  readonly gatewayNamespace?: string;
  /** Host names the route answers for. @default - whatever the Gateway's listener accepts */
  readonly hostnames?: string[];
}

/** What a router can do besides exact weights. */
export interface TrafficRouterFeatures {
  /** Weights are exact at any replica count. */
  readonly exactWeights: boolean;
  /** `setHeaderRoute` steps. */
  readonly headerRoutes: boolean;
  /** `setMirrorRoute` steps (shadow traffic). */
  readonly mirroring: boolean;
}

/**
 * How an Argo Rollout splits traffic between the stable and the new version. Without a router Argo
 * approximates weights with pod counts; with one, the router's own objects carry exact weights.
 */
export class TrafficRouter {
  /** No router: weights become pod counts (5% at 2 replicas is 1 canary pod of 3, 33%). */
  public static none(): TrafficRouter {
    return new TrafficRouter('NONE', undefined, undefined, { exactWeights: false, headerRoutes: false, mirroring: false });
  }

  /**
   * Istio: a VirtualService (route `primary`, weights set by Argo) and a DestinationRule whose subsets
   * `stable` and `canary` Argo pins to each ReplicaSet's pod-template hash. Exact weights, header routes and
   * mirroring. Needs the Istio sidecar (or ambient waypoint) on the callers' side.
   */
  public static istio(options: IstioRouterOptions = {}): TrafficRouter {
    return new TrafficRouter('ISTIO', options, undefined, { exactWeights: true, headerRoutes: true, mirroring: true });
  }

  /**
   * Gateway API: an HTTPRoute on your Gateway with the stable and a canary Service as weighted backends,
   * shifted by Argo Rollouts' Gateway API plugin (which must be installed and registered as
   * `argoproj-labs/gatewayAPI`). Exact weights and header routes; the plugin does not implement
   * `setMirrorRoute`, so no shadow traffic.
   */
  public static gatewayApi(options: GatewayApiRouterOptions): TrafficRouter {
    return new TrafficRouter('GATEWAY_API', undefined, options, { exactWeights: true, headerRoutes: true, mirroring: false });
  }

  /**
   * Argo Rollouts' Gateway API plugin on the HTTPRoute of the ModelGateway that serves the endpoint: the
   * gateway renders the model's route with the stable and a canary Service as weighted backends (100/0), and
   * the Rollout names that route, so Argo shifts exact weights on the very route that carries the gateway's
   * JWT, API-key and rate-limit policies. No route of its own (nothing reaches the model around the gateway).
   * Exact weights and header routes (the plugin copies the route's path match and rewrite into the header
   * rule); no shadow traffic. The endpoint must be in exactly one ModelGateway's routes (or several in one
   * namespace), checked at synth whatever order the constructs are created in.
   */
  public static modelGateway(): TrafficRouter {
    return new TrafficRouter('MODEL_GATEWAY', undefined, undefined, { exactWeights: true, headerRoutes: true, mirroring: false });
  }

  private constructor(
    /** `NONE`, `ISTIO` or `GATEWAY_API`. */
    public readonly kind: string,
    private readonly istioOptions: IstioRouterOptions | undefined,
    private readonly gatewayOptions: GatewayApiRouterOptions | undefined,
    public readonly features: TrafficRouterFeatures,
  ) {}

  /** The backend name used in refusals, e.g. `Kubernetes (Argo Rollouts + Istio)`. */
  public get backendName(): string {
    return this.kind === 'ISTIO' ? 'Kubernetes (Argo Rollouts + Istio)'
      : this.kind === 'GATEWAY_API' || this.kind === 'MODEL_GATEWAY' ? 'Kubernetes (Argo Rollouts + Gateway API plugin)'
        : 'Kubernetes (Argo Rollouts, no traffic router)';
  }

  /** How the router is written in code, for messages: `TrafficRouter.modelGateway()`. */
  public get factoryName(): string {
    return `TrafficRouter.${this.kind === 'GATEWAY_API' ? 'gatewayApi' : this.kind === 'MODEL_GATEWAY' ? 'modelGateway' : this.kind.toLowerCase()}()`;
  }

  /**
   * Problems with the router's own options.
   *
   * TypeScript-only (takes a ProblemCollector, a backend author's helper; the constructs call it).
   * @jsii ignore
   */
  public validate(c: ProblemCollector): void {
    const g = this.gatewayOptions;
    if (g) {
      if (!DNS_LABEL.test(g.gatewayName)) c.add({ field: 'trafficRouter.gatewayName', given: describe(g.gatewayName), allowed: 'a Kubernetes object name (DNS-1123 label)', fix: 'the metadata.name of your Gateway, e.g. "public"' });
      if (g.gatewayNamespace !== undefined && !DNS_LABEL.test(g.gatewayNamespace)) c.add({ field: 'trafficRouter.gatewayNamespace', given: describe(g.gatewayNamespace), allowed: 'a namespace name', fix: 'e.g. "gateway-system"' });
      for (const h of g.hostnames ?? []) {
        if (!/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(h) || h.length > 253) c.add({ field: 'trafficRouter.hostnames', given: describe(h), allowed: 'a DNS host name, optionally starting with "*."', fix: 'e.g. "digits.example.com"' });
      }
    }
    const i = this.istioOptions;
    if (i) {
      for (const gw of i.gateways ?? []) {
        if (gw !== 'mesh' && !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(gw)) c.add({ field: 'trafficRouter.gateways', given: describe(gw), allowed: '"mesh" or "<namespace>/<gateway name>"', fix: 'e.g. "istio-ingress/public"' });
      }
      if (i.hosts !== undefined && i.hosts.length === 0) c.add({ field: 'trafficRouter.hosts', given: '[]', allowed: 'at least one host', fix: 'leave hosts out to use the endpoint\'s Service name' });
    }
  }

  /**
   * Problems of the router together with `endpoint`: a Gateway in another namespace forwards from its own
   * data-plane pods, which the endpoint's NetworkPolicy admits only when they are named in
   * `networkAccess.ingress` (the default admits the endpoint's namespace and Prometheus).
   * @internal
   */
  public _validateFor(endpoint: ModelEndpoint, c: ProblemCollector): void {
    const g = this.gatewayOptions;
    if (!g || g.gatewayNamespace === undefined || g.gatewayNamespace === endpoint.namespace || endpoint._ingressPeersSet) return;
    c.add({
      field: 'networkAccess.ingress',
      given: `nothing, with TrafficRouter.gatewayApi() on Gateway "${g.gatewayNamespace}/${g.gatewayName}" (endpoint namespace ${describe(endpoint.namespace ?? 'unset')})`,
      allowed: 'the Gateway\'s data-plane pods named in the endpoint\'s networkAccess.ingress: its NetworkPolicy admits only the endpoint\'s namespace and Prometheus by default, so all traffic through the Gateway would be dropped',
      fix: `set networkAccess: { ingress: [NetworkPeer.namespace("${g.gatewayNamespace}")] } on the ModelEndpoint (add pod labels to narrow it to the Gateway's pods)`,
    });
  }

  /**
   * Problems only known once the whole chart exists (checked at synth): TrafficRouter.modelGateway() needs the
   * endpoint in a ModelGateway's routes, all in one namespace (the plugin reads its routes from one namespace).
   * @internal
   */
  public _synthProblems(endpoint: ModelEndpoint, options: { readonly headerRoute: boolean }): SpecProblem[] {
    if (this.kind !== 'MODEL_GATEWAY') return [];
    const routes = endpoint._gatewayRoutes;
    if (routes.length === 0) {
      return [{
        field: 'trafficRouter',
        given: `TrafficRouter.modelGateway() for ${endpoint.node.path}, which no ModelGateway of the chart routes`,
        allowed: 'an endpoint listed in the routes of a ModelGateway: the plugin shifts weights on that gateway\'s HTTPRoute',
        fix: 'add { endpoint } to a ModelGateway\'s routes, or use TrafficRouter.gatewayApi({ gatewayName }) for a route of the rollout\'s own',
      }];
    }
    const namespaces = [...new Set(routes.map((r) => r.namespace))];
    if (namespaces.length > 1) {
      return [{
        field: 'trafficRouter',
        given: `TrafficRouter.modelGateway() for ${endpoint.node.path}, routed by ModelGateways in namespaces ${namespaces.map((n) => `"${n}"`).join(', ')} (${routes.map((r) => r.gatewayPath).join(', ')})`,
        allowed: 'gateways whose routes share one namespace: Argo\'s Gateway API plugin reads every route it manages from one namespace (its `namespace` setting)',
        fix: 'give the ModelGateways that route this endpoint the same namespace, or route it through one of them',
      }];
    }
    // The plugin's header rule names the canary Service by name alone, without the backendRef's namespace
    // (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi pkg/plugin/httproute.go setHTTPHeaderRoute), so on
    // a route in another namespace it would send to a Service of that name in the route's namespace.
    if (options.headerRoute && namespaces[0] !== endpoint.namespace) {
      return [{
        field: 'policy.headerRoute',
        given: `a header route with TrafficRouter.modelGateway(), the gateway's route in namespace "${namespaces[0]}" and the endpoint in ${describe(endpoint.namespace ?? 'unset')}`,
        allowed: 'header routes where the gateway\'s routes and the endpoint share a namespace: Argo\'s Gateway API plugin adds the header rule with the canary Service\'s name and no namespace, so from the gateway\'s namespace it would point at a Service that is not there',
        fix: `give the ModelGateway the endpoint's namespace (namespace: "${endpoint.namespace ?? ''}"), or remove policy.headerRoute`,
      }];
    }
    return [];
  }

  /**
   * Creates the router's objects next to `endpoint` and returns what the Rollout's canary strategy needs.
   * @internal
   */
  public _bind(scope: Construct, endpoint: ModelEndpoint, managedRoutes: readonly string[]): { trafficRouting?: ArgoTrafficRouting; canaryService?: string; stableService?: string } {
    const name = endpoint.endpointName;
    const namespace = endpoint.namespace;
    const labels = { ...endpoint.labels };
    const managed = managedRoutes.length > 0 ? { managedRoutes: managedRoutes.map((r) => ({ name: r })) } : {};
    if (this.kind === 'ISTIO') {
      const opts = this.istioOptions!;
      const vsName = `${name}-vsvc`;
      const drName = `${name}-destrule`;
      const ports: [string, number][] = [[PRIMARY_ROUTE, endpoint.port], ...(endpoint.serving.grpc ? [[PRIMARY_GRPC_ROUTE, DEFAULT_GRPC_PORT] as [string, number]] : [])];
      typedApiObject<IDestinationRule>(scope, 'DestinationRule', {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: drName, namespace, labels },
        spec: {
          host: name,
          // Argo adds rollouts-pod-template-hash to each subset's labels as the ReplicaSets change.
          subsets: [
            { name: 'stable', labels: { ...endpoint.selectorLabels } },
            { name: 'canary', labels: { ...endpoint.selectorLabels } },
          ],
        },
      });
      typedApiObject<IVirtualService>(scope, 'VirtualService', {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: vsName, namespace, labels },
        spec: {
          hosts: opts.hosts ?? [name],
          gateways: opts.gateways ?? ['mesh'],
          // One weighted route per Service port, each matching its port: an HTTP route without `match.port`
          // applies to every HTTP/gRPC port of the host (Istio VirtualService reference, HTTPMatchRequest.port),
          // so gRPC on 8081 would be sent to 8080. Argo sets the weights of every route listed in `routes`.
          http: ports.map(([route, port]) => ({
            name: route,
            match: [{ port }],
            route: [
              { destination: { host: name, subset: 'stable', port: { number: port } }, weight: 100 },
              { destination: { host: name, subset: 'canary', port: { number: port } }, weight: 0 },
            ],
          })),
        },
      });
      return { trafficRouting: { ...managed, istio: { virtualService: { name: vsName, routes: ports.map(([route]) => route) }, destinationRule: { name: drName, stableSubsetName: 'stable', canarySubsetName: 'canary' } } } };
    }
    if (this.kind === 'MODEL_GATEWAY') {
      const canaryService = `${name}-canary`;
      canaryServiceObject(scope, endpoint, canaryService);
      endpoint._setGatewayCanaryService(canaryService);
      // The gateway's routes, resolved at synth (the gateway may be created after the rollout). Header rules go
      // on every route (useHeaderRoutes), as the plugin adds them only to routes that ask for them
      // (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi pkg/plugin/plugin.go SetHeaderRoute).
      const config = Lazy.any({
        produce: () => {
          const routes = endpoint._gatewayRoutes;
          return {
            httpRoutes: routes.map((r) => ({ name: r.routeName, useHeaderRoutes: true })),
            ...(routes.length > 0 ? { namespace: routes[0].namespace } : {}),
          };
        },
      });
      return { canaryService, stableService: name, trafficRouting: { ...managed, plugins: { [GATEWAY_API_PLUGIN]: config } } };
    }
    if (this.kind === 'GATEWAY_API') {
      const opts = this.gatewayOptions!;
      const canaryService = `${name}-canary`;
      canaryServiceObject(scope, endpoint, canaryService);
      const routeName = `${name}-route`;
      typedApiObject<IHTTPRoute>(scope, 'HTTPRoute', {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: routeName, namespace, labels },
        spec: {
          parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: opts.gatewayName, ...(opts.gatewayNamespace ? { namespace: opts.gatewayNamespace } : {}) }],
          ...(opts.hostnames ? { hostnames: opts.hostnames } : {}),
          rules: [{
            name: PRIMARY_ROUTE,
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [
              { group: '', kind: 'Service', name, port: endpoint.port, weight: 100 },
              { group: '', kind: 'Service', name: canaryService, port: endpoint.port, weight: 0 },
            ],
          }],
        },
      });
      return {
        canaryService,
        stableService: name,
        trafficRouting: { ...managed, plugins: { [GATEWAY_API_PLUGIN]: { httpRoute: routeName, ...(namespace ? { namespace } : {}) } } },
      };
    }
    return {};
  }
}

/** The canary Service: the endpoint's Service is the stable one; Argo pins both Services' selectors to a ReplicaSet hash. */
function canaryServiceObject(scope: Construct, endpoint: ModelEndpoint, canaryService: string): void {
  typedApiObject<IService>(scope, 'CanaryService', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: canaryService, namespace: endpoint.namespace, labels: { ...endpoint.labels } },
    spec: { type: 'ClusterIP', selector: { ...endpoint.selectorLabels }, ports: [{ name: HTTP_PORT_NAME, port: endpoint.port, targetPort: HTTP_PORT_NAME, protocol: 'TCP' }] },
  });
}
