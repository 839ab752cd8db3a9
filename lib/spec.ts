import { Accelerator } from './accelerator';
import { ModelArtifact } from './artifact';
import { ExecutionProviderName, ServerConfig } from './contract';
import { SpecProblem, describe, isUnresolved } from './errors';
import { GuardrailOptions, ResolvedGuardrails } from './guardrails';
import { ServerSecret } from './secret';
import { Duration, Size } from './units';

/** Identity and provenance of the model. Every resource a construct creates carries these as tags/labels. */
export interface ModelMetadata {
  /** Model name: lower-case letters, digits and `-`, at most 40 characters (it becomes part of resource names). */
  readonly name: string;
  /** Model version: lower-case letters, digits, `.`, `_` and `-`, at most 63 characters. */
  readonly version: string;
  /** Team or person accountable for the model: lower-case letters, digits, `.`, `_` and `-`. */
  readonly owner: string;
  /** Framework the model was trained in, e.g. `pytorch-2.4`. @default - not tagged */
  readonly framework?: string;
  /** Day the model was trained, `YYYY-MM-DD`. @default - not tagged */
  readonly trainedOn?: string;
}

/** What autoscaling tracks. Enum-like. */
export enum ScalingMetric {
  INVOCATIONS_PER_REPLICA = 'INVOCATIONS_PER_REPLICA',
  CPU_UTILIZATION = 'CPU_UTILIZATION',
  GPU_UTILIZATION = 'GPU_UTILIZATION',
  /** Requests in the replica at once, queued ones included: the queue-depth signal. */
  CONCURRENT_REQUESTS_PER_REPLICA = 'CONCURRENT_REQUESTS_PER_REPLICA',
}

/** The value autoscaling holds a metric at. */
export class ScalingTarget {
  /** Requests per second per replica. */
  public static invocationsPerReplicaPerSecond(value: number): ScalingTarget {
    return new ScalingTarget(ScalingMetric.INVOCATIONS_PER_REPLICA, value);
  }
  /** Average CPU utilization in percent of the replica's cores (1-100). */
  public static cpuUtilization(percent: number): ScalingTarget {
    return new ScalingTarget(ScalingMetric.CPU_UTILIZATION, percent);
  }
  /** Average GPU utilization in percent (1-100). */
  public static gpuUtilization(percent: number): ScalingTarget {
    return new ScalingTarget(ScalingMetric.GPU_UTILIZATION, percent);
  }
  /**
   * Requests a replica holds at once, those waiting in its queue included (scale on queue depth): SageMaker's
   * ConcurrentRequestsPerModel, Knative's concurrency, the server's `model_server_inflight_requests` through KEDA.
   */
  public static concurrentRequestsPerReplica(requests: number): ScalingTarget {
    return new ScalingTarget(ScalingMetric.CONCURRENT_REQUESTS_PER_REPLICA, requests);
  }
  private constructor(public readonly metric: ScalingMetric, public readonly value: number) {}

  public toString(): string {
    if (this.metric === ScalingMetric.INVOCATIONS_PER_REPLICA) return `${this.value} invocations/s per replica`;
    if (this.metric === ScalingMetric.CONCURRENT_REQUESTS_PER_REPLICA) return `${this.value} concurrent requests per replica`;
    return `${this.value}% ${this.metric === ScalingMetric.CPU_UTILIZATION ? 'CPU' : 'GPU'}`;
  }
}

export interface ScalingOptions {
  /** Fewest replicas. 0 only where the backend can scale to zero. @default 1 */
  readonly minReplicas?: number;
  /** Most replicas. @default - the larger of minReplicas and 2 */
  readonly maxReplicas?: number;
  /**
   * What to track. Several targets (one per metric) scale out when any is above its target and in when all
   * are below; only backends that track several at once accept more than one.
   * @default - [70% GPU utilization] with an accelerator, else [70% CPU utilization]
   */
  readonly targets?: ScalingTarget[];
  /** Wait after a scale-in before the next one. @default Duration.minutes(5) */
  readonly scaleInCooldown?: Duration;
  /** Wait after a scale-out before the next one. @default Duration.minutes(1) */
  readonly scaleOutCooldown?: Duration;
}

/** An onnxruntime execution provider. Enum-like. */
export class ExecutionProvider {
  public static readonly TENSORRT = new ExecutionProvider('tensorrt', true);
  public static readonly CUDA = new ExecutionProvider('cuda', true);
  public static readonly CPU = new ExecutionProvider('cpu', false);
  private constructor(public readonly name: ExecutionProviderName, public readonly needsGpu: boolean) {}
  public toString(): string {
    return this.name;
  }
}

