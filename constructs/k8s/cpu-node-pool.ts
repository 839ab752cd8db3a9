import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { CapacityType, Duration, ProblemCollector, describe } from '../../lib';
import { DNS_LABEL, typedApiObject } from './internal';
import type { INodePool } from './k8s-schema';
import { ConsolidationPolicy } from './gpu-node-pool';
import { ICpuNodePool, NodePoolTaint } from './endpoint-options';
import { LABEL_PREFIX, LABELS } from './names';
import { addNodePoolNameCheck } from './endpoint-checks';

const KARPENTER_CAPACITY: Readonly<Record<CapacityType, string>> = { [CapacityType.SPOT]: 'spot', [CapacityType.ON_DEMAND]: 'on-demand' };
/** EC2 instance categories Karpenter knows (karpenter.k8s.aws/instance-category); the GPU ones belong to KarpenterGpuNodePool. */
const CPU_CATEGORIES = ['c', 'm', 'r', 't', 'x', 'z', 'i', 'd', 'hpc'];

export interface KarpenterCpuNodePoolProps {
  /** NodePool name. @default 'cpu-serving' */
  readonly poolName?: string;
  /** Most vCPUs across the pool's nodes (Karpenter `limits.cpu`): the ceiling of what the pool can cost. */
  readonly maxCpu: number;
  /** EC2 instance categories (`karpenter.k8s.aws/instance-category`). @default ['c', 'm'] (compute and general purpose) */
  readonly instanceCategories?: string[];
  /** Capacity types Karpenter may launch; with both it prefers spot. @default [CapacityType.ON_DEMAND] */
  readonly capacityTypes?: CapacityType[];
  /** @default ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED (CPU replicas restart in seconds) */
  readonly consolidationPolicy?: ConsolidationPolicy;
  /** Wait before consolidating. @default Duration.minutes(5) */
  readonly consolidateAfter?: Duration;
  /** EC2NodeClass (karpenter.k8s.aws/v1) that holds AMI, subnets and security groups. @default 'default' */
  readonly nodeClassName?: string;
  /**
   * Taint the nodes so only endpoints that select this pool land there (they get the toleration).
   * @default true
   */
  readonly dedicated?: boolean;
}

/**
 * A Karpenter NodePool (karpenter.sh/v1) for CPU replicas, next to KarpenterGpuNodePool: compute/general-purpose
 * instances only, capped by a vCPU limit, tainted so other workloads stay off. A ModelEndpoint without an
 * accelerator selects it with `nodePool`.
 */
export class KarpenterCpuNodePool extends Construct implements ICpuNodePool {
  public readonly poolName: string;
  /** The labels the NodePool puts on its nodes (Karpenter also adds `karpenter.sh/nodepool: <name>`). */
  public readonly nodeLabels: Readonly<Record<string, string>>;
  /** The taint endpoints on this pool tolerate; undefined when the pool is not dedicated. */
  public readonly taint?: NodePoolTaint;
  /** The NodePool. */
  public readonly resource: ApiObject;

  /** The Karpenter NodePool's name (the backend contract's spelling). */
  public get nodePoolName(): string {
    return this.poolName;
  }

  constructor(scope: Construct, id: string, props: KarpenterCpuNodePoolProps) {
    super(scope, id);
    this.poolName = props.poolName ?? 'cpu-serving';
    const categories = props.instanceCategories ?? ['c', 'm'];
    const capacity = props.capacityTypes ?? [CapacityType.ON_DEMAND];
    const consolidateAfter = props.consolidateAfter ?? Duration.minutes(5);

    const c = new ProblemCollector();
    if (!DNS_LABEL.test(this.poolName)) {
      c.add({ field: 'poolName', given: describe(this.poolName), allowed: 'a DNS-1123 label', fix: 'e.g. "cpu-serving"' });
    }
    if (!(Number.isInteger(props.maxCpu) && props.maxCpu >= 1 && props.maxCpu <= 100_000)) {
      c.add({ field: 'maxCpu', given: describe(props.maxCpu), allowed: 'a whole number of vCPUs from 1 to 100000', fix: 'cap the pool at the vCPUs you are prepared to pay for, e.g. 64' });
    }
    const unknown = Array.isArray(categories) ? categories.filter((x) => !CPU_CATEGORIES.includes(x)) : [categories];
    if (!Array.isArray(categories) || categories.length === 0 || unknown.length > 0 || new Set(categories).size !== categories.length) {
      c.add({ field: 'instanceCategories', given: describe(categories), allowed: `a non-empty list without repeats of ${CPU_CATEGORIES.join(', ')} (EC2 CPU instance categories; GPU instances belong to KarpenterGpuNodePool)`, fix: "e.g. ['c', 'm']" });
    }
    if (!Array.isArray(capacity) || capacity.length === 0 || new Set(capacity).size !== capacity.length || capacity.some((t) => KARPENTER_CAPACITY[t] === undefined)) {
      c.add({ field: 'capacityTypes', given: describe(capacity), allowed: 'a non-empty list without repeats of SPOT, ON_DEMAND', fix: 'e.g. [CapacityType.SPOT, CapacityType.ON_DEMAND]' });
    }
    if (!Number.isInteger(consolidateAfter.toSeconds()) || consolidateAfter.toSeconds() > 24 * 3600) {
      c.add({ field: 'consolidateAfter', given: consolidateAfter.toString(), allowed: 'whole seconds up to 24 hours', fix: 'e.g. Duration.minutes(5)' });
    }
    addNodePoolNameCheck(this, `KarpenterCpuNodePool ${this.node.path}`, this.poolName);
    c.reportTo(this, `KarpenterCpuNodePool ${this.node.path}`);

    const poolLabel = `${LABEL_PREFIX}/pool`;
    this.nodeLabels = { [poolLabel]: this.poolName };
    if (props.dedicated !== false) this.taint = { key: poolLabel, value: this.poolName, effect: 'NoSchedule' };
    this.resource = typedApiObject<INodePool>(this, 'Resource', {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: this.poolName, labels: { [LABELS.managedBy]: 'model-serving-constructs' } },
      spec: {
        template: {
          metadata: { labels: { ...this.nodeLabels } },
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: props.nodeClassName ?? 'default' },
            requirements: [
              { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: Array.isArray(categories) ? [...categories] : [] },
              { key: 'karpenter.sh/capacity-type', operator: 'In', values: (Array.isArray(capacity) ? capacity : []).map((t) => KARPENTER_CAPACITY[t]) },
              { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
              { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
            ],
            ...(this.taint ? { taints: [{ ...this.taint }] } : {}),
            expireAfter: '720h',
          },
        },
        limits: { cpu: String(props.maxCpu) },
        disruption: {
          consolidationPolicy: props.consolidationPolicy ?? ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED,
          consolidateAfter: `${consolidateAfter.toSeconds()}s`,
          // Replace at most a tenth of the nodes at a time (at least one).
          budgets: [{ nodes: '10%' }],
        },
      },
    });
  }
}

/** @deprecated use `KarpenterCpuNodePool` (the same class). */
export const CpuNodePool = KarpenterCpuNodePool;
/** @deprecated use `KarpenterCpuNodePool`. */
export type CpuNodePool = KarpenterCpuNodePool;
/** @deprecated use `KarpenterCpuNodePoolProps`. */
export type CpuNodePoolProps = KarpenterCpuNodePoolProps;
