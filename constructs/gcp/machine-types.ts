/**
 * Compute Engine machine types as Vertex AI and GKE see them: which GPU a family carries and how many per
 * size. Plain TypeScript (no cdktf). Messages follow the SageMaker instance checks.
 */
import { Accelerator, ProblemCollector, SpecProblem, describe, isUnresolved } from '../../lib';
import { gcpAcceleratorTypeFor } from './accelerators';

interface GpuFamily {
  /** Accelerator name (lib Accelerator.name) the family carries. */
  readonly accelerator: string;
  /** GPUs per machine by size suffix; a family not listed here takes a chosen count. */
  readonly countBySize: Readonly<Record<string, number>>;
}

/** Families whose machines come with their GPUs (A2, A3, G2). */
const GPU_FAMILIES: Readonly<Record<string, GpuFamily>> = {
  'g2-standard': { accelerator: 'NVIDIA_L4', countBySize: { 4: 1, 8: 1, 12: 1, 16: 1, 32: 1, 24: 2, 48: 4, 96: 8 } },
  'a2-highgpu': { accelerator: 'NVIDIA_A100', countBySize: { '1g': 1, '2g': 2, '4g': 4, '8g': 8 } },
  'a2-megagpu': { accelerator: 'NVIDIA_A100', countBySize: { '16g': 16 } },
  'a2-ultragpu': { accelerator: 'NVIDIA_A100_80GB', countBySize: { '1g': 1, '2g': 2, '4g': 4, '8g': 8 } },
  'a3-highgpu': { accelerator: 'NVIDIA_H100', countBySize: { '1g': 1, '2g': 2, '4g': 4, '8g': 8 } },
  'a3-edgegpu': { accelerator: 'NVIDIA_H100', countBySize: { '8g': 8 } },
  'a3-megagpu': { accelerator: 'NVIDIA_H100_MEGA', countBySize: { '8g': 8 } },
  'a3-ultragpu': { accelerator: 'NVIDIA_H200', countBySize: { '8g': 8 } },
};

/** N1 is the one family GPUs attach to by choice: T4 in these counts. */
const N1_ATTACHABLE: Readonly<Record<string, readonly number[]>> = { NVIDIA_T4: [1, 2, 4] };

/** Families without GPUs that Vertex AI prediction and GKE run on. */
const CPU_FAMILIES = new Set(['n1', 'n2', 'n2d', 'n4', 'e2', 'c2', 'c2d', 'c3', 'c3d', 'c4', 'm1', 't2d']);

const sizes = (...n: number[]) => n.map(String);
/**
 * Predefined CPU machine types, by `<series>-<type>`: the sizes where this catalogue knows them, or
 * `undefined` where only the type name is checked. Source: Compute Engine documentation, "General-purpose
 * machine family" (https://cloud.google.com/compute/docs/general-purpose-machines), "Compute-optimized machine
 * family" (https://cloud.google.com/compute/docs/compute-optimized-machines) and "Memory-optimized machine family"
 * (https://cloud.google.com/compute/docs/memory-optimized-machines); catalogue as of 2026-12-06. A type Google
 * adds later is refused until it is added here, unless the caller opts out explicitly
 * (`ModelEndpointProps.acceptUncataloguedMachineType`, which warns).
 */
export const CPU_MACHINE_TYPES: Readonly<Record<string, readonly string[] | undefined>> = {
  'n1-standard': sizes(1, 2, 4, 8, 16, 32, 64, 96),
  'n1-highmem': sizes(2, 4, 8, 16, 32, 64, 96),
  'n1-highcpu': sizes(2, 4, 8, 16, 32, 64, 96),
  'e2-standard': sizes(2, 4, 8, 16, 32),
  'e2-highmem': sizes(2, 4, 8, 16),
  'e2-highcpu': sizes(2, 4, 8, 16, 32),
  'n2-standard': sizes(2, 4, 8, 16, 32, 48, 64, 80, 96, 128),
  'n2-highmem': sizes(2, 4, 8, 16, 32, 48, 64, 80, 96, 128),
  'n2-highcpu': sizes(2, 4, 8, 16, 32, 48, 64, 80, 96),
  'c2-standard': sizes(4, 8, 16, 30, 60),
  'n2d-standard': undefined, 'n2d-highmem': undefined, 'n2d-highcpu': undefined,
  'n4-standard': undefined, 'n4-highmem': undefined, 'n4-highcpu': undefined,
  'c2d-standard': undefined, 'c2d-highmem': undefined, 'c2d-highcpu': undefined,
  'c3-standard': undefined, 'c3-highmem': undefined, 'c3-highcpu': undefined,
  'c3d-standard': undefined, 'c3d-highmem': undefined, 'c3d-highcpu': undefined,
  'c4-standard': undefined, 'c4-highmem': undefined, 'c4-highcpu': undefined,
  'm1-megamem': undefined, 'm1-ultramem': undefined,
  't2d-standard': undefined,
};

