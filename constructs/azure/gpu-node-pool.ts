import { KubernetesClusterNodePool } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-node-pool';
import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { Accelerator, CapacityType, NODE_SCHEDULING, ProblemCollector, describe, isUnresolved } from '../../lib';
import { checkNodePoolSizing, IGpuNodePoolContract } from '../../lib/backend';
import { AKS_NODE_POOL_CAPABILITIES } from './capabilities';
import { checkAzureGpuRegion, retiredGpuSizeProblem } from './instance-types';
import { ARM_ID_TYPES, checkArmId, checkLocation, checkZones } from './validation';
import { AKS_NODE_POOL_NAME } from './names';
import { NODE_POOL_PROP_SHAPES, throwIfBadShapes } from '../../lib/prop-shapes';

/** GPU VM sizes AKS node pools can use, per accelerator (the first is the default). */
export const AKS_GPU_VM_SIZES: Readonly<Record<string, readonly string[]>> = {
  [Accelerator.NVIDIA_T4.name]: ['Standard_NC4as_T4_v3', 'Standard_NC8as_T4_v3', 'Standard_NC16as_T4_v3', 'Standard_NC64as_T4_v3'],
  [Accelerator.NVIDIA_A100.name]: ['Standard_NC24ads_A100_v4', 'Standard_NC48ads_A100_v4', 'Standard_NC96ads_A100_v4', 'Standard_ND96asr_v4', 'Standard_ND96amsr_A100_v4'],
  [Accelerator.NVIDIA_H100.name]: ['Standard_NC40ads_H100_v5', 'Standard_NC80adis_H100_v5', 'Standard_ND96isr_H100_v5'],
  NVIDIA_A10: ['Standard_NV36ads_A10_v5', 'Standard_NV72ads_A10_v5'],
  NVIDIA_V100: ['Standard_NC6s_v3', 'Standard_NC12s_v3', 'Standard_NC24s_v3'],
};

/** The label and taint AKS puts on spot nodes; a spot pool must declare them or every plan shows a diff. */
export const AKS_SPOT_LABEL = { key: 'kubernetes.azure.com/scalesetpriority', value: 'spot' } as const;
export const AKS_SPOT_TAINT = 'kubernetes.azure.com/scalesetpriority=spot:NoSchedule';

/** Who installs the NVIDIA driver. Enum-like. */
export class GpuDriver {
  /** AKS installs the driver and device plugin (the default). */
  public static readonly AKS_MANAGED = new GpuDriver('Install');
  /** Nothing installed: run the NVIDIA GPU Operator yourself. */
  public static readonly NONE = new GpuDriver('None');
  private constructor(public readonly value: string) {}
}

export interface GpuNodePoolProps {
  /** ARM id of the AKS cluster. */
  readonly kubernetesClusterId: string;
  /** Pool name: a lower-case letter, then up to 11 lower-case letters and digits. */
  readonly name: string;
  /** The GPU on each node. */
  readonly accelerator: Accelerator;
  /** VM size; it must carry the accelerator. @default - the accelerator's first size in AKS_GPU_VM_SIZES */
  readonly vmSize?: string;
  /**
   * The cluster's Azure region (`location` of the AKS cluster, e.g. `westeurope`). When given, the VM size is
   * checked against the regions Azure sells it in (AZURE_GPU_SIZE_REGIONS, source and date in
   * AZURE_GPU_REGIONS_SOURCE). @default - not checked (the cluster id does not carry its region)
   */
  readonly location?: string;
  /**
   * Accept a `vmSize` the region table does not list in `location`, e.g. a size Azure added there since. Synth
   * warns that it was not checked. @default false
   */
  readonly acceptUncataloguedVmSize?: boolean;
  /** Fewest nodes (the cluster autoscaler's lower bound). @default 0 */
  readonly minNodes?: number;
  /** Most nodes. @default 2 */
  readonly maxNodes?: number;
  /** On-demand (AKS "Regular") or spot. @default CapacityType.ON_DEMAND */
  readonly capacityType?: CapacityType;
  /** Highest hourly price for spot VMs in USD; -1 pays up to the regular price. @default -1 */
  readonly spotMaxPrice?: number;
  /** Who installs the NVIDIA driver. @default GpuDriver.AKS_MANAGED */
  readonly gpuDriver?: GpuDriver;
  /** Availability zones. @default - none */
  readonly zones?: string[];
  /** Subnet for the nodes (ARM id). @default - the cluster's */
  readonly vnetSubnetId?: string;
  /** Extra node labels. @default - the accelerator label only */
  readonly labels?: Record<string, string>;
  /** Tags on the node pool. @default - none */
  readonly tags?: Record<string, string>;
}

