import { Accelerator, ProblemCollector, describe, isUnresolved } from '../../lib';

/** EC2 families with accelerators of any kind (GPU, Inferentia, Trainium). */
const EC2_ACCELERATED_FAMILIES = new Set([
  'g4dn', 'g4ad', 'g5', 'g5g', 'g6', 'g6e', 'gr6', 'p3', 'p3dn', 'p4d', 'p4de', 'p5', 'p5e', 'p5en',
  'inf1', 'inf2', 'trn1', 'trn1n', 'trn2',
]);

/** GPUs per instance for the sizes whose count is not 1, per family. */
const EC2_MULTI_GPU_SIZES: Record<string, Record<string, number>> = {
  g4dn: { '12xlarge': 4, metal: 8 },
  g5: { '12xlarge': 4, '24xlarge': 4, '48xlarge': 8 },
  g6: { '12xlarge': 4, '24xlarge': 4, '48xlarge': 8 },
  gr6: {},
  p4d: { '24xlarge': 8 },
  p4de: { '24xlarge': 8 },
  p5: { '48xlarge': 8 },
};

/**
 * Where EC2_ACCELERATED_SIZES comes from, and as of when: the receiver's own list of instance types, the
 * `InstanceType` enum of the EC2 API model that AWS publishes for its SDKs.
 */
export const EC2_CATALOGUE_SOURCE = 'the InstanceType enum of the EC2 API model (botocore 1.43.11, data/ec2/2016-11-15/service-2.json; read 2026-12-06)';

/** The sizes each accelerated EC2 family comes in (EC2_CATALOGUE_SOURCE). */
export const EC2_ACCELERATED_SIZES: Readonly<Record<string, readonly string[]>> = {
  g4dn: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', 'metal'],
  g4ad: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '16xlarge'],
  g5: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g5g: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '16xlarge', 'metal'],
  g6: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g6e: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  gr6: ['4xlarge', '8xlarge'],
  p3: ['2xlarge', '8xlarge', '16xlarge'],
  p3dn: ['24xlarge'],
  p4d: ['24xlarge'],
  p4de: ['24xlarge'],
  p5: ['4xlarge', '48xlarge'],
  p5e: ['48xlarge'],
  p5en: ['48xlarge'],
  inf1: ['xlarge', '2xlarge', '6xlarge', '24xlarge'],
  inf2: ['xlarge', '8xlarge', '24xlarge', '48xlarge'],
  trn1: ['2xlarge', '32xlarge'],
  trn1n: ['32xlarge'],
  trn2: ['3xlarge', '48xlarge'],
};

/**
 * Whether an EC2 instance type is in the catalogue. `undefined` when the family is not an accelerated one
 * the catalogue covers (the caller decides what that means).
 */
export function isCataloguedEc2Type(instanceType: string): boolean | undefined {
  const parsed = parseEc2InstanceType(instanceType);
  if (!parsed) return false;
  const sizes = EC2_ACCELERATED_SIZES[parsed.family];
  return sizes ? sizes.includes(parsed.size) : undefined;
}

export interface Ec2InstanceType {
  readonly family: string;
  readonly size: string;
  readonly accelerated: boolean;
  /** GPUs on the instance, where the library knows it. */
  readonly gpuCount?: number;
}

/**
 * Splits `ml.g5.xlarge` or `g5.xlarge` into family and size; undefined when the string has another shape.
 */
export function parseEc2InstanceType(instanceType: string): Ec2InstanceType | undefined {
  const match = /^(?:ml\.)?([a-z][a-z0-9-]*)\.([a-z0-9-]+)$/.exec(instanceType);
  if (!match) return undefined;
  const [, family, size] = match;
  const accelerated = EC2_ACCELERATED_FAMILIES.has(family);
  const sizes = EC2_MULTI_GPU_SIZES[family];
  const gpuCount = sizes ? sizes[size] ?? 1 : undefined;
  return { family, size, accelerated, gpuCount };
}


/**
 * Families whose instances carry local NVMe storage. SageMaker refuses `VolumeSizeInGB` and `KmsKeyId`
 * for them (the instance store is hardware-encrypted at rest).
 */
const INSTANCE_STORE_FAMILIES = new Set(['g4dn', 'g4ad', 'g5', 'g6', 'g6e', 'gr6', 'p3dn', 'p4d', 'p4de', 'p5', 'p5e', 'p5en', 'trn1', 'trn1n']);

