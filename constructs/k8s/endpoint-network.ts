// The ModelEndpoint's NetworkPolicy: who may call the server and scrape its metrics.
import { ObjectMeta, typedApiObject } from './internal';
import type { INetworkPolicy } from './k8s-schema';
import type { ModelEndpoint, ModelEndpointProps } from './model-endpoint';
import { NetworkPeer } from './endpoint-options';
import { AUTHENTICATION_ANNOTATION, KNATIVE_SYSTEM_NAMESPACE } from './names';

/** Which of the endpoint's ports each kind of peer reaches. */
export interface NetworkPorts {
  /** Ports callers and the ingress reach (the server's, or the queue-proxy's on KServe serverless). */
  readonly serving: number[];
  /** Port Prometheus scrapes /metrics on. */
  readonly metrics: number;
  /** KServe serverless: Knative's activator and autoscaler ports. */
  readonly knative?: number[];
}

/**
 * The endpoint's NetworkPolicy: callers and ingress on the serving ports, Prometheus on the metrics port,
 * Knative's system namespace on the queue-proxy's ports (serverless). Nothing else reaches the pods.
 */
export function renderNetworkPolicy(endpoint: ModelEndpoint, props: ModelEndpointProps, metadata: ObjectMeta, podLabels: Readonly<Record<string, string>>, ports: NetworkPorts): void {
  const access = props.networkAccess ?? {};
  const callers = access.callers ?? [NetworkPeer.sameNamespace()];
  const ingress = access.ingress ?? (ports.knative ? [NetworkPeer.namespace(DEFAULT_KNATIVE_INGRESS_NAMESPACE)] : []);
  const prometheus = access.prometheus ?? DEFAULT_PROMETHEUS_PEER;
  const tcp = (list: number[]) => list.map((port) => ({ port, protocol: 'TCP' as const }));
  const rules: NonNullable<NonNullable<INetworkPolicy['spec']>['ingress']> = [
    { from: [...callers, ...ingress].map((p) => ({ ...p.peer })), ports: tcp(ports.serving) },
    { from: [{ ...prometheus.peer }], ports: tcp([ports.metrics]) },
  ];
  if (ports.knative) rules.push({ from: [{ ...NetworkPeer.namespace(KNATIVE_SYSTEM_NAMESPACE).peer }], ports: tcp(ports.knative) });
  const reason = props.auth?.unauthenticatedReason;
  typedApiObject<INetworkPolicy>(endpoint, 'NetworkPolicy', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { ...metadata, ...(reason !== undefined ? { annotations: { [AUTHENTICATION_ANNOTATION]: `none: ${reason}` } } : {}) },
    spec: {
      podSelector: { matchLabels: { ...podLabels } },
      policyTypes: ['Ingress'],
      ingress: rules,
    },
  });
}

/** Where KServe's default ingress gateway (Istio) runs. */
export const DEFAULT_KNATIVE_INGRESS_NAMESPACE = 'istio-system';
/** The Prometheus Operator's Prometheus pods (label `app.kubernetes.io/name: prometheus`) in `monitoring`. */
export const DEFAULT_PROMETHEUS_PEER = NetworkPeer.namespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
