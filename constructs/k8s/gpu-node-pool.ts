import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Accelerator, CapacityType, Duration, ProblemCollector, describe, isUnresolved } from '../../lib';
import { IGpuNodePoolContract } from '../../lib/backend';
import { DNS_LABEL, typedApiObject } from './internal';
import type { IDaemonSet, INodePool } from './k8s-schema';
import { IGpuNodePool } from './endpoint-options';
import { NODE_SCHEDULING } from '../../lib/contract';
import { LABELS } from './names';
// Karpenter's NodePool is an EKS object: it reads the EC2 table (data only, no aws-cdk-lib).
import { ec2FamiliesFor } from '../aws/accelerators';
import { PINNED_IMAGE_REFERENCE } from '../../lib/spec';
import { addNodePoolNameCheck } from './endpoint-checks';
import { NODE_POOL_PROP_SHAPES, throwIfBadShapes } from '../../lib/prop-shapes';

const GPU_RESOURCE = NODE_SCHEDULING.gpuResource;

/** Karpenter's spelling of each capacity type. */
const KARPENTER_CAPACITY: Readonly<Record<CapacityType, string>> = { [CapacityType.SPOT]: 'spot', [CapacityType.ON_DEMAND]: 'on-demand' };

/** When Karpenter may remove or replace nodes. Enum-like. */
export enum ConsolidationPolicy {
  /** Only nodes with no pods. */
  WHEN_EMPTY = 'WhenEmpty',
  /** Empty nodes and nodes whose pods fit elsewhere. */
  WHEN_EMPTY_OR_UNDERUTILIZED = 'WhenEmptyOrUnderutilized',
}

export interface KarpenterGpuNodePoolProps {
  /** GPU model; the pool is constrained to the EC2 instance families that carry it. */
  readonly accelerator: Accelerator;
  /** NodePool name. @default - `gpu-<accelerator>`, e.g. `gpu-nvidia-l4` */
  readonly poolName?: string;
  /** Most GPUs across the pool's nodes (Karpenter `limits`). */
  readonly maxGpus: number;
  /** Capacity types Karpenter may launch; with both it prefers spot. @default [CapacityType.ON_DEMAND] */
  readonly capacityTypes?: CapacityType[];
  /** @default ConsolidationPolicy.WHEN_EMPTY (GPU nodes take minutes to come back with a loaded model) */
  readonly consolidationPolicy?: ConsolidationPolicy;
  /** Wait before consolidating. @default Duration.minutes(10) */
  readonly consolidateAfter?: Duration;
  /** EC2NodeClass (karpenter.k8s.aws/v1) that holds AMI, subnets and security groups. @default 'default' */
  readonly nodeClassName?: string;
  /**
   * Also deploy the NVIDIA device plugin DaemonSet, onto this pool's nodes, in kube-system. Leave it off
   * where the AMI or the GPU operator installs it (EKS accelerated AMIs with the operator, GKE).
   * @default false
   */
  readonly devicePlugin?: boolean;
  /** Device plugin image. @default 'nvcr.io/nvidia/k8s-device-plugin:v0.17.1' */
  readonly devicePluginImage?: string;
}

/**
 * A Karpenter NodePool (karpenter.sh/v1) for GPU replicas: the accelerator's instance families only,
 * tainted `nvidia.com/gpu:NoSchedule` so nothing else lands there, capped by a GPU limit. Nodes carry
 * `model-serving.dev/accelerator`, which ModelEndpoint selects on.
 */
export class KarpenterGpuNodePool extends Construct implements IGpuNodePool, IGpuNodePoolContract {
  /** @deprecated use `nodePoolName` (the backend contract's name); the same Karpenter NodePool name. */
  public readonly poolName: string;
  /** The labels the NodePool puts on its nodes (Karpenter also adds `karpenter.sh/nodepool: <name>`). */
  public readonly nodeLabels: Readonly<Record<string, string>>;

  /** The Karpenter NodePool's name. */
  public get nodePoolName(): string {
    return this.poolName;
  }
  public readonly accelerator: Accelerator;
  /** The NodePool. */
  public readonly resource: ApiObject;
  /** The NVIDIA device plugin, when asked for. */
  public readonly devicePlugin?: ApiObject;

