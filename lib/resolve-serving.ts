import { IConstruct } from 'constructs';
import { ArtifactStorage } from './artifact';
import { BackendCapabilities } from './capabilities';
import { DEFAULT_GRPC_PORT, SERVABLE_DATATYPES, SERVER_ENV, ServerConfig, renderServerEnvironment, ModelSignature } from './contract';
import { ProblemCollector, SpecProblem, SpecWarning, describe, isUnresolved } from './errors';
import { ResolvedGuardrails, resolveGuardrails } from './guardrails';
import { Resolution, explicitFieldsOf, refusal } from './resolution';
import { resolveServerFeatures } from './resolve-server-features';
import {
  ExecutionProvider,
  ModelServingProps,
  ResolvedServing,
  ScalingMetric,
  ScalingTarget,
  ServingImage,
  metadataTags,
  validateMetadata,
} from './spec';
import { Duration } from './units';

/**
 * The serving spec resolved for one backend.
 *
 * TypeScript-only (a backend author's helper; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export class ServingResolution extends Resolution {
  /** Resolves `props` for the backend `caps` describes. Never throws: problems are collected. */
  public static of(props: ModelServingProps, caps: BackendCapabilities): ServingResolution {
    const problems: SpecProblem[] = [];
    const warnings: SpecWarning[] = [];
    problems.push(...validateMetadata(props.metadata));
    problems.push(...validateSignature(props.model.signature, props.model.toString()));
    problems.push(...resolveModel(props, caps, warnings));
    const image = resolveImage(props, caps, problems);
    const accelerator = resolveAccelerator(props, problems);
    const scaling = resolveScaling(props, caps, problems);
    const server = resolveServer(props, caps, problems);
    const features = resolveServerFeatures(props, caps, problems, warnings);
    const guardrails = resolveGuardrails(props.guardrails, 'guardrails', problems);
    problems.push(...guardrailRefusals(guardrails, 'guardrails', caps));

    const serverConfig: Partial<ServerConfig> = {
      modelName: props.metadata.name,
      modelVersion: props.metadata.version,
      modelSignature: props.model.signature ? JSON.stringify(props.model.signature) : undefined,
      maxBatchSize: props.server?.maxBatchSize,
      maxQueueDelayMs: props.server?.maxQueueDelayMs,
      maxQueueSize: props.server?.maxQueueSize,
      requestTimeoutMs: server.requestTimeout.toMilliseconds(),
      maxRequestBodyBytes: server.maxRequestBodyBytes,
      executionProviders: server.providers.map((p) => p.name),
      warmupRuns: props.server?.warmupRuns,
      workers: props.server?.workers,
      allowNonFinite: props.server?.allowNonFinite,
      tensorRtFp16: props.server?.tensorRtFp16,
      grpcPort: server.grpc ? DEFAULT_GRPC_PORT : 0,
      ...features.config,
    };
    const resolved: ResolvedServing = {
      metadata: props.metadata,
      tags: metadataTags(props.metadata),
      image,
      accelerator: props.accelerator,
      acceleratorCount: accelerator,
      ...scaling,
      executionProviders: server.providers,
      requestTimeout: server.requestTimeout,
      maxRequestBodyBytes: server.maxRequestBodyBytes,
      grpc: server.grpc,
      serverConfig,
      // Rendering checks every value parses back; with problems pending the values may not.
      environment: problems.length === 0 ? { ...renderServerEnvironment(serverConfig), ...features.tracingEnvironment, ...features.secretReferenceEnvironment } : {},
      secretEnvironment: features.secretEnvironment,
      outbound: features.outbound,
      guardrails,
    };
    return new ServingResolution(resolved, explicitFieldsOf(props, ['scaling', 'server', 'guardrails', 'metadata']), problems, warnings);
  }

  private constructor(
    /** Values after defaults; partial where `problems` is not empty. */
    public readonly resolved: ResolvedServing,
    explicitFields: string[],
    problems: SpecProblem[],
    warnings: SpecWarning[],
  ) {
    super(explicitFields, problems, warnings);
  }

  /**
   * The resolved values; the backend's problems (already in `collector`) and these are reported at synth as
   * `scope`'s construct validation. Partial where `collector.count > 0` afterwards.
   */
  public reportIfInvalid(scope: IConstruct, owner: string, collector: ProblemCollector): ResolvedServing {
    this.report(scope, owner, collector);
    return this.resolved;
  }

  /** Throws one error with the backend's problems (already in `collector`) and these; else the resolved spec. */
  public throwIfInvalid(owner: string, collector: ProblemCollector = new ProblemCollector()): ResolvedServing {
    this.check(owner, collector);
    return this.resolved;
  }
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

