// The GPUs each EC2 instance family carries (also SageMaker `ml.<family>.*`). Data only: this file imports
// lib/ and nothing else, because the Kubernetes backend's Karpenter pool (an EKS object) reads it too without
// loading aws-cdk-lib (test/lib/accelerator-tables.test.ts checks both).
import { Accelerator } from '../../lib';

/** EC2 instance families per GPU this library knows (AWS's accelerated-computing instance pages). */
export const EC2_GPU_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  [Accelerator.NVIDIA_T4.name]: ['g4dn'],
  [Accelerator.NVIDIA_L4.name]: ['g6', 'gr6'],
  [Accelerator.NVIDIA_A10G.name]: ['g5'],
  [Accelerator.NVIDIA_A100.name]: ['p4d', 'p4de'],
  [Accelerator.NVIDIA_H100.name]: ['p5'],
};

/** The EC2 instance families that carry `accelerator`: this table's, or what `Accelerator.of(name, { ec2Families })` declared. */
export function ec2FamiliesFor(accelerator: Accelerator): string[] {
  return [...(EC2_GPU_FAMILIES[accelerator.name] ?? accelerator.declared.ec2Families ?? [])];
}

/** The known accelerator an EC2/SageMaker instance family carries, if the library knows it. */
export function acceleratorForEc2Family(family: string): Accelerator | undefined {
  return Accelerator.KNOWN.find((a) => (EC2_GPU_FAMILIES[a.name] ?? []).includes(family));
}