/** Settings for the bundled server, handed to it as environment variables (see lib/contract.ts). */
export interface ServerSettings {
  /** Largest dynamic batch, for models whose first dimension is dynamic. 1 turns batching off. @default 8 */
  readonly maxBatchSize?: number;
  /** Longest a request waits for its batch to fill, in milliseconds. @default 2 */
  readonly maxQueueDelayMs?: number;
  /** Queued requests per model; beyond it the server answers 503 with Retry-After. @default 256 */
  readonly maxQueueSize?: number;
  /** Deadline for one request, queue wait included. @default Duration.seconds(30) */
  readonly requestTimeout?: Duration;
  /**
   * Request bodies above this get 413 before parsing.
   * @default - the backend's platform limit (BackendCapabilities.server.maxRequestBodyBytes), else the server's own default (6 MiB)
   */
  readonly maxRequestBodySize?: Size;
  /** Providers tried in order; the first that loads serves. @default - [CUDA, CPU] with an accelerator, else [CPU] */
  readonly executionProviders?: ExecutionProvider[];
  /** Inference runs on zero inputs before readiness turns true. @default 3 */
  readonly warmupRuns?: number;
  /** Inference worker threads per model. @default 1 */
  readonly workers?: number;
  /** Accept NaN and Infinity in float inputs. @default false */
  readonly allowNonFinite?: boolean;
  /**
   * Let TensorRT build its engines in FP16 (half precision: about twice the throughput of FP32 on tensor-core
   * GPUs, at a small accuracy cost the model owner must accept). Needs ExecutionProvider.TENSORRT first in
   * executionProviders. @default false
   */
  readonly tensorRtFp16?: boolean;
  /**
   * Serve the Open Inference Protocol's gRPC service (`inference.GRPCInferenceService`) on DEFAULT_GRPC_PORT
   * (8081, cleartext HTTP/2) next to REST. Refused where the platform forwards HTTP only.
   * @default - on where the backend can route gRPC to the container (BackendCapabilities.server.grpc), off elsewhere
   */
  readonly grpc?: boolean;
  /**
   * Who may call the model: API keys, JWTs, and a per-minute limit per key or token subject. Honoured only
   * where callers' own credentials reach the server (refused where the platform authenticates callers itself).
   * @default - no authentication by the server (the platform's own, or the backend's default)
   */
  readonly auth?: ServerAuthOptions;
  /** A prediction cache in Redis for this model. @default - no cache */
  readonly cache?: ServerCacheOptions;
  /** A circuit breaker for this model (a fallback.json next to model.onnx answers while it is open). @default - no breaker */
  readonly circuitBreaker?: CircuitBreakerOptions;
  /** OpenTelemetry tracing to an OTLP/HTTP receiver (an OpenTelemetry Collector, Jaeger). @default - no tracing */
  readonly tracing?: TracingOptions;
}

/** JSON Web Tokens the server verifies itself (asymmetric signatures only). */
export interface JwtAuthOptions {
  /** Required `iss` claim, e.g. `https://issuer.example.com/`. */
  readonly issuer: string;
  /** Required `aud` claim. */
  readonly audience: string;
  /** The issuer's JWKS: an `https://` URL, or the absolute path of a JWKS file in the image. */
  readonly jwksUri: string;
  /** Claim listing the models a token may call (403 for other models). @default - a valid token may call any model */
  readonly modelsClaim?: string;
}

/** Authentication by the model server. At least one of `apiKeys` and `jwt`. */
export interface ServerAuthOptions {
  /**
   * The secret holding the accepted API keys as comma-separated lower-case hex SHA-256 digests
   * (`printf %s "$KEY" | sha256sum`). Callers send `Authorization: Bearer <key>` or `X-Api-Key: <key>`.
   * @default - no API keys
   */
  readonly apiKeys?: ServerSecret;
  /** JWT verification. @default - no JWT */
  readonly jwt?: JwtAuthOptions;
  /** Requests per minute per API key or JWT subject (429 with Retry-After beyond it). @default - no per-minute limit */
  readonly requestsPerMinute?: number;
}

/** The prediction cache (Redis). */
export interface ServerCacheOptions {
  /** The secret holding the `redis://` or `rediss://` URL, password included. */
  readonly redisUrl: ServerSecret;
  /** How long a cached prediction lives, in whole seconds. @default Duration.minutes(5) */
  readonly ttl?: Duration;
  /** Cache this model's predictions. `false` renders nothing. @default true */
  readonly enabled?: boolean;
}

