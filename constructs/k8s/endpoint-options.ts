/** The Kubernetes ModelEndpoint's options: flavour, model delivery, node selection, KEDA, node pools. */
import { Accelerator, Duration, Size } from '../../lib';
import { GKE_ACCELERATOR_LABEL, LABELS } from './names';
import type { NetworkPolicyPeer } from './k8s-types';
// The GKE node label value is Google Cloud's accelerator type (data only, no cdktf).
import { gcpAcceleratorTypeFor } from '../gcp/accelerators';

export type { NetworkPolicyPeer };

/** Which kind of ServingFlavour. Enum-like. */
export enum ServingFlavourKind {
  PLAIN = 'PLAIN',
  KSERVE = 'KSERVE',
}

/** Which kind of ModelDelivery. Enum-like. */
export enum ModelDeliveryKind {
  /** A PersistentVolumeClaim mounted read-only. */
  PVC = 'PVC',
  /** Baked into the image. */
  IMAGE = 'IMAGE',
  /** Downloaded by an init container. */
  INIT = 'INIT',
}

/** Options for a model on a PersistentVolumeClaim. */
export interface PersistentVolumeClaimOptions {
  /** Folder inside the claim that holds the model. @default - the claim's root */
  readonly subPath?: string;
}

/** How the model is served on the cluster. Union-like. */
export class ServingFlavour {
  /** Deployment, Service, HorizontalPodAutoscaler (or KEDA ScaledObject), PodDisruptionBudget. */
  public static plain(): ServingFlavour {
    return new ServingFlavour(ServingFlavourKind.PLAIN, {});
  }
  /** A KServe `InferenceService` (serving.kserve.io/v1beta1) with the server as a custom predictor. */
  public static kserve(options: KServeOptions = {}): ServingFlavour {
    return new ServingFlavour(ServingFlavourKind.KSERVE, options);
  }
  private constructor(
    public readonly kind: ServingFlavourKind,
    /** KServe settings; empty for the plain flavour. */
    public readonly kserveOptions: KServeOptions,
  ) {}
  public get isKServe(): boolean {
    return this.kind === ServingFlavourKind.KSERVE;
  }
}

export interface KServeOptions {
  /**
   * Knative-based serverless mode (scale to zero, request-based autoscaling). `false` uses KServe's
   * RawDeployment mode (a Deployment with an HPA, CPU scaling only, no scale to zero).
   * @default true
   */
  readonly serverless?: boolean;
  /** Most requests in flight per replica (Knative `containerConcurrency`). @default - unlimited (0 is not emitted) */
  readonly containerConcurrency?: number;
  /** Deadline for one request at the KServe ingress. @default - the server's requestTimeout */
  readonly timeout?: Duration;
}

/** How the model file reaches the server's model directory (/mnt/models). Union-like. */
export class ModelDelivery {
  /** Mounted read-only from an existing PersistentVolumeClaim; in KServe flavour, `pvc://<claim>/<subPath>`. */
  public static persistentVolumeClaim(claimName: string, options: PersistentVolumeClaimOptions = {}): ModelDelivery {
    return new ModelDelivery(ModelDeliveryKind.PVC, claimName, options.subPath, undefined);
  }
  /** Already in the image under /mnt/models: nothing is mounted or downloaded. */
  public static bakedIntoImage(): ModelDelivery {
    return new ModelDelivery(ModelDeliveryKind.IMAGE, undefined, undefined, undefined);
  }
  /**
   * Pulled by an init container you name into an emptyDir at /mnt/models. The container gets
   * `MODEL_URI` (the artifact's URI, when it has one) and `MODEL_DIR`. Plain flavour only: KServe brings
   * its own storage initializer.
   */
  public static initContainer(options: ModelInitContainerOptions): ModelDelivery {
    return new ModelDelivery(ModelDeliveryKind.INIT, undefined, undefined, options);
  }
  private constructor(
    public readonly kind: ModelDeliveryKind,
    public readonly claimName: string | undefined,
    public readonly subPath: string | undefined,
    public readonly init: ModelInitContainerOptions | undefined,
  ) {}
}

