import { ArtifactRegistryRepositoryIamMember } from '@cdktf/provider-google/lib/artifact-registry-repository-iam-member';
import { ContainerNodePool } from '@cdktf/provider-google/lib/container-node-pool';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { Accelerator, CapacityType, NODE_SCHEDULING, Size } from '../../lib';
import { GpuDriverVersion, GpuNodePool, GpuNodePoolProps } from '../../constructs/gcp';
import { synth } from './support/cdktf';
import { expectNoProblems, expectProblems } from '../support/expect-problems';

function synthPool(p: Partial<GpuNodePoolProps> = {}) {
  return synth((scope) => {
    new GpuNodePool(scope, 'Pool', { project: 'acme-ml', cluster: 'serving', location: 'europe-west4', accelerator: Accelerator.NVIDIA_L4, ...p });
  });
}

describe('GpuNodePool (GKE)', () => {
  test('default', () => {
    expect(JSON.parse(synthPool().out)).toMatchSnapshot();
  });

  test('L4 on g2-standard-8 with the driver installed, the contract\'s taint and label, shielded nodes', () => {
    expect(synthPool().out).toHaveResourceWithProperties(ContainerNodePool, {
      autoscaling: { total_min_node_count: 0, total_max_node_count: 2, location_policy: 'BALANCED' },
      node_config: expect.objectContaining({
        machine_type: 'g2-standard-8',
        guest_accelerator: [{ type: 'nvidia-l4', count: 1, gpu_driver_installation_config: { gpu_driver_version: 'DEFAULT' } }],
        labels: { [NODE_SCHEDULING.acceleratorLabel]: 'nvidia-l4' },
        taint: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' }],
        shielded_instance_config: { enable_secure_boot: true, enable_integrity_monitoring: true },
        workload_metadata_config: { mode: 'GKE_METADATA' },
        spot: false,
      }),
    });
  });

  test('spot T4 nodes with two GPUs each, the latest driver, a wider pool', () => {
    expect(synthPool({ accelerator: Accelerator.NVIDIA_T4, machineType: 'n1-standard-16', acceleratorCount: 2, capacityType: CapacityType.SPOT, minNodes: 1, maxNodes: 8, gpuDriverVersion: GpuDriverVersion.LATEST, diskSize: Size.gibibytes(200) }).out).toHaveResourceWithProperties(ContainerNodePool, {
      autoscaling: { total_min_node_count: 1, total_max_node_count: 8, location_policy: 'ANY' },
      node_config: expect.objectContaining({
        machine_type: 'n1-standard-16',
        spot: true,
        disk_size_gb: 200,
        guest_accelerator: [{ type: 'nvidia-tesla-t4', count: 2, gpu_driver_installation_config: { gpu_driver_version: 'LATEST' } }],
      }),
    });
  });

  test('the node account has GKE\'s default node role and reads only the repositories named', () => {
    const { out, json } = synthPool({ imageRepositories: [{ location: 'europe-west4', repository: 'serving' }] });
    expect(Object.values(json.resource.google_project_iam_member).map((m) => m.role)).toEqual(['roles/container.defaultNodeServiceAccount']);
    expect(out).toHaveResourceWithProperties(ProjectIamMember, { role: 'roles/container.defaultNodeServiceAccount' });
    expect(out).toHaveResourceWithProperties(ArtifactRegistryRepositoryIamMember, { repository: 'serving', role: 'roles/artifactregistry.reader' });
  });
});

describe('GpuNodePool (GKE) validation', () => {
  const fails = (p: Partial<GpuNodePoolProps>, message: RegExp): void => { expectProblems(() => synthPool(p), message); };
  test('a machine type that carries another GPU', () => fails({ machineType: 'a2-highgpu-1g' }, /accelerator: got NVIDIA_L4 on a2-highgpu-1g; allowed: a2-highgpu-\* carries NVIDIA_A100/));
  test('a GPU count the machine fixes otherwise', () => fails({ machineType: 'g2-standard-8', acceleratorCount: 4 }, /acceleratorCount: got 4 on g2-standard-8; allowed: 1 \(GKE fixes the GPU count by machine size\)\. Fix: remove acceleratorCount or choose g2-standard-48/));
  test('an accelerator Google Cloud does not offer', () => fails({ accelerator: Accelerator.NVIDIA_A10G }, /accelerator: got NVIDIA_A10G; allowed: on GKE: an accelerator Google Cloud offers/));
  test('an accelerator without a default machine needs machineType', () => fails({ accelerator: Accelerator.of('NVIDIA_L40S', { gcpAcceleratorType: 'nvidia-l40s' }) }, /machineType: got nothing, with NVIDIA_L40S; allowed: a machine type/));
  test('maxNodes below minNodes', () => fails({ minNodes: 3, maxNodes: 2 }, /maxNodes: got 2 with minNodes 3/));
  test('negative minNodes', () => fails({ minNodes: -1 }, /minNodes: got -1; allowed: an integer of 0 or more/));
  test('a disk too small for GPU images', () => fails({ diskSize: Size.gibibytes(20) }, /diskSize: got 20 GiB; allowed: whole GiB from 50/));
  test('the accelerator label set by hand', () => fails({ labels: { [NODE_SCHEDULING.acceleratorLabel]: 'x' } }, /labels\.model-serving\.dev\/accelerator: got "x"/));
  test('a node pool name GKE refuses', () => fails({ nodePoolName: 'GPU_Pool' }, /nodePoolName: got "GPU_Pool"/));
  // Region table: GCP_GPU_REGIONS (SkyPilot's Google Cloud catalogue, catalogs/v7/gcp/vms.csv at 017e2502, per-zone
  // a2-highgpu-1g rows; read 2026-12-06): A100 40GB in europe-west4 zones a and b, none in europe-west1.
  test('a GPU the location\'s region does not offer is refused; a zone counts as its region (issue 17)', () => {
    fails({ location: 'europe-west1', accelerator: Accelerator.NVIDIA_A100 },
      /location: got NVIDIA_A100 in "europe-west1"; allowed: a region where Google Cloud offers NVIDIA_A100: .*europe-west4.*Fix: use one of those regions, or a GPU europe-west1 offers: NVIDIA_T4, NVIDIA_L4, NVIDIA_H100; if Google added NVIDIA_A100 in europe-west1 since, set acceptUncataloguedMachineType: true/);
    fails({ location: 'europe-west1-b', accelerator: Accelerator.NVIDIA_A100 }, /location: got NVIDIA_A100 in "europe-west1-b"/);
    expectNoProblems(() => synthPool({ location: 'europe-west4-a', accelerator: Accelerator.NVIDIA_A100 }));
    expectNoProblems(() => synthPool({ location: 'europe-west1', accelerator: Accelerator.NVIDIA_A100, acceptUncataloguedMachineType: true }));
  });
});
