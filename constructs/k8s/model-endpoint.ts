import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  DashboardOptions,
  ReplicaPrice,
  checkCostOptions,
  replicaPrice,
  DEFAULT_GRPC_PORT,
  DEFAULT_METRICS_PORT,
  DEFAULT_PORT,
  GRPC_APP_PROTOCOL,
  Duration,
  MetricScope,
  ModelServingProps,
  NotSupported,
  PROMQL,
  ProblemCollector,
  ROUTES,
  ResolvedServing,
  Size,
  SpecResolver,
  SpecWarning,
  addSpecValidation,
  throwIfBadPropShapes,
  DASHBOARD_PROP_SHAPES,
} from '../../lib';
import { IModelEndpointContract } from '../../lib/backend';
import { addMetadataWarnings } from '../../lib/internal/warnings';
import { KSERVE_RAW_CAPABILITIES, KSERVE_SERVERLESS_CAPABILITIES, KUBERNETES_CAPABILITIES } from './capabilities';
import {
  AcceleratorNodeSelector,
  EndpointAuth,
  ICpuNodePool,
  IGpuNodePool,
  NetworkAccess,
  NetworkPeer,
  KedaScalingOptions,
  ModelDelivery,
  ServingFlavour,
  WorkloadRef,
} from './endpoint-options';
import { renderGuardrailAlerts } from './endpoint-alarms';
import { renderAutoscaling } from './endpoint-autoscaling';
import { collectEndpointProblems } from './endpoint-checks';
import { renderInferenceService } from './endpoint-kserve';
import { renderNetworkPolicy } from './endpoint-network';
import { metadataLabels, rateWindow, typedApiObject } from './internal';
import type { IDeployment, IPodDisruptionBudget, IService, IServiceAccount, IServiceMonitor } from './k8s-schema';
import type { PodTemplateSpec } from './k8s-types';
import { ModelCredentials } from './model-credentials';
import { GRPC_PORT_NAME, HTTP_PORT_NAME, METRICS_PORT_NAME, KNATIVE_AUTOSCALER_METRICS_PORT, KNATIVE_QUEUE_PROXY_PORT, LABELS, endpointPodPattern } from './names';
import { apiKeySecret, renderPodTemplate } from './pod-template';
import { costPer1000Expr, grafanaDashboardModel, renderCostRules, renderGrafanaDashboard } from './dashboard';

export interface ModelEndpointProps extends ModelServingProps, DashboardOptions {
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
  /** Karpenter pool to run on: a KarpenterGpuNodePool whose accelerator matches, or a KarpenterCpuNodePool for CPU replicas. @default - any node matching the accelerator label (GPU), any node (CPU) */
  readonly nodePool?: IGpuNodePool | ICpuNodePool;
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
  /**
   * Authentication on the serving path. @default EndpointAuth.apiKeys(): digests from the Secret
   * `<endpointName>-api-keys`, key `api-key-sha256`, which you create
   */
  readonly auth?: EndpointAuth;
  /** Who reaches the ports (NetworkPolicy ingress rules). @default - see NetworkAccess: same namespace, Prometheus in `monitoring`, and on KServe serverless Knative and istio-system */
  readonly networkAccess?: NetworkAccess;
}


/**
 * Serves an ONNX model on Kubernetes with the bundled server: plain (Deployment, Service, autoscaler,
 * PodDisruptionBudget) or KServe (InferenceService). Hardened to Pod Security "restricted".
 */
/** One alert of the endpoint's PrometheusRule (the Kubernetes form of a guardrail alarm). */
export interface PrometheusAlert {
  /** The PrometheusRule object that holds the alert. */
  readonly rule: ApiObject;
  /** The alert's name in the rule group. */
  readonly alert: string;
}

