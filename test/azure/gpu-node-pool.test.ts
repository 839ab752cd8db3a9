import { KubernetesClusterNodePool } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-node-pool';
import { Accelerator, CapacityType, NODE_SCHEDULING } from '../../lib';
import { AKS_SPOT_TAINT, GpuDriver, GpuNodePool, GpuNodePoolProps } from '../../constructs/azure';
import { only, synth } from './support/synth';
import { synthScopeValidated } from '../support/cdktf-scope';
import { expectProblems } from '../support/expect-problems';

const CLUSTER = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/serving';
const pool = (p: Partial<GpuNodePoolProps> = {}) => synth((s) => new GpuNodePool(s, 'Pool', { kubernetesClusterId: CLUSTER, name: 'gput4', accelerator: Accelerator.NVIDIA_T4, ...p }));

describe('GpuNodePool (AKS)', () => {
  test('snapshot of the default', () => {
    expect(pool().tf).toMatchSnapshot();
  });

  test('T4 size, autoscaling 0-2, the contract\'s GPU taint and accelerator label, AKS-managed driver', () => {
    const { json } = pool();
    expect(json).toHaveResourceWithProperties(KubernetesClusterNodePool, {
      vm_size: 'Standard_NC4as_T4_v3',
      auto_scaling_enabled: true,
      min_count: 0,
      max_count: 2,
      mode: 'User',
      gpu_driver: 'Install',
      priority: 'Regular',
      host_encryption_enabled: true,
      node_labels: { [NODE_SCHEDULING.acceleratorLabel]: 'nvidia-t4' },
      node_taints: ['nvidia.com/gpu=true:NoSchedule'],
      lifecycle: { ignore_changes: ['node_count'] },
    });
  });

  test('spot carries the label and taint AKS adds, so plans stay clean', () => {
    const r = only(pool({ capacityType: CapacityType.SPOT, gpuDriver: GpuDriver.NONE }).tf, 'azurerm_kubernetes_cluster_node_pool') as Record<string, any>;
    expect(r).toMatchObject({ priority: 'Spot', eviction_policy: 'Delete', spot_max_price: -1, gpu_driver: 'None' });
    expect(r.node_labels['kubernetes.azure.com/scalesetpriority']).toBe('spot');
    expect(r.node_taints).toEqual(['nvidia.com/gpu=true:NoSchedule', AKS_SPOT_TAINT]);
  });

  test('A100 and H100 map to their sizes', () => {
    expect((only(pool({ accelerator: Accelerator.NVIDIA_A100 }).tf, 'azurerm_kubernetes_cluster_node_pool') as Record<string, any>).vm_size).toBe('Standard_NC24ads_A100_v4');
    expect((only(pool({ accelerator: Accelerator.NVIDIA_H100 }).tf, 'azurerm_kubernetes_cluster_node_pool') as Record<string, any>).vm_size).toBe('Standard_NC40ads_H100_v5');
  });
});

describe('GpuNodePool validation', () => {
  const fails = (p: Partial<GpuNodePoolProps>, message: RegExp): void => { expectProblems(() => synthScopeValidated((s) => new GpuNodePool(s, 'P', { kubernetesClusterId: CLUSTER, name: 'gput4', accelerator: Accelerator.NVIDIA_T4, ...p })), message); };
  test('the cluster by ARM id (issue 17)', () => fails({ kubernetesClusterId: 'serving' }, /kubernetesClusterId: got "serving"; allowed: the ARM id of a Microsoft\.ContainerService\/managedClusters/));
  test('pool name rule', () => fails({ name: 'GPU-pool' }, /name: got "GPU-pool"; allowed: a lower-case letter, then up to 11/));
  test('no L4 on Azure', () => fails({ accelerator: Accelerator.NVIDIA_L4 }, /accelerator: got NVIDIA_L4; allowed: on AKS: .*\(Azure has no L4 VM size\)/));
  test('the size must carry the accelerator', () => fails({ vmSize: 'Standard_NC24ads_A100_v4' }, /vmSize: got "Standard_NC24ads_A100_v4" with accelerator NVIDIA_T4; allowed: Standard_NC24ads_A100_v4 carries NVIDIA_A100/));
  test('spot price only with spot', () => fails({ spotMaxPrice: 0.5 }, /spotMaxPrice: got 0\.5; allowed: only with capacityType CapacityType\.SPOT/));
  test('bounds', () => fails({ minNodes: 3, maxNodes: 2 }, /maxNodes: got 2 with minNodes 3/));
  test('the accelerator label is not the user\'s to set', () => fails({ labels: { [NODE_SCHEDULING.acceleratorLabel]: 'x' } }, /labels\.model-serving\.dev\/accelerator/));
});