function resolveModel(props: ModelServingProps, caps: BackendCapabilities, warnings: SpecWarning[]): SpecProblem[] {
  const m = props.model;
  const problems: SpecProblem[] = [];
  if (!caps.artifacts.storages.includes(m.storage)) {
    const remote = caps.artifacts.storages.filter((s) => s !== ArtifactStorage.LOCAL_FILE);
    problems.push(refusal(caps, 'model', `${describe(m.toString())} (${m.storage})`,
      `models from ${caps.artifacts.storages.join(', ')}`,
      remote.length > 0
        ? `copy the model to ${remote.join(' or ')} and use ModelArtifact.fromUri(...)${caps.artifacts.storages.includes(ArtifactStorage.LOCAL_FILE) ? ', or ModelArtifact.fromFile(path)' : ''}`
        : 'use ModelArtifact.fromFile(path)'));
  } else if (m.storage !== ArtifactStorage.LOCAL_FILE && !caps.artifacts.layouts.includes(m.layout)) {
    problems.push(refusal(caps, 'model', `${describe(m.toString())} (${m.layout})`, `layouts ${caps.artifacts.layouts.join(', ')}`, 'point the URI at a layout this backend reads'));
  }
  if (m.storage !== ArtifactStorage.LOCAL_FILE && m.signature === undefined) {
    warnings.push({
      field: 'model',
      message: `${m.toString()} has no signature: the server cannot check requests before inference nor verify at start that it loaded the model you meant. ` +
        'Pass ModelArtifact.fromUri(uri, { signature }) (e.g. from ModelArtifact.readSignature(file) on the file you uploaded).',
    });
  }
  return problems;
}

function resolveImage(props: ModelServingProps, caps: BackendCapabilities, problems: SpecProblem[]): ServingImage {
  const image = props.image ?? ServingImage.bundled();
  const where = caps.image.registryDescription ?? 'the platform registry';
  if (image.isBundled && !caps.image.buildsBundledImage) {
    problems.push(refusal(caps, 'image', props.image === undefined ? 'nothing (ServingImage.bundled() by default)' : 'ServingImage.bundled()',
      `ServingImage.fromRegistry(uri) from ${where}: ${caps.backend} cannot build the bundled image`,
      `build runtime/Dockerfile (runtime/Dockerfile.gpu with an accelerator) and push it in CI, then pass ServingImage.fromRegistry("<registry>/model-server:<tag>")`));
  } else if (!image.isBundled && caps.image.registryPattern && !isUnresolved(image.registryUri) && !new RegExp(caps.image.registryPattern).test(image.registryUri!)) {
    problems.push(refusal(caps, 'image', describe(image.registryUri), `an image in ${where}`,
      `push the image to ${where} (${caps.backend} pulls from there only)${caps.image.buildsBundledImage ? ', or use ServingImage.bundled()' : ''}`));
  }
  return image;
}

function resolveAccelerator(props: ModelServingProps, problems: SpecProblem[]): number {
  const accelerator = props.accelerator;
  if (props.acceleratorCount !== undefined && !accelerator) {
    problems.push({ field: 'acceleratorCount', given: describe(props.acceleratorCount), allowed: 'only together with accelerator', fix: 'set accelerator (e.g. Accelerator.NVIDIA_L4) or remove acceleratorCount' });
  } else if (accelerator) {
    const p = intProblem('acceleratorCount', props.acceleratorCount, 1, 16, 'use the number of GPUs per replica, e.g. 1');
    if (p) problems.push(p);
  }
  return props.acceleratorCount ?? (accelerator ? 1 : 0);
}