/**
 * Where GCP_GPU_REGIONS comes from, and as of when. Google's own table (Compute Engine "GPU regions and zones",
 * https://cloud.google.com/compute/docs/gpus/gpu-regions-zones) could not be read from here; the per-zone rows of
 * SkyPilot's published Google Cloud catalogue were (github.com/skypilot-org/skypilot-catalog,
 * catalogs/v7/gcp/vms.csv at 017e2502fb63c7a28757acd94002b2d6099d3e3d, read 2026-12-06): for T4 and L4 the
 * accelerator rows (`,,,T4,1,...` and `,,,L4,1,...`), for A100 the a2-highgpu-1g rows, for H100 the a3-highgpu-1g
 * and a3-edgegpu-8g rows. A region is listed when at least one of its zones has the GPU.
 */
export const GCP_GPU_REGIONS_SOURCE = 'SkyPilot\'s Google Cloud catalogue, catalogs/v7/gcp/vms.csv at 017e2502 (per-zone GPU rows; read 2026-12-06)';

/** Every region that catalogue has rows for: a region outside it is not checked (a newer region). */
export const GCP_CATALOGUED_REGIONS: readonly string[] = [
  'africa-south1', 'asia-east1', 'asia-east2', 'asia-northeast1', 'asia-northeast2', 'asia-northeast3', 'asia-south1', 'asia-south2',
  'asia-southeast1', 'asia-southeast2', 'australia-southeast1', 'australia-southeast2', 'europe-central2', 'europe-north1',
  'europe-southwest1', 'europe-west1', 'europe-west10', 'europe-west12', 'europe-west2', 'europe-west3', 'europe-west4', 'europe-west6',
  'europe-west8', 'europe-west9', 'me-central1', 'me-central2', 'me-west1', 'northamerica-northeast1', 'northamerica-northeast2',
  'northamerica-south1', 'southamerica-east1', 'southamerica-west1', 'us-central1', 'us-east1', 'us-east4', 'us-east5', 'us-south1',
  'us-west1', 'us-west2', 'us-west3', 'us-west4',
];

/** Regions with at least one zone that offers each GPU (GCP_GPU_REGIONS_SOURCE), by Accelerator name. */
export const GCP_GPU_REGIONS: Readonly<Record<string, readonly string[]>> = {
  NVIDIA_T4: ['asia-east1', 'asia-east2', 'asia-northeast1', 'asia-northeast3', 'asia-south1', 'asia-southeast1', 'asia-southeast2',
    'australia-southeast1', 'europe-central2', 'europe-west1', 'europe-west2', 'europe-west3', 'europe-west4', 'me-west1',
    'northamerica-northeast1', 'southamerica-east1', 'us-central1', 'us-east1', 'us-east4', 'us-west1', 'us-west2', 'us-west3', 'us-west4'],
  NVIDIA_L4: ['asia-east1', 'asia-northeast1', 'asia-northeast3', 'asia-south1', 'asia-southeast1', 'europe-west1', 'europe-west2',
    'europe-west3', 'europe-west4', 'europe-west6', 'me-central2', 'northamerica-northeast1', 'northamerica-northeast2', 'us-central1',
    'us-east1', 'us-east4', 'us-west1', 'us-west4'],
  NVIDIA_A100: ['asia-northeast1', 'asia-northeast3', 'asia-southeast1', 'europe-west4', 'me-west1', 'us-central1', 'us-east1', 'us-west1',
    'us-west3', 'us-west4'],
  NVIDIA_H100: ['asia-east1', 'asia-northeast1', 'asia-northeast3', 'asia-south1', 'asia-southeast1', 'australia-southeast1', 'europe-north1',
    'europe-west1', 'europe-west2', 'europe-west3', 'europe-west4', 'europe-west8', 'europe-west9', 'northamerica-northeast2', 'us-central1',
    'us-east4', 'us-east5', 'us-west1', 'us-west4'],
};

