import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Accelerator,
  ArtifactStorage,
  DEFAULT_DRAIN_SECONDS,
  DEFAULT_PORT,
  Duration,
  MODEL_DIRECTORIES,
  ModelServingProps,
  ProblemCollector,
  ROUTES,
  ResolvedServing,
  NameRule,
  ScalingMetric,
  Size,
  SpecResolver,
  SpecWarning,
  describe,
  MetricScope,
  NODE_SCHEDULING,
  PROMQL,
  SERVER_USER_ID,
} from '../../lib';
import { KSERVE_RAW_CAPABILITIES, KSERVE_SERVERLESS_CAPABILITIES, KUBERNETES_CAPABILITIES } from './capabilities';
import { ModelCredentials } from './model-credentials';
import { typedApiObject, cpuQuantity, memoryQuantity, metadataLabels } from './internal';
import type {
  IContainer,
  IDeployment,
  IHorizontalPodAutoscaler,
  INetworkPolicy,
  IPodDisruptionBudget,
  IPodTemplateSpec,
  IScaledObject,
  IService,
  IServiceAccount,
  IPrometheusRule,
  IServiceMonitor,
  IToleration,
  IVolume,
  IVolumeMount,
} from './k8s-types';
import { InferenceServiceManifest, KServePredictor } from './kserve';
import {
  GKE_ACCELERATOR_LABEL,
  HTTP_PORT_NAME,
  KARPENTER_NODEPOOL_LABEL,
  KNATIVE_QUEUE_PROXY_PORT,
  LABELS,
  PRE_STOP_SLEEP_SECONDS,
  TERMINATION_MARGIN_SECONDS,
} from './names';

