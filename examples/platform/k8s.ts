// The seeds' multi-model platform on Kubernetes, rendered from the table in examples/platform/models.ts:
// GPU (L4) and CPU node pools (Karpenter), one ModelEndpoint per model scaling on queue depth through KEDA,
// a 5%/1 h canary per model that rolls back on the SLO (Argo Rollouts, weights shifted on the gateway's
// own route), the ModelGateway (Envoy Gateway: /api/v1/<model>, JWT + 100/min per API key), tracing to an
// OTLP collector, a BudgetGuard, and per model a dashboard and a cost-per-1000-predictions rule.
// `npm run synth` writes it to dist/platform/k8s/ (scripts/backends.json, "platform").
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { App, Chart } from 'cdk8s';
import { Accelerator, BudgetAction, CapacityType, ModelArtifact, RolloutPolicy, ScalingTarget, ServerSecret, ServerSettings, ServingImage } from '../../lib';
import {
  AlertRouting,
  BudgetGuard,
  CanaryRollout,
  KarpenterCpuNodePool,
  KarpenterGpuNodePool,
  ModelDelivery,
  ModelEndpoint,
  ModelGateway,
  NetworkPeer,
  TrafficRouter,
} from '../../constructs/k8s';
import { PLATFORM, PLATFORM_MODELS_FOLDER, PLATFORM_SETTINGS, PlatformModel, PlatformSettings } from './models';

export const PLATFORM_K8S_OUTDIR = join('dist', 'platform', 'k8s');
/** The repository: where the table's model files are, by default. */
export const PLATFORM_ROOT = join(__dirname, '..', '..');
/** Namespace of the models, the gateway's routes and policies, guarded by the BudgetGuard. */
export const PLATFORM_NAMESPACE = 'ml-platform';
/** The Secret (yours) holding the Redis URL of the fraud model's cache, and its key. */
export const REDIS_SECRET = { name: 'platform-redis', key: 'url' } as const;
/** The PersistentVolumeClaim holding examples/platform-models/ (one folder per model and version). */
export const MODELS_CLAIM = 'platform-models';
/** The Gateway (Envoy Gateway GatewayClass) the routes attach to; its proxies run in envoy-gateway-system. */
export const PUBLIC_GATEWAY = { name: 'public', namespace: 'gateway-system', sectionName: 'https' } as const;
export const PROMETHEUS = 'http://prometheus-operated.monitoring:9090';
// Built from runtime/Dockerfile and runtime/Dockerfile.gpu and pushed by CI.
const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

export interface K8sPlatformOptions {
  /** The folder the table's `modelFile` paths are relative to. @default PLATFORM_ROOT (the repository) */
  readonly root?: string;
  /** Settings every model shares. @default PLATFORM_SETTINGS */
  readonly settings?: PlatformSettings;
}

/** What buildK8sPlatform built, for tests and callers that add to it. */
export interface K8sPlatform {
  readonly app: App;
  readonly chart: Chart;
  readonly endpoints: Readonly<Record<string, ModelEndpoint>>;
  readonly canaries: Readonly<Record<string, CanaryRollout>>;
  readonly gateway: ModelGateway;
}

/** The model's folder on the models claim: `<name>/<version folder>` under examples/platform-models/. */
function claimSubPath(m: PlatformModel): string {
  const rel = relative(PLATFORM_MODELS_FOLDER, dirname(m.modelFile));
  if (isAbsolute(m.modelFile) || rel.startsWith('..')) {
    throw new Error(`platform model "${m.name}": modelFile: got ${JSON.stringify(m.modelFile)}; allowed: a path under ${PLATFORM_MODELS_FOLDER}/ (relative to the platform root). Fix: put the file at ${PLATFORM_MODELS_FOLDER}/${m.name}/1/model.onnx and use platformModelFile("${m.name}")`);
  }
  return rel.split(sep).join('/');
}

/** The bundled server's settings for one model of the table. */
function serverSettings(m: PlatformModel, s: PlatformSettings): ServerSettings {
  const { fallback: _fallback, ...breaker } = m.circuitBreaker ?? { fallback: false };
  return {
    maxBatchSize: m.batching.maxBatchSize,
    maxQueueDelayMs: m.batching.maxQueueDelayMs,
    executionProviders: [...m.executionProviders],
    tensorRtFp16: m.tensorRtFp16,
    // HTTP only: the gateway's routes carry the OIP REST call.
    grpc: false,
    ...(m.cache ? { cache: { redisUrl: ServerSecret.fromKubernetesSecret(REDIS_SECRET.name, REDIS_SECRET.key), ttl: m.cache.ttl } } : {}),
    ...(m.circuitBreaker ? { circuitBreaker: breaker } : {}),
    tracing: { endpoint: s.tracingEndpoint },
    // Defence in depth behind the gateway: Envoy Gateway forwards the verified token unchanged (jwt_authn
    // `forward: true`, envoyproxy/gateway internal/xds/translator/jwt.go buildJWTProvider), and the server checks
    // it again, so a pod in the namespace cannot call a model without one.
    auth: { jwt: { issuer: s.gateway.jwt.issuer, audience: s.gateway.jwt.audiences[0], jwksUri: s.gateway.jwt.jwksUri } },
  };
}