/**
 * The problem with `accelerator` in `region` when the catalogue says no zone there offers it: the regions that
 * do and the GPUs the region has. `undefined` when it is offered or cannot be told (a token, a GPU or region the
 * catalogue does not cover). A zone (`europe-west4-a`) is checked as its region.
 */
export function gcpGpuRegionProblem(field: string, accelerator: Accelerator | undefined, location: string, escape: string): SpecProblem | undefined {
  if (!accelerator || isUnresolved(location)) return undefined;
  const region = location.replace(/-[a-z]$/, '');
  const regions = GCP_GPU_REGIONS[accelerator.name];
  if (!regions || !GCP_CATALOGUED_REGIONS.includes(region) || regions.includes(region)) return undefined;
  const here = Object.entries(GCP_GPU_REGIONS).filter(([, r]) => r.includes(region)).map(([name]) => name);
  return {
    field,
    given: `${accelerator.name} in ${describe(location)}`,
    allowed: `a region where Google Cloud offers ${accelerator.name}: ${regions.join(', ')} (${GCP_GPU_REGIONS_SOURCE})`,
    fix: `use one of those regions, or a GPU ${region} offers${here.length ? `: ${here.join(', ')}` : ' (none of the GPUs this library knows)'}; if Google added ${accelerator.name} in ${region} since, set ${escape}`,
  };
}

/**
 * What to do with a machine type the catalogue does not list.
 *
 * TypeScript-only (a function-typed member, which jsii cannot model; the options of checkGcpMachine, itself TypeScript-only; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export interface MachineCatalogueOptions {
  /** Accept it (the caller opted out explicitly); `warn` is told so the synth output says it was not checked. */
  readonly acceptUncatalogued?: boolean;
  readonly warn?: (message: string) => void;
}

/** Vertex AI `AcceleratorType` enum names for the library's accelerators. */
const VERTEX_ACCELERATOR: Readonly<Record<string, string>> = {
  NVIDIA_T4: 'NVIDIA_TESLA_T4',
  NVIDIA_L4: 'NVIDIA_L4',
  NVIDIA_A100: 'NVIDIA_TESLA_A100',
  NVIDIA_A100_80GB: 'NVIDIA_A100_80GB',
  NVIDIA_H100: 'NVIDIA_H100_80GB',
  NVIDIA_H100_MEGA: 'NVIDIA_H100_MEGA_80GB',
  NVIDIA_H200: 'NVIDIA_H200_141GB',
};

/** GKE / Compute Engine accelerator type names for the same (`guest_accelerator.type`). */
const GKE_ACCELERATOR: Readonly<Record<string, string>> = {
  NVIDIA_A100_80GB: 'nvidia-a100-80gb',
  NVIDIA_H100_MEGA: 'nvidia-h100-mega-80gb',
  NVIDIA_H200: 'nvidia-h200-141gb',
};

export interface GcpMachine {
  readonly machineType: string;
  /** e.g. `g2-standard`, or `n1` for N1 types. */
  readonly family: string;
  readonly size: string;
  /** GPUs the machine carries or will carry. */
  readonly gpuCount: number;
}

/** Vertex AI's enum name for an accelerator; undefined when Google Cloud does not offer it. */
export function vertexAcceleratorType(accelerator: Accelerator): string | undefined {
  return VERTEX_ACCELERATOR[accelerator.name] ?? gcpAcceleratorTypeFor(accelerator)?.toUpperCase().replace(/-/g, '_');
}

/** GKE's accelerator type for `guest_accelerator`; undefined when Google Cloud does not offer it. */
export function gkeAcceleratorType(accelerator: Accelerator): string | undefined {
  return gcpAcceleratorTypeFor(accelerator) ?? GKE_ACCELERATOR[accelerator.name];
}