/** When the circuit breaker opens (each trigger as the server's MODEL_SERVER_BREAKER_* variables take it). */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open it; 0 turns this trigger off. @default 5 */
  readonly consecutiveFailures?: number;
  /** Share of failed calls in the window (0-0.99) above which it opens; 0 turns this trigger off. @default 0.5 */
  readonly failureRatio?: number;
  /** Fewest calls in the window before the ratio counts. @default 20 */
  readonly minimumCalls?: number;
  /** Window of the failure ratio, whole seconds. @default Duration.seconds(30) */
  readonly window?: Duration;
  /** How long it stays open before one probe, whole seconds. @default Duration.seconds(10) */
  readonly openDuration?: Duration;
  /** A successful run slower than this counts as a failure. @default - latency does not count */
  readonly latencyThreshold?: Duration;
}

/** OpenTelemetry tracing. */
export interface TracingOptions {
  /** Base URL of an OTLP/HTTP receiver, e.g. `http://otel-collector.observability:4318` (the server adds /v1/traces). */
  readonly endpoint: string;
  /** Share (0-1) of new traces sampled; a caller's own sampling decision is followed. @default 1 */
  readonly samplerRatio?: number;
  /** `service.name` of the spans. @default - the model's name (metadata.name) */
  readonly serviceName?: string;
}

/** A variable whose value the platform takes from a secret when the container starts. */
export interface SecretEnvironmentVariable {
  readonly name: string;
  readonly secret: ServerSecret;
  /** The spec field that set it, for messages. */
  readonly field: string;
}

/** A network destination the server must reach at run time. */
export interface OutboundTarget {
  /** The spec field that names it, e.g. `server.tracing.endpoint`. */
  readonly field: string;
  /** What it is, e.g. `the OTLP collector http://otel:4318`. */
  readonly description: string;
}

/**
 * An image reference pinned to a tag or digest, `<registry>/<repository>:<tag>` or `...@sha256:<digest>` (lower-case
 * repository: the OCI distribution spec's repository name grammar). Shared by every place that takes an image.
 */
export const PINNED_IMAGE_REFERENCE = /^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._/-]+(:[\w.-]{1,128}|@sha256:[0-9a-f]{64})$/;

/** Where the server image comes from. Union-like. */
export class ServingImage {
  /** The server built from this package's runtime/ folder; the GPU Dockerfile when an accelerator is set. */
  public static bundled(): ServingImage {
    return new ServingImage(undefined);
  }
  /** An image already pushed to a registry, e.g. the bundled image your CI built and pushed. */
  public static fromRegistry(uri: string): ServingImage {
    if (!isUnresolved(uri) && !PINNED_IMAGE_REFERENCE.test(uri)) {
      throw new Error(
        `ServingImage.fromRegistry(${JSON.stringify(uri)}): expected "<registry>/<repository>:<tag>" or ` +
          '"<registry>/<repository>@sha256:<digest>", e.g. "123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0". ' +
          'Pin a tag or digest: an untagged image changes under a running endpoint.',
      );
    }
    return new ServingImage(uri);
  }
  private constructor(
    /** Registry URI; undefined for the bundled image. */
    public readonly registryUri: string | undefined,
  ) {}

  public get isBundled(): boolean {
    return this.registryUri === undefined;
  }
}


/** The cloud-neutral description of "serve this model". Every backend's props extend it. */
export interface ModelServingProps {
  /** The ONNX model. */
  readonly model: ModelArtifact;
  /** Identity and provenance; becomes tags/labels on every resource. */
  readonly metadata: ModelMetadata;
  /**
   * Server image.
   * @default - ServingImage.bundled() where the backend can build it; backends that cannot refuse the default
   */
  readonly image?: ServingImage;
  /** GPU model on each replica. @default - none, CPU only */
  readonly accelerator?: Accelerator;
  /** GPUs per replica. @default - 1 with an accelerator, where the instance type does not fix it */
  readonly acceleratorCount?: number;
  /** Replica bounds and autoscaling target. @default - see ScalingOptions */
  readonly scaling?: ScalingOptions;
  /** Batching, limits, providers and warm-up for the server. @default - see ServerSettings */
  readonly server?: ServerSettings;
  /**
   * Error-rate and latency objectives: the endpoint's alarms, and a rollout's rollback conditions unless the
   * rollout has its own. @default - see GuardrailOptions
   */
  readonly guardrails?: GuardrailOptions;
}

