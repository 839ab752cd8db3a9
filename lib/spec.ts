import { Accelerator } from './accelerator';
import { ModelArtifact } from './artifact';
import {
  ExecutionProviderName,
  ModelSignature,
  SERVABLE_DATATYPES,
  SERVER_ENV,
  ServerConfig,
  renderServerEnvironment,
} from './contract';
import { ProblemCollector, SpecProblem, describe, isUnresolved } from './errors';
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
  private constructor(public readonly metric: ScalingMetric, public readonly value: number) {}

  public toString(): string {
    return this.metric === ScalingMetric.INVOCATIONS_PER_REPLICA
      ? `${this.value} invocations/s per replica`
      : `${this.value}% ${this.metric === ScalingMetric.CPU_UTILIZATION ? 'CPU' : 'GPU'}`;
  }
}

export interface ScalingOptions {
  /** Fewest replicas. 0 only where the backend can scale to zero. @default 1 */
  readonly minReplicas?: number;
  /** Most replicas. @default - the larger of minReplicas and 2 */
  readonly maxReplicas?: number;
  /** What to track. @default - 70% GPU utilization with an accelerator, else 70% CPU utilization */
  readonly target?: ScalingTarget;
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
  /** Request bodies above this get 413 before parsing. @default - 6 MiB, SageMaker's own limit */
  readonly maxRequestBodySize?: Size;
  /** Providers tried in order; the first that loads serves. @default - [CUDA, CPU] with an accelerator, else [CPU] */
  readonly executionProviders?: ExecutionProvider[];
  /** Inference runs on zero inputs before readiness turns true. @default 3 */
  readonly warmupRuns?: number;
  /** Inference worker threads per model. @default 1 */
  readonly workers?: number;
  /** Accept NaN and Infinity in float inputs. @default false */
  readonly allowNonFinite?: boolean;
}

