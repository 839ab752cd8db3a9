import { createHash } from 'node:crypto';
import { ArtifactRegistryRepositoryIamMember } from '@cdktf/provider-google/lib/artifact-registry-repository-iam-member';
import { ContainerNodePool } from '@cdktf/provider-google/lib/container-node-pool';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { Accelerator, CapacityType, NODE_SCHEDULING, NameRule, ProblemCollector, Size, describe, isUnresolved } from '../../lib';
import { checkNodePoolSizing, IGpuNodePoolContract } from '../../lib/backend';
import { GKE_NODE_POOL_CAPABILITIES } from './capabilities';
import { checkGcpRegion, checkGkeCluster } from './checks';
import { GCP_GPU_REGIONS_SOURCE, GcpMachine, checkGcpMachine, gcpGpuRegionProblem, gkeAcceleratorType } from './machine-types';
import { NODE_POOL_PROP_SHAPES, throwIfBadShapes } from '../../lib/prop-shapes';

/** Which NVIDIA driver GKE installs on the nodes. */
export enum GpuDriverVersion {
  /** The default driver for the node's GKE version. */
  DEFAULT = 'DEFAULT',
  /** The latest driver GKE offers for the node's version. */
  LATEST = 'LATEST',
  /** No driver: you install one yourself (e.g. the NVIDIA GPU Operator). */
  INSTALLATION_DISABLED = 'INSTALLATION_DISABLED',
}

/** An Artifact Registry repository the nodes pull images from. */
export interface ImageRepository {
  /** Region of the repository, e.g. `europe-west4`. */
  readonly location: string;
  /** Repository id. */
  readonly repository: string;
  /** Project of the repository. @default - the pool's project */
  readonly project?: string;
}

export interface GpuNodePoolProps {
  /** Project of the cluster. */
  readonly project: string;
  /** Cluster id or name (`projects/<p>/locations/<l>/clusters/<c>` or just `<c>` with `location`). */
  readonly cluster: string;
  /** Region or zone of the cluster. */
  readonly location: string;
  /** The GPU the nodes carry. */
  readonly accelerator: Accelerator;
  /** Machine type. @default - the accelerator's smallest machine (g2-standard-8 for L4, n1-standard-8 for T4, a2-highgpu-1g for A100, a3-highgpu-1g for H100) */
  readonly machineType?: string;
  /** GPUs per node, where the machine family does not fix it (N1). @default 1 */
  readonly acceleratorCount?: number;
  /** Fewest nodes in the pool (all zones together). @default 0 */
  readonly minNodes?: number;
  /** Most nodes in the pool (all zones together). @default 2 */
  readonly maxNodes?: number;
  /** On-demand or spot VMs (much cheaper, reclaimable at any time). @default CapacityType.ON_DEMAND */
  readonly capacityType?: CapacityType;
  /** Driver GKE installs. @default GpuDriverVersion.DEFAULT */
  readonly gpuDriverVersion?: GpuDriverVersion;
  /** Boot disk (pd-balanced), encrypted at rest. @default Size.gibibytes(100) */
  readonly diskSize?: Size;
  /** Extra Kubernetes node labels. @default - only the accelerator label */
  readonly labels?: Record<string, string>;
  /** Repositories the nodes may pull from (reader on each, nothing project-wide). @default - none */
  readonly imageRepositories?: ImageRepository[];
  /** Node pool name. @default - `gpu-<accelerator>-<hash>` */
  readonly nodePoolName?: string;
  /**
   * Accept what the library's catalogues do not list: a GPU the region table (GCP_GPU_REGIONS, with its source
   * and date) does not list in `location`'s region, or a CPU machine type CPU_MACHINE_TYPES does not list. It is
   * then not checked, and synth warns.
   * @default false - a GPU the region does not offer, or an unlisted machine type, is refused
   */
  readonly acceptUncataloguedMachineType?: boolean;
}

/** Kubernetes taint effects as the GKE API spells them. */
const GKE_TAINT_EFFECTS: Readonly<Record<string, string>> = { NoSchedule: 'NO_SCHEDULE', PreferNoSchedule: 'PREFER_NO_SCHEDULE', NoExecute: 'NO_EXECUTE' };

const DEFAULT_MACHINES: Readonly<Record<string, string>> = {
  NVIDIA_T4: 'n1-standard-8',
  NVIDIA_L4: 'g2-standard-8',
  NVIDIA_A100: 'a2-highgpu-1g',
  NVIDIA_H100: 'a3-highgpu-1g',
};

/**
 * A GKE node pool for GPU inference: the accelerator with GKE-managed driver installation, autoscaling
 * bounds, spot or on-demand, the GPU taint and the accelerator label the Kubernetes ModelEndpoint selects
 * (lib/contract.ts NODE_SCHEDULING), shielded nodes with secure boot, GKE metadata server for Workload
 * Identity, and a node service account with only GKE's default node role.
 */
export class GpuNodePool extends Construct implements IGpuNodePoolContract {
  public readonly nodePool: ContainerNodePool;
  /** The GPU model on the pool's nodes. */
  public readonly accelerator: Accelerator;