/**
 * An AKS user node pool for GPU inference: a GPU VM size of one accelerator, cluster-autoscaler bounds, the
 * `nvidia.com/gpu=true:NoSchedule` taint and `model-serving.dev/accelerator` label the Kubernetes
 * ModelEndpoint selects and tolerates (AKS has no automatic GPU toleration), spot with the label and taint AKS
 * itself adds, and the driver option. Host encryption is on.
 */
export class GpuNodePool extends Construct implements IGpuNodePoolContract {
  public readonly resource: KubernetesClusterNodePool;
  /** The AKS node pool's name (`name`). */
  public readonly nodePoolName: string;
  /** The GPU model on the pool's nodes. */
  public readonly accelerator: Accelerator;

  /** The labels the nodes carry (the contract's name for `labels`). */
  public get nodeLabels(): Readonly<Record<string, string>> {
    return this.labels;
  }
  public readonly vmSize: string;
  /** Labels the nodes carry. */
  public readonly labels: Readonly<Record<string, string>>;
  /** Taints the nodes carry, `key=value:Effect`. */
  public readonly taints: string[];

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    super(scope, id);
    // JavaScript callers: a prop of the wrong kind is named here, before the rest reads it as typed.
    throwIfBadShapes(`GpuNodePool ${this.node.path}`, props, [...NODE_POOL_PROP_SHAPES, { field: 'kubernetesClusterId', kind: 'string', required: true, example: "'/subscriptions/<id>/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/serving'" }, { field: 'name', kind: 'string', required: true, example: "'gpul4'" }]);
    const c = new ProblemCollector();
    checkArmId('kubernetesClusterId', props.kubernetesClusterId, ARM_ID_TYPES.managedCluster, c);
    checkArmId('vnetSubnetId', props.vnetSubnetId, ARM_ID_TYPES.subnet, c);
    checkZones('zones', props.zones, c);
    const sizes = AKS_GPU_VM_SIZES[props.accelerator.name] ?? [];
    const vmSize = props.vmSize ?? sizes[0];
    if (!isUnresolved(props.name) && !AKS_NODE_POOL_NAME.test(props.name)) {
      c.add({ field: 'name', given: describe(props.name), allowed: 'a lower-case letter, then up to 11 lower-case letters and digits (AKS)', fix: 'e.g. "gput4"' });
    }
    if (sizes.length === 0) {
      c.add({
        field: 'accelerator',
        given: props.accelerator.name,
        allowed: `on AKS: ${Object.keys(AKS_GPU_VM_SIZES).join(', ')}${props.accelerator === Accelerator.NVIDIA_L4 ? ' (Azure has no L4 VM size)' : props.accelerator === Accelerator.NVIDIA_A10G ? ' (A10G is AWS\'s; Azure has the A10)' : ''}`,
        fix: 'pick an accelerator Azure offers, e.g. Accelerator.NVIDIA_T4',
      });
    } else if (vmSize && !isUnresolved(vmSize) && !sizes.includes(vmSize)) {
      const carrier = Object.entries(AKS_GPU_VM_SIZES).find(([, s]) => s.includes(vmSize))?.[0];
      c.add({
        field: 'vmSize',
        given: `${describe(vmSize)} with accelerator ${props.accelerator.name}`,
        allowed: carrier ? `${vmSize} carries ${carrier}; ${props.accelerator.name} runs on ${sizes.join(', ')}` : `a VM size that carries ${props.accelerator.name}: ${sizes.join(', ')}`,
        fix: `use "${sizes[0]}"${carrier ? ` or set accelerator to ${carrier}` : ''}`,
      });
    }
    if (props.location !== undefined) checkLocation(this, 'location', props.location, c);
    const retired = vmSize ? retiredGpuSizeProblem('vmSize', vmSize) : undefined;
    if (retired) c.add(retired);
    if (vmSize && !retired && props.location === undefined && !isUnresolved(vmSize)) {
      // The cluster id carries no region: without `location` the size cannot be checked against the price list.
      Annotations.of(this).addWarning(`model-serving:vmSize: ${vmSize} was not checked against the cluster's region; set location (the AKS cluster's, e.g. 'westeurope') so a size Azure does not list there is refused at synth`);
    }
    if (vmSize && !retired) {
      checkAzureGpuRegion('vmSize', vmSize, c, {
        location: props.location,
        acceptUncatalogued: props.acceptUncataloguedVmSize,
        warn: (m) => Annotations.of(this).addWarning(m),
      }, 'acceptUncataloguedVmSize');
    }
    const { minNodes, maxNodes } = checkNodePoolSizing(props, AKS_NODE_POOL_CAPABILITIES, c);
    const spot = (props.capacityType ?? CapacityType.ON_DEMAND) === CapacityType.SPOT;
    if (props.spotMaxPrice !== undefined && !spot) {
      c.add({ field: 'spotMaxPrice', given: describe(props.spotMaxPrice), allowed: 'only with capacityType CapacityType.SPOT', fix: 'remove spotMaxPrice or set capacityType: CapacityType.SPOT' });
    } else if (props.spotMaxPrice !== undefined && !(props.spotMaxPrice === -1 || props.spotMaxPrice > 0)) {
      c.add({ field: 'spotMaxPrice', given: describe(props.spotMaxPrice), allowed: '-1 (up to the regular price) or a price above 0 in USD per hour', fix: 'use -1' });
    }
    c.reportTo(this, `GpuNodePool ${this.node.path}`);

