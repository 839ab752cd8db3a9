// The Google Cloud side of each GPU: its accelerator type and the Compute Engine machine families it attaches
// to. Data only: this file imports lib/ and nothing else, because the Kubernetes backend's GKE node selector
// reads it too without loading cdktf (test/lib/accelerator-tables.test.ts checks both).
import { Accelerator } from '../../lib';

/** Google Cloud accelerator type (`guest_accelerator.type`) and machine families per GPU this library knows; A10G has no Google Cloud equivalent. */
export const GCP_ACCELERATORS: Readonly<Record<string, { readonly acceleratorType?: string; readonly machineFamilies: readonly string[] }>> = {
  [Accelerator.NVIDIA_T4.name]: { acceleratorType: 'nvidia-tesla-t4', machineFamilies: ['n1'] },
  [Accelerator.NVIDIA_L4.name]: { acceleratorType: 'nvidia-l4', machineFamilies: ['g2'] },
  [Accelerator.NVIDIA_A10G.name]: { machineFamilies: [] },
  [Accelerator.NVIDIA_A100.name]: { acceleratorType: 'nvidia-tesla-a100', machineFamilies: ['a2'] },
  [Accelerator.NVIDIA_H100.name]: { acceleratorType: 'nvidia-h100-80gb', machineFamilies: ['a3'] },
};

/** Vertex AI / GKE accelerator type, e.g. `nvidia-l4`: this table's, or what `Accelerator.of(name, { gcpAcceleratorType })` declared; undefined where Google Cloud does not offer it. */
export function gcpAcceleratorTypeFor(accelerator: Accelerator): string | undefined {
  const row = GCP_ACCELERATORS[accelerator.name];
  return row ? row.acceleratorType : accelerator.declared.gcpAcceleratorType;
}

/** Compute Engine machine families the GPU attaches to: this table's, or what `Accelerator.of` declared. */
export function gcpMachineFamiliesFor(accelerator: Accelerator): string[] {
  return [...(GCP_ACCELERATORS[accelerator.name]?.machineFamilies ?? accelerator.declared.gcpMachineFamilies ?? [])];
}