/** Builds the platform's chart (no files written until `app.synth()`). */
export function buildK8sPlatform(models: readonly PlatformModel[] = PLATFORM, outdir: string = PLATFORM_K8S_OUTDIR, options: K8sPlatformOptions = {}): K8sPlatform {
  const root = options.root ?? PLATFORM_ROOT;
  const s = options.settings ?? PLATFORM_SETTINGS;
  const app = new App({ outdir });
  const chart = new Chart(app, 'platform');

  const guard = new BudgetGuard(chart, 'Budget', {
    namespace: PLATFORM_NAMESPACE,
    budget: { monthlyLimitUsd: s.budget.monthlyLimitUsd, alertThresholdsPercent: [80, 100], action: BudgetAction.NOTIFY },
    gpuPrices: [{ accelerator: Accelerator.NVIDIA_L4, hourlyUsd: s.budget.l4HourlyUsd }],
  });
  const namespace = guard.namespaceName;
  const gpuPool = new KarpenterGpuNodePool(chart, 'GpuPool', {
    accelerator: Accelerator.NVIDIA_L4,
    poolName: 'gpu-l4',
    maxGpus: guard.maxGpus,
    capacityTypes: [CapacityType.ON_DEMAND],
    devicePlugin: true,
  });
  const cpuPool = new KarpenterCpuNodePool(chart, 'CpuPool', { poolName: 'cpu-serving', maxCpu: 64 });

  const guardrails = { latencyPercentile: s.slo.latencyPercentile, maxLatency: s.slo.maxLatency, maxErrorRatePercent: s.slo.maxErrorRatePercent };
  const endpoints: Record<string, ModelEndpoint> = {};
  const canaries: Record<string, CanaryRollout> = {};
  for (const m of models) {
    const gpu = m.compute === 'gpu';
    const endpoint = new ModelEndpoint(chart, `Model-${m.name}`, {
      model: ModelArtifact.fromFile(resolve(root, m.modelFile)),
      metadata: { name: m.name, version: m.version, owner: m.owner },
      namespace,
      image: ServingImage.fromRegistry(`${REGISTRY}/${gpu ? 'model-server-gpu' : 'model-server'}:0.1.0`),
      // The claim holds examples/platform-models/ as is: model.onnx and, where there is one, fallback.json.
      modelDelivery: ModelDelivery.persistentVolumeClaim(MODELS_CLAIM, { subPath: claimSubPath(m) }),
      cpu: m.cpu,
      ...(gpu ? { accelerator: Accelerator.NVIDIA_L4, acceleratorCount: 1, nodePool: gpuPool } : { nodePool: cpuPool }),
      scaling: { minReplicas: m.scaling.minReplicas, maxReplicas: m.scaling.maxReplicas, targets: [ScalingTarget.concurrentRequestsPerReplica(m.scaling.concurrentRequestsPerReplica)] },
      keda: { prometheusAddress: PROMETHEUS },
      serviceMonitor: true,
      guardrails,
      server: serverSettings(m, s),
      // The gateway's proxies reach the pods (besides the namespace's own pods and Prometheus).
      networkAccess: { ingress: [NetworkPeer.namespace('envoy-gateway-system')] },
      dashboard: true,
      hourlyPriceUsd: m.hourlyPriceUsd,
      costPer1000PredictionsAbove: m.costPer1000PredictionsAbove,
    });
    endpoints[m.name] = endpoint;
    // 5% for an hour, then everything; the analysis rolls back on the SLO at any step.
    canaries[m.name] = new CanaryRollout(chart, `Canary-${m.name}`, {
      endpoint,
      policy: RolloutPolicy.canary({ trafficPercent: s.canary.trafficPercent, bake: s.canary.bake }),
      prometheusAddress: PROMETHEUS,
      trafficRouter: TrafficRouter.modelGateway(),
    });
  }

  const gateway = new ModelGateway(chart, 'Gateway', {
    routes: models.map((m) => ({ endpoint: endpoints[m.name] })),
    gateway: { ...PUBLIC_GATEWAY },
    namespace,
    basePath: s.gateway.basePath,
    hostnames: [s.gateway.hostname],
    jwt: { issuer: s.gateway.jwt.issuer, audiences: [...s.gateway.jwt.audiences], jwksUri: s.gateway.jwt.jwksUri },
    apiKeys: { requestsPerMinute: s.gateway.requestsPerMinutePerKey },
    guardrails,
  });
  // Every alert of the chart (guardrails, cost, budget, gateway) carries team=ml-platform for Alertmanager.
  new AlertRouting(chart, 'Alerts', { alertTarget: { labels: { team: 'ml-platform' } } });
  return { app, chart, endpoints, canaries, gateway };
}

/** Writes the platform's manifests to `outdir`; called by the repository's synth script. */
export function synthK8sPlatform(outdir: string = PLATFORM_K8S_OUTDIR): App {
  const { app } = buildK8sPlatform(PLATFORM, outdir);
  app.synth();
  return app;
}

if (require.main === module) {
  const app = synthK8sPlatform();
  console.log(`platform manifests written to ${app.outdir}`);
}