  /** The GKE node pool's name. */
  public get nodePoolName(): string {
    return this.nodePool.name;
  }
  /** The labels the nodes carry (the contract's name for `labels`). */
  public get nodeLabels(): Readonly<Record<string, string>> {
    return this.labels;
  }
  public readonly serviceAccount: ServiceAccount;
  public readonly machine?: GcpMachine;
  /** Kubernetes labels every node carries. */
  public readonly labels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    super(scope, id);
    // JavaScript callers: a prop of the wrong kind is named here, before the rest reads it as typed.
    throwIfBadShapes(`GpuNodePool ${this.node.path}`, props, [...NODE_POOL_PROP_SHAPES, ...['project', 'cluster', 'location'].map((field) => ({ field, kind: 'string' as const, required: true, example: "'europe-west4'" }))]);
    const owner = `GpuNodePool ${this.node.path}`;
    const c = new ProblemCollector();
    const acc = props.accelerator;
    this.accelerator = acc;
    const acceleratorType = gkeAcceleratorType(acc);
    if (!acceleratorType) {
      c.add({ field: 'accelerator', given: acc.name, allowed: 'on GKE: an accelerator Google Cloud offers (NVIDIA_T4, NVIDIA_L4, NVIDIA_A100, NVIDIA_H100, or Accelerator.of(name, { gcpAcceleratorType }))', fix: 'use Accelerator.NVIDIA_L4 for A10G-class inference', backend: 'GKE' });
    }
    const machineType = props.machineType ?? DEFAULT_MACHINES[acc.name];
    if (!machineType) {
      c.add({ field: 'machineType', given: `nothing, with ${acc.name}`, allowed: 'a machine type (this library has no default for this accelerator)', fix: 'pass machineType' });
    } else {
      this.machine = checkGcpMachine('GKE', machineType, acc, props.acceleratorCount, c, 'machineType', {
        acceptUncatalogued: props.acceptUncataloguedMachineType,
        warn: (m) => Annotations.of(this).addWarning(m),
      });
    }
    const regionProblem = gcpGpuRegionProblem('location', acc, props.location, 'acceptUncataloguedMachineType: true');
    if (regionProblem && props.acceptUncataloguedMachineType) {
      Annotations.of(this).addWarning(`model-serving:location: ${acc.name} is not listed in ${props.location} (${GCP_GPU_REGIONS_SOURCE}); accepted unchecked (acceptUncataloguedMachineType)`);
    } else if (regionProblem) {
      c.add(regionProblem);
    }
    checkGcpRegion(this, 'location', props.location, c, { zones: true });
    checkGkeCluster('cluster', props.cluster, c);
    (props.imageRepositories ?? []).forEach((r, i) => checkGcpRegion(this, `imageRepositories[${i}].location`, r.location, c, { multiRegions: true }));
    const { minNodes, maxNodes, diskGiB } = checkNodePoolSizing(props, GKE_NODE_POOL_CAPABILITIES, c);
    if (props.nodePoolName !== undefined && !isUnresolved(props.nodePoolName) && !/^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/.test(props.nodePoolName)) {
      c.add({ field: 'nodePoolName', given: describe(props.nodePoolName), allowed: 'lower-case letters, digits and "-", a letter first, at most 40', fix: 'e.g. "gpu-l4"' });
    }
    c.reportTo(this, owner);
    const spot = (props.capacityType ?? CapacityType.ON_DEMAND) === CapacityType.SPOT;

    const seed = createHash('sha256').update(this.node.path).digest('hex');
    const accName = NameRule.GCP_LABEL_VALUE.sanitize(acc.nodeLabelValue).replace(/_/g, '-');
    this.labels = { ...props.labels, [NODE_SCHEDULING.acceleratorLabel]: acc.nodeLabelValue };

    this.serviceAccount = new ServiceAccount(this, 'NodeAccount', {
      project: props.project,
      accountId: `gke-gpu-${seed.slice(0, 8)}`,
      displayName: `GKE GPU nodes (${acc.name})`,
      description: `Nodes of GPU node pool ${this.node.path}: logs, metrics and the images they are allowed to pull`,
    });
    const member = `serviceAccount:${this.serviceAccount.email}`;
    // GKE's predefined role for node service accounts: logging, monitoring and metadata writers, no more.
    const nodeRole = new ProjectIamMember(this, 'NodeRole', { project: props.project, role: 'roles/container.defaultNodeServiceAccount', member });
    (props.imageRepositories ?? []).forEach((r, i) => new ArtifactRegistryRepositoryIamMember(this, `PullImages${i}`, {
      project: r.project ?? props.project,
      location: r.location,
      repository: r.repository,
      role: 'roles/artifactregistry.reader',
      member,
    }));

    this.nodePool = new ContainerNodePool(this, 'Resource', {
      project: props.project,
      cluster: props.cluster,
      location: props.location,
      name: props.nodePoolName ?? `gpu-${accName}-${seed.slice(0, 6)}`.slice(0, 40),
      autoscaling: { totalMinNodeCount: minNodes, totalMaxNodeCount: maxNodes, locationPolicy: spot ? 'ANY' : 'BALANCED' },
      management: { autoRepair: true, autoUpgrade: true },
      upgradeSettings: { maxSurge: 1, maxUnavailable: 0 },
      nodeConfig: {
        machineType,
        spot,
        serviceAccount: this.serviceAccount.email,
        oauthScopes: ['https://www.googleapis.com/auth/cloud-platform'],
        diskSizeGb: diskGiB,
        diskType: 'pd-balanced',
        imageType: 'COS_CONTAINERD',
        guestAccelerator: [{
          type: acceleratorType!,
          count: this.machine?.gpuCount ?? props.acceleratorCount ?? 1,
          gpuDriverInstallationConfig: { gpuDriverVersion: props.gpuDriverVersion ?? GpuDriverVersion.DEFAULT },
        }],
        labels: { ...this.labels },
        taint: [{ key: NODE_SCHEDULING.gpuTaint.key, value: NODE_SCHEDULING.gpuTaint.value, effect: GKE_TAINT_EFFECTS[NODE_SCHEDULING.gpuTaint.effect] }],
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
        workloadMetadataConfig: { mode: 'GKE_METADATA' },
        metadata: { 'disable-legacy-endpoints': 'true' },
      },
      dependsOn: [nodeRole],
    });
  }
}
