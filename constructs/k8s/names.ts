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
  /** Accelerator of the node (set by KarpenterGpuNodePool) and of the pod (read by BudgetGuard's cost rule). */
  accelerator: NODE_SCHEDULING.acceleratorLabel,
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** Label Karpenter puts on every node it launches for a NodePool. */
export const KARPENTER_NODEPOOL_LABEL = 'karpenter.sh/nodepool';
/** Label GKE puts on GPU nodes. */
export const GKE_ACCELERATOR_LABEL = 'cloud.google.com/gke-accelerator';


/** Name of the container port the server listens on; probes, Service and ServiceMonitor refer to it. */
export const HTTP_PORT_NAME = 'http';
/** Name of the container port of the server's metrics listener (plain flavour); Service and ServiceMonitor refer to it. */
export const METRICS_PORT_NAME = 'metrics';
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

/** Longest generateName base the API server keeps: 63 minus the 5 random characters it appends. */
const MAX_GENERATED_NAME_BASE = 58;

/**
 * Regular expression (Prometheus matches it fully anchored) for the names of the pods one workload's
 * ReplicaSets make. Kubernetes (and Argo Rollouts) name a ReplicaSet `<workload>-<pod-template-hash>`, the hash
 * being rand.SafeEncodeString of a uint32 (1 to 10 characters, no `-`); the ReplicaSet's pods get generateName
 * `<replicaset>-`, which the API server cuts to 58 characters before appending 5 random ones
 * (apiserver storage/names SimpleNameGenerator). So `digits-gpu`'s pods never match `digits`'s pattern, as
 * `digits-.*` would. `workload` is a literal DNS label (no regex characters). Past 46 characters the cut
 * leaves too little of the name's tail to tell apart two workloads where one name prefixes the other
 * (`<name>` and `<name>-gpu`): such names can still read each other's series.
 */
function replicaSetPodPattern(workload: string): string {
  const full = `${workload}-[a-z0-9]{1,10}-[a-z0-9]{5}`;
  // Characters of "<hash>-" left after "<workload>-" when the base is cut to 58.
  const room = MAX_GENERATED_NAME_BASE - workload.length - 1;
  if (room >= 11) return full;
  if (room < 0) return `${workload.slice(0, MAX_GENERATED_NAME_BASE)}[a-z0-9]{5}`;
  return `${full}|${workload}-[a-z0-9-]{${room}}[a-z0-9]{5}`;
}

/**
 * The pods an endpoint named `name` runs, for each workload kind it can produce:
 * - plain (Deployment, or CanaryRollout's Argo Rollout of the same name): `<name>-<hash>-<suffix>`;
 * - KServe RawDeployment: a Deployment named `<name>-predictor` (kserve/kserve pkg/constants
 *   PredictorServiceName);
 * - KServe serverless: Knative revision `<name>-predictor-<00001>` (knative/serving
 *   pkg/reconciler/configuration/resources/revision.go, `-%05d` of the generation) and its Deployment
 *   `<revision>-deployment` (pkg/reconciler/revision/resources/names/names.go), for generations up to 99999.
 *   Knative shortens child names over 63 characters with a hash (kmeta.ChildName), which this pattern does
 *   not follow (endpoint names over 32 characters).
 */
export function endpointPodPattern(name: string, kind: 'plain' | 'kserve-raw' | 'kserve-serverless'): string {
  if (kind === 'plain') return replicaSetPodPattern(name);
  if (kind === 'kserve-raw') return replicaSetPodPattern(`${name}-predictor`);
  // The revision number is unknown at synth: lay out the name with a placeholder, then let it match digits.
  return replicaSetPodPattern(`${name}-predictor-ZZZZZ-deployment`).replace(/Z+/g, (z) => `[0-9]{${z.length}}`);
}
