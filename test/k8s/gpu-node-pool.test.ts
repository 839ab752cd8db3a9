import { Accelerator, CapacityType, Duration } from '../../lib';
import { ConsolidationPolicy, GpuNodePool, GpuNodePoolProps, KarpenterGpuNodePool, KarpenterGpuNodePoolProps } from '../../constructs/k8s';
import { findOne, expectSchemaValid, synthChart } from '../support/k8s-helpers';
import { Testing } from 'cdk8s';
import { expectProblems } from '../support/expect-problems';

const synth = (props: KarpenterGpuNodePoolProps) => synthChart((chart) => new KarpenterGpuNodePool(chart, 'Pool', props));

describe('GpuNodePool', () => {
  test('snapshot', () => {
    expect(synth({ accelerator: Accelerator.NVIDIA_L4, maxGpus: 8 })).toMatchSnapshot();
  });

  test('the deprecated name GpuNodePool is KarpenterGpuNodePool: same class, same objects', () => {
    expect(GpuNodePool).toBe(KarpenterGpuNodePool);
    const props: GpuNodePoolProps = { accelerator: Accelerator.NVIDIA_L4, maxGpus: 8 };
    const chart = Testing.chart();
    expect(new GpuNodePool(chart, 'Pool', props)).toBeInstanceOf(KarpenterGpuNodePool);
    expect(Testing.synth(chart)).toEqual(synth(props));
  });

  test('constrained to the accelerator instance families, tainted, capped, consolidated', () => {
    const docs = synth({ accelerator: Accelerator.NVIDIA_L4, maxGpus: 8 });
    const np = findOne(docs, 'NodePool');
    expect(np.metadata.name).toBe('gpu-nvidia-l4');
    expect(np.spec.template.spec.requirements).toContainEqual({ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['g6', 'gr6'] });
    expect(np.spec.template.spec.requirements).toContainEqual({ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] });
    expect(np.spec.template.spec.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
    expect(np.spec.limits).toEqual({ 'nvidia.com/gpu': '8' });
    expect(np.spec.disruption).toEqual({ consolidationPolicy: 'WhenEmpty', consolidateAfter: '600s', budgets: [{ nodes: '1' }] });
    expect(np.spec.template.spec.nodeClassRef).toEqual({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' });
    expectSchemaValid(docs);
  });

  test('spot and on-demand, consolidation, node class and name props', () => {
    const np = findOne(synth({
      accelerator: Accelerator.NVIDIA_A100, maxGpus: 16, poolName: 'a100', capacityTypes: [CapacityType.SPOT, CapacityType.ON_DEMAND],
      consolidationPolicy: ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED, consolidateAfter: Duration.minutes(2), nodeClassName: 'gpu',
    }), 'NodePool');
    expect(np.metadata.name).toBe('a100');
    expect(np.spec.template.spec.requirements).toContainEqual({ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] });
    expect(np.spec.template.spec.requirements).toContainEqual({ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['p4d', 'p4de'] });
    expect(np.spec.disruption).toMatchObject({ consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '120s' });
    expect(np.spec.template.spec.nodeClassRef.name).toBe('gpu');
  });

  test('optional NVIDIA device plugin runs on the pool nodes only, in kube-system', () => {
    const docs = synth({ accelerator: Accelerator.NVIDIA_T4, maxGpus: 2, devicePlugin: true });
    const ds = findOne(docs, 'DaemonSet');
    expect(ds.metadata.namespace).toBe('kube-system');
    expect(ds.spec.template.spec.nodeSelector).toEqual({ 'model-serving.dev/accelerator': 'nvidia-t4' });
    expect(ds.spec.template.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(ds.spec.template.spec.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    expectSchemaValid(docs);
  });

  describe('validation', () => {
    const fails = (props: KarpenterGpuNodePoolProps) => () => new KarpenterGpuNodePool(Testing.chart(), 'Pool', props);
    test('accelerator without EC2 families', () => {
      expectProblems(fails({ accelerator: Accelerator.of('NVIDIA_L40S'), maxGpus: 1 }), /accelerator: got NVIDIA_L40S; allowed: an accelerator with known EC2 instance families/);
    });
    test('GPU limit', () => {
      expectProblems(fails({ accelerator: Accelerator.NVIDIA_L4, maxGpus: 0 }), /maxGpus: got 0; allowed: an integer from 1 to 10000/);
    });
    test('capacity types, name and consolidateAfter', () => {
      expectProblems(fails({ accelerator: Accelerator.NVIDIA_L4, maxGpus: 1, capacityTypes: [], poolName: 'GPU', consolidateAfter: Duration.hours(48) }), /has 3 invalid settings[\s\S]*poolName: got "GPU"[\s\S]*capacityTypes: got \[\][\s\S]*consolidateAfter: got 48h/);
    });
  });
});