function parse(machineType: string): { family: string; size: string; series: string } | undefined {
  const m = /^([a-z][a-z0-9]*)-([a-z]+)-([0-9]+g?)$/.exec(machineType);
  if (!m) return undefined;
  return { series: m[1], family: `${m[1]}-${m[2]}`, size: m[3] };
}

function knownCpuType(family: string, size: string): boolean {
  if (!(family in CPU_MACHINE_TYPES)) return false;
  const listed = CPU_MACHINE_TYPES[family];
  return listed === undefined || listed.includes(size);
}

function familiesFor(name: string): string[] {
  return Object.entries(GPU_FAMILIES).filter(([, f]) => f.accelerator === name).map(([k]) => k);
}

/**
 * Validates a machine type against the accelerator and count the spec asks for, for `backend` (Vertex AI
 * or GKE). Returns the GPUs per machine when the check passes.
 */
export function checkGcpMachine(
  backend: string,
  machineType: string,
  accelerator: Accelerator | undefined,
  acceleratorCount: number | undefined,
  collector: ProblemCollector,
  field = 'machineType',
  catalogue: MachineCatalogueOptions = {},
): GcpMachine | undefined {
  if (isUnresolved(machineType)) return undefined;
  const parsed = parse(machineType);
  if (!parsed) {
    collector.add({ field, given: describe(machineType), allowed: 'a Compute Engine machine type "<series>-<family>-<size>"', fix: 'e.g. "n1-standard-4" for CPU or "g2-standard-8" for one NVIDIA L4' });
    return undefined;
  }
  const gpuFamily = GPU_FAMILIES[parsed.family];
  const countProblem = (allowed: string, fix: string) => collector.add({ field: 'acceleratorCount', given: `${acceleratorCount} on ${machineType}`, allowed, fix });

  if (gpuFamily) {
    const carried = gpuFamily.accelerator;
    const fixed = gpuFamily.countBySize[parsed.size];
    if (!accelerator) {
      collector.add({
        field: 'accelerator',
        given: `none, on ${describe(machineType)}`,
        allowed: `Accelerator.${carried} (what ${parsed.family}-* carries)`,
        fix: `set accelerator: ${Accelerator.KNOWN.some((a) => a.name === carried) ? `Accelerator.${carried}` : `Accelerator.of('${carried}')`} so the server uses the GPU, or choose a CPU machine such as "n1-standard-4" (a GPU you do not use still bills)`,
      });
      return undefined;
    }
    if (accelerator.name !== carried) {
      const families = familiesFor(accelerator.name);
      collector.add({
        field: 'accelerator',
        given: `${accelerator.name} on ${machineType}`,
        allowed: `${parsed.family}-* carries ${carried}`,
        fix: `set accelerator: Accelerator.${carried}, or pick ${families.length ? families.map((f) => `${f}-*`).join(' or ') : N1_ATTACHABLE[accelerator.name] ? 'an n1-* machine type' : 'another machine family'}`,
      });
      return undefined;
    }
    if (fixed === undefined) {
      collector.add({ field, given: describe(machineType), allowed: `a size of ${parsed.family}: ${Object.keys(gpuFamily.countBySize).map((s) => `${parsed.family}-${s}`).join(', ')}`, fix: `e.g. "${parsed.family}-${Object.keys(gpuFamily.countBySize)[0]}"` });
      return undefined;
    }
    if (acceleratorCount !== undefined && !isUnresolved(acceleratorCount) && acceleratorCount !== fixed) {
      const sizes = Object.entries(gpuFamily.countBySize).filter(([, c]) => c === acceleratorCount).map(([s]) => `${parsed.family}-${s}`);
      countProblem(`${fixed} (${backend} fixes the GPU count by machine size)`, `remove acceleratorCount or choose ${sizes.length ? sizes.join(' or ') : `a size with ${acceleratorCount} GPUs`}`);
      return undefined;
    }
    return { machineType, family: parsed.family, size: parsed.size, gpuCount: fixed };
  }

  if (CPU_FAMILIES.has(parsed.series) && !knownCpuType(parsed.family, parsed.size)) {
    if (catalogue.acceptUncatalogued) {
      catalogue.warn?.(`model-serving:${field}: ${machineType} is not in this library's machine type catalogue; accepted unchecked (acceptUncataloguedMachineType)`);
    } else {
      const listed = CPU_MACHINE_TYPES[parsed.family];
      const near = Object.keys(CPU_MACHINE_TYPES).filter((t) => t.startsWith(`${parsed.series}-`));
      collector.add(listed
        ? { field, given: describe(machineType), allowed: `a size of ${parsed.family}: ${listed.map((n) => `${parsed.family}-${n}`).join(', ')}`, fix: `e.g. "${parsed.family}-${listed.find((n) => Number(n) >= Number(parsed.size)) ?? listed[listed.length - 1]}"` }
        : {
          field,
          given: describe(machineType),
          allowed: `a ${parsed.series} machine type: ${near.map((t) => `${t}-*`).join(', ')} (Compute Engine catalogue as of 2026-12-06)`,
          fix: `check the spelling (e.g. "${near[0]}-${CPU_MACHINE_TYPES[near[0]]?.[2] ?? '4'}"), or set acceptUncataloguedMachineType: true for a type Google added since`,
        });
      return undefined;
    }
  }

  if (parsed.series === 'n1') {
    if (!accelerator) return { machineType, family: 'n1', size: parsed.size, gpuCount: 0 };
    const counts = N1_ATTACHABLE[accelerator.name];
    if (!counts) {
      const families = familiesFor(accelerator.name);
      collector.add({
        field: 'accelerator',
        given: `${accelerator.name} on ${machineType}`,
        allowed: `on n1-*: ${Object.keys(N1_ATTACHABLE).join(', ')}; ${accelerator.name} comes with ${families.length ? families.map((f) => `${f}-*`).join(', ') : 'no machine family this library knows'}`,
        fix: families.length ? `use machineType "${families[0]}-${Object.keys(GPU_FAMILIES[families[0]].countBySize)[0]}"` : 'use Accelerator.NVIDIA_T4 on n1-*, or another machine family',
      });
      return undefined;
    }
    const count = acceleratorCount ?? 1;
    if (!isUnresolved(count) && !counts.includes(count)) {
      countProblem(`${counts.join(', ')} ${accelerator.name} per n1 machine`, `use acceleratorCount ${counts.filter((c) => c > count)[0] ?? counts[counts.length - 1]}`);
      return undefined;
    }
    return { machineType, family: 'n1', size: parsed.size, gpuCount: count };
  }

  if (CPU_FAMILIES.has(parsed.series)) {
    if (accelerator) {
      const families = familiesFor(accelerator.name);
      collector.add({
        field,
        given: `${describe(machineType)} with accelerator ${accelerator.name}`,
        allowed: `a GPU machine family for ${accelerator.name}: ${[...families.map((f) => `${f}-*`), ...(N1_ATTACHABLE[accelerator.name] ? ['n1-*'] : [])].join(', ') || 'none known'}`,
        fix: families.length || N1_ATTACHABLE[accelerator.name]
          ? `pick e.g. "${families.length ? `${families[0]}-${Object.keys(GPU_FAMILIES[families[0]].countBySize)[0]}` : 'n1-standard-8'}", or drop the accelerator`
          : 'drop the accelerator',
      });
      return undefined;
    }
    return { machineType, family: parsed.series, size: parsed.size, gpuCount: 0 };
  }
  if (catalogue.acceptUncatalogued && !accelerator) {
    catalogue.warn?.(`model-serving:${field}: ${machineType} is a machine series this library's catalogue does not know; accepted unchecked as a CPU machine (acceptUncataloguedMachineType)`);
    return { machineType, family: parsed.series, size: parsed.size, gpuCount: 0 };
  }
  collector.add({
    field,
    given: describe(machineType),
    allowed: `a machine family this library knows: ${[...CPU_FAMILIES].map((f) => `${f}-*`).join(', ')}, ${Object.keys(GPU_FAMILIES).map((f) => `${f}-*`).join(', ')}`,
    fix: 'e.g. "n1-standard-4" or "g2-standard-8"',
  });
  return undefined;
}