    this.vmSize = vmSize!;
    const labels: Record<string, string> = {
      ...(props.labels ?? {}),
      [NODE_SCHEDULING.acceleratorLabel]: props.accelerator.nodeLabelValue,
      ...(spot ? { [AKS_SPOT_LABEL.key]: AKS_SPOT_LABEL.value } : {}),
    };
    const t = NODE_SCHEDULING.gpuTaint;
    const taints = [`${t.key}=${t.value}:${t.effect}`, ...(spot ? [AKS_SPOT_TAINT] : [])];
    this.labels = labels;
    this.nodePoolName = props.name;
    this.accelerator = props.accelerator;
    this.taints = taints;

    this.resource = new KubernetesClusterNodePool(this, 'Resource', {
      name: props.name,
      kubernetesClusterId: props.kubernetesClusterId,
      vmSize: this.vmSize,
      mode: 'User',
      osType: 'Linux',
      osSku: 'Ubuntu',
      autoScalingEnabled: true,
      minCount: minNodes,
      maxCount: maxNodes,
      nodeLabels: labels,
      nodeTaints: taints,
      gpuDriver: (props.gpuDriver ?? GpuDriver.AKS_MANAGED).value,
      priority: spot ? 'Spot' : 'Regular',
      ...(spot ? { evictionPolicy: 'Delete', spotMaxPrice: props.spotMaxPrice ?? -1 } : {}),
      hostEncryptionEnabled: true,
      // A new VM size needs a rotation pool; without it AKS refuses the change.
      temporaryNameForRotation: `${props.name.slice(0, 9)}tmp`,
      zones: props.zones,
      vnetSubnetId: props.vnetSubnetId,
      tags: props.tags,
      // The cluster autoscaler owns the node count.
      lifecycle: { ignoreChanges: ['node_count'] },
    });
  }
}