/** How the model is served on the cluster. Union-like. */
export class ServingFlavour {
  /** Deployment, Service, HorizontalPodAutoscaler (or KEDA ScaledObject), PodDisruptionBudget. */
  public static plain(): ServingFlavour {
    return new ServingFlavour('PLAIN', {});
  }
  /** A KServe `InferenceService` (serving.kserve.io/v1beta1) with the server as a custom predictor. */
  public static kserve(options: KServeOptions = {}): ServingFlavour {
    return new ServingFlavour('KSERVE', options);
  }
  private constructor(
    /** `PLAIN` or `KSERVE`. */
    public readonly kind: 'PLAIN' | 'KSERVE',
    /** KServe settings; empty for the plain flavour. */
    public readonly kserveOptions: KServeOptions,
  ) {}
  public get isKServe(): boolean {
    return this.kind === 'KSERVE';
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
  public static persistentVolumeClaim(claimName: string, options: { readonly subPath?: string } = {}): ModelDelivery {
    return new ModelDelivery('PVC', claimName, options.subPath, undefined);
  }
  /** Already in the image under /mnt/models: nothing is mounted or downloaded. */
  public static bakedIntoImage(): ModelDelivery {
    return new ModelDelivery('IMAGE', undefined, undefined, undefined);
  }
  /**
   * Pulled by an init container you name into an emptyDir at /mnt/models. The container gets
   * `MODEL_URI` (the artifact's URI, when it has one) and `MODEL_DIR`. Plain flavour only: KServe brings
   * its own storage initializer.
   */
  public static initContainer(options: ModelInitContainerOptions): ModelDelivery {
    return new ModelDelivery('INIT', undefined, undefined, options);
  }
  private constructor(
    public readonly kind: 'PVC' | 'IMAGE' | 'INIT',
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

export interface ModelEndpointProps extends ModelServingProps {
  /** Plain Kubernetes or KServe. @default ServingFlavour.plain() */
  readonly flavour?: ServingFlavour;
  /** Name of the workload, Service and other objects (a DNS-1123 label). @default - metadata.name */
  readonly endpointName?: string;
  /** Namespace of every object. @default - the chart's namespace */
  readonly namespace?: string;
  /** How the model reaches /mnt/models. @default - KServe: the artifact's URI as storage URI; plain: required */
  readonly modelDelivery?: ModelDelivery;
  /**
   * Credentials for downloading an object-store model (an s3://, gs:// or Azure Blob URI fetched by KServe's
   * storage initializer or your init container). Required when such a download happens: say which identity
   * reads the model, or ModelCredentials.ambient() when the pods can already.
   * @default - none; refused when an object-store model is downloaded
   */
  readonly modelCredentials?: ModelCredentials;
  /** CPU cores requested and limited per replica (requests equal limits: Guaranteed QoS). @default 1 */
  readonly cpu?: number;
  /** Memory requested and limited per replica. @default Size.gibibytes(2) */
  readonly memory?: Size;
  /** Scratch space mounted at /tmp (the root filesystem is read-only). @default Size.gibibytes(1) */
  readonly scratchSize?: Size;
  /** Node label that places GPU replicas. @default AcceleratorNodeSelector.modelServingLabel() */
  readonly acceleratorNodeSelector?: AcceleratorNodeSelector;
  /** Karpenter pool to run on; its accelerator must match. @default - any node matching the accelerator label */
  readonly nodePool?: IGpuNodePool;
  /** KEDA scaling (plain flavour). @default - a HorizontalPodAutoscaler on CPU */
  readonly keda?: KedaScalingOptions;
  /**
   * Emit a Prometheus Operator ServiceMonitor for /metrics and a PrometheusRule that alerts on the
   * guardrails (error rate and latency at the chosen percentile). Explicit guardrails need it: without it
   * nothing would watch them.
   * @default false
   */
  readonly serviceMonitor?: boolean;
  /** Scrape interval of the ServiceMonitor. @default Duration.seconds(30) */
  readonly scrapeInterval?: Duration;
  /** User id the server runs as (the pod is non-root). @default SERVER_USER_ID (65532), the images' own user */
  readonly runAsUser?: number;
}

/** Reference to the workload an autoscaler or PDB targets. */
export interface WorkloadRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}

/**
 * Serves an ONNX model on Kubernetes with the bundled server: plain (Deployment, Service, autoscaler,
 * PodDisruptionBudget) or KServe (InferenceService). Hardened to Pod Security "restricted".
 */
export class ModelEndpoint extends Construct {
  /** Name of the workload and Service. */
  public readonly endpointName: string;
  public readonly namespace?: string;
  public readonly flavour: ServingFlavour;
  /** The shared spec after defaults, as every backend sees it. */
  public readonly serving: ResolvedServing;
  /** Advice from the shared resolver (also recorded as `model-serving:warning` metadata on this construct). */
  public readonly warnings: readonly SpecWarning[];
  /** Labels selecting this endpoint's pods. */
  public readonly selectorLabels: Readonly<Record<string, string>>;
  /** Labels on every object (model metadata). */
  public readonly labels: Readonly<Record<string, string>>;
  /** Pod template of the server (plain flavour); CanaryRollout reuses it. */
  public readonly podTemplate: IPodTemplateSpec;
  /** The Deployment (plain) or InferenceService (KServe). */
  public readonly resource: ApiObject;
  /** Port the Service and the server listen on. */
  public readonly port = DEFAULT_PORT;

  private workloadRef: WorkloadRef;
  private canaryTrafficPercent?: number;

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    this.flavour = props.flavour ?? ServingFlavour.plain();
    const kserve = this.flavour.isKServe;
    const serverless = kserve && (this.flavour.kserveOptions.serverless ?? true);

    const caps = !kserve ? KUBERNETES_CAPABILITIES : serverless ? KSERVE_SERVERLESS_CAPABILITIES : KSERVE_RAW_CAPABILITIES;
    const problems = new ProblemCollector();
    collectBackendProblems(props, this.flavour, problems);
    // One error with the backend's problems above, the spec's and the refusals from `caps`.
    const resolution = SpecResolver.serving(props, caps);
    this.serving = resolution.throwIfInvalid(`ModelEndpoint ${this.node.path}`, problems);
    this.warnings = resolution.warnings;
    for (const w of this.warnings) this.node.addMetadata('model-serving:warning', `${w.field}: ${w.message}`);
    const r = this.serving;

    this.endpointName = props.endpointName ?? r.metadata.name;
    this.namespace = props.namespace ?? Chart.of(this).namespace;
    this.labels = metadataLabels(r);
    this.selectorLabels = { [LABELS.endpoint]: this.endpointName };
    this.workloadRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: this.endpointName };

    const meta = (name: string = this.endpointName) => ({ name, namespace: this.namespace, labels: { ...this.labels } });

    const credentials = props.modelCredentials?._bind();
    const saAnnotations = credentials?.serviceAccountAnnotations ?? {};
    typedApiObject<IServiceAccount>(this, 'ServiceAccount', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { ...meta(), ...(Object.keys(saAnnotations).length > 0 ? { annotations: { ...saAnnotations } } : {}) },
      automountServiceAccountToken: false,
      // KServe's storage initializer finds storage credentials in the Secrets listed on the ServiceAccount.
      ...(kserve && credentials?.secretName ? { secrets: [{ name: credentials.secretName }] } : {}),
    });