/** Why a Kubernetes endpoint has no invoke grant: the contract's `grantInvoke` member says so. */
const NO_GRANT = NotSupported.because(KUBERNETES_CAPABILITIES.backend, 'Kubernetes has no invoke permission on a Service; who may call is set by the NetworkPolicy (allowFrom) and the server\'s EndpointAuth');
/** Why a Kubernetes endpoint has no alarm targets: Alertmanager routes alerts by their labels. */
const NO_TARGETS = NotSupported.because(KUBERNETES_CAPABILITIES.backend, 'Alertmanager routes the PrometheusRule alerts by their labels (model_serving_endpoint, severity); configure the route in Alertmanager, and add labels to every alert of the chart with AlertRouting (new AlertRouting(chart, \'Alerts\', { alertTarget: { labels } }))');

/** Why an endpoint has no guardrail alerts: only the plain flavour with a ServiceMonitor renders them. */
const NO_ALERTS = NotSupported.because(KUBERNETES_CAPABILITIES.backend, 'the guardrail PrometheusRule is rendered for the plain flavour with serviceMonitor: true (the Prometheus Operator must scrape the server)');

/** A ModelGateway's HTTPRoute to an endpoint: what a CanaryRollout on the gateway's route names in its plugin config. */
export interface GatewayRouteRef {
  /** The HTTPRoute's `metadata.name`. */
  readonly routeName: string;
  /** The HTTPRoute's namespace. */
  readonly namespace: string;
  /** The ModelGateway's construct path (for messages). */
  readonly gatewayPath: string;
}