/** The spec after defaults and validation: what backends render. */
export interface ResolvedServing {
  readonly metadata: ModelMetadata;
  /** Tags/labels for every resource (keys and values before backend-specific sanitizing). */
  readonly tags: Readonly<Record<string, string>>;
  readonly image: ServingImage;
  readonly accelerator?: Accelerator;
  readonly acceleratorCount: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** At least one; more only where the backend tracks several at once. */
  readonly targets: ScalingTarget[];
  /** Meaningful only where the backend has cooldowns (an explicit value elsewhere is refused). */
  readonly scaleInCooldown: Duration;
  /** Meaningful only where the backend has cooldowns (an explicit value elsewhere is refused). */
  readonly scaleOutCooldown: Duration;
  readonly executionProviders: ExecutionProvider[];
  readonly requestTimeout: Duration;
  readonly maxRequestBodyBytes: number;
  /** Whether the server's gRPC listener is on (DEFAULT_GRPC_PORT); the backend exposes the port when it is. */
  readonly grpc: boolean;
  /**
   * Server settings after defaults, in the contract's shape.
   *
   * TypeScript-only (Partial<>, which jsii cannot model; the same settings are in `environment`; lib/README.md "jsii and Python").
   * @jsii ignore
   */
  readonly serverConfig: Partial<ServerConfig>;
  /** Environment for the server container (only values that differ from the server's defaults). */
  readonly environment: Readonly<Record<string, string>>;
  /** Variables the platform fills from secrets at container start; never rendered as values. */
  readonly secretEnvironment: SecretEnvironmentVariable[];
  /** Where the server connects at run time (cache, collector); a backend whose network cannot reach them refuses. */
  readonly outbound: OutboundTarget[];
  /** Error-rate and latency objectives after defaults. */
  readonly guardrails: ResolvedGuardrails;
}

export const TAG_KEYS = {
  name: 'model-name',
  version: 'model-version',
  owner: 'model-owner',
  framework: 'model-framework',
  trainedOn: 'model-trained-on',
  managedBy: 'managed-by',
} as const;
export const MANAGED_BY = 'model-serving-constructs';

const NAME = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/;
const LABELISH = /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/;

export function validateMetadata(metadata: ModelMetadata): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const check = (field: keyof ModelMetadata, value: string | undefined, pattern: RegExp, allowed: string, fix: string) => {
    if (value === undefined || isUnresolved(value)) return;
    if (!pattern.test(value)) problems.push({ field: `metadata.${field}`, given: describe(value), allowed, fix });
  };
  check('name', metadata.name, NAME, 'lower-case letters, digits and "-", starting with a letter, 1-40 characters', 'rename the model, e.g. "fraud-classifier"');
  check('version', metadata.version, LABELISH, 'lower-case letters, digits, ".", "_" and "-", 1-63 characters, starting and ending alphanumeric', 'use a version like "1.4.0" or "2026-11-01"');
  check('owner', metadata.owner, LABELISH, 'lower-case letters, digits, ".", "_" and "-", 1-63 characters', 'name the owning team, e.g. "risk-ml" (tag values cannot hold "@")');
  check('framework', metadata.framework, LABELISH, 'lower-case letters, digits, ".", "_" and "-", 1-63 characters', 'e.g. "pytorch-2.4"');
  if (metadata.trainedOn !== undefined && !isUnresolved(metadata.trainedOn)) {
    const ok = /^\d{4}-\d{2}-\d{2}$/.test(metadata.trainedOn) && !Number.isNaN(Date.parse(`${metadata.trainedOn}T00:00:00Z`)) &&
      new Date(`${metadata.trainedOn}T00:00:00Z`).toISOString().startsWith(metadata.trainedOn);
    if (!ok) problems.push({ field: 'metadata.trainedOn', given: describe(metadata.trainedOn), allowed: 'a calendar date YYYY-MM-DD', fix: 'e.g. "2026-10-31"' });
  }
  return problems;
}

export function metadataTags(metadata: ModelMetadata): Record<string, string> {
  const tags: Record<string, string> = {
    [TAG_KEYS.name]: metadata.name,
    [TAG_KEYS.version]: metadata.version,
    [TAG_KEYS.owner]: metadata.owner,
  };
  if (metadata.framework) tags[TAG_KEYS.framework] = metadata.framework;
  if (metadata.trainedOn) tags[TAG_KEYS.trainedOn] = metadata.trainedOn;
  tags[TAG_KEYS.managedBy] = MANAGED_BY;
  return tags;
}