    const pod = this.renderPod(props, kserve);
    this.podTemplate = pod;

    if (kserve) {
      this.resource = this.renderInferenceService(pod, serverless);
      this.renderNetworkPolicy(meta(), { 'serving.kserve.io/inferenceservice': this.endpointName }, serverless ? [this.port, KNATIVE_QUEUE_PROXY_PORT] : [this.port]);
      return;
    }

    this.resource = typedApiObject<IDeployment>(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(),
      spec: {
        // No replicas: the autoscaler owns them, so a re-apply never resets a scaled-out endpoint.
        selector: { matchLabels: { ...this.selectorLabels } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        revisionHistoryLimit: 5,
        template: pod,
      },
    });

    typedApiObject<IService>(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(),
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selectorLabels },
        ports: [{ name: HTTP_PORT_NAME, port: this.port, targetPort: HTTP_PORT_NAME, protocol: 'TCP' }],
      },
    });

    this.renderAutoscaling(props, meta());

    typedApiObject<IPodDisruptionBudget>(this, 'DisruptionBudget', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(),
      spec: {
        // maxUnavailable rather than minAvailable: a one-replica endpoint must not block node drains forever.
        maxUnavailable: 1,
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
        selector: { matchLabels: { ...this.selectorLabels } },
      },
    });

    this.renderNetworkPolicy(meta(), this.selectorLabels, [this.port]);

    if (props.serviceMonitor) {
      typedApiObject<IServiceMonitor>(this, 'ServiceMonitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: meta(),
        spec: {
          selector: { matchLabels: { ...this.selectorLabels } },
          endpoints: [{ port: HTTP_PORT_NAME, path: ROUTES.metrics, interval: `${(props.scrapeInterval ?? Duration.seconds(30)).toSeconds()}s` }],
        },
      });
      this.renderGuardrailAlerts(meta(`${this.endpointName}-guardrails`));
    }
  }

  /** The endpoint's guardrails as Prometheus alerts: the same thresholds the rollout analysis uses. */
  private renderGuardrailAlerts(metadata: { name: string; namespace?: string; labels: Record<string, string> }): void {
    const g = this.serving.guardrails;
    const scope = this.metricScope('guardrail alert');
    const window = `${g.evaluationPeriod.toSeconds()}s`;
    const sustained = `${g.evaluationPeriod.toSeconds() * g.breachingPeriods}s`;
    const labels = { model_serving_endpoint: this.endpointName, severity: 'critical' };
    typedApiObject<IPrometheusRule>(this, 'GuardrailAlerts', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata,
      spec: {
        groups: [{
          name: `model-serving-guardrails-${this.endpointName}`,
          interval: window,
          rules: [
            {
              alert: 'ModelServingErrorRateHigh',
              expr: `${PROMQL.errorRatio(scope, window)} > ${g.maxErrorRatePercent / 100}`,
              for: sustained,
              labels,
              annotations: { summary: `More than ${g.maxErrorRatePercent}% of requests to ${this.endpointName} answered 5XX` },
            },
            {
              alert: 'ModelServingLatencyHigh',
              expr: `${PROMQL.latencyQuantile(scope, g.latencyPercentile.quantile, window)} > ${g.maxLatency.toMilliseconds() / 1000}`,
              for: sustained,
              labels,
              annotations: { summary: `${g.latencyPercentile.name} latency of ${this.endpointName} above ${g.maxLatency.toString()}` },
            },
          ],
        }],
      },
    });
  }

  /** The object autoscalers target: the Deployment, or the Rollout once a CanaryRollout took over. */
  public get workload(): WorkloadRef {
    return this.workloadRef;
  }

  /**
   * Hands the pods to another workload (CanaryRollout's Argo Rollout): removes the Deployment and points
   * the autoscaler at the new object. @internal
   */
  public _replaceWorkload(ref: WorkloadRef): void {
    if (this.flavour.isKServe) throw new Error(`ModelEndpoint ${this.node.path}: a KServe endpoint has no Deployment to replace`);
    if (this.workloadRef.kind !== 'Deployment') {
      throw new Error(`ModelEndpoint ${this.node.path} is already managed by a ${this.workloadRef.kind}; attach one CanaryRollout per endpoint`);
    }
    this.node.tryRemoveChild('Resource');
    this.workloadRef = ref;
  }

  /** Sets KServe's canaryTrafficPercent and documents the plan as annotations. @internal */
  public _setCanary(percent: number, annotations: Record<string, string>): void {
    if (!this.flavour.isKServe) throw new Error(`ModelEndpoint ${this.node.path}: canaryTrafficPercent needs the KServe flavour`);
    this.canaryTrafficPercent = percent;
    for (const [k, v] of Object.entries(annotations)) this.resource.metadata.addAnnotation(k, v);
  }

  private renderPod(props: ModelEndpointProps, kserve: boolean): IPodTemplateSpec {
    const credentials = props.modelCredentials?._bind();
    const r = this.serving;
    const delivery = props.modelDelivery;
    const modelDir: string = MODEL_DIRECTORIES.kserve;
    const gpu = r.accelerator ? r.acceleratorCount : 0;
    const cpu = cpuQuantity(props.cpu ?? 1);
    const memory = memoryQuantity(props.memory ?? Size.gibibytes(2));
    const scratch = memoryQuantity(props.scratchSize ?? Size.gibibytes(1));

    const limits: Record<string, string> = { cpu, memory, 'ephemeral-storage': scratch };
    if (gpu > 0) limits[NODE_SCHEDULING.gpuResource] = String(gpu);

    const volumes: IVolume[] = [{ name: 'tmp', emptyDir: { sizeLimit: scratch } }];
    const mounts: IVolumeMount[] = [{ name: 'tmp', mountPath: '/tmp' }];
    const initContainers: IContainer[] = [];
    // In KServe flavour the storage initializer owns /mnt/models; a PVC there is KServe's pvc:// URI.
    if (!kserve && delivery?.kind === 'PVC') {
      volumes.push({ name: 'model', persistentVolumeClaim: { claimName: delivery.claimName!, readOnly: true } });
      mounts.push({ name: 'model', mountPath: modelDir, readOnly: true, ...(delivery.subPath ? { subPath: delivery.subPath } : {}) });
    } else if (!kserve && delivery?.kind === 'INIT') {
      const init = delivery.init!;
      const size = memoryQuantity(init.sizeLimit ?? Size.gibibytes(2));
      volumes.push({ name: 'model', emptyDir: { sizeLimit: size } });
      mounts.push({ name: 'model', mountPath: modelDir, readOnly: true });
      const env = [{ name: 'MODEL_DIR', value: modelDir }];
      if (props.model.uri) env.unshift({ name: 'MODEL_URI', value: props.model.uri });
      initContainers.push({
        name: 'model-download',
        image: init.image,
        imagePullPolicy: 'IfNotPresent',
        ...(init.command ? { command: [...init.command] } : {}),
        ...(init.args ? { args: [...init.args] } : {}),
        env,
        ...(credentials?.secretName ? { envFrom: [{ secretRef: { name: credentials.secretName } }] } : {}),
        resources: { requests: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '64Mi' }, limits: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '64Mi' } },
        securityContext: containerSecurityContext(),
        volumeMounts: [{ name: 'model', mountPath: modelDir }, { name: 'tmp', mountPath: '/tmp' }],
      });
    }

    const env = Object.entries(r.environment).map(([name, value]) => ({ name, value }));
    if (kserve && props.model.uri && delivery === undefined) {
      // KServe injects its storage initializer for a custom container that sets STORAGE_URI.
      env.push({ name: 'STORAGE_URI', value: props.model.uri });
    } else if (kserve && delivery?.kind === 'PVC') {
      env.push({ name: 'STORAGE_URI', value: `pvc://${delivery.claimName}/${delivery.subPath ?? ''}` });
    }

    const server: IContainer = {
      name: kserve ? 'kserve-container' : 'server',
      image: r.image.registryUri!,
      imagePullPolicy: 'IfNotPresent',
      ports: [{ name: HTTP_PORT_NAME, containerPort: this.port, protocol: 'TCP' }],
      ...(env.length > 0 ? { env } : {}),
      resources: { requests: { ...limits }, limits },
      // The server answers ready only once the model is loaded and warmed; startup allows 10 minutes.
      startupProbe: { httpGet: { path: ROUTES.ready, port: HTTP_PORT_NAME }, periodSeconds: 5, failureThreshold: 120, timeoutSeconds: 2 },
      readinessProbe: { httpGet: { path: ROUTES.ready, port: HTTP_PORT_NAME }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
      livenessProbe: { httpGet: { path: ROUTES.live, port: HTTP_PORT_NAME }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
      // Kubernetes keeps routing for a moment after deletion starts; the sleep lets endpoints catch up.
      lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_SECONDS } } },
      securityContext: containerSecurityContext(),
      volumeMounts: mounts,
    };

    const nodeSelector: Record<string, string> = {};
    const tolerations: IToleration[] = [];
    if (r.accelerator) {
      const sel = (props.acceleratorNodeSelector ?? AcceleratorNodeSelector.modelServingLabel())._bind(r.accelerator);
      if (sel.value !== undefined) nodeSelector[sel.key] = sel.value;
      if (props.nodePool) nodeSelector[KARPENTER_NODEPOOL_LABEL] = props.nodePool.poolName;
      // EKS and AKS do not add this toleration for GPU requests (GKE does); without it GPU nodes refuse the pod.
      tolerations.push({ key: NODE_SCHEDULING.gpuTaint.key, operator: 'Exists', effect: NODE_SCHEDULING.gpuTaint.effect });
    }

    const podLabels: Record<string, string> = { ...this.labels, ...this.selectorLabels };
    if (r.accelerator) podLabels[LABELS.accelerator] = r.accelerator.nodeLabelValue;
    Object.assign(podLabels, credentials?.podLabels ?? {});
    const uid = props.runAsUser ?? SERVER_USER_ID;

    return {
      metadata: { labels: podLabels },
      spec: {
        serviceAccountName: this.endpointName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: PRE_STOP_SLEEP_SECONDS + DEFAULT_DRAIN_SECONDS + TERMINATION_MARGIN_SECONDS,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: uid,
          runAsGroup: uid,
          fsGroup: uid,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        ...(initContainers.length > 0 ? { initContainers } : {}),
        containers: [server],
        volumes,
        ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
        ...(tolerations.length > 0 ? { tolerations } : {}),
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...this.selectorLabels } } },
          { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...this.selectorLabels } } },
        ],
      },
    };
  }

  /**
   * The Prometheus series of this endpoint's pods: its model in its namespace, so two endpoints serving
   * a model of the same name in two namespaces never read each other's traffic. `user` names what needs
   * the queries, for the error when no namespace is known.
   */
  public metricScope(user: string): MetricScope {
    if (this.namespace === undefined) {
      throw new Error(
        `ModelEndpoint ${this.node.path}: namespace: got nothing; allowed: a Kubernetes namespace, on the endpoint or its chart. ` +
          `Fix: set namespace (e.g. "ml-serving"): the ${user} queries are scoped to the namespace and the model, so endpoints in other namespaces cannot skew them.`,
      );
    }
    return { namespace: this.namespace, model: this.serving.metadata.name, podPattern: `${this.endpointName}-.*` };
  }

  private renderAutoscaling(props: ModelEndpointProps, metadata: { name: string; namespace?: string; labels: Record<string, string> }): void {
    const r = this.serving;
    const scaleTargetRef = Lazy.any({ produce: () => ({ ...this.workloadRef }) });
    const needsKeda = props.keda !== undefined || r.targets.some((t) => t.metric !== ScalingMetric.CPU_UTILIZATION);
    const behavior = {
      scaleDown: { stabilizationWindowSeconds: r.scaleInCooldown.toSeconds(), policies: [{ type: 'Pods' as const, value: 1, periodSeconds: 60 }] },
      scaleUp: { stabilizationWindowSeconds: r.scaleOutCooldown.toSeconds() === 60 ? 0 : r.scaleOutCooldown.toSeconds(), policies: [{ type: 'Percent' as const, value: 100, periodSeconds: 60 }] },
    };
    if (!needsKeda) {
      typedApiObject<IHorizontalPodAutoscaler>(this, 'Autoscaler', {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata,
        spec: {
          scaleTargetRef,
          minReplicas: r.minReplicas,
          maxReplicas: r.maxReplicas,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: r.targets[0].value } } }],
          behavior,
        },
      });
      return;
    }
    const keda = props.keda!;
    const scope = this.metricScope('keda');
    const triggers: NonNullable<IScaledObject['spec']>['triggers'] = [];
    for (const target of r.targets) {
    if (target.metric === ScalingMetric.CPU_UTILIZATION) {
      triggers.push({ type: 'cpu', metricType: 'Utilization', metadata: { value: String(target.value) } });
    } else if (target.metric === ScalingMetric.INVOCATIONS_PER_REPLICA) {
      triggers.push({
        type: 'prometheus',
        name: 'invocations',
        metadata: { serverAddress: keda.prometheusAddress, query: PROMQL.requestRate(scope, '1m'), threshold: String(target.value) },
      });
    } else {
      // dcgm-exporter's per-GPU utilization, attributed to pods by its Kubernetes mapping.
      triggers.push({
        type: 'prometheus',
        name: 'gpu-utilization',
        metadata: { serverAddress: keda.prometheusAddress, query: PROMQL.gpuUtilization(scope), threshold: String(target.value), metricType: 'Value' },
        metricType: 'Value',
      });
    }
    }
    if (keda.queueDepthPerReplica !== undefined) {
      triggers.push({
        type: 'prometheus',
        name: 'queue-depth',
        metadata: { serverAddress: keda.prometheusAddress, query: PROMQL.queueDepth(scope), threshold: String(keda.queueDepthPerReplica) },
      });
    }
    // KEDA creates and owns the HPA; emitting our own as well would make two controllers fight.
    typedApiObject<IScaledObject>(this, 'Autoscaler', {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata,
      spec: {
        scaleTargetRef,
        minReplicaCount: r.minReplicas,
        maxReplicaCount: r.maxReplicas,
        cooldownPeriod: r.scaleInCooldown.toSeconds(),
        advanced: { horizontalPodAutoscalerConfig: { behavior } },
        triggers,
      },
    });
  }

  private renderNetworkPolicy(metadata: { name: string; namespace?: string; labels: Record<string, string> }, podLabels: Readonly<Record<string, string>>, ports: number[]): void {
    typedApiObject<INetworkPolicy>(this, 'NetworkPolicy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata,
      spec: {
        podSelector: { matchLabels: { ...podLabels } },
        policyTypes: ['Ingress'],
        ingress: [{ ports: ports.map((port) => ({ port, protocol: 'TCP' })) }],
      },
    });
  }

  private renderInferenceService(pod: IPodTemplateSpec, serverless: boolean): ApiObject {
    const r = this.serving;
    const o = this.flavour.kserveOptions;
    const spec = pod.spec!;
    const annotations: Record<string, string> = { 'serving.kserve.io/deploymentMode': serverless ? 'Serverless' : 'RawDeployment' };
    if (!serverless) annotations['serving.kserve.io/autoscalerClass'] = 'hpa';
    const predictor: KServePredictor = {
      minReplicas: r.minReplicas,
      maxReplicas: r.maxReplicas,
      scaleMetric: r.targets[0].metric === ScalingMetric.CPU_UTILIZATION ? 'cpu' : 'rps',
      scaleTarget: r.targets[0].value,
      ...(o.containerConcurrency !== undefined ? { containerConcurrency: o.containerConcurrency } : {}),
      timeout: Math.ceil((o.timeout ?? r.requestTimeout).toSeconds()),
      serviceAccountName: spec.serviceAccountName!,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds!,
      securityContext: spec.securityContext!,
      containers: spec.containers,
      volumes: spec.volumes!,
      ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
      ...(spec.tolerations ? { tolerations: spec.tolerations } : {}),
      topologySpreadConstraints: spec.topologySpreadConstraints!.map((c) => ({ ...c, labelSelector: { matchLabels: { 'serving.kserve.io/inferenceservice': this.endpointName } } })),
    };
    const manifest: InferenceServiceManifest = {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: {
        name: this.endpointName,
        namespace: this.namespace,
        labels: { ...this.labels },
        annotations,
      },
      spec: {
        predictor: Lazy.any({
          produce: () => (this.canaryTrafficPercent === undefined ? predictor : { ...predictor, canaryTrafficPercent: this.canaryTrafficPercent }),
        }),
      },
    };
    return typedApiObject(this, 'Resource', manifest);
  }
}