  constructor(scope: Construct, id: string, props: KarpenterGpuNodePoolProps) {
    super(scope, id);
    // JavaScript callers: a prop of the wrong kind is named here, before the rest reads it as typed.
    throwIfBadShapes(`KarpenterGpuNodePool ${this.node.path}`, props, [...NODE_POOL_PROP_SHAPES, { field: 'maxGpus', kind: 'number', required: true, example: '8' }]);
    this.accelerator = props.accelerator;
    this.poolName = props.poolName ?? `gpu-${props.accelerator.nodeLabelValue}`;
    const capacity = props.capacityTypes ?? [CapacityType.ON_DEMAND];
    const consolidateAfter = props.consolidateAfter ?? Duration.minutes(10);

    const c = new ProblemCollector();
    if (ec2FamiliesFor(props.accelerator).length === 0) {
      c.add({
        field: 'accelerator',
        given: props.accelerator.name,
        allowed: `an accelerator with known EC2 instance families (${Accelerator.KNOWN.filter((a) => ec2FamiliesFor(a).length > 0).map((a) => a.name).join(', ')})`,
        fix: 'use a known accelerator, or Accelerator.of(name, { ec2Families: [...] })',
      });
    }
    if (!DNS_LABEL.test(this.poolName)) {
      c.add({ field: 'poolName', given: describe(this.poolName), allowed: 'a DNS-1123 label', fix: 'e.g. "gpu-l4"' });
    }
    if (!(Number.isInteger(props.maxGpus) && props.maxGpus >= 1 && props.maxGpus <= 10_000)) {
      c.add({ field: 'maxGpus', given: describe(props.maxGpus), allowed: 'an integer from 1 to 10000', fix: 'cap the pool at the GPUs you are prepared to pay for' });
    }
    if (capacity.length === 0 || new Set(capacity).size !== capacity.length) {
      c.add({ field: 'capacityTypes', given: describe(capacity), allowed: 'a non-empty list without repeats of SPOT, ON_DEMAND', fix: 'e.g. [CapacityType.SPOT, CapacityType.ON_DEMAND]' });
    }
    if (!Number.isInteger(consolidateAfter.toSeconds()) || consolidateAfter.toSeconds() > 24 * 3600) {
      c.add({ field: 'consolidateAfter', given: consolidateAfter.toString(), allowed: 'whole seconds up to 24 hours', fix: 'e.g. Duration.minutes(10)' });
    }
    if (props.devicePluginImage !== undefined && !isUnresolved(props.devicePluginImage) && !PINNED_IMAGE_REFERENCE.test(props.devicePluginImage)) {
      c.add({ field: 'devicePluginImage', given: describe(props.devicePluginImage), allowed: 'an image reference "<registry>/<repository>:<tag>" or "...@sha256:<digest>" (lower-case repository)', fix: 'e.g. "nvcr.io/nvidia/k8s-device-plugin:v0.17.1"' });
    }
    addNodePoolNameCheck(this, `KarpenterGpuNodePool ${this.node.path}`, this.poolName);
    c.reportTo(this, `KarpenterGpuNodePool ${this.node.path}`);

    const nodeLabels = { [LABELS.accelerator]: props.accelerator.nodeLabelValue };
    this.nodeLabels = nodeLabels;
    this.resource = typedApiObject<INodePool>(this, 'Resource', {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: this.poolName, labels: { [LABELS.managedBy]: 'model-serving-constructs' } },
      spec: {
        template: {
          metadata: { labels: nodeLabels },
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: props.nodeClassName ?? 'default' },
            requirements: [
              { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: [...ec2FamiliesFor(props.accelerator)] },
              { key: 'karpenter.sh/capacity-type', operator: 'In', values: capacity.map((t) => KARPENTER_CAPACITY[t]) },
              { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
              { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
            ],
            taints: [{ ...NODE_SCHEDULING.gpuTaint }],
            expireAfter: '720h',
          },
        },
        limits: { [GPU_RESOURCE]: String(props.maxGpus) },
        disruption: {
          consolidationPolicy: props.consolidationPolicy ?? ConsolidationPolicy.WHEN_EMPTY,
          consolidateAfter: `${consolidateAfter.toSeconds()}s`,
          // Replace at most one GPU node at a time: each replacement reloads a model.
          budgets: [{ nodes: '1' }],
        },
      },
    });

    if (props.devicePlugin) {
      this.devicePlugin = this.renderDevicePlugin(props.devicePluginImage ?? 'nvcr.io/nvidia/k8s-device-plugin:v0.17.1', nodeLabels);
    }
  }

  private renderDevicePlugin(image: string, nodeLabels: Record<string, string>): ApiObject {
    const name = `nvidia-device-plugin-${this.poolName}`;
    const selector = { 'app.kubernetes.io/name': name };
    // A node agent: it needs the kubelet's device-plugin socket (hostPath), so it cannot meet the
    // "restricted" profile and runs in kube-system; it still drops every capability.
    return typedApiObject<IDaemonSet>(this, 'DevicePlugin', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name, namespace: 'kube-system', labels: { ...selector, [LABELS.managedBy]: 'model-serving-constructs' } },
      spec: {
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels: selector },
          spec: {
            priorityClassName: 'system-node-critical',
            nodeSelector: nodeLabels,
            tolerations: [{ key: NODE_SCHEDULING.gpuTaint.key, operator: 'Exists', effect: NODE_SCHEDULING.gpuTaint.effect }],
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'nvidia-device-plugin',
                image,
                imagePullPolicy: 'IfNotPresent',
                env: [{ name: 'FAIL_ON_INIT_ERROR', value: 'false' }],
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
                volumeMounts: [{ name: 'device-plugin', mountPath: '/var/lib/kubelet/device-plugins' }],
              },
            ],
            volumes: [{ name: 'device-plugin', hostPath: { path: '/var/lib/kubelet/device-plugins', type: 'Directory' } }],
          },
        },
      },
    });
  }
}

/** @deprecated use `KarpenterGpuNodePool` (the same class: a Karpenter NodePool on EKS, not a cloud's managed pool). */
export const GpuNodePool = KarpenterGpuNodePool;
/** @deprecated use `KarpenterGpuNodePool`. */
export type GpuNodePool = KarpenterGpuNodePool;
/** @deprecated use `KarpenterGpuNodePoolProps`. */
export type GpuNodePoolProps = KarpenterGpuNodePoolProps;