export interface ModelInitContainerOptions {
  /** Image of the downloader, pinned by tag or digest. */
  readonly image: string;
  /** Command. @default - the image's entrypoint */
  readonly command?: string[];
  /** Arguments. @default - none */
  readonly args?: string[];
  /** Largest model the scratch volume holds. @default Size.gibibytes(2) */
  readonly sizeLimit?: Size;
}

/** Which node label places GPU replicas on nodes with the right accelerator. Union-like. */
export class AcceleratorNodeSelector {
  /** `model-serving.dev/accelerator: nvidia-l4`, the label KarpenterGpuNodePool puts on its nodes. */
  public static modelServingLabel(): AcceleratorNodeSelector {
    return new AcceleratorNodeSelector((a) => ({ key: LABELS.accelerator, value: a.nodeLabelValue }));
  }
  /** `cloud.google.com/gke-accelerator: nvidia-l4`, set by GKE on its GPU nodes. */
  public static gke(): AcceleratorNodeSelector {
    return new AcceleratorNodeSelector((a) => ({ key: GKE_ACCELERATOR_LABEL, value: gcpAcceleratorTypeFor(a) }));
  }
  /** Any label your nodes carry, e.g. `nvidia.com/gpu.product: NVIDIA-L4` from GPU feature discovery. */
  public static label(key: string, value: string): AcceleratorNodeSelector {
    return new AcceleratorNodeSelector(() => ({ key, value }));
  }
  private constructor(private readonly render: (a: Accelerator) => { key: string; value: string | undefined }) {}
  /** @internal */
  public _bind(accelerator: Accelerator): { key: string; value: string | undefined } {
    return this.render(accelerator);
  }
}

/** Autoscaling through KEDA, needed for GPU utilization, invocations per replica and queue depth. */
export interface KedaScalingOptions {
  /** Prometheus the triggers query, e.g. `http://prometheus-operated.monitoring:9090`. */
  readonly prometheusAddress: string;
  /**
   * Add replicas when the server's batching queue holds more than this many requests per replica
   * (metric `model_server_queue_depth`). @default - no queue-depth trigger
   */
  readonly queueDepthPerReplica?: number;
}

/** A GPU node pool the endpoint schedules onto (implemented by KarpenterGpuNodePool). */
export interface IGpuNodePool {
  /** NodePool name; Karpenter labels its nodes `karpenter.sh/nodepool: <name>`. */
  readonly poolName: string;
  /** GPU model on the pool's nodes. */
  readonly accelerator: Accelerator;
}

/** A CPU node pool the endpoint schedules onto (implemented by KarpenterCpuNodePool). */
export interface ICpuNodePool {
  /** NodePool name; Karpenter labels its nodes `karpenter.sh/nodepool: <name>`. */
  readonly poolName: string;
  /** The taint on the pool's nodes, which the endpoint's pods tolerate; undefined when the pool is shared. */
  readonly taint?: NodePoolTaint;
}

/** The taint a dedicated node pool puts on its nodes (core/v1 Taint, the NoSchedule effect). */
export interface NodePoolTaint {
  readonly key: string;
  readonly value: string;
  readonly effect: 'NoSchedule';
}

/** True for a GPU pool (it names its accelerator). */
export function isGpuNodePool(pool: IGpuNodePool | ICpuNodePool): pool is IGpuNodePool {
  return (pool as IGpuNodePool).accelerator !== undefined;
}


/** Reference to the workload an autoscaler or PDB targets. */
export interface WorkloadRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}

/**
 * Who may call the model server. Union-like. The default is `EndpointAuth.apiKeys()`: the server refuses
 * every inference call without one of the keys (health probes and /metrics stay open; on the plain flavour
 * /metrics is on its own port, which the NetworkPolicy opens to Prometheus only).
 */
