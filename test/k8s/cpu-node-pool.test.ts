// KarpenterCpuNodePool (formerly CpuNodePool): a Karpenter NodePool (karpenter.sh/v1) for CPU replicas, checked against the vendored Karpenter
// CRD (expectSchemaValid), and the endpoint side: the pool's node selector and the toleration for its taint.
import { Testing } from 'cdk8s';
import { Accelerator, CapacityType, Duration, ModelArtifact, ServingImage } from '../../lib';
import { CpuNodePool, CpuNodePoolProps, KarpenterCpuNodePool, KarpenterCpuNodePoolProps, ModelDelivery, ModelEndpoint } from '../../constructs/k8s';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';
import { expectSchemaValid, findOne, synthChart } from '../support/k8s-helpers';
import { expectProblems } from '../support/expect-problems';

const synth = (props: KarpenterCpuNodePoolProps) => synthChart((chart) => new KarpenterCpuNodePool(chart, 'Pool', props));

describe('CpuNodePool', () => {
  test('the deprecated name CpuNodePool is KarpenterCpuNodePool: same class, same objects', () => {
    expect(CpuNodePool).toBe(KarpenterCpuNodePool);
    const props: CpuNodePoolProps = { maxCpu: 16 };
    const chart = Testing.chart();
    expect(new CpuNodePool(chart, 'Pool', props)).toBeInstanceOf(KarpenterCpuNodePool);
    expect(Testing.synth(chart)).toEqual(synth(props));
  });

  test('compute and general-purpose instances, capped in vCPUs, tainted, consolidated when underused', () => {
    const docs = synth({ maxCpu: 64 });
    const np = findOne(docs, 'NodePool');
    expect(np.metadata.name).toBe('cpu-serving');
    expect(np.spec.template.metadata.labels).toEqual({ 'model-serving.dev/pool': 'cpu-serving' });
    expect(np.spec.template.spec.requirements).toEqual([
      { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'm'] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
      { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
    ]);
    expect(np.spec.template.spec.taints).toEqual([{ key: 'model-serving.dev/pool', value: 'cpu-serving', effect: 'NoSchedule' }]);
    expect(np.spec.limits).toEqual({ cpu: '64' });
    expect(np.spec.disruption).toEqual({ consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '300s', budgets: [{ nodes: '10%' }] });
    expectSchemaValid(docs);
  });

  test('shared pool (no taint), spot, other categories and name', () => {
    const docs = synth({ maxCpu: 16, dedicated: false, capacityTypes: [CapacityType.SPOT, CapacityType.ON_DEMAND], instanceCategories: ['c', 'r'], poolName: 'fraud-cpu', consolidateAfter: Duration.minutes(1) });
    const np = findOne(docs, 'NodePool');
    expect(np.metadata.name).toBe('fraud-cpu');
    expect(np.spec.template.spec.taints).toBeUndefined();
    expect(np.spec.template.spec.requirements[0]).toEqual({ key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'r'] });
    expectSchemaValid(docs);
  });

  test('an endpoint on the pool selects its nodes and tolerates its taint', () => {
    const docs = synthChart((chart) => {
      const pool = new KarpenterCpuNodePool(chart, 'Pool', { maxCpu: 32 });
      new ModelEndpoint(chart, 'Fraud', {
        model: ModelArtifact.fromFile(DEMO_MODEL_PATH),
        metadata: { name: 'fraud', version: '1.0.0', owner: 'risk-ml' },
        namespace: 'ml',
        image: ServingImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:0.1.0'),
        modelDelivery: ModelDelivery.bakedIntoImage(),
        nodePool: pool,
      });
    });
    const pod = findOne(docs, 'Deployment').spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'karpenter.sh/nodepool': 'cpu-serving' });
    expect(pod.tolerations).toEqual([{ key: 'model-serving.dev/pool', operator: 'Equal', value: 'cpu-serving', effect: 'NoSchedule' }]);
    expectSchemaValid(docs);
  });

  test('problems, all at once; a CPU pool for a GPU endpoint is refused', () => {
    expectProblems(() => new KarpenterCpuNodePool(Testing.chart(), 'Pool', { maxCpu: 0, poolName: 'CPU', instanceCategories: ['p', 'c'], capacityTypes: [] }), /has 4 invalid settings[\s\S]*poolName: got "CPU"[\s\S]*maxCpu: got 0; allowed: a whole number of vCPUs[\s\S]*instanceCategories: got \["p", "c"\]; allowed: .*GPU instances belong to KarpenterGpuNodePool[\s\S]*capacityTypes: got \[\]/);
    // Plain JavaScript: lists that are not arrays are reported at synth too, not a TypeError from the constructor.
    expectProblems(() => new KarpenterCpuNodePool(Testing.chart(), 'Pool', { maxCpu: 8, instanceCategories: 'c' as never, capacityTypes: 'SPOT' as never }),
      /instanceCategories: got "c"; allowed: a non-empty list[\s\S]*capacityTypes: got "SPOT"; allowed: a non-empty list/);
    const chart = Testing.chart();
    const pool = new KarpenterCpuNodePool(chart, 'Pool', { maxCpu: 8 });
    expectProblems(() => new ModelEndpoint(chart, 'Cnn', {
      model: ModelArtifact.fromFile(DEMO_MODEL_PATH),
      metadata: { name: 'cnn', version: '1.0.0', owner: 'vision' },
      namespace: 'ml',
      image: ServingImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server-gpu:0.1.0'),
      modelDelivery: ModelDelivery.bakedIntoImage(),
      accelerator: Accelerator.NVIDIA_L4,
      nodePool: pool,
    }), /nodePool: got CPU pool "cpu-serving" with accelerator NVIDIA_L4; allowed: a KarpenterGpuNodePool with the same accelerator/);
  });
});
