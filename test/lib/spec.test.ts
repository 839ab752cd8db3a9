import {
  Accelerator,
  BudgetAction,
  Duration,
  ExecutionProvider,
  ModelArtifact,
  ModelServingProps,
  RolloutStepShape,
  RolloutPolicy,
  ScalingMetric,
  ScalingTarget,
  ServingImage,
  Size,
  SpecValidationError,
  parseServerEnvironment,
  SpecResolver,
} from '../../lib';
import { acceleratorForEc2Family } from '../../constructs/aws/accelerators';
import { parseEc2InstanceType } from '../../constructs/aws/instance-types';
import { TEST_CAPABILITIES, capabilities } from '../support/test-capabilities';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';

const caps = TEST_CAPABILITIES;
const model = ModelArtifact.fromFile(DEMO_MODEL_PATH);
const base: ModelServingProps = { model, metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' } };
const resolve = (extra: Partial<ModelServingProps>, c = caps) => SpecResolver.serving({ ...base, ...extra }, c).throwIfInvalid('Test');
const resolveBudget = (owner: string, spec: Parameters<typeof SpecResolver.budget>[0]) => SpecResolver.budget(spec, TEST_CAPABILITIES).throwIfInvalid(owner);

describe('resolveServing defaults', () => {
  test('CPU model: 1-2 replicas, 70% CPU, CPU provider, 6 MiB body, model identity in env', () => {
    const r = resolve({});
    expect(r.minReplicas).toBe(1);
    expect(r.maxReplicas).toBe(2);
    expect(r.targets.map((t) => [t.metric, t.value])).toEqual([[ScalingMetric.CPU_UTILIZATION, 70]]);
    expect(r.scaleInCooldown.toSeconds()).toBe(300);
    expect(r.executionProviders).toEqual([ExecutionProvider.CPU]);
    expect(r.maxRequestBodyBytes).toBe(6_291_456);
    expect(r.image.isBundled).toBe(true);
    expect(r.tags).toEqual({ 'model-name': 'digits', 'model-version': '1.0.0', 'model-owner': 'ml-platform', 'managed-by': 'model-serving-constructs' });
    const { config, problems } = parseServerEnvironment(r.environment);
    expect(problems).toEqual([]);
    expect(config.modelName).toBe('digits');
    expect(JSON.parse(config.modelSignature).inputs[0]).toMatchObject({ name: 'input', shape: [-1, 784] });
  });

  test('GPU model: 70% GPU utilization and cuda,cpu providers', () => {
    const r = resolve({ accelerator: Accelerator.NVIDIA_L4 });
    expect(r.targets.map((t) => t.metric)).toEqual([ScalingMetric.GPU_UTILIZATION]);
    expect(r.acceleratorCount).toBe(1);
    expect(r.environment.MODEL_SERVER_EXECUTION_PROVIDERS).toBe('cuda,cpu');
  });

  test('server settings reach the environment', () => {
    const r = resolve({
      server: { maxBatchSize: 32, maxQueueDelayMs: 4, maxQueueSize: 100, requestTimeout: Duration.seconds(10), maxRequestBodySize: Size.mebibytes(2), warmupRuns: 0, workers: 2, allowNonFinite: true },
    });
    expect(r.environment).toMatchObject({
      MODEL_SERVER_MAX_BATCH_SIZE: '32',
      MODEL_SERVER_MAX_QUEUE_DELAY_MS: '4',
      MODEL_SERVER_MAX_QUEUE_SIZE: '100',
      MODEL_SERVER_REQUEST_TIMEOUT_MS: '10000',
      MODEL_SERVER_MAX_REQUEST_BODY_BYTES: String(2 * 1024 * 1024),
      MODEL_SERVER_WARMUP_RUNS: '0',
      MODEL_SERVER_WORKERS: '2',
      MODEL_SERVER_ALLOW_NON_FINITE: 'true',
    });
  });

  test('metadata framework and training date become tags', () => {
    const r = resolve({ metadata: { ...base.metadata, framework: 'pytorch-2.4', trainedOn: '2026-10-31' } });
    expect(r.tags).toMatchObject({ 'model-framework': 'pytorch-2.4', 'model-trained-on': '2026-10-31' });
  });

  test('scale to zero is allowed where the backend supports it', () => {
    expect(resolve({ scaling: { minReplicas: 0, maxReplicas: 3 } }, capabilities({ scaling: { ...caps.scaling, scaleToZero: true } })).minReplicas).toBe(0);
  });
});

describe('resolveServing rejects bad values with what, allowed and fix', () => {
  const rules: [string, Partial<ModelServingProps>, RegExp][] = [
    ['model name with upper case', { metadata: { ...base.metadata, name: 'Digits' } }, /metadata\.name: got "Digits"; allowed: lower-case letters.*Fix: rename/],
    ['version with a space', { metadata: { ...base.metadata, version: '1 0' } }, /metadata\.version: got "1 0"/],
    ['owner as e-mail', { metadata: { ...base.metadata, owner: 'a@b.com' } }, /metadata\.owner: got "a@b\.com".*cannot hold "@"/],
    ['impossible training date', { metadata: { ...base.metadata, trainedOn: '2026-02-30' } }, /metadata\.trainedOn: got "2026-02-30"; allowed: a calendar date/],
    ['GPU count without accelerator', { acceleratorCount: 2 }, /acceleratorCount: got 2; allowed: only together with accelerator/],
    ['zero GPUs', { accelerator: Accelerator.NVIDIA_T4, acceleratorCount: 0 }, /acceleratorCount: got 0; allowed: an integer from 1 to 16/],
    ['min replicas zero where the backend cannot', { scaling: { minReplicas: 0 } }, /scaling\.minReplicas: got 0; allowed: on TestCloud: at least 1 replica \(no scale to zero\)\. Fix: TestCloud cannot scale to zero/],
    ['min above max', { scaling: { minReplicas: 5, maxReplicas: 2 } }, /scaling\.maxReplicas: got 2 with minReplicas 5; allowed: maxReplicas >= minReplicas/],
    ['fractional replicas', { scaling: { maxReplicas: 2.5 } }, /scaling\.maxReplicas: got 2\.5/],
    ['GPU target without GPU', { scaling: { targets: [ScalingTarget.gpuUtilization(60)] } }, /scaling\.targets\[0\]: got 60% GPU; allowed: GPU utilization only with an accelerator/],
    ['utilization above 100', { scaling: { targets: [ScalingTarget.cpuUtilization(150)] } }, /scaling\.targets\[0\]: got 150%; allowed: a utilization from 1 to 100 percent/],
    ['zero invocations target', { scaling: { targets: [ScalingTarget.invocationsPerReplicaPerSecond(0)] } }, /scaling\.targets\[0\]: got 0; allowed: invocations per second per replica above 0/],
    ['cooldown over an hour', { scaling: { scaleInCooldown: Duration.hours(2) } }, /scaling\.scaleInCooldown: got 2h; allowed: whole seconds from 0 to 1 hour/],
    ['CUDA without accelerator', { server: { executionProviders: [ExecutionProvider.CUDA, ExecutionProvider.CPU] } }, /server\.executionProviders: got \[cuda, cpu\]; allowed: tensorrt and cuda only with an accelerator/],
    ['GPU paid for but CPU only', { accelerator: Accelerator.NVIDIA_A10G, server: { executionProviders: [ExecutionProvider.CPU] } }, /at least one GPU provider .*when paying for a GPU/],
    ['repeated providers', { server: { executionProviders: [ExecutionProvider.CPU, ExecutionProvider.CPU] } }, /a non-empty list without repeats/],
    ['empty providers', { server: { executionProviders: [] } }, /a non-empty list without repeats/],
    ['batch size zero', { server: { maxBatchSize: 0 } }, /server\.maxBatchSize: got 0; allowed: an integer from 1 to 1024\. Fix: use 1 to turn batching off/],
    ['queue delay too long', { server: { maxQueueDelayMs: 60_000 } }, /server\.maxQueueDelayMs: got 60000/],
    ['queue size zero', { server: { maxQueueSize: 0 } }, /server\.maxQueueSize: got 0/],
    ['negative warm-up', { server: { warmupRuns: -1 } }, /server\.warmupRuns: got -1/],
    ['too many workers', { server: { workers: 100 } }, /server\.workers: got 100/],
    ['timeout too short', { server: { requestTimeout: Duration.millis(5) } }, /server\.requestTimeout: got 5/],
    ['body above the platform limit', { server: { maxRequestBodySize: Size.mebibytes(10) } }, /server\.maxRequestBodySize: got 10485760 bytes; allowed: on TestCloud: at most 6291456 bytes \(what the platform forwards\)/],
  ];
  test.each(rules)('%s', (_name, extra, message) => {
    expect(() => resolve(extra)).toThrow(SpecValidationError);
    expect(() => resolve(extra)).toThrow(message);
  });

  test('a target the backend cannot track names the backend', () => {
    expect(() => resolve({ scaling: { targets: [ScalingTarget.invocationsPerReplicaPerSecond(10)] } }, capabilities({ scaling: { ...caps.scaling, metrics: [ScalingMetric.CPU_UTILIZATION] } })))
      .toThrow(/scaling\.targets\[0\]: got 10 invocations\/s per replica; allowed: on TestCloud: targets on CPU_UTILIZATION/);
  });

  test('a concurrent-requests target must be a whole number from 1 to 10000', () => {
    const withConcurrency = capabilities({ scaling: { ...caps.scaling, metrics: [...caps.scaling.metrics, ScalingMetric.CONCURRENT_REQUESTS_PER_REPLICA] } });
    for (const bad of [0, 2.5, 20_000]) {
      expect(() => resolve({ scaling: { targets: [ScalingTarget.concurrentRequestsPerReplica(bad)] } }, withConcurrency))
        .toThrow(new RegExp(`scaling\\.targets\\[0\\]: got ${bad}; allowed: a whole number of concurrent requests per replica from 1 to 10000`));
    }
    expect(resolve({ scaling: { targets: [ScalingTarget.concurrentRequestsPerReplica(8)] } }, withConcurrency).targets.map(String)).toEqual(['8 concurrent requests per replica']);
  });

  test('every problem is reported in one error', () => {
    try {
      resolve({ metadata: { ...base.metadata, name: 'BAD' }, scaling: { minReplicas: 3, maxReplicas: 1 }, server: { maxBatchSize: 0 } });
      throw new Error('expected a SpecValidationError');
    } catch (err) {
      expect(err).toBeInstanceOf(SpecValidationError);
      expect((err as SpecValidationError).problems.map((p) => p.field)).toEqual(['metadata.name', 'scaling.maxReplicas', 'server.maxBatchSize']);
      expect((err as Error).message).toMatch(/^Test has 3 invalid settings:/);
    }
  });

  test('a BF16 model input cannot be served', () => {
    const bf16 = { ...model, signature: { opset: 17, inputs: [{ name: 'x', datatype: 'BF16', shape: [-1, 2] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }] }, toString: () => 'bf16.onnx' } as unknown as ModelArtifact;
    expect(() => resolve({ model: bf16 })).toThrow(/model input "x": got BF16 \(in bf16\.onnx\).*onnxruntime-node has no BF16 tensors/);
  });
});

describe('ServingImage', () => {
  test('fromRegistry accepts a tagged or digested image', () => {
    expect(ServingImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0').registryUri).toContain('model-server:1.0.0');
    expect(ServingImage.fromRegistry(`ghcr.io/acme/model-server@sha256:${'a'.repeat(64)}`).isBundled).toBe(false);
  });
  test('fromRegistry refuses an untagged image', () => {
    expect(() => ServingImage.fromRegistry('ghcr.io/acme/model-server')).toThrow(/expected "<registry>\/<repository>:<tag>".*Pin a tag or digest/);
  });
});

describe('Accelerator', () => {
  test('of() returns the known constant for a known name and a new one otherwise', () => {
    expect(Accelerator.of('NVIDIA_L4')).toBe(Accelerator.NVIDIA_L4);
    const l40s = Accelerator.of('NVIDIA_L40S');
    expect(l40s.name).toBe('NVIDIA_L40S');
    expect(l40s.nodeLabelValue).toBe('nvidia-l40s');
    expect(l40s.declared).toEqual({});
  });
  test('of() refuses a malformed name', () => {
    expect(() => Accelerator.of('nvidia l40s')).toThrow(/upper-case letters, digits and underscores/);
  });
  test('EC2 families map to their GPU (the table lives in constructs/aws/accelerators.ts)', () => {
    expect(acceleratorForEc2Family('g5')).toBe(Accelerator.NVIDIA_A10G);
    expect(acceleratorForEc2Family('g4dn')).toBe(Accelerator.NVIDIA_T4);
    expect(acceleratorForEc2Family('m5')).toBeUndefined();
  });
  test('instance types parse into family, size and GPU count', () => {
    expect(parseEc2InstanceType('ml.g5.12xlarge')).toEqual({ family: 'g5', size: '12xlarge', accelerated: true, gpuCount: 4 });
    expect(parseEc2InstanceType('ml.m5.large')).toEqual({ family: 'm5', size: 'large', accelerated: false, gpuCount: undefined });
    expect(parseEc2InstanceType('large')).toBeUndefined();
  });
});

describe('RolloutPolicy', () => {
  test('canary defaults: 5% for an hour, then 100% with a 10 minute final bake', () => {
    const p = RolloutPolicy.canary();
    expect(p.shape).toBe(RolloutStepShape.ONE_STEP);
    expect(p.steps.map((s) => [s.trafficPercent, s.bake.toSeconds()])).toEqual([[5, 3600], [100, 600]]);
    // No guardrails of its own: the endpoint's apply.
    expect(p.guardrails).toBeUndefined();
    expect(p.totalBake.toSeconds()).toBe(4200);
  });
  test('linear steps up to 100', () => {
    const p = RolloutPolicy.linear({ stepPercent: 25, interval: Duration.minutes(5) });
    expect(p.steps.map((s) => s.trafficPercent)).toEqual([25, 50, 75, 100]);
  });
  test('explicit steps: 5%, 25%, 100%', () => {
    const p = RolloutPolicy.steps([
      { trafficPercent: 5, bake: Duration.hours(1) },
      { trafficPercent: 25, bake: Duration.hours(1) },
      { trafficPercent: 100, bake: Duration.minutes(10) },
    ]);
    expect(p.steps).toHaveLength(3);
  });
  test.each([
    ['steps not ending at 100', () => RolloutPolicy.steps([{ trafficPercent: 5, bake: Duration.hours(1) }, { trafficPercent: 50, bake: Duration.hours(1) }]), /steps\[1\]\.trafficPercent: got 50; allowed: the last step at 100/],
    ['steps going down', () => RolloutPolicy.steps([{ trafficPercent: 50, bake: Duration.hours(1) }, { trafficPercent: 10, bake: Duration.hours(1) }, { trafficPercent: 100, bake: Duration.hours(1) }]), /steps\[1\]\.trafficPercent: got 10 after 50; allowed: strictly increasing/],
    ['no steps', () => RolloutPolicy.steps([]), /steps: got \[\]; allowed: at least one step/],
    ['canary of 100%', () => RolloutPolicy.canary({ trafficPercent: 100 }), /trafficPercent: got 100 after 100; allowed: strictly increasing percents/],
    ['error rate of zero', () => RolloutPolicy.canary({ guardrails: { maxErrorRatePercent: 0 } }), /guardrails\.maxErrorRatePercent: got 0/],
    ['evaluation period under 10 s', () => RolloutPolicy.canary({ guardrails: { evaluationPeriod: Duration.seconds(5) } }), /guardrails\.evaluationPeriod: got 5s; allowed: whole seconds from 10 s to 1 hour/],
    ['bake over a day', () => RolloutPolicy.canary({ bake: Duration.hours(30) }), /steps\[0\]\.bake: got 30h; allowed: whole seconds up to 24 hours/],
    ['linear step of 0', () => RolloutPolicy.linear({ stepPercent: 0 }), /stepPercent: got 0; allowed: an integer from 1 to 50/],
  ])('refuses %s', (_n, make, message) => {
    expect(make).toThrow(message);
  });
});

describe('resolveBudget', () => {
  test('defaults', () => {
    expect(resolveBudget('B', { monthlyLimitUsd: 1000 })).toEqual({
      monthlyLimitUsd: 1000, alertThresholdsPercent: [50, 80, 100], forecastThresholdPercent: 100,
      action: BudgetAction.SCALE_TO_FLOOR, enforceAtPercent: 100, emails: [],
    });
  });
  test.each([
    [{ monthlyLimitUsd: 0 }, /budget\.monthlyLimitUsd: got 0/],
    [{ monthlyLimitUsd: 10, alertThresholdsPercent: [] }, /budget\.alertThresholdsPercent: got \[\]/],
    [{ monthlyLimitUsd: 10, alertThresholdsPercent: [50, 50] }, /distinct percents/],
    [{ monthlyLimitUsd: 10, enforceAtPercent: -5 }, /budget\.enforceAtPercent: got -5/],
    [{ monthlyLimitUsd: 10, emails: ['oncall'] }, /budget\.emails\[0\]: got "oncall"; allowed: an e-mail address/],
  ])('refuses %j', (spec, message) => {
    expect(() => resolveBudget('B', spec)).toThrow(message);
  });
});

describe('server.tensorRtFp16', () => {
  const gpu = { accelerator: Accelerator.NVIDIA_T4 };
  test('rendered as MODEL_SERVER_TENSORRT_FP16 with TensorRT first', () => {
    const r = resolve({ ...gpu, server: { executionProviders: [ExecutionProvider.TENSORRT, ExecutionProvider.CUDA, ExecutionProvider.CPU], tensorRtFp16: true } });
    expect(r.environment).toMatchObject({ MODEL_SERVER_TENSORRT_FP16: 'true', MODEL_SERVER_EXECUTION_PROVIDERS: 'tensorrt,cuda,cpu' });
    expect(resolve(gpu).environment.MODEL_SERVER_TENSORRT_FP16).toBeUndefined();
  });
  test('refused without TensorRT as the first provider, and for a value that is not a boolean', () => {
    expect(() => resolve({ ...gpu, server: { tensorRtFp16: true } }))
      .toThrow(/server\.tensorRtFp16: got true with executionProviders \[cuda, cpu\]; allowed: only when TensorRT is the first provider.*Fix: set executionProviders: \[ExecutionProvider\.TENSORRT/);
    expect(() => resolve({ ...gpu, server: { tensorRtFp16: 'yes' as unknown as boolean } })).toThrow(/server\.tensorRtFp16: got "yes"; allowed: true or false/);
  });
});
