/** The Kubernetes ModelEndpoint's options: flavour, model delivery, node selection, KEDA, node pools. */
import { Accelerator, Duration, Size } from '../../lib';
import { GKE_ACCELERATOR_LABEL, LABELS } from './names';

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
  /** `model-serving.dev/accelerator: nvidia-l4`, the label GpuNodePool puts on its nodes. */
  public static modelServingLabel(): AcceleratorNodeSelector {
    return new AcceleratorNodeSelector((a) => ({ key: LABELS.accelerator, value: a.nodeLabelValue }));
  }
  /** `cloud.google.com/gke-accelerator: nvidia-l4`, set by GKE on its GPU nodes. */
  public static gke(): AcceleratorNodeSelector {
    return new AcceleratorNodeSelector((a) => ({ key: GKE_ACCELERATOR_LABEL, value: a.gcpAcceleratorType }));
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

/** A GPU node pool the endpoint schedules onto (implemented by GpuNodePool). */
export interface IGpuNodePool {
  /** NodePool name; Karpenter labels its nodes `karpenter.sh/nodepool: <name>`. */
  readonly poolName: string;
  /** GPU model on the pool's nodes. */
  readonly accelerator: Accelerator;
}


/** Reference to the workload an autoscaler or PDB targets. */
export interface WorkloadRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}
