/**
 * Names the Kubernetes constructs share with each other. What they share with the server or with the
 * other backends' node pools (metric names, the accelerator label, the GPU resource and taint) is in
 * lib/contract.ts.
 */

import { NODE_SCHEDULING } from '../../lib/contract';

/** Label-key prefix for model metadata on every object (a DNS subdomain, so the keys are valid). */
export const LABEL_PREFIX = 'model-serving.dev';

export const LABELS = {
  name: `${LABEL_PREFIX}/name`,
  version: `${LABEL_PREFIX}/version`,
  owner: `${LABEL_PREFIX}/owner`,
  framework: `${LABEL_PREFIX}/framework`,
  trainedOn: `${LABEL_PREFIX}/trained-on`,
  /** Which endpoint's pods: the selector of the Deployment/Rollout, Service, PDB and NetworkPolicy. */
  endpoint: `${LABEL_PREFIX}/endpoint`,
  /** Accelerator of the node (set by GpuNodePool) and of the pod (read by BudgetGuard's cost rule). */
  accelerator: NODE_SCHEDULING.acceleratorLabel,
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** Label Karpenter puts on every node it launches for a NodePool. */
export const KARPENTER_NODEPOOL_LABEL = 'karpenter.sh/nodepool';
/** Label GKE puts on GPU nodes. */
export const GKE_ACCELERATOR_LABEL = 'cloud.google.com/gke-accelerator';


/** Name of the container port the server listens on; probes, Service and ServiceMonitor refer to it. */
export const HTTP_PORT_NAME = 'http';
/** Name of the container port of the server's gRPC service (DEFAULT_GRPC_PORT), when it is on. */
export const GRPC_PORT_NAME = 'grpc';

/** Seconds the pod sleeps in preStop so endpoints controllers and proxies stop routing before SIGTERM. */
export const PRE_STOP_SLEEP_SECONDS = 5;
/** Extra seconds on top of preStop + drain before the kubelet sends SIGKILL. */
export const TERMINATION_MARGIN_SECONDS = 10;

/** Key, in the API-key Secret, of the comma-separated SHA-256 digests (EndpointAuth.apiKeys default). */
export const API_KEY_SECRET_KEY = 'api-key-sha256';
/** Annotation that records why an endpoint has no authentication (EndpointAuth.none). */
export const AUTHENTICATION_ANNOTATION = `${LABEL_PREFIX}/authentication`;
/** Namespace of Knative Serving's activator and autoscaler. */
export const KNATIVE_SYSTEM_NAMESPACE = 'knative-serving';
/** Port the Knative autoscaler scrapes the queue-proxy on (knative/serving pkg/networking AutoscalingQueueMetricsPort). */
export const KNATIVE_AUTOSCALER_METRICS_PORT = 9090;

/** Port of the Knative queue-proxy in front of a KServe serverless predictor. */
export const KNATIVE_QUEUE_PROXY_PORT = 8012;

/**
 * Regular expression (Prometheus matches it fully anchored) for the names of the pods one workload's
 * ReplicaSets make: `<workload>-<pod-template-hash>-<5 character suffix>`, where neither the hash nor the
 * suffix holds a `-` (Kubernetes: Deployment and Argo Rollouts name a ReplicaSet `<name>-<hash>` with the hash
 * from rand.SafeEncodeString; pods get generateName `<replicaset>-` and a 5 character suffix). So the pods of
 * a workload named `digits-gpu` never match `digits`'s pattern, as `digits-.*` would.
 */
export function replicaSetPodPattern(workload: string): string {
  return `${workload.replace(/[.]/g, '\\.')}-[a-z0-9]+-[a-z0-9]{5}`;
}

/**
 * The pods an endpoint named `name` runs, for each workload kind it can produce:
 * - plain (Deployment, or CanaryRollout's Argo Rollout of the same name): `<name>-<hash>-<suffix>`;
 * - KServe RawDeployment: a Deployment named `<name>-predictor` (kserve/kserve pkg/constants
 *   PredictorServiceName);
 * - KServe serverless: Knative revision `<name>-predictor-<00001>` (knative/serving
 *   pkg/reconciler/configuration/resources/revision.go, `-%05d` of the generation) and its Deployment
 *   `<revision>-deployment` (pkg/reconciler/revision/resources/names/names.go).
 */
export function endpointPodPattern(name: string, kind: 'plain' | 'kserve-raw' | 'kserve-serverless'): string {
  if (kind === 'plain') return replicaSetPodPattern(name);
  if (kind === 'kserve-raw') return replicaSetPodPattern(`${name}-predictor`);
  return replicaSetPodPattern(`${name}-predictor-[0-9]{5}-deployment`);
}