/** Pod Security "restricted" for every container this backend emits. */
export function containerSecurityContext(): NonNullable<IContainer['securityContext']> {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

function collectBackendProblems(props: ModelEndpointProps, flavour: ServingFlavour, c: ProblemCollector): void {
  const nameProblem = props.endpointName === undefined ? undefined : NameRule.KUBERNETES_NAME.problem('endpointName', props.endpointName, 'e.g. "fraud-classifier"');
  if (nameProblem) c.add(nameProblem);
  const cpu = props.cpu;
  if (cpu !== undefined && !(cpu >= 0.1 && cpu <= 256 && Number.isInteger(Math.round(cpu * 1000)) && Math.abs(cpu * 1000 - Math.round(cpu * 1000)) < 1e-9)) {
    c.add({ field: 'cpu', given: describe(cpu), allowed: 'from 0.1 to 256 cores, in whole millicores', fix: 'e.g. 0.5 or 2' });
  }
  if (props.memory !== undefined && props.memory.toBytes() < 128 * 1024 * 1024) {
    c.add({ field: 'memory', given: props.memory.toString(), allowed: 'at least 128 MiB', fix: 'the server and model need room: e.g. Size.gibibytes(2)' });
  }
  if (props.runAsUser !== undefined && !(Number.isInteger(props.runAsUser) && props.runAsUser >= 1 && props.runAsUser <= 2147483647)) {
    c.add({ field: 'runAsUser', given: describe(props.runAsUser), allowed: 'a non-root user id from 1 to 2147483647', fix: `e.g. ${SERVER_USER_ID}, the images' own user` });
  }

  const delivery = props.modelDelivery;
  const downloads = props.model.storage !== ArtifactStorage.LOCAL_FILE &&
    (flavour.isKServe ? delivery === undefined : delivery?.kind === 'INIT');
  if (downloads && props.modelCredentials === undefined) {
    c.add({
      field: 'modelCredentials',
      given: `nothing, for ${describe(props.model.toString())} downloaded by ${flavour.isKServe ? 'the KServe storage initializer' : 'the init container'}`,
      allowed: 'ModelCredentials.awsIamRole(arn) (IRSA), gkeWorkloadIdentity(email), azureWorkloadIdentity(clientId), secret(name) or ambient()',
      fix: 'give the pods an identity that can read the model, or say ModelCredentials.ambient() if they already can',
    });
  } else if (!downloads && props.modelCredentials !== undefined) {
    c.add({ field: 'modelCredentials', given: props.modelCredentials.kind, allowed: 'only when an object-store model is downloaded (nothing downloads here)', fix: 'remove modelCredentials' });
  } else if (props.modelCredentials) {
    c.addAll(props.modelCredentials._problems(props.model.storage));
  }
  if (flavour.isKServe) {
    if (delivery?.kind === 'INIT') {
      c.add({ field: 'modelDelivery', given: 'ModelDelivery.initContainer(...)', allowed: 'on KServe: the artifact URI (storage initializer), persistentVolumeClaim or bakedIntoImage', fix: 'use ModelArtifact.fromUri(...) and leave modelDelivery unset' });
    }
    if (delivery === undefined && props.model.storage === ArtifactStorage.LOCAL_FILE) {
      c.add({ field: 'model', given: `a local file (${props.model.toString()})`, allowed: 'on KServe: ModelArtifact.fromUri(...) for storageUri, or modelDelivery persistentVolumeClaim/bakedIntoImage', fix: 'upload the model and use ModelArtifact.fromUri("s3://.../model.onnx"), or set modelDelivery' });
    }
    if (props.keda !== undefined) {
      c.add({ field: 'keda', given: 'KEDA options', allowed: 'plain flavour only (KServe scales with Knative or its own HPA)', fix: 'remove keda, or use ServingFlavour.plain()' });
    }
    if (props.serviceMonitor) {
      c.add({ field: 'serviceMonitor', given: 'true', allowed: 'plain flavour only', fix: 'scrape KServe pods with a PodMonitor, or use ServingFlavour.plain()' });
    }
    if (props.guardrails !== undefined) {
      c.add({
        field: 'guardrails', given: 'explicit guardrails', backend: `KServe (${(flavour.kserveOptions.serverless ?? true) ? 'serverless' : 'RawDeployment'})`,
        allowed: 'on KServe: none (this flavour emits no alerts; nothing would watch them)',
        fix: 'alert on the KServe pods\' metrics with your own PrometheusRule, or use ServingFlavour.plain() with serviceMonitor: true',
      });
    }
    const cc = flavour.kserveOptions.containerConcurrency;
    if (cc !== undefined && !(Number.isInteger(cc) && cc >= 1 && cc <= 1000)) {
      c.add({ field: 'flavour.containerConcurrency', given: describe(cc), allowed: 'an integer from 1 to 1000', fix: 'about twice maxBatchSize is a good start' });
    }
    const t = flavour.kserveOptions.timeout;
    if (t !== undefined && !(t.toSeconds() >= 1 && t.toSeconds() <= 3600)) {
      c.add({ field: 'flavour.timeout', given: t.toString(), allowed: 'from 1 second to 1 hour', fix: 'e.g. Duration.seconds(60)' });
    }
  } else {
    if (delivery === undefined) {
      c.add({
        field: 'modelDelivery',
        given: 'nothing',
        allowed: 'ModelDelivery.persistentVolumeClaim(claim), ModelDelivery.bakedIntoImage() or ModelDelivery.initContainer({image})',
        fix: 'say how the model reaches /mnt/models: plain Kubernetes has no storage initializer',
      });
    }
    const targets = props.scaling?.targets;
    const needsKeda = targets !== undefined ? targets.some((t) => t.metric !== ScalingMetric.CPU_UTILIZATION) : props.accelerator !== undefined;
    if (needsKeda && props.keda === undefined) {
      c.add({
        field: 'keda',
        given: `nothing, with scaling targets ${targets ? `[${targets.join(', ')}]` : '[70% GPU] (the default with an accelerator)'}`,
        allowed: 'a CPU target with the built-in HPA, or KEDA for GPU utilization and invocations',
        fix: 'set keda: { prometheusAddress: "http://prometheus-operated.monitoring:9090" }, or scaling.targets: [ScalingTarget.cpuUtilization(70)]',
      });
    }
    if (props.guardrails !== undefined && !props.serviceMonitor) {
      c.add({ field: 'guardrails', given: 'explicit guardrails without serviceMonitor', allowed: 'guardrails together with serviceMonitor: true (its PrometheusRule alerts on them)', fix: 'set serviceMonitor: true, or remove guardrails' });
    }
    const q = props.keda?.queueDepthPerReplica;
    if (q !== undefined && !(Number.isInteger(q) && q >= 1 && q <= 100_000)) {
      c.add({ field: 'keda.queueDepthPerReplica', given: describe(q), allowed: 'an integer from 1 to 100000', fix: 'about maxBatchSize is a good start' });
    }
    if (props.keda && !/^https?:\/\/[^\s]+$/.test(props.keda.prometheusAddress)) {
      c.add({ field: 'keda.prometheusAddress', given: describe(props.keda.prometheusAddress), allowed: 'an http(s) URL', fix: 'e.g. "http://prometheus-operated.monitoring:9090"' });
    }
  }

  if (props.nodePool) {
    if (!props.accelerator) {
      c.add({ field: 'nodePool', given: `GPU pool "${props.nodePool.poolName}"`, allowed: 'only with an accelerator', fix: `set accelerator: Accelerator.${props.nodePool.accelerator.name}, or remove nodePool` });
    } else if (props.nodePool.accelerator.name !== props.accelerator.name) {
      c.add({ field: 'nodePool', given: `pool "${props.nodePool.poolName}" with ${props.nodePool.accelerator.name} for accelerator ${props.accelerator.name}`, allowed: 'a pool whose accelerator matches', fix: 'use a GpuNodePool with the same accelerator' });
    }
  }
  if (props.accelerator && props.acceleratorNodeSelector) {
    const sel = props.acceleratorNodeSelector._bind(props.accelerator);
    if (sel.value === undefined) {
      c.add({ field: 'acceleratorNodeSelector', given: `AcceleratorNodeSelector.gke() with ${props.accelerator.name}`, allowed: 'an accelerator Google Cloud offers', fix: 'use AcceleratorNodeSelector.label(key, value)' });
    }
  }
}