type ScalingPart = Pick<ResolvedServing, 'minReplicas' | 'maxReplicas' | 'targets' | 'scaleInCooldown' | 'scaleOutCooldown'>;

function resolveScaling(props: ModelServingProps, caps: BackendCapabilities, problems: SpecProblem[]): ScalingPart {
  const s = props.scaling ?? {};
  const sc = caps.scaling;
  const minReplicas = s.minReplicas ?? 1;
  const maxReplicas = s.maxReplicas ?? Math.max(minReplicas, 2);
  let minP: SpecProblem | undefined;
  if (s.minReplicas === 0 && !sc.scaleToZero) {
    minP = refusal(caps, 'scaling.minReplicas', '0', 'at least 1 replica (no scale to zero)', `${caps.backend} cannot scale to zero: use 1 or more`);
  } else {
    minP = intProblem('scaling.minReplicas', s.minReplicas, sc.scaleToZero ? 0 : 1, sc.maxReplicas, 'use a whole number of replicas');
  }
  if (minP) problems.push(minP);
  let maxP = intProblem('scaling.maxReplicas', s.maxReplicas, 1, 1_000_000, 'use a whole number of replicas');
  if (!maxP && s.maxReplicas !== undefined && !isUnresolved(s.maxReplicas) && s.maxReplicas > sc.maxReplicas) {
    maxP = refusal(caps, 'scaling.maxReplicas', describe(s.maxReplicas), `at most ${sc.maxReplicas} replicas`, `lower maxReplicas to ${sc.maxReplicas}`);
  }
  if (maxP) problems.push(maxP);
  if (!minP && !maxP && !isUnresolved(minReplicas) && !isUnresolved(maxReplicas) && minReplicas > maxReplicas) {
    problems.push({ field: 'scaling.maxReplicas', given: `${maxReplicas} with minReplicas ${minReplicas}`, allowed: 'maxReplicas >= minReplicas', fix: `raise maxReplicas to at least ${minReplicas} or lower minReplicas` });
  }

  const targets = s.targets ?? [props.accelerator ? ScalingTarget.gpuUtilization(70) : ScalingTarget.cpuUtilization(70)];
  if (targets.length === 0 || new Set(targets.map((t) => t.metric)).size !== targets.length) {
    problems.push({ field: 'scaling.targets', given: `[${targets.join(', ')}]`, allowed: 'at least one target, one per metric', fix: 'e.g. [ScalingTarget.cpuUtilization(70)]' });
  } else if (targets.length > 1 && !sc.multipleTargets) {
    problems.push(refusal(caps, 'scaling.targets', `[${targets.join(', ')}]`, 'one target (it tracks one metric per endpoint)', 'keep the target that best predicts saturation, e.g. GPU utilization for GPU models'));
  }
  targets.forEach((target, i) => {
    const field = targets.length === 1 && s.targets === undefined ? 'scaling.targets' : `scaling.targets[${i}]`;
    if (!sc.metrics.includes(target.metric)) {
      problems.push(refusal(caps, field, target.toString(), `targets on ${sc.metrics.join(', ')}`, `choose a target ${caps.backend} can track`));
    } else if (target.metric === ScalingMetric.GPU_UTILIZATION && !props.accelerator) {
      problems.push({ field, given: target.toString(), allowed: 'GPU utilization only with an accelerator', fix: 'set accelerator, or track CPU utilization or invocations per replica' });
    } else if (target.metric === ScalingMetric.INVOCATIONS_PER_REPLICA) {
      if (!(target.value > 0 && target.value <= 100_000)) {
        problems.push({ field, given: describe(target.value), allowed: 'invocations per second per replica above 0 and at most 100000', fix: 'measure one replica\'s sustainable rate and use about 70% of it' });
      }
    } else if (target.metric === ScalingMetric.CONCURRENT_REQUESTS_PER_REPLICA) {
      if (!(Number.isInteger(target.value) && target.value >= 1 && target.value <= 10_000)) {
        problems.push({ field, given: describe(target.value), allowed: 'a whole number of concurrent requests per replica from 1 to 10000', fix: 'about maxBatchSize x workers is a good start, e.g. ScalingTarget.concurrentRequestsPerReplica(8)' });
      }
    } else if (!(target.value >= 1 && target.value <= 100)) {
      problems.push({ field, given: `${target.value}%`, allowed: 'a utilization from 1 to 100 percent', fix: 'use e.g. ScalingTarget.cpuUtilization(70)' });
    }
  });

  const scaleInCooldown = s.scaleInCooldown ?? Duration.minutes(5);
  const scaleOutCooldown = s.scaleOutCooldown ?? Duration.minutes(1);
  for (const [field, d, set] of [['scaling.scaleInCooldown', scaleInCooldown, s.scaleInCooldown], ['scaling.scaleOutCooldown', scaleOutCooldown, s.scaleOutCooldown]] as const) {
    if (set !== undefined && !sc.cooldowns) {
      problems.push(refusal(caps, field, d.toString(), 'no cooldown setting (the platform decides when to scale again)', `remove ${field}`));
    } else if (d.toSeconds() > 3600 || !Number.isInteger(d.toSeconds())) {
      problems.push({ field, given: d.toString(), allowed: 'whole seconds from 0 to 1 hour', fix: 'use e.g. Duration.minutes(5)' });
    }
  }
  return { minReplicas, maxReplicas, targets, scaleInCooldown, scaleOutCooldown };
}

