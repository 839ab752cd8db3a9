import { Accelerator, ProblemCollector, SpecProblem, describe, isUnresolved } from '../../lib';
import { closestMatches } from '../../lib/internal/closest';
import { acceleratorForEc2Family, ec2FamiliesFor } from './accelerators';

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
 * Where SAGEMAKER_HOSTING_SIZES comes from, and as of when: the receiver's own list of real-time hosting instance
 * types, the `ProductionVariantInstanceType` enum of the SageMaker API model that AWS publishes for its SDKs
 * (the type of `ProductionVariant.InstanceType` in CreateEndpointConfig).
 */
export const SAGEMAKER_CATALOGUE_SOURCE = 'the ProductionVariantInstanceType enum of the SageMaker API model (botocore 1.43.11, data/sagemaker/2017-07-24/service-2.json; read 2026-12-06)';

/** The sizes each `ml.<family>` comes in for real-time endpoints (SAGEMAKER_CATALOGUE_SOURCE). */
export const SAGEMAKER_HOSTING_SIZES: Readonly<Record<string, readonly string[]>> = {
  t2: ['medium', 'large', 'xlarge', '2xlarge'],
  m4: ['xlarge', '2xlarge', '4xlarge', '10xlarge', '16xlarge'],
  m5: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  m5d: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  c4: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge'],
  p2: ['xlarge', '8xlarge', '16xlarge'],
  p3: ['2xlarge', '8xlarge', '16xlarge'],
  c5: ['large', 'xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge'],
  c5d: ['large', 'xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge'],
  g4dn: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r5: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  r5d: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  inf1: ['xlarge', '2xlarge', '6xlarge', '24xlarge'],
  dl1: ['24xlarge'],
  c6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  m6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  r6i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  g5: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g6: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  r8g: ['medium', 'large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g6e: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g7e: ['2xlarge', '4xlarge', '8xlarge', '12xlarge', '24xlarge', '48xlarge'],
  p4d: ['24xlarge'],
  c7g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  m6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  m6gd: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  c6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  c6gd: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  c6gn: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r6gd: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  p4de: ['24xlarge'],
  trn1: ['2xlarge', '32xlarge'],
  trn1n: ['32xlarge'],
  trn2: ['48xlarge'],
  inf2: ['xlarge', '8xlarge', '24xlarge', '48xlarge'],
  p5: ['48xlarge', '4xlarge'],
  p5e: ['48xlarge'],
  p5en: ['48xlarge'],
  m7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  c7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  r7i: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  c8g: ['medium', 'large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  r7gd: ['medium', 'large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  m8g: ['medium', 'large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  c6in: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'],
  'p6-b200': ['48xlarge'],
  'p6-b300': ['48xlarge'],
  'p6e-gb200': ['36xlarge'],
};

/** Every `ml.*` type SageMaker hosting accepts, per the catalogue. */
export function sageMakerHostingTypes(): string[] {
  return Object.entries(SAGEMAKER_HOSTING_SIZES).flatMap(([f, sizes]) => sizes.map((z) => `ml.${f}.${z}`));
}

/**
 * Where the GPU-per-region tables come from, and as of when: EC2's own answer to DescribeInstanceTypeOfferings
 * (location type "region") for each region, as the moto project records it from the live API (moto 5.2.1,
 * moto/ec2/resources/instance_type_offerings/region/<region>.json.gz; read 2026-12-06). Only the families of
 * the GPUs lib/accelerator.ts knows are kept. Regions the recording does not cover (newer ones, China,
 * GovCloud) are not checked. SageMaker hosting runs on EC2 instances: a family EC2 does not offer in a region
 * is not hosted there either (SageMaker may offer less than EC2; that is not checked).
 */
export const EC2_GPU_REGIONS_SOURCE = 'EC2 DescribeInstanceTypeOfferings per region, as recorded by moto 5.2.1 (moto/ec2/resources/instance_type_offerings/region/*.json.gz; read 2026-12-06)';

/** The regions the offerings recording covers. */
export const EC2_OFFERINGS_REGIONS: readonly string[] = [
  'af-south-1', 'ap-east-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'il-central-1', 'me-central-1', 'me-south-1', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
];
/** Regions where EC2 offers each GPU family (EC2_GPU_REGIONS_SOURCE). */
export const EC2_GPU_FAMILY_REGIONS: Readonly<Record<string, readonly string[]>> = {
  g4dn: ['af-south-1', 'ap-east-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ca-central-1', 'eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'me-south-1', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'],
  g5: ['ap-east-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'ap-southeast-2', 'ap-southeast-3', 'ca-central-1', 'eu-central-1', 'eu-north-1', 'eu-west-1', 'eu-west-2', 'il-central-1', 'me-central-1', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-2'],
  g6: ['ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'ap-southeast-2', 'ap-southeast-5', 'ca-central-1', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-2', 'eu-west-2', 'eu-west-3', 'me-central-1', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-2'],
  gr6: ['ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'ap-southeast-2', 'ap-southeast-5', 'ca-central-1', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-2', 'eu-west-2', 'eu-west-3', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-2'],
  p4d: ['ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'ap-southeast-2', 'ca-central-1', 'eu-central-1', 'eu-north-1', 'eu-west-1', 'eu-west-2', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-2'],
  p4de: ['ap-northeast-1', 'ap-southeast-1', 'eu-central-1', 'il-central-1', 'us-east-1', 'us-west-2'],
  p5: ['ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'ap-southeast-2', 'ap-southeast-3', 'ca-central-1', 'eu-north-1', 'eu-west-2', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'],
};
/** Sizes missing in some regions where the rest of their family is offered. */
export const EC2_GPU_SIZE_GAPS: Readonly<Record<string, readonly string[]>> = {
  'p5.4xlarge': ['ap-northeast-2', 'ca-central-1', 'eu-north-1', 'us-west-1'],
};

/**
 * Whether EC2 offers `instanceType` (with or without `ml.`) in `region`: `undefined` where the tables cannot
 * tell (a token, a region the recording does not cover, a family outside the GPU table).
 */
export function isOfferedInRegion(instanceType: string, region: string): boolean | undefined {
  if (isUnresolved(region) || !EC2_OFFERINGS_REGIONS.includes(region)) return undefined;
  const parsed = parseEc2InstanceType(instanceType);
  const regions = parsed ? EC2_GPU_FAMILY_REGIONS[parsed.family] : undefined;
  if (!parsed || !regions) return undefined;
  return regions.includes(region) && !(EC2_GPU_SIZE_GAPS[`${parsed.family}.${parsed.size}`] ?? []).includes(region);
}

/**
 * The problem with running `instanceType` in `region` when EC2 does not offer it there: the regions that do,
 * and the GPUs this library knows that the region offers. `escape` names the option that accepts it anyway.
 */
export function gpuRegionProblem(field: string, instanceType: string, region: string, escape: string): SpecProblem | undefined {
  if (isOfferedInRegion(instanceType, region) !== false) return undefined;
  const parsed = parseEc2InstanceType(instanceType)!;
  const prefix = instanceType.startsWith('ml.') ? 'ml.' : '';
  const gpu = acceleratorForEc2Family(parsed.family);
  const gaps = EC2_GPU_SIZE_GAPS[`${parsed.family}.${parsed.size}`] ?? [];
  const regions = EC2_GPU_FAMILY_REGIONS[parsed.family].filter((r) => !gaps.includes(r));
  const here = Accelerator.KNOWN.flatMap((a) => ec2FamiliesFor(a).filter((f) => (EC2_GPU_FAMILY_REGIONS[f] ?? []).includes(region)).map((f) => `${a.name} (${prefix}${f}.*)`));
  return {
    field,
    given: `${describe(instanceType)}${gpu ? ` (${gpu.name})` : ''} in ${region}`,
    allowed: `a region where EC2 offers ${parsed.family}.${parsed.size}: ${regions.join(', ')} (${EC2_GPU_REGIONS_SOURCE})`,
    fix: `deploy the stack to one of those regions, or pick a GPU ${region} offers${here.length ? `: ${here.join(', ')}` : ' (none of the GPUs this library knows)'}; if AWS added it in ${region} since, set ${escape}`,
  };
}

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
/**
 * What to do with an instance type the catalogues do not list (in the stack's region).
 *
 * TypeScript-only (a function-typed member, which jsii cannot model; the options of checkSageMakerInstance, itself TypeScript-only; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export interface SageMakerCatalogueOptions {
  /** The stack's region; a token skips the region check. */
  readonly region?: string;
  /** Accept a type the catalogue does not list, or a GPU type the region table does not list there. */
  readonly acceptUncatalogued?: boolean;
  /** Told what was accepted unchecked, for a synth warning. */
  readonly warn?: (message: string) => void;
}

export function checkSageMakerInstance(
  instanceType: string,
  accelerator: Accelerator | undefined,
  acceleratorCount: number | undefined,
  collector: ProblemCollector,
  catalogue: SageMakerCatalogueOptions = {},
): SageMakerInstance | undefined {
  if (isUnresolved(instanceType)) return undefined;
  const parsed = instanceType.startsWith('ml.') ? parseEc2InstanceType(instanceType) : undefined;
  const near = () => {
    const all = sageMakerHostingTypes();
    // An EC2 type without the "ml." prefix is the commonest slip.
    return all.includes(`ml.${instanceType}`) ? [`ml.${instanceType}`] : closestMatches(instanceType, all);
  };
  if (!parsed) {
    const close = near();
    collector.add({
      field: 'instanceType',
      given: describe(instanceType),
      allowed: 'a SageMaker instance type "ml.<family>.<size>"',
      fix: close.length ? `did you mean ${close.map((t) => `"${t}"`).join(' or ')}?` : 'e.g. "ml.m5.xlarge" for CPU or "ml.g5.xlarge" for one NVIDIA A10G',
    });
    return undefined;
  }
  if (!(SAGEMAKER_HOSTING_SIZES[parsed.family] ?? []).includes(parsed.size)) {
    if (catalogue.acceptUncatalogued) {
      catalogue.warn?.(`${instanceType} is not in the SageMaker instance-type catalogue (${SAGEMAKER_CATALOGUE_SOURCE}); accepted unchecked (acceptUncataloguedInstanceType). SageMaker refuses the endpoint config if it has no such type.`);
    } else {
      const close = near();
      const sizes = SAGEMAKER_HOSTING_SIZES[parsed.family];
      collector.add({
        field: 'instanceType',
        given: describe(instanceType),
        allowed: sizes
          ? `a size SageMaker hosts: ml.${parsed.family} comes in ${sizes.join(', ')} (${SAGEMAKER_CATALOGUE_SOURCE})`
          : `an instance type SageMaker real-time endpoints accept (${SAGEMAKER_CATALOGUE_SOURCE})`,
        fix: `${close.length ? `did you mean ${close.map((t) => `"${t}"`).join(' or ')}?` : 'pick a catalogued type, e.g. "ml.m5.xlarge" for CPU or "ml.g5.xlarge" for one NVIDIA A10G;'} If AWS added ${instanceType} after that date, set acceptUncataloguedInstanceType: true`,
      });
      return undefined;
    }
  }
  if (catalogue.region !== undefined) {
    const regionProblem = gpuRegionProblem('instanceType', instanceType, catalogue.region, 'acceptUncataloguedInstanceType: true');
    if (regionProblem && catalogue.acceptUncatalogued) {
      catalogue.warn?.(`${instanceType} is not offered in ${catalogue.region} per ${EC2_GPU_REGIONS_SOURCE}; accepted unchecked (acceptUncataloguedInstanceType).`);
    } else if (regionProblem) {
      collector.add(regionProblem);
    }
  }
  const carried = acceleratorForEc2Family(parsed.family);
  if (accelerator) {
    if (!parsed.accelerated) {
      collector.add({
        field: 'instanceType',
        given: `${describe(instanceType)} with accelerator ${accelerator.name}`,
        allowed: `a GPU instance family${ec2FamiliesFor(accelerator).length ? ` for ${accelerator.name}: ${ec2FamiliesFor(accelerator).map((f) => `ml.${f}.*`).join(', ')}` : ''}`,
        fix: `pick a GPU instance type${ec2FamiliesFor(accelerator).length ? `, e.g. "ml.${ec2FamiliesFor(accelerator)[0]}.xlarge"` : ''}, or drop the accelerator`,
      });
    } else if (carried && carried !== accelerator) {
      collector.add({
        field: 'accelerator',
        given: `${accelerator.name} on ${instanceType}`,
        allowed: `ml.${parsed.family}.* carries ${carried.name}`,
        fix: `set accelerator: Accelerator.${carried.name}, or pick ${ec2FamiliesFor(accelerator).length ? ec2FamiliesFor(accelerator).map((f) => `ml.${f}.*`).join(' or ') : 'another instance family'}`,
      });
    } else if (!carried && ec2FamiliesFor(accelerator).length > 0) {
      collector.add({
        field: 'accelerator',
        given: `${accelerator.name} on ${instanceType}`,
        allowed: `${accelerator.name} runs on ${ec2FamiliesFor(accelerator).map((f) => `ml.${f}.*`).join(', ')}`,
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