export class ModelEndpoint extends Construct
  implements IModelEndpointContract<never, never, string, PrometheusAlert, never> {
  /** Name of the workload and Service. */
  public readonly endpointName: string;
  public readonly namespace?: string;
  public readonly flavour: ServingFlavour;
  /** The shared spec after defaults, as every backend sees it. */
  public readonly serving: ResolvedServing;
  /** Advice from the shared resolver (also recorded as `model-serving:warning` metadata on this construct). */
  public readonly warnings: SpecWarning[];
  /** Labels selecting this endpoint's pods. */
  public readonly selectorLabels: Readonly<Record<string, string>>;
  /** Labels on every object (model metadata). */
  public readonly labels: Readonly<Record<string, string>>;
  /** Pod template of the server (plain flavour); CanaryRollout reuses it. */
  public readonly podTemplate: PodTemplateSpec;
  /** The Deployment (plain) or InferenceService (KServe). */
  public readonly resource: ApiObject;
  /** Port the Service and the server listen on. */
  public readonly port = DEFAULT_PORT;
  /**
   * Port Prometheus scrapes `/metrics` on. Plain: the server's metrics listener (DEFAULT_METRICS_PORT), the only
   * port the NetworkPolicy opens to Prometheus, and the serving port answers 404 on /metrics. KServe: the
   * serving port (Knative admits one container port: knative/serving pkg/apis/serving/k8s_validation.go).
   */
  public readonly metricsPort: number;
  /** How often Prometheus scrapes the pods (the ServiceMonitor's interval); rate windows span at least four. */
  public readonly scrapeInterval: Duration;
  /**
   * Whether the server checks API keys (`EndpointAuth.apiKeys()`, the default, or `server.auth.apiKeys`): then it
   * reads a key from `Authorization: Bearer` or the SERVER_API_KEY_HEADER header (lib/contract.ts).
   */
  public readonly serverChecksApiKeys: boolean;

  /** Price of one pod per hour (`hourlyPriceUsd`; Kubernetes has no price table). */
  public readonly price?: ReplicaPrice;
  /** ConfigMap holding the Grafana dashboard (`dashboard: true`). */
  public readonly dashboard?: ApiObject;
  /** PrometheusRule recording the cost per 1000 predictions (and alerting on `costPer1000PredictionsAbove`). */
  public readonly costRules?: ApiObject;

  /** Not applicable on Kubernetes (see the reason): access is the NetworkPolicy and EndpointAuth. */
  public readonly grantInvoke: NotSupported = NO_GRANT;
  /** Not applicable on Kubernetes (see the reason): Alertmanager routes by label. */
  public readonly alarmTargets: NotSupported = NO_TARGETS;
  /** The PrometheusRule alert on the error rate (plain flavour with `serviceMonitor: true`; otherwise NotSupported with the reason). */
  public readonly errorRateAlarm: PrometheusAlert | NotSupported = NO_ALERTS;
  /** The PrometheusRule alert on latency (plain flavour with `serviceMonitor: true`; otherwise NotSupported with the reason). */
  public readonly latencyAlarm: PrometheusAlert | NotSupported = NO_ALERTS;
  private workloadRef: WorkloadRef;
  private canaryTrafficPercent?: number;
  private gatewayCanaryService?: string;
  private readonly gatewayRoutes: GatewayRouteRef[] = [];
  private readonly ingressPeersSet: boolean;

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    throwIfBadPropShapes(`ModelEndpoint ${this.node.path}`, props, [
      { field: 'flavour', kind: ServingFlavour, example: 'ServingFlavour.kserve()' },
      { field: 'endpointName', kind: 'string', example: "'digits'" },
      { field: 'namespace', kind: 'string', example: "'ml-serving'" },
      { field: 'modelDelivery', kind: ModelDelivery, example: "ModelDelivery.persistentVolumeClaim('models')" },
      { field: 'modelCredentials', kind: ModelCredentials, example: "ModelCredentials.awsIamRole('arn:aws:iam::123456789012:role/model-reader')" },
      { field: 'cpu', kind: 'number', example: '2' },
      { field: 'memory', kind: Size, example: 'Size.gibibytes(4)' },
      { field: 'scratchSize', kind: Size, example: 'Size.gibibytes(1)' },
      { field: 'acceleratorNodeSelector', kind: AcceleratorNodeSelector, example: 'AcceleratorNodeSelector.gke()' },
      { field: 'nodePool', kind: 'object', example: 'a KarpenterGpuNodePool of this package' },
      { field: 'keda', kind: 'object', example: "{ prometheusAddress: 'http://prometheus.monitoring:9090' }" },
      { field: 'keda.prometheusAddress', kind: 'string', required: true, example: "'http://prometheus.monitoring:9090'" },
      { field: 'keda.queueDepthPerReplica', kind: 'number', example: '8' },
      { field: 'serviceMonitor', kind: 'boolean', example: 'true' },
      { field: 'scrapeInterval', kind: Duration, example: 'Duration.seconds(30)' },
      { field: 'runAsUser', kind: 'number', example: '10001' },
      { field: 'auth', kind: EndpointAuth, example: 'EndpointAuth.apiKeys()' },
      { field: 'networkAccess', kind: 'object', example: '{ callers: [NetworkPeer.sameNamespace()] }' },
      { field: 'networkAccess.callers', kind: NetworkPeer, array: true, example: 'NetworkPeer.sameNamespace()' },
      { field: 'networkAccess.ingress', kind: NetworkPeer, array: true, example: "NetworkPeer.namespace('istio-system')" },
      { field: 'networkAccess.prometheus', kind: NetworkPeer, example: "NetworkPeer.namespace('monitoring')" },
      ...DASHBOARD_PROP_SHAPES,
    ]);
    this.flavour = props.flavour ?? ServingFlavour.plain();
    this.ingressPeersSet = props.networkAccess?.ingress !== undefined;
    const kserve = this.flavour.isKServe;
    const serverless = kserve && (this.flavour.kserveOptions.serverless ?? true);

    const caps = !kserve ? KUBERNETES_CAPABILITIES : serverless ? KSERVE_SERVERLESS_CAPABILITIES : KSERVE_RAW_CAPABILITIES;
    const problems = new ProblemCollector();
    // One error with the backend's problems above, the spec's and the refusals from `caps`.
    const resolution = SpecResolver.serving(props, caps);
    // The backend's own checks read the resolution (defaults and what the user set), never re-derive it.
    collectEndpointProblems(props, this.flavour, resolution, problems);
    this.price = replicaPrice('k8s', undefined, props.hourlyPriceUsd);
    checkCostOptions(props, this.price, undefined, problems);
    for (const field of ['dashboard', 'costPer1000PredictionsAbove'] as const) {
      if (props[field] !== undefined && props[field] !== false && !props.serviceMonitor) {
        problems.add({ field, given: `${String(props[field])} without serviceMonitor`, allowed: 'together with serviceMonitor: true (plain flavour): Prometheus must scrape the server for the dashboard and the cost rule', fix: 'set serviceMonitor: true, or remove ' + field });
      }
    }
    this.serving = resolution.reportIfInvalid(this, `ModelEndpoint ${this.node.path}`, problems);
    // With problems reported, synth fails and writes nothing: render the workload other constructs attach to,
    // skip the scaling, alert and dashboard objects whose queries the invalid values cannot build.
    const invalid = problems.count > 0;
    this.warnings = [...resolution.warnings];
    addMetadataWarnings(this, this.warnings);
    const r = this.serving;
    this.metricsPort = kserve ? this.port : DEFAULT_METRICS_PORT;

    this.endpointName = props.endpointName ?? r.metadata.name;
    this.serverChecksApiKeys = apiKeySecret(this, props) !== undefined || props.server?.auth?.apiKeys !== undefined;
    this.scrapeInterval = props.scrapeInterval ?? Duration.seconds(30);
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

    // Cross-object: two endpoints of one chart with the same name in one namespace would overwrite each
    // other's objects on apply. Checked at synth, when the chart holds all its endpoints.
    addSpecValidation(this, `ModelEndpoint ${this.node.path}`, () => Chart.of(this).node.findAll()
      .filter((n): n is ModelEndpoint => n instanceof ModelEndpoint && n !== this && n.endpointName === this.endpointName && n.namespace === this.namespace)
      .map((other) => ({
        field: 'endpointName',
        given: `"${this.endpointName}" in namespace ${this.namespace === undefined ? '(none)' : `"${this.namespace}"`}, also used by ModelEndpoint ${other.node.path}`,
        allowed: 'one endpoint per name and namespace in a chart (the objects share names: the second would overwrite the first on apply)',
        fix: 'set a different endpointName (default: metadata.name) or namespace on one of them',
      })));

    const pod = renderPodTemplate(this, props, kserve);
    this.podTemplate = pod;

    if (kserve) {
      this.resource = renderInferenceService(this, pod, serverless);
      renderNetworkPolicy(this, props, meta(), { 'serving.kserve.io/inferenceservice': this.endpointName }, serverless
        // Serverless: traffic enters through the queue-proxy; Knative's autoscaler scrapes it on 9090.
        ? { serving: [KNATIVE_QUEUE_PROXY_PORT], metrics: this.metricsPort, knative: [KNATIVE_QUEUE_PROXY_PORT, KNATIVE_AUTOSCALER_METRICS_PORT] }
        : { serving: [this.port], metrics: this.metricsPort });
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
        ports: [
          { name: HTTP_PORT_NAME, port: this.port, targetPort: HTTP_PORT_NAME, protocol: 'TCP' },
          ...(this.serving.grpc ? [{ name: GRPC_PORT_NAME, port: DEFAULT_GRPC_PORT, targetPort: GRPC_PORT_NAME, protocol: 'TCP' as const, appProtocol: GRPC_APP_PROTOCOL }] : []),
          { name: METRICS_PORT_NAME, port: this.metricsPort, targetPort: METRICS_PORT_NAME, protocol: 'TCP' },
        ],
      },
    });

    if (!invalid) renderAutoscaling(this, props, meta());

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

    renderNetworkPolicy(this, props, meta(), this.selectorLabels, { serving: this.serving.grpc ? [this.port, DEFAULT_GRPC_PORT] : [this.port], metrics: this.metricsPort });

    if (props.serviceMonitor && !invalid) {
      typedApiObject<IServiceMonitor>(this, 'ServiceMonitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: meta(),
        spec: {
          selector: { matchLabels: { ...this.selectorLabels } },
          endpoints: [{ port: METRICS_PORT_NAME, path: ROUTES.metrics, interval: `${this.scrapeInterval.toSeconds()}s` }],
        },
      });
      const rule = renderGuardrailAlerts(this, meta(`${this.endpointName}-guardrails`));
      this.errorRateAlarm = { rule, alert: 'ModelServingErrorRateHigh' };
      this.latencyAlarm = { rule, alert: 'ModelServingLatencyHigh' };
      const scope = this.metricScope('dashboard');
      if (props.dashboard) {
        const model = grafanaDashboardModel(`Model ${this.endpointName} (${scope.namespace})`, `ms-${scope.namespace}-${this.endpointName}`.slice(0, 40), scope, this.serving.acceleratorCount > 0, this.price);
        this.dashboard = renderGrafanaDashboard(this, `${this.endpointName}-dashboard`, scope.namespace, { ...this.labels }, model);
      }
      if (this.price) this.costRules = renderCostRules(this, meta(`${this.endpointName}-cost`) as { name: string; namespace: string; labels: Record<string, string> }, this.endpointName, scope, this.price, props.costPer1000PredictionsAbove);
    }
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

  /** A ModelGateway's HTTPRoute that sends to this endpoint (registered by the gateway). @internal */
  public _addGatewayRoute(ref: GatewayRouteRef): void {
    this.gatewayRoutes.push(ref);
  }

  /** The ModelGateway routes that send to this endpoint, in construction order. @internal */
  public get _gatewayRoutes(): readonly GatewayRouteRef[] {
    return this.gatewayRoutes;
  }

  /**
   * The canary Service of a CanaryRollout whose traffic router shifts weights on the ModelGateway's routes
   * (TrafficRouter.modelGateway()): the gateway's routes then carry it as a second backendRef. @internal
   */
  public _setGatewayCanaryService(name: string): void {
    this.gatewayCanaryService = name;
  }

  /** See _setGatewayCanaryService. @internal */
  public get _gatewayCanaryServiceName(): string | undefined {
    return this.gatewayCanaryService;
  }

  /** Whether the user named the ingress peers (`networkAccess.ingress`) of the NetworkPolicy. @internal */
  public get _ingressPeersSet(): boolean {
    return this.ingressPeersSet;
  }

  /** Whether a CanaryRollout owns this endpoint: an Argo Rollout took over the pods, or KServe's canary is set. */
  public get hasRollout(): boolean {
    return this.workloadRef.kind !== 'Deployment' || this.canaryTrafficPercent !== undefined;
  }

  /**
   * The contract's latency metric: a PromQL expression of this endpoint's request latency at P99, in seconds,
   * over the guardrails' evaluation period. Needs a namespace (as every query of this endpoint does).
   */
  public metricLatency(): string {
    return PROMQL.latencyQuantile(this.metricScope('latency metric'), 0.99, rateWindow(this.serving.guardrails.evaluationPeriod, this.scrapeInterval));
  }

  /** KServe's canaryTrafficPercent once a CanaryRollout set it. @internal */
  public get _canaryTrafficPercent(): number | undefined {
    return this.canaryTrafficPercent;
  }

  /** Sets KServe's canaryTrafficPercent and documents the plan as annotations. @internal */
  public _setCanary(percent: number, annotations: Record<string, string>): void {
    if (!this.flavour.isKServe) throw new Error(`ModelEndpoint ${this.node.path}: canaryTrafficPercent needs the KServe flavour`);
    this.canaryTrafficPercent = percent;
    for (const [k, v] of Object.entries(annotations)) this.resource.metadata.addAnnotation(k, v);
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
    const kind = !this.flavour.isKServe ? 'plain' : (this.flavour.kserveOptions.serverless ?? true) ? 'kserve-serverless' : 'kserve-raw';
    // Only this endpoint's pods: another endpoint whose name starts with this one's (digits, digits-gpu)
    // in the same namespace serves the same model label.
    return { namespace: this.namespace, model: this.serving.metadata.name, podPattern: endpointPodPattern(this.endpointName, kind) };
  }

  /** PromQL for USD per 1000 predictions (batch rows) over `window`; undefined without `hourlyPriceUsd`. */
  public metricCostPer1000Predictions(window = '5m'): string | undefined {
    return this.price ? costPer1000Expr(this.metricScope('cost'), this.price, window) : undefined;
  }
}