/** Where the server image comes from. Union-like. */
export class ServingImage {
  /** The server built from this package's runtime/ folder; the GPU Dockerfile when an accelerator is set. */
  public static bundled(): ServingImage {
    return new ServingImage(undefined);
  }
  /** An image already pushed to a registry, e.g. the bundled image your CI built and pushed. */
  public static fromRegistry(uri: string): ServingImage {
    if (!isUnresolved(uri) && !/^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._/-]+(:[\w.-]{1,128}|@sha256:[0-9a-f]{64})$/.test(uri)) {
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
  /** Server image. @default ServingImage.bundled() */
  readonly image?: ServingImage;
  /** GPU model on each replica. @default - none, CPU only */
  readonly accelerator?: Accelerator;
  /** GPUs per replica. @default - 1 with an accelerator, where the instance type does not fix it */
  readonly acceleratorCount?: number;
  /** Replica bounds and autoscaling target. @default - see ScalingOptions */
  readonly scaling?: ScalingOptions;
  /** Batching, limits, providers and warm-up for the server. @default - see ServerSettings */
  readonly server?: ServerSettings;
}

/** What a backend can do, so the shared validation can say which backend refuses what. */
export interface BackendCapabilities {
  /** Human name for messages, e.g. `SageMaker`. */
  readonly backend: string;
  readonly supportsScaleToZero: boolean;
  readonly scalingMetrics: readonly ScalingMetric[];
  /** Largest request body the platform forwards. @default - no platform limit */
  readonly maxRequestBodyBytes?: number;
  /** Most replicas the backend allows. @default 1000 */
  readonly maxReplicas?: number;
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
  readonly target: ScalingTarget;
  readonly scaleInCooldown: Duration;
  readonly scaleOutCooldown: Duration;
  readonly executionProviders: readonly ExecutionProvider[];
  readonly requestTimeout: Duration;
  readonly maxRequestBodyBytes: number;
  /** Server settings after defaults, in the contract's shape. */
  readonly serverConfig: Partial<ServerConfig>;
  /** Environment for the server container (only values that differ from the server's defaults). */
  readonly environment: Readonly<Record<string, string>>;
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

function intProblem(field: string, value: number | undefined, min: number, max: number, fix: string): SpecProblem | undefined {
  if (value === undefined || isUnresolved(value)) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    return { field, given: describe(value), allowed: `an integer from ${min} to ${max}`, fix };
  }
  return undefined;
}

/** Signature problems that would make the server unable to serve the model. */
export function validateSignature(signature: ModelSignature | undefined, file: string): SpecProblem[] {
  if (!signature) return [];
  const problems: SpecProblem[] = [];
  for (const [kind, list] of [['input', signature.inputs], ['output', signature.outputs]] as const) {
    for (const t of list) {
      if (!SERVABLE_DATATYPES.includes(t.datatype)) {
        problems.push({
          field: `model ${kind} "${t.name}"`,
          given: `${t.datatype} (in ${file})`,
          allowed: SERVABLE_DATATYPES.join(', '),
          fix: t.datatype === 'BF16'
            ? 'onnxruntime-node has no BF16 tensors: export the model with FP16 or FP32 inputs and outputs'
            : 'export the model with a supported element type',
        });
      }
    }
  }
  return problems;
}

/**
 * Applies defaults to the shared spec and validates it for one backend. Throws one `SpecValidationError`
 * listing every problem. Backends call this first, then add their own problems to `collector`.
 */
export function resolveServing(
  owner: string,
  props: ModelServingProps,
  caps: BackendCapabilities,
  collector: ProblemCollector = new ProblemCollector(),
): ResolvedServing {
  collector.addAll(validateMetadata(props.metadata));
  collector.addAll(validateSignature(props.model.signature, props.model.toString()));

  const accelerator = props.accelerator;
  const acceleratorCount = props.acceleratorCount ?? (accelerator ? 1 : 0);
  if (props.acceleratorCount !== undefined && !accelerator) {
    collector.add({
      field: 'acceleratorCount',
      given: describe(props.acceleratorCount),
      allowed: 'only together with accelerator',
      fix: 'set accelerator (e.g. Accelerator.NVIDIA_L4) or remove acceleratorCount',
    });
  } else if (accelerator) {
    const p = intProblem('acceleratorCount', props.acceleratorCount, 1, 16, 'use the number of GPUs per replica, e.g. 1');
    if (p) collector.add(p);
  }

  // Scaling
  const s = props.scaling ?? {};
  const minAllowed = caps.supportsScaleToZero ? 0 : 1;
  const maxAllowed = caps.maxReplicas ?? 1000;
  const minReplicas = s.minReplicas ?? 1;
  const maxReplicas = s.maxReplicas ?? Math.max(minReplicas, 2);
  const minP = intProblem('scaling.minReplicas', s.minReplicas, minAllowed, maxAllowed,
    minAllowed === 1 ? `${caps.backend} cannot scale to zero: use 1 or more` : 'use a whole number of replicas');
  if (minP) collector.add(minP);
  const maxP = intProblem('scaling.maxReplicas', s.maxReplicas, Math.max(1, minAllowed), maxAllowed, 'use a whole number of replicas');
  if (maxP) collector.add(maxP);
  if (!minP && !maxP && !isUnresolved(minReplicas) && !isUnresolved(maxReplicas) && minReplicas > maxReplicas) {
    collector.add({
      field: 'scaling.maxReplicas',
      given: `${maxReplicas} with minReplicas ${minReplicas}`,
      allowed: 'maxReplicas >= minReplicas',
      fix: `raise maxReplicas to at least ${minReplicas} or lower minReplicas`,
    });
  }
  const target = s.target ?? (accelerator ? ScalingTarget.gpuUtilization(70) : ScalingTarget.cpuUtilization(70));
  if (!caps.scalingMetrics.includes(target.metric)) {
    collector.add({
      field: 'scaling.target',
      given: target.toString(),
      allowed: `on ${caps.backend}: ${caps.scalingMetrics.join(', ')}`,
      fix: `choose a target ${caps.backend} can track`,
    });
  } else if (target.metric === ScalingMetric.GPU_UTILIZATION && !accelerator) {
    collector.add({
      field: 'scaling.target',
      given: target.toString(),
      allowed: 'GPU utilization only with an accelerator',
      fix: 'set accelerator, or track CPU utilization or invocations per replica',
    });
  } else if (target.metric === ScalingMetric.INVOCATIONS_PER_REPLICA) {
    if (!(target.value > 0 && target.value <= 100_000)) {
      collector.add({ field: 'scaling.target', given: describe(target.value), allowed: 'invocations per second per replica above 0 and at most 100000', fix: 'measure one replica\'s sustainable rate and use about 70% of it' });
    }
  } else if (!(target.value >= 1 && target.value <= 100)) {
    collector.add({ field: 'scaling.target', given: `${target.value}%`, allowed: 'a utilization from 1 to 100 percent', fix: 'use e.g. ScalingTarget.cpuUtilization(70)' });
  }
  const scaleInCooldown = s.scaleInCooldown ?? Duration.minutes(5);
  const scaleOutCooldown = s.scaleOutCooldown ?? Duration.minutes(1);
  for (const [field, d] of [['scaling.scaleInCooldown', scaleInCooldown], ['scaling.scaleOutCooldown', scaleOutCooldown]] as const) {
    if (d.toSeconds() > 3600 || !Number.isInteger(d.toSeconds())) {
      collector.add({ field, given: d.toString(), allowed: 'whole seconds from 0 to 1 hour', fix: 'use e.g. Duration.minutes(5)' });
    }
  }

  // Server settings
  const srv = props.server ?? {};
  const providers = srv.executionProviders ?? (accelerator ? [ExecutionProvider.CUDA, ExecutionProvider.CPU] : [ExecutionProvider.CPU]);
  if (providers.length === 0 || new Set(providers).size !== providers.length) {
    collector.add({ field: 'server.executionProviders', given: `[${providers.join(', ')}]`, allowed: 'a non-empty list without repeats of TENSORRT, CUDA, CPU', fix: 'e.g. [ExecutionProvider.CUDA, ExecutionProvider.CPU]' });
  }
  const gpuProviders = providers.filter((p) => p.needsGpu);
  if (gpuProviders.length > 0 && !accelerator) {
    collector.add({
      field: 'server.executionProviders',
      given: `[${providers.join(', ')}]`,
      allowed: 'tensorrt and cuda only with an accelerator',
      fix: 'set accelerator (e.g. Accelerator.NVIDIA_T4) or use [ExecutionProvider.CPU]',
    });
  }
  if (accelerator && gpuProviders.length === 0) {
    collector.add({
      field: 'server.executionProviders',
      given: `[${providers.join(', ')}] with accelerator ${accelerator.name}`,
      allowed: 'at least one GPU provider (tensorrt or cuda) when paying for a GPU',
      fix: 'use [ExecutionProvider.CUDA, ExecutionProvider.CPU], or drop the accelerator and pick a CPU instance',
    });
  }
  const e = SERVER_ENV;
  const maxBodyLimit = caps.maxRequestBodyBytes ?? 1_073_741_824;
  const maxRequestBodyBytes = srv.maxRequestBodySize?.toBytes() ?? Math.min(e.maxRequestBodyBytes.default, maxBodyLimit);
  const requestTimeout = srv.requestTimeout ?? Duration.millis(e.requestTimeoutMs.default);
  for (const p of [
    intProblem('server.maxBatchSize', srv.maxBatchSize, 1, 1024, 'use 1 to turn batching off, or a power of two such as 8 or 32'),
    intProblem('server.maxQueueDelayMs', srv.maxQueueDelayMs, 0, 10_000, 'a few milliseconds is typical; 0 batches only what is already queued'),
    intProblem('server.maxQueueSize', srv.maxQueueSize, 1, 1_000_000, 'size it to what replicas can absorb during a scale-out'),
    intProblem('server.warmupRuns', srv.warmupRuns, 0, 1000, 'use 0 to skip warm-up, or a few runs'),
    intProblem('server.workers', srv.workers, 1, 64, 'one worker per GPU, or up to the core count on CPU'),
    intProblem('server.requestTimeout', requestTimeout.toMilliseconds(), 100, 3_600_000, 'use e.g. Duration.seconds(30)'),
    intProblem('server.maxRequestBodySize', maxRequestBodyBytes, 1024, maxBodyLimit,
      caps.maxRequestBodyBytes ? `${caps.backend} forwards at most ${maxBodyLimit} bytes; lower the limit` : 'use e.g. Size.mebibytes(6)'),
  ]) {
    if (p) collector.add(p);
  }

  collector.throwIfAny(owner);

  const serverConfig: Partial<ServerConfig> = {
    modelName: props.metadata.name,
    modelVersion: props.metadata.version,
    modelSignature: props.model.signature ? JSON.stringify(props.model.signature) : undefined,
    maxBatchSize: srv.maxBatchSize,
    maxQueueDelayMs: srv.maxQueueDelayMs,
    maxQueueSize: srv.maxQueueSize,
    requestTimeoutMs: requestTimeout.toMilliseconds(),
    maxRequestBodyBytes,
    executionProviders: providers.map((p) => p.name),
    warmupRuns: srv.warmupRuns,
    workers: srv.workers,
    allowNonFinite: srv.allowNonFinite,
  };
  return {
    metadata: props.metadata,
    tags: metadataTags(props.metadata),
    image: props.image ?? ServingImage.bundled(),
    accelerator,
    acceleratorCount,
    minReplicas,
    maxReplicas,
    target,
    scaleInCooldown,
    scaleOutCooldown,
    executionProviders: providers,
    requestTimeout,
    maxRequestBodyBytes,
    serverConfig,
    environment: renderServerEnvironment(serverConfig),
  };
}
