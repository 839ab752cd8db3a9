import { KubernetesClusterNodePool } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-node-pool';
import { Accelerator, CapacityType, NODE_SCHEDULING } from '../../lib';
import { AKS_SPOT_TAINT, GpuDriver, GpuNodePool, GpuNodePoolProps } from '../../constructs/azure';
import { AnnotationMetadataEntryType } from 'cdktf';
import { only, synth } from './support/synth';
import { synthScopeValidated } from '../support/cdktf-scope';
import { expectNoProblems, expectProblems } from '../support/expect-problems';

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
  // Region table: AZURE_GPU_SIZE_REGIONS, from Microsoft's per-region Linux pay-as-you-go VM prices (Azure Retail
  // Prices API) as Azure/karpenter-provider-azure records them: pkg/providers/pricing/zz_generated.pricing.go at
  // 352646f599290c3a6d2f9710fb535a7b288f88ed ("generated at 2026-06-18T03:43:41Z"). initialOnDemandPrices["eastasia"]
  // has no NCasT4_v3 size but the NCv3 (V100) and NVadsA10_v5 sizes; ["northeurope"] has Standard_NC24ads_A100_v4 but
  // not Standard_ND96asr_v4; denmarkeast is an Azure location the file does not price.
  test('a VM size Azure does not sell in the cluster\'s location is refused; other sizes, the escape hatch, uncovered and unknown locations (issue 17)', () => {
    fails({ location: 'eastasia' }, /vmSize: got "Standard_NC4as_T4_v3" \(NVIDIA_T4\) in "eastasia"; allowed: a location with a listed price for Standard_NC4as_T4_v3: .*westeurope.*Fix: deploy to one of those locations, or pick a GPU size eastasia has: NVIDIA_V100 \(Standard_NC24rs_v3\); NVIDIA_A10 \(.*Standard_NV36ads_A10_v5.*\); if Azure added Standard_NC4as_T4_v3 in eastasia since, set acceptUncataloguedVmSize: true/);
    fails({ location: 'northeurope', accelerator: Accelerator.NVIDIA_A100, vmSize: 'Standard_ND96asr_v4' }, /vmSize: got "Standard_ND96asr_v4" \(NVIDIA_A100\) in "northeurope"; allowed: a location with a listed price for Standard_ND96asr_v4: eastus, italynorth, southcentralus, westeurope, westus2 /);
    fails({ location: 'west-europe' }, /location: got "west-europe"/);
    expectNoProblems(() => synthScopeValidated((s) => new GpuNodePool(s, 'P', { kubernetesClusterId: CLUSTER, name: 'gpua100', accelerator: Accelerator.NVIDIA_A100, location: 'northeurope' })));
    expectNoProblems(() => synthScopeValidated((s) => new GpuNodePool(s, 'P', { kubernetesClusterId: CLUSTER, name: 'gput4', accelerator: Accelerator.NVIDIA_T4, location: 'denmarkeast' })));
    synthScopeValidated((s) => {
      const p = new GpuNodePool(s, 'P', { kubernetesClusterId: CLUSTER, name: 'gput4', accelerator: Accelerator.NVIDIA_T4, location: 'eastasia', acceptUncataloguedVmSize: true });
      const warnings = p.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));
      expect(warnings).toEqual([expect.stringMatching(/vmSize: Standard_NC4as_T4_v3 has no listed price in eastasia per the Azure Retail Prices API .*accepted unchecked \(acceptUncataloguedVmSize\)/)]);
    });
  });
  // MicrosoftDocs/azure-docs articles/virtual-machines/ncv3-nc6s-nc12s-nc24s-retirement.md: Standard_NC6s_v3,
  // NC12s_v3 and NC24s_v3 retired on 2025-09-30 (deallocated); the price list above still prices them.
  test('a retired GPU size is refused in every location, and never suggested (issue 17)', () => {
    fails({ accelerator: Accelerator.of('NVIDIA_V100'), vmSize: 'Standard_NC12s_v3', location: 'westus2' }, /vmSize: got "Standard_NC12s_v3", retired by Azure on 2025-09-30 \(MicrosoftDocs\/azure-docs virtual-machines\/ncv3-nc6s-nc12s-nc24s-retirement\.md\); allowed: a GPU size Azure still deploys\. Fix: use Standard_NC24ads_A100_v4/);
    fails({ accelerator: Accelerator.of('NVIDIA_V100'), vmSize: 'Standard_NC24s_v3' }, /vmSize: got "Standard_NC24s_v3", retired by Azure on 2025-09-30/);
  });
  test('without location the size is not checked against a region, and synth says so (issue 17)', () => {
    synthScopeValidated((s) => {
      const p = new GpuNodePool(s, 'P', { kubernetesClusterId: CLUSTER, name: 'gpuh100', accelerator: Accelerator.NVIDIA_H100 });
      const warnings = p.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));
      expect(warnings).toContainEqual(expect.stringMatching(/vmSize: Standard_NC40ads_H100_v5 was not checked against the cluster's region; set location/));
    });
  });
  test('the accelerator label is not the user\'s to set', () => fails({ labels: { [NODE_SCHEDULING.acceleratorLabel]: 'x' } }, /labels\.model-serving\.dev\/accelerator/));
});
