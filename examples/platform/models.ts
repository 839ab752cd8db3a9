// The seeds' multi-model platform as data: one entry per model, plus the settings every model shares.
// Cloud-neutral on purpose (only lib/ types): examples/platform/k8s.ts renders it on Kubernetes, and another
// backend's platform file can render the same table. Adding a model is one entry in PLATFORM
// (docs/runbooks/adding-a-model.md).
import { join } from 'node:path';
import { CircuitBreakerOptions, Duration, ExecutionProvider, LatencyPercentile } from '../../lib';

/** Where a model runs: the CPU node pool, or one NVIDIA L4 per replica on the GPU pool. */
export type PlatformCompute = 'cpu' | 'gpu';

/** One model of the platform. */
export interface PlatformModel {
  /** The model's name: its route `/api/v1/<name>`, its endpoint and its metrics label (a DNS label). */
  readonly name: string;
  /** The model version (semantic version; label and tag). */
  readonly version: string;
  /** The team that owns it (label and tag). */
  readonly owner: string;
  /**
   * The ONNX file, relative to the platform root (the repository), by convention
   * `examples/platform-models/<name>/<version folder>/model.onnx`; a `fallback.json` beside it is the circuit
   * breaker's answer.
   */
  readonly modelFile: string;
  /** CPU pool or GPU (L4) pool. */
  readonly compute: PlatformCompute;
  /** vCPUs per replica. */
  readonly cpu: number;
  /** Dynamic batching: largest batch, and the longest a request waits for its batch to fill. */
  readonly batching: { readonly maxBatchSize: number; readonly maxQueueDelayMs: number };
  /** onnxruntime execution providers, in order; TENSORRT first with `tensorRtFp16` for half precision. */
  readonly executionProviders: readonly ExecutionProvider[];
  /** TensorRT engines in FP16 (needs TENSORRT first). */
  readonly tensorRtFp16: boolean;
  /** Replica bounds and the queue-depth target: in-flight requests per replica before scaling out. */
  readonly scaling: { readonly minReplicas: number; readonly maxReplicas: number; readonly concurrentRequestsPerReplica: number };
  /** A Redis prediction cache for this model (the Redis URL comes from the platform's secret). */
  readonly cache?: { readonly ttl: Duration };
  /** A circuit breaker; with `fallback`, a fallback.json must lie next to the model file. */
  readonly circuitBreaker?: CircuitBreakerOptions & { readonly fallback: boolean };
  /** USD per replica-hour (the node share one replica takes), for the cost per 1000 predictions. */
  readonly hourlyPriceUsd: number;
  /** Alert when 1000 predictions cost more than this (USD). */
  readonly costPer1000PredictionsAbove: number;
}

/** What every model of the platform shares. */
export interface PlatformSettings {
  /** The SLO the alerts and the canary analysis enforce. */
  readonly slo: { readonly latencyPercentile: LatencyPercentile; readonly maxLatency: Duration; readonly maxErrorRatePercent: number };
  /** Every new version: this share of traffic for this long, rolled back automatically on an SLO breach. */
  readonly canary: { readonly trafficPercent: number; readonly bake: Duration };
  /** The gateway: routes under basePath, JWT, a per-API-key limit. */
  readonly gateway: {
    readonly basePath: string;
    readonly hostname: string;
    readonly jwt: { readonly issuer: string; readonly audiences: readonly string[]; readonly jwksUri: string };
    readonly requestsPerMinutePerKey: number;
  };
  /** OTLP/HTTP receiver the servers send their spans to. */
  readonly tracingEndpoint: string;
  /** Monthly budget of the platform (USD) and its GPU price. */
  readonly budget: { readonly monthlyLimitUsd: number; readonly l4HourlyUsd: number };
}

/** The folder of the platform's model files, relative to the platform root. */
export const PLATFORM_MODELS_FOLDER = join('examples', 'platform-models');

/** `examples/platform-models/<name>/<version folder>/model.onnx`. */
export function platformModelFile(name: string, versionFolder = '1'): string {
  return join(PLATFORM_MODELS_FOLDER, name, versionFolder, 'model.onnx');
}

export const PLATFORM_SETTINGS: PlatformSettings = {
  slo: { latencyPercentile: LatencyPercentile.P95, maxLatency: Duration.millis(100), maxErrorRatePercent: 0.1 },
  canary: { trafficPercent: 5, bake: Duration.hours(1) },
  gateway: {
    basePath: '/api/v1',
    hostname: 'models.example.com',
    jwt: { issuer: 'https://login.example.com/', audiences: ['https://models.example.com'], jwksUri: 'https://login.example.com/.well-known/jwks.json' },
    requestsPerMinutePerKey: 100,
  },
  tracingEndpoint: 'http://otel-collector.observability:4318',
  budget: { monthlyLimitUsd: 5000, l4HourlyUsd: 0.8 },
};

/** The platform's models: the seeds' CNN, fraud trees and transformer (stand-ins from scripts/platform-models.ts). */
export const PLATFORM: readonly PlatformModel[] = [
  {
    name: 'cnn',
    version: '1.0.0',
    owner: 'vision',
    modelFile: platformModelFile('cnn'),
    compute: 'gpu',
    cpu: 4,
    // The seeds' "batches of 8-32, 20 ms maximum wait": the server batches whatever has arrived, up to 32,
    // and waits at most 20 ms; it has no minimum batch (a lone request is not held back for 7 more).
    batching: { maxBatchSize: 32, maxQueueDelayMs: 20 },
    executionProviders: [ExecutionProvider.TENSORRT, ExecutionProvider.CUDA, ExecutionProvider.CPU],
    tensorRtFp16: false,
    scaling: { minReplicas: 1, maxReplicas: 4, concurrentRequestsPerReplica: 32 },
    hourlyPriceUsd: 0.8,
    costPer1000PredictionsAbove: 0.01,
  },
  {
    name: 'fraud',
    version: '1.0.0',
    owner: 'risk',
    modelFile: platformModelFile('fraud'),
    compute: 'cpu',
    cpu: 2,
    batching: { maxBatchSize: 8, maxQueueDelayMs: 2 },
    executionProviders: [ExecutionProvider.CPU],
    tensorRtFp16: false,
    scaling: { minReplicas: 2, maxReplicas: 10, concurrentRequestsPerReplica: 8 },
    cache: { ttl: Duration.minutes(5) },
    // fallback.json beside the model (scripts/platform-models.ts fraudFallback): probability 0.5, label 0.
    circuitBreaker: { consecutiveFailures: 5, failureRatio: 0.5, minimumCalls: 20, window: Duration.seconds(30), openDuration: Duration.seconds(10), fallback: true },
    hourlyPriceUsd: 0.1,
    costPer1000PredictionsAbove: 0.002,
  },
  {
    name: 'sentiment',
    version: '1.0.0',
    owner: 'nlp',
    modelFile: platformModelFile('sentiment'),
    compute: 'gpu',
    cpu: 4,
    batching: { maxBatchSize: 16, maxQueueDelayMs: 5 },
    executionProviders: [ExecutionProvider.TENSORRT, ExecutionProvider.CUDA, ExecutionProvider.CPU],
    tensorRtFp16: true,
    scaling: { minReplicas: 1, maxReplicas: 4, concurrentRequestsPerReplica: 16 },
    hourlyPriceUsd: 0.8,
    costPer1000PredictionsAbove: 0.01,
  },
];