export class EndpointAuth {
  /**
   * API keys. The Kubernetes Secret `secretName` (yours; nothing in the manifests holds a key) carries, under
   * `key`, the comma-separated lower-case hex SHA-256 digests of the accepted keys; the server reads them as
   * MODEL_SERVER_API_KEY_SHA256 through a `secretKeyRef`, and callers send `Authorization: Bearer <key>` or
   * `X-Api-Key: <key>`. Until the Secret exists the pods do not start (CreateContainerConfigError).
   */
  public static apiKeys(options: ApiKeySecretOptions = {}): EndpointAuth {
    return new EndpointAuth(options, undefined);
  }
  /**
   * No authentication: every pod the NetworkPolicy admits can run the model. `reason` (required, non-empty)
   * is recorded on the NetworkPolicy as the `model-serving.dev/authentication` annotation.
   */
  public static none(reason: string): EndpointAuth {
    return new EndpointAuth(undefined, reason);
  }
  private constructor(
    /** The Secret's name and key, for API keys. */
    public readonly apiKeySecret: ApiKeySecretOptions | undefined,
    /** Why there is no authentication, for `none`. */
    public readonly unauthenticatedReason: string | undefined,
  ) {}
}

export interface ApiKeySecretOptions {
  /** Name of the Secret in the endpoint's namespace. @default `<endpointName>-api-keys` */
  readonly secretName?: string;
  /** Key in the Secret holding the digests. @default API_KEY_SECRET_KEY ("api-key-sha256") */
  readonly key?: string;
}

/** A set of pods a NetworkPolicy admits. Union-like. */
export class NetworkPeer {
  /** Every pod in the endpoint's namespace. */
  public static sameNamespace(): NetworkPeer {
    return new NetworkPeer('the same namespace', { podSelector: {} });
  }
  /** Pods in the endpoint's namespace with these labels. */
  public static pods(labels: Record<string, string>): NetworkPeer {
    return new NetworkPeer(`pods ${JSON.stringify(labels)}`, { podSelector: { matchLabels: { ...labels } } });
  }
  /** Pods in the namespace `name` (matched by its `kubernetes.io/metadata.name` label), optionally only those with `podLabels`. */
  public static namespace(name: string, podLabels?: Record<string, string>): NetworkPeer {
    return new NetworkPeer(`namespace ${name}`, {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
      ...(podLabels ? { podSelector: { matchLabels: { ...podLabels } } } : {}),
    });
  }
  /** Pods in every namespace with these labels, optionally only those with `podLabels`. */
  public static namespacesLabelled(labels: Record<string, string>, podLabels?: Record<string, string>): NetworkPeer {
    return new NetworkPeer(`namespaces ${JSON.stringify(labels)}`, {
      namespaceSelector: { matchLabels: { ...labels } },
      ...(podLabels ? { podSelector: { matchLabels: { ...podLabels } } } : {}),
    });
  }
  /** Every pod of the cluster: an explicit opt-out of caller restriction. */
  public static anyPodInCluster(): NetworkPeer {
    return new NetworkPeer('any pod in the cluster', { namespaceSelector: {} });
  }
  private constructor(
    /** What the peer admits, in words. */
    public readonly description: string,
    /** The NetworkPolicy peer. */
    public readonly peer: NetworkPolicyPeer,
  ) {}
}


/** Who reaches the server's ports, as NetworkPolicy ingress rules. */
export interface NetworkAccess {
  /** Callers admitted to the serving ports (8080, 8081 with gRPC; the queue-proxy's 8012 on KServe serverless). @default [NetworkPeer.sameNamespace()] */
  readonly callers?: NetworkPeer[];
  /**
   * The ingress gateway or mesh that forwards outside traffic, admitted like `callers`.
   * @default - plain and RawDeployment: none; KServe serverless: NetworkPeer.namespace('istio-system') (KServe's
   * default ingress gateway; use NetworkPeer.namespace('kourier-system') with Kourier). Knative's own
   * `knative-serving` namespace (activator on 8012, autoscaler scraping the queue-proxy on 9090) is always
   * admitted in serverless mode.
   */
  readonly ingress?: NetworkPeer[];
  /** The Prometheus that scrapes /metrics, admitted to the metrics port only (plain: DEFAULT_METRICS_PORT; KServe: the HTTP port). @default NetworkPeer.namespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' }) */
  readonly prometheus?: NetworkPeer;
}