const VCPUS_BY_SIZE: Record<string, number> = {
  medium: 1, large: 2, xlarge: 4, '2xlarge': 8, '4xlarge': 16, '8xlarge': 32, '9xlarge': 36, '12xlarge': 48,
  '16xlarge': 64, '18xlarge': 72, '24xlarge': 96, '32xlarge': 128, '48xlarge': 192,
};

export interface SageMakerInstance {
  readonly instanceType: string;
  readonly family: string;
  readonly size: string;
  readonly hasInstanceStore: boolean;
  readonly vcpus?: number;
  readonly gpuCount?: number;
}

/** Parses and validates an `ml.*` instance type against the accelerator the spec asks for. */
export function checkSageMakerInstance(
  instanceType: string,
  accelerator: Accelerator | undefined,
  acceleratorCount: number | undefined,
  collector: ProblemCollector,
): SageMakerInstance | undefined {
  if (isUnresolved(instanceType)) return undefined;
  const parsed = instanceType.startsWith('ml.') ? parseEc2InstanceType(instanceType) : undefined;
  if (!parsed) {
    collector.add({
      field: 'instanceType',
      given: describe(instanceType),
      allowed: 'a SageMaker instance type "ml.<family>.<size>"',
      fix: 'e.g. "ml.m5.xlarge" for CPU or "ml.g5.xlarge" for one NVIDIA A10G',
    });
    return undefined;
  }
  const carried = Accelerator.forEc2Family(parsed.family);
  if (accelerator) {
    if (!parsed.accelerated) {
      collector.add({
        field: 'instanceType',
        given: `${describe(instanceType)} with accelerator ${accelerator.name}`,
        allowed: `a GPU instance family${accelerator.ec2Families.length ? ` for ${accelerator.name}: ${accelerator.ec2Families.map((f) => `ml.${f}.*`).join(', ')}` : ''}`,
        fix: `pick a GPU instance type${accelerator.ec2Families.length ? `, e.g. "ml.${accelerator.ec2Families[0]}.xlarge"` : ''}, or drop the accelerator`,
      });
    } else if (carried && carried !== accelerator) {
      collector.add({
        field: 'accelerator',
        given: `${accelerator.name} on ${instanceType}`,
        allowed: `ml.${parsed.family}.* carries ${carried.name}`,
        fix: `set accelerator: Accelerator.${carried.name}, or pick ${accelerator.ec2Families.length ? accelerator.ec2Families.map((f) => `ml.${f}.*`).join(' or ') : 'another instance family'}`,
      });
    } else if (!carried && accelerator.ec2Families.length > 0) {
      collector.add({
        field: 'accelerator',
        given: `${accelerator.name} on ${instanceType}`,
        allowed: `${accelerator.name} runs on ${accelerator.ec2Families.map((f) => `ml.${f}.*`).join(', ')}`,
        fix: `pick one of those families, or use Accelerator.of('<the GPU ml.${parsed.family} carries>')`,
      });
    }
    if (acceleratorCount !== undefined && parsed.gpuCount !== undefined && acceleratorCount !== parsed.gpuCount && !isUnresolved(acceleratorCount)) {
      collector.add({
        field: 'acceleratorCount',
        given: `${acceleratorCount} on ${instanceType}`,
        allowed: `${parsed.gpuCount} (SageMaker fixes the GPU count by instance size)`,
        fix: `remove acceleratorCount or choose an instance size with ${acceleratorCount} GPUs`,
      });
    }
  } else if (parsed.accelerated) {
    collector.add({
      field: 'accelerator',
      given: `none, on ${describe(instanceType)}`,
      allowed: carried ? `Accelerator.${carried.name} (what ml.${parsed.family}.* carries)` : 'an accelerator on an accelerated instance',
      fix: carried
        ? `set accelerator: Accelerator.${carried.name} so the server uses the GPU, or choose a CPU instance such as "ml.m5.xlarge" (a GPU you do not use still bills)`
        : 'set the accelerator, or choose a CPU instance type',
    });
  }
  return {
    instanceType,
    family: parsed.family,
    size: parsed.size,
    hasInstanceStore: INSTANCE_STORE_FAMILIES.has(parsed.family) || /\dd$|\ddn$|\did$/.test(parsed.family),
    vcpus: VCPUS_BY_SIZE[parsed.size],
    gpuCount: parsed.gpuCount,
  };
}