function resolveServer(
  props: ModelServingProps,
  caps: BackendCapabilities,
  problems: SpecProblem[],
): { providers: ExecutionProvider[]; requestTimeout: Duration; maxRequestBodyBytes: number; grpc: boolean } {
  const srv = props.server ?? {};
  const accelerator = props.accelerator;
  const providers = srv.executionProviders ?? (accelerator ? [ExecutionProvider.CUDA, ExecutionProvider.CPU] : [ExecutionProvider.CPU]);
  if (providers.length === 0 || new Set(providers).size !== providers.length) {
    problems.push({ field: 'server.executionProviders', given: `[${providers.join(', ')}]`, allowed: 'a non-empty list without repeats of TENSORRT, CUDA, CPU', fix: 'e.g. [ExecutionProvider.CUDA, ExecutionProvider.CPU]' });
  }
  const gpuProviders = providers.filter((p) => p.needsGpu);
  if (gpuProviders.length > 0 && !accelerator) {
    problems.push({ field: 'server.executionProviders', given: `[${providers.join(', ')}]`, allowed: 'tensorrt and cuda only with an accelerator', fix: 'set accelerator (e.g. Accelerator.NVIDIA_T4) or use [ExecutionProvider.CPU]' });
  }
  if (accelerator && gpuProviders.length === 0) {
    problems.push({
      field: 'server.executionProviders',
      given: `[${providers.join(', ')}] with accelerator ${accelerator.name}`,
      allowed: 'at least one GPU provider (tensorrt or cuda) when paying for a GPU',
      fix: 'use [ExecutionProvider.CUDA, ExecutionProvider.CPU], or drop the accelerator and pick a CPU instance',
    });
  }
  if (srv.tensorRtFp16 !== undefined && typeof srv.tensorRtFp16 !== 'boolean') {
    problems.push({ field: 'server.tensorRtFp16', given: describe(srv.tensorRtFp16), allowed: 'true or false', fix: 'tensorRtFp16: true' });
  } else if (srv.tensorRtFp16 === true && providers[0] !== ExecutionProvider.TENSORRT) {
    problems.push({ field: 'server.tensorRtFp16', given: `true with executionProviders [${providers.join(', ')}]`, allowed: 'only when TensorRT is the first provider (FP16 is a TensorRT engine setting)',
      fix: 'set executionProviders: [ExecutionProvider.TENSORRT, ExecutionProvider.CUDA, ExecutionProvider.CPU], or remove tensorRtFp16' });
  }
  const e = SERVER_ENV;
  const platformBody = caps.server.maxRequestBodyBytes;
  const maxRequestBodyBytes = srv.maxRequestBodySize?.toBytes() ?? platformBody ?? e.maxRequestBodyBytes.default;
  const requestTimeout = srv.requestTimeout ?? Duration.millis(e.requestTimeoutMs.default);
  for (const p of [
    intProblem('server.maxBatchSize', srv.maxBatchSize, 1, 1024, 'use 1 to turn batching off, or a power of two such as 8 or 32'),
    intProblem('server.maxQueueDelayMs', srv.maxQueueDelayMs, 0, 10_000, 'a few milliseconds is typical; 0 batches only what is already queued'),
    intProblem('server.maxQueueSize', srv.maxQueueSize, 1, 1_000_000, 'size it to what replicas can absorb during a scale-out'),
    intProblem('server.warmupRuns', srv.warmupRuns, 0, 1000, 'use 0 to skip warm-up, or a few runs'),
    intProblem('server.workers', srv.workers, 1, 64, 'one worker per GPU, or up to the core count on CPU'),
    intProblem('server.requestTimeout', requestTimeout.toMilliseconds(), 100, 3_600_000, 'use e.g. Duration.seconds(30)'),
    intProblem('server.maxRequestBodySize', maxRequestBodyBytes, 1024, 1_073_741_824, 'use e.g. Size.mebibytes(6)'),
  ]) {
    if (p) problems.push(p);
  }
  if (platformBody !== undefined && maxRequestBodyBytes > platformBody) {
    problems.push(refusal(caps, 'server.maxRequestBodySize', `${maxRequestBodyBytes} bytes`, `at most ${platformBody} bytes (what the platform forwards)`, `lower the limit to ${platformBody} bytes or less`));
  }
  const maxTimeout = caps.server.maxRequestTimeout;
  if (maxTimeout && requestTimeout.toMilliseconds() > maxTimeout.toMilliseconds()) {
    problems.push(refusal(caps, 'server.requestTimeout', requestTimeout.toString(), `at most ${maxTimeout.toString()} (the platform ends longer requests)`, `use ${maxTimeout.toString()} or less`));
  }
  const platformGrpc = caps.server.grpc ?? false;
  if (srv.grpc === true && !platformGrpc) {
    problems.push(refusal(caps, 'server.grpc', 'true', 'false: the platform forwards HTTP to one container port', 'drop server.grpc and use the Open Inference Protocol over REST'));
  }
  return { providers, requestTimeout, maxRequestBodyBytes, grpc: platformGrpc && srv.grpc !== false };
}

/** Refusals for guardrails the backend's metrics cannot express. `field` is the guardrails' dotted path. */
export function guardrailRefusals(g: ResolvedGuardrails, field: string, caps: BackendCapabilities): SpecProblem[] {
  const out: SpecProblem[] = [];
  const gc = caps.guardrails;
  if (!gc.latencyPercentiles.some((p) => p.name === g.latencyPercentile.name)) {
    out.push(refusal(caps, `${field}.latencyPercentile`, g.latencyPercentile.name, `percentiles ${gc.latencyPercentiles.map((p) => p.name).join(', ') || 'none'}`, 'choose a percentile the platform publishes'));
  }
  const multiple = gc.evaluationPeriodMultiple?.toSeconds();
  const period = g.evaluationPeriod.toSeconds();
  if (multiple && Number.isInteger(period) && period % multiple !== 0) {
    out.push(refusal(caps, `${field}.evaluationPeriod`, g.evaluationPeriod.toString(), `multiples of ${gc.evaluationPeriodMultiple!.toString()} (the platform's metric resolution; a shorter window never has data)`, `use Duration.seconds(${Math.max(multiple, Math.round(period / multiple) * multiple)})`));
  }
  return out;
}
