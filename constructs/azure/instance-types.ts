import { Accelerator, ProblemCollector, SpecProblem, describe, isUnresolved, refusal } from '../../lib';
import { AZURE_ML_CAPABILITIES } from './capabilities';
import { normalizeLocation } from './validation';

/**
 * VM sizes Azure ML managed online endpoints accept, with the GPU each carries
 * (reference-managed-online-endpoints-vm-sku-list.md). GPU names that the shared Accelerator class does
 * not know (V100, P100, A10) are `Accelerator.of` names, so a user can still ask for them.
 *
 * Traps this table encodes: there is no L4 on managed endpoints; the NVadsA10 v5 sizes carry an NVIDIA A10
 * (most of them a fraction of one), which is not AWS's A10G.
 */
export interface AzureMlGpuSize {
  /** The VM series, as Azure's docs name it, e.g. `NCasT4_v3`. */
  readonly series: string;
  /** The GPU's Accelerator name. */
  readonly accelerator: string;
  /** GPUs per VM; below 1 for the fractional A10 sizes. */
  readonly gpuCount: number;
}

const T4 = Accelerator.NVIDIA_T4.name;
const A100 = Accelerator.NVIDIA_A100.name;
const H100 = Accelerator.NVIDIA_H100.name;
const V100 = 'NVIDIA_V100';
const P100 = 'NVIDIA_P100';
const A10 = 'NVIDIA_A10';

export const AZURE_ML_GPU_SIZES: Readonly<Record<string, AzureMlGpuSize>> = {
  Standard_NC4as_T4_v3: { series: 'NCasT4_v3', accelerator: T4, gpuCount: 1 },
  Standard_NC8as_T4_v3: { series: 'NCasT4_v3', accelerator: T4, gpuCount: 1 },
  Standard_NC16as_T4_v3: { series: 'NCasT4_v3', accelerator: T4, gpuCount: 1 },
  Standard_NC64as_T4_v3: { series: 'NCasT4_v3', accelerator: T4, gpuCount: 4 },
  Standard_NC24ads_A100_v4: { series: 'NC_A100_v4', accelerator: A100, gpuCount: 1 },
  Standard_NC48ads_A100_v4: { series: 'NC_A100_v4', accelerator: A100, gpuCount: 2 },
  Standard_NC96ads_A100_v4: { series: 'NC_A100_v4', accelerator: A100, gpuCount: 4 },
  Standard_ND96asr_v4: { series: 'ND_A100_v4', accelerator: A100, gpuCount: 8 },
  Standard_ND96amsr_A100_v4: { series: 'ND_A100_v4_80GB', accelerator: A100, gpuCount: 8 },
  Standard_NC40ads_H100_v5: { series: 'NC_H100_v5', accelerator: H100, gpuCount: 1 },
  Standard_NC80adis_H100_v5: { series: 'NC_H100_v5', accelerator: H100, gpuCount: 2 },
  Standard_ND96isr_H100_v5: { series: 'ND_H100_v5', accelerator: H100, gpuCount: 8 },
  Standard_ND96is_H100_v5: { series: 'ND_H100_v5', accelerator: H100, gpuCount: 8 },
  Standard_NC6s_v3: { series: 'NCv3', accelerator: V100, gpuCount: 1 },
  Standard_NC12s_v3: { series: 'NCv3', accelerator: V100, gpuCount: 2 },
  Standard_NC24s_v3: { series: 'NCv3', accelerator: V100, gpuCount: 4 },
  Standard_NC24rs_v3: { series: 'NCv3', accelerator: V100, gpuCount: 4 },
  Standard_NC6s_v2: { series: 'NCv2', accelerator: P100, gpuCount: 1 },
  Standard_NC12s_v2: { series: 'NCv2', accelerator: P100, gpuCount: 2 },
  Standard_NC24s_v2: { series: 'NCv2', accelerator: P100, gpuCount: 4 },
  Standard_NC24rs_v2: { series: 'NCv2', accelerator: P100, gpuCount: 4 },
  Standard_NV6ads_A10_v5: { series: 'NVadsA10_v5', accelerator: A10, gpuCount: 1 / 6 },
  Standard_NV12ads_A10_v5: { series: 'NVadsA10_v5', accelerator: A10, gpuCount: 1 / 3 },
  Standard_NV18ads_A10_v5: { series: 'NVadsA10_v5', accelerator: A10, gpuCount: 1 / 2 },
  Standard_NV36ads_A10_v5: { series: 'NVadsA10_v5', accelerator: A10, gpuCount: 1 },
  Standard_NV36adms_A10_v5: { series: 'NVadsA10_v5', accelerator: A10, gpuCount: 1 },
  Standard_NV72ads_A10_v5: { series: 'NVadsA10_v5', accelerator: A10, gpuCount: 2 },
};

/**
 * Where AZURE_GPU_SIZE_REGIONS comes from, and as of when: Microsoft's own per-region Linux pay-as-you-go VM prices
 * (the Azure Retail Prices API: priceType Consumption, serviceName "Virtual Machines", per armRegionName, Windows
 * and Low Priority meters left out), as Azure/karpenter-provider-azure records them for its price fallback
 * (pkg/providers/pricing/zz_generated.pricing.go at 352646f599290c3a6d2f9710fb535a7b288f88ed, "generated at
 * 2026-06-18T03:43:41Z", 57 regions; read 2026-12-06). A VM size with no listed price in a covered region is refused
 * there, with `acceptUncatalogued...` as the escape hatch: the price list is not a sales list (the same repository keeps
 * pkg/providers/pricing/skus_missing_price.go for sizes Azure sells whose price the API misses, none of them a GPU size
 * this library knows, and it still prices the NCv3 sizes Azure retired on 2025-09-30, see AZURE_RETIRED_GPU_SIZES).
 * scripts/azure-gpu-regions.ts derives the tables from that file (run it on the file and paste). Regions it does not
 * price (newer ones, sovereign clouds) are not checked; a known size no covered region prices (the NCv2 sizes) is refused
 * in every covered region. Azure ML managed
 * online endpoints run on these VMs: a size Azure does not sell in a region is not offered there either (Azure ML
 * may offer fewer sizes than Compute; that is not checked).
 */
export const AZURE_GPU_REGIONS_SOURCE = 'the Azure Retail Prices API per region, as Azure/karpenter-provider-azure records it (pkg/providers/pricing/zz_generated.pricing.go at 352646f5, generated 2026-06-18; read 2026-12-06)';

/**
 * GPU sizes Azure has retired (deallocated, no longer deployable), with the date and Microsoft's notice:
 * MicrosoftDocs/azure-docs articles/virtual-machines/ncv3-nc6s-nc12s-nc24s-retirement.md ("On September 30, 2025,
 * Microsoft Azure will retire the Standard_NC6s_v3, Standard_NC12s_v3 and Standard_NC24s_v3 virtual machines";
 * it recommends NC A100 v4). Compared with the synth-time clock; refused in every location once the date has passed.
 */
const NCV3_RETIREMENT = { retired: '2025-09-30', notice: 'MicrosoftDocs/azure-docs virtual-machines/ncv3-nc6s-nc12s-nc24s-retirement.md' };
export const AZURE_RETIRED_GPU_SIZES: Readonly<Record<string, { readonly retired: string; readonly notice: string; readonly successor: string }>> = {
  Standard_NC6s_v3: { ...NCV3_RETIREMENT, successor: 'Standard_NC24ads_A100_v4' },
  Standard_NC12s_v3: { ...NCV3_RETIREMENT, successor: 'Standard_NC24ads_A100_v4' },
  Standard_NC24s_v3: { ...NCV3_RETIREMENT, successor: 'Standard_NC48ads_A100_v4' },
};

/** The problem with a retired GPU size at `now` (synth time), or undefined. */
export function retiredGpuSizeProblem(field: string, vmSize: string, now: Date = new Date()): SpecProblem | undefined {
  if (isUnresolved(vmSize)) return undefined;
  const r = AZURE_RETIRED_GPU_SIZES[vmSize];
  if (!r || now.toISOString().slice(0, 10) <= r.retired) return undefined;
  return {
    field,
    given: `${describe(vmSize)}, retired by Azure on ${r.retired} (${r.notice})`,
    allowed: 'a GPU size Azure still deploys',
    fix: `use ${r.successor} (Microsoft's recommended successor, NC A100 v4) or another current GPU size`,
  };
}

/** The regions that price list covers (ARM names): a location outside it is not checked. */
export const AZURE_PRICED_REGIONS: readonly string[] = [
  'australiacentral', 'australiacentral2', 'australiaeast', 'australiasoutheast', 'austriaeast', 'brazilsouth',
  'brazilsoutheast', 'canadacentral', 'canadaeast', 'centralindia', 'centralus', 'chilecentral', 'eastasia',
  'eastus', 'eastus2', 'francecentral', 'francesouth', 'germanynorth', 'germanywestcentral', 'indonesiacentral',
  'israelcentral', 'italynorth', 'japaneast', 'japanwest', 'jioindiacentral', 'jioindiawest', 'koreacentral',
  'koreasouth', 'malaysiawest', 'mexicocentral', 'newzealandnorth', 'northcentralus', 'northeurope', 'norwayeast',
  'norwaywest', 'polandcentral', 'qatarcentral', 'southafricanorth', 'southafricawest', 'southcentralus',
  'southeastasia', 'southindia', 'spaincentral', 'swedencentral', 'swedensouth', 'switzerlandnorth',
  'switzerlandwest', 'uaecentral', 'uaenorth', 'uksouth', 'ukwest', 'westcentralus', 'westeurope', 'westindia',
  'westus', 'westus2', 'westus3',
];

/** Regions where Azure sells each GPU VM size (AZURE_GPU_REGIONS_SOURCE). */
export const AZURE_GPU_SIZE_REGIONS: Readonly<Record<string, readonly string[]>> = {
  Standard_NC12s_v3: [
    'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'eastasia', 'eastus', 'eastus2',
    'francecentral', 'israelcentral', 'japaneast', 'jioindiawest', 'koreacentral', 'northeurope', 'qatarcentral',
    'southcentralus', 'southeastasia', 'switzerlandnorth', 'uksouth', 'westeurope', 'westus', 'westus2', 'westus3',
  ],
  Standard_NC16as_T4_v3: [
    'australiacentral', 'australiacentral2', 'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia',
    'centralus', 'eastus', 'eastus2', 'francecentral', 'germanywestcentral', 'israelcentral', 'italynorth',
    'japaneast', 'japanwest', 'koreacentral', 'malaysiawest', 'northcentralus', 'northeurope', 'polandcentral',
    'southcentralus', 'southeastasia', 'southindia', 'swedencentral', 'uksouth', 'westeurope', 'westus', 'westus2',
    'westus3',
  ],
  Standard_NC24ads_A100_v4: [
    'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'eastus', 'eastus2',
    'francecentral', 'germanywestcentral', 'italynorth', 'japaneast', 'jioindiacentral', 'jioindiawest',
    'koreacentral', 'northcentralus', 'northeurope', 'polandcentral', 'southcentralus', 'southeastasia',
    'spaincentral', 'swedencentral', 'switzerlandnorth', 'uksouth', 'westeurope', 'westus', 'westus2', 'westus3',
  ],
  Standard_NC24rs_v3: [
    'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'eastasia', 'eastus', 'eastus2',
    'francecentral', 'israelcentral', 'japaneast', 'jioindiawest', 'koreacentral', 'northeurope', 'qatarcentral',
    'southcentralus', 'southeastasia', 'switzerlandnorth', 'uksouth', 'westeurope', 'westus', 'westus2', 'westus3',
  ],
  Standard_NC24s_v3: [
    'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'eastasia', 'eastus', 'eastus2',
    'francecentral', 'israelcentral', 'japaneast', 'jioindiawest', 'koreacentral', 'northeurope', 'qatarcentral',
    'southcentralus', 'southeastasia', 'switzerlandnorth', 'uksouth', 'westeurope', 'westus', 'westus2', 'westus3',
  ],
  Standard_NC40ads_H100_v5: [
    'australiaeast', 'canadacentral', 'centralindia', 'centralus', 'eastus', 'eastus2', 'germanywestcentral',
    'indonesiacentral', 'japaneast', 'jioindiacentral', 'jioindiawest', 'koreacentral', 'koreasouth',
    'malaysiawest', 'northcentralus', 'northeurope', 'southcentralus', 'southeastasia', 'spaincentral',
    'swedencentral', 'switzerlandnorth', 'uaenorth', 'uksouth', 'westeurope', 'westus', 'westus2', 'westus3',
  ],
  Standard_NC48ads_A100_v4: [
    'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'eastus', 'eastus2',
    'francecentral', 'germanywestcentral', 'italynorth', 'japaneast', 'jioindiacentral', 'jioindiawest',
    'koreacentral', 'northcentralus', 'northeurope', 'polandcentral', 'southcentralus', 'southeastasia',
    'spaincentral', 'swedencentral', 'switzerlandnorth', 'uksouth', 'westeurope', 'westus', 'westus2', 'westus3',
  ],
  Standard_NC4as_T4_v3: [
    'australiacentral', 'australiacentral2', 'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia',
    'centralus', 'eastus', 'eastus2', 'francecentral', 'germanywestcentral', 'israelcentral', 'italynorth',
    'japaneast', 'japanwest', 'koreacentral', 'malaysiawest', 'northcentralus', 'northeurope', 'polandcentral',
    'southcentralus', 'southeastasia', 'southindia', 'swedencentral', 'uksouth', 'westeurope', 'westus', 'westus2',
    'westus3',
  ],
  Standard_NC64as_T4_v3: [
    'australiacentral', 'australiacentral2', 'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia',
    'centralus', 'eastus', 'eastus2', 'francecentral', 'germanywestcentral', 'israelcentral', 'italynorth',
    'japaneast', 'japanwest', 'koreacentral', 'malaysiawest', 'northcentralus', 'northeurope', 'polandcentral',
    'southcentralus', 'southeastasia', 'southindia', 'swedencentral', 'uksouth', 'westeurope', 'westus', 'westus2',
    'westus3',
  ],
  Standard_NC6s_v3: [
    'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'eastasia', 'eastus', 'eastus2',
    'francecentral', 'israelcentral', 'japaneast', 'jioindiawest', 'koreacentral', 'northeurope', 'qatarcentral',
    'southcentralus', 'southeastasia', 'switzerlandnorth', 'uksouth', 'westeurope', 'westus', 'westus2', 'westus3',
  ],
  Standard_NC80adis_H100_v5: [
    'australiaeast', 'canadacentral', 'centralindia', 'centralus', 'eastus', 'eastus2', 'germanywestcentral',
    'indonesiacentral', 'japaneast', 'jioindiacentral', 'jioindiawest', 'koreacentral', 'koreasouth',
    'malaysiawest', 'northcentralus', 'northeurope', 'southcentralus', 'southeastasia', 'spaincentral',
    'swedencentral', 'switzerlandnorth', 'uaenorth', 'uksouth', 'westeurope', 'westus', 'westus2', 'westus3',
  ],
  Standard_NC8as_T4_v3: [
    'australiacentral', 'australiacentral2', 'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia',
    'centralus', 'eastus', 'eastus2', 'francecentral', 'germanywestcentral', 'israelcentral', 'italynorth',
    'japaneast', 'japanwest', 'koreacentral', 'malaysiawest', 'northcentralus', 'northeurope', 'polandcentral',
    'southcentralus', 'southeastasia', 'southindia', 'swedencentral', 'uksouth', 'westeurope', 'westus', 'westus2',
    'westus3',
  ],
  Standard_NC96ads_A100_v4: [
    'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'eastus', 'eastus2',
    'francecentral', 'germanywestcentral', 'italynorth', 'japaneast', 'jioindiacentral', 'jioindiawest',
    'koreacentral', 'northcentralus', 'northeurope', 'polandcentral', 'southcentralus', 'southeastasia',
    'spaincentral', 'swedencentral', 'switzerlandnorth', 'uksouth', 'westeurope', 'westus', 'westus2', 'westus3',
  ],
  Standard_ND96amsr_A100_v4: [
    'australiaeast', 'brazilsouth', 'canadacentral', 'canadaeast', 'centralus', 'eastus', 'eastus2',
    'francecentral', 'germanynorth', 'italynorth', 'japaneast', 'japanwest', 'norwayeast', 'polandcentral',
    'southafricanorth', 'southcentralus', 'southindia', 'spaincentral', 'swedencentral', 'switzerlandnorth',
    'switzerlandwest', 'uaecentral', 'uaenorth', 'uksouth', 'ukwest', 'westeurope', 'westus', 'westus2', 'westus3',
  ],
  Standard_ND96asr_v4: [
    'eastus', 'italynorth', 'southcentralus', 'westeurope', 'westus2',
  ],
  Standard_ND96is_H100_v5: [
    'centralus', 'eastus', 'eastus2', 'japaneast', 'japanwest', 'koreacentral', 'northcentralus', 'polandcentral',
    'southcentralus', 'swedencentral', 'switzerlandnorth', 'uaenorth', 'uksouth', 'westcentralus', 'westeurope',
    'westus', 'westus2', 'westus3',
  ],
  Standard_ND96isr_H100_v5: [
    'australiaeast', 'canadacentral', 'centralus', 'eastus', 'eastus2', 'japaneast', 'japanwest', 'koreacentral',
    'northcentralus', 'polandcentral', 'southafricanorth', 'southafricawest', 'southcentralus', 'spaincentral',
    'swedencentral', 'switzerlandnorth', 'uaenorth', 'uksouth', 'westcentralus', 'westeurope', 'westus', 'westus2',
    'westus3',
  ],
  Standard_NV12ads_A10_v5: [
    'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'eastasia', 'eastus', 'eastus2',
    'francecentral', 'germanywestcentral', 'indonesiacentral', 'israelcentral', 'italynorth', 'japaneast',
    'jioindiacentral', 'jioindiawest', 'koreacentral', 'koreasouth', 'malaysiawest', 'mexicocentral',
    'northcentralus', 'northeurope', 'polandcentral', 'qatarcentral', 'southafricanorth', 'southcentralus',
    'southeastasia', 'spaincentral', 'swedencentral', 'switzerlandnorth', 'uaenorth', 'uksouth', 'westeurope',
    'westus', 'westus2', 'westus3',
  ],
  Standard_NV18ads_A10_v5: [
    'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'eastasia', 'eastus', 'eastus2',
    'francecentral', 'germanywestcentral', 'indonesiacentral', 'israelcentral', 'italynorth', 'japaneast',
    'jioindiacentral', 'jioindiawest', 'koreacentral', 'koreasouth', 'malaysiawest', 'mexicocentral',
    'northcentralus', 'northeurope', 'polandcentral', 'qatarcentral', 'southafricanorth', 'southcentralus',
    'southeastasia', 'spaincentral', 'swedencentral', 'switzerlandnorth', 'uaenorth', 'uksouth', 'westeurope',
    'westus', 'westus2', 'westus3',
  ],
  Standard_NV36adms_A10_v5: [
    'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'eastasia', 'eastus', 'eastus2',
    'francecentral', 'germanywestcentral', 'indonesiacentral', 'israelcentral', 'italynorth', 'japaneast',
    'jioindiacentral', 'jioindiawest', 'koreacentral', 'koreasouth', 'malaysiawest', 'mexicocentral',
    'northcentralus', 'northeurope', 'polandcentral', 'qatarcentral', 'southafricanorth', 'southcentralus',
    'southeastasia', 'spaincentral', 'swedencentral', 'switzerlandnorth', 'uaenorth', 'uksouth', 'westeurope',
    'westus', 'westus2', 'westus3',
  ],
  Standard_NV36ads_A10_v5: [
    'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'eastasia', 'eastus', 'eastus2',
    'francecentral', 'germanywestcentral', 'indonesiacentral', 'israelcentral', 'italynorth', 'japaneast',
    'jioindiacentral', 'jioindiawest', 'koreacentral', 'koreasouth', 'malaysiawest', 'mexicocentral',
    'northcentralus', 'northeurope', 'polandcentral', 'qatarcentral', 'southafricanorth', 'southcentralus',
    'southeastasia', 'spaincentral', 'swedencentral', 'switzerlandnorth', 'uaenorth', 'uksouth', 'westeurope',
    'westus', 'westus2', 'westus3',
  ],
  Standard_NV6ads_A10_v5: [
    'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'eastasia', 'eastus', 'eastus2',
    'francecentral', 'germanywestcentral', 'indonesiacentral', 'israelcentral', 'italynorth', 'japaneast',
    'jioindiacentral', 'jioindiawest', 'koreacentral', 'koreasouth', 'malaysiawest', 'mexicocentral',
    'northcentralus', 'northeurope', 'polandcentral', 'qatarcentral', 'southafricanorth', 'southcentralus',
    'southeastasia', 'spaincentral', 'swedencentral', 'switzerlandnorth', 'uaenorth', 'uksouth', 'westeurope',
    'westus', 'westus2', 'westus3',
  ],
  Standard_NV72ads_A10_v5: [
    'australiaeast', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'eastasia', 'eastus', 'eastus2',
    'francecentral', 'germanywestcentral', 'indonesiacentral', 'israelcentral', 'italynorth', 'japaneast',
    'jioindiacentral', 'jioindiawest', 'koreacentral', 'koreasouth', 'malaysiawest', 'mexicocentral',
    'northcentralus', 'northeurope', 'polandcentral', 'qatarcentral', 'southafricanorth', 'southcentralus',
    'southeastasia', 'spaincentral', 'swedencentral', 'switzerlandnorth', 'uaenorth', 'uksouth', 'westeurope',
    'westus', 'westus2', 'westus3',
  ],
};

/**
 * Whether Azure sells `vmSize` in `location` (an ARM name or a display name such as "West Europe"): `undefined`
 * where the tables cannot tell (a token, a location the price list does not cover, a size outside the table).
 */
export function isSoldInLocation(vmSize: string, location: string): boolean | undefined {
  if (isUnresolved(vmSize) || isUnresolved(location)) return undefined;
  const region = normalizeLocation(location);
  // A GPU size the library knows that no covered region prices (NCv2) has a price nowhere.
  const regions = AZURE_GPU_SIZE_REGIONS[vmSize] ?? (AZURE_ML_GPU_SIZES[vmSize] ? [] : undefined);
  if (!regions || !AZURE_PRICED_REGIONS.includes(region)) return undefined;
  return regions.includes(region);
}

/**
 * The problem with a GPU `vmSize` in `location` when Azure does not sell it there: the regions that do, and the
 * GPU sizes this library knows that the location has. `escape` names the option that accepts it anyway.
 */
export function azureGpuRegionProblem(field: string, vmSize: string, location: string, escape: string): SpecProblem | undefined {
  if (isSoldInLocation(vmSize, location) !== false) return undefined;
  const region = normalizeLocation(location);
  const gpu = AZURE_ML_GPU_SIZES[vmSize];
  const here = new Map<string, string[]>();
  for (const [size, regions] of Object.entries(AZURE_GPU_SIZE_REGIONS)) {
    const carried = AZURE_ML_GPU_SIZES[size]?.accelerator;
    // Retired sizes still have prices in the list; never suggest them.
    if (carried && regions.includes(region) && !retiredGpuSizeProblem(field, size)) here.set(carried, [...(here.get(carried) ?? []), size]);
  }
  const offered = [...here].map(([acc, sizes]) => `${acc} (${sizes.join(', ')})`);
  return {
    field,
    given: `${describe(vmSize)}${gpu ? ` (${gpu.accelerator})` : ''} in ${describe(location)}`,
    allowed: `a location with a listed price for ${vmSize}: ${(AZURE_GPU_SIZE_REGIONS[vmSize] ?? []).join(', ') || 'none of the covered regions'} (${AZURE_GPU_REGIONS_SOURCE})`,
    fix: `deploy to one of those locations, or pick a GPU size ${region} has${offered.length ? `: ${offered.join('; ')}` : ' (none of the GPU sizes this library knows)'}; if Azure added ${vmSize} in ${region} since, set ${escape}`,
  };
}

/**
 * What to do with a VM size the region table does not list in the location.
 *
 * TypeScript-only (a function-typed member; the options of checkAzureMlInstance).
 * @jsii ignore
 */
export interface AzureCatalogueOptions {
  /** The location the VMs run in; a token or a location the table does not cover skips the check. */
  readonly location?: string;
  /** Accept a GPU size the region table does not list in `location`. */
  readonly acceptUncatalogued?: boolean;
  /** Told what was accepted unchecked, for a synth warning. */
  readonly warn?: (message: string) => void;
}

/**
 * Adds the region problem for `vmSize` in `catalogue.location` to `collector`, or, with
 * `catalogue.acceptUncatalogued`, tells `catalogue.warn` that it was accepted unchecked.
 */
export function checkAzureGpuRegion(field: string, vmSize: string, collector: ProblemCollector, catalogue: AzureCatalogueOptions, escape: string): void {
  if (catalogue.location === undefined) return;
  const problem = azureGpuRegionProblem(field, vmSize, catalogue.location, `${escape}: true`);
  if (problem && catalogue.acceptUncatalogued) {
    catalogue.warn?.(`model-serving:${field}: ${vmSize} has no listed price in ${catalogue.location} per ${AZURE_GPU_REGIONS_SOURCE}; accepted unchecked (${escape})`);
  } else if (problem) {
    collector.add(problem);
  }
}

/** CPU sizes on managed endpoints: the DSv2, Dv2/Dasv4/Dv3, Ev3 and Fsv2 families. */
const CPU_SIZE = /^Standard_(DS[1-5]_v2|D(2|3|4|8|16|32|48|64)a?s?_v[2-5]|E(2|4|8|16|20|32|48|64)s_v3|F(2|4|8|16|32|48|64|72)s_v2)$/;

/** The sizes for one accelerator, e.g. for a message. */
export function azureMlSizesFor(accelerator: string): string[] {
  return Object.entries(AZURE_ML_GPU_SIZES).filter(([, s]) => s.accelerator === accelerator).map(([name]) => name);
}

export interface AzureMlInstance {
  readonly instanceType: string;
  /** The GPU size entry; undefined for a CPU size. */
  readonly gpu?: AzureMlGpuSize;
}

/** Validates a managed online endpoint VM size against the accelerator the spec asks for (SageMaker's message style). */
export function checkAzureMlInstance(
  instanceType: string,
  accelerator: Accelerator | undefined,
  acceleratorCount: number | undefined,
  collector: ProblemCollector,
  catalogue: AzureCatalogueOptions = {},
): AzureMlInstance | undefined {
  if (isUnresolved(instanceType)) return undefined;
  const gpu = AZURE_ML_GPU_SIZES[instanceType];
  const retired = retiredGpuSizeProblem('instanceType', instanceType);
  if (retired) collector.add(retired);
  else if (gpu) checkAzureGpuRegion('instanceType', instanceType, collector, catalogue, 'acceptUncataloguedInstanceType');
  if (!gpu && !CPU_SIZE.test(instanceType)) {
    // A size the catalogue does not know yet: accepted with the escape hatch (warned at synth), when it is at least
    // shaped like an Azure VM size; the GPU is then what `accelerator` and `acceleratorCount` say.
    if (catalogue.acceptUncatalogued && /^Standard_[A-Za-z0-9]+(_[A-Za-z0-9]+)*$/.test(instanceType)) {
      catalogue.warn?.(`model-serving:instanceType: ${instanceType} is not in this library's Azure ML size catalogue; accepted unchecked (acceptUncataloguedInstanceType)${accelerator ? `, taken to carry ${acceleratorCount ?? 1} x ${accelerator.name}` : ', taken as a CPU size'}. Azure ML refuses the deployment if the size does not exist or is not offered in the region.`);
      return { instanceType, gpu: accelerator ? { series: 'uncatalogued', accelerator: accelerator.name, gpuCount: acceleratorCount ?? 1 } : undefined };
    }
    collector.add({
      field: 'instanceType',
      given: describe(instanceType),
      allowed: 'a VM size Azure ML managed online endpoints accept, "Standard_<size>"',
      fix: 'e.g. "Standard_DS3_v2" or "Standard_F4s_v2" for CPU, "Standard_NC4as_T4_v3" for one NVIDIA T4, "Standard_NC24ads_A100_v4" for one A100; a size Azure added since this catalogue: set acceptUncataloguedInstanceType: true',
    });
    return undefined;
  }
  if (accelerator) {
    const sizes = azureMlSizesFor(accelerator.name);
    if (accelerator === Accelerator.NVIDIA_L4) {
      collector.add(refusal(AZURE_ML_CAPABILITIES, 'accelerator', `${accelerator.name} on ${describe(instanceType)}`,
        'no NVIDIA L4 VM size on managed online endpoints',
        'use Accelerator.NVIDIA_T4 on "Standard_NC4as_T4_v3" (the closest inference GPU)'));
    } else if (accelerator === Accelerator.NVIDIA_A10G) {
      collector.add(refusal(AZURE_ML_CAPABILITIES, 'accelerator', `${accelerator.name} on ${describe(instanceType)}`,
        'no A10G (AWS\'s GPU); the NVadsA10 v5 sizes carry an NVIDIA A10, most of them a fraction of one',
        'use Accelerator.of(\'NVIDIA_A10\') with "Standard_NV36ads_A10_v5" (one whole A10), or Accelerator.NVIDIA_T4 on "Standard_NC4as_T4_v3"'));
    } else if (!gpu) {
      collector.add({
        field: 'instanceType',
        given: `${describe(instanceType)} with accelerator ${accelerator.name}`,
        allowed: `a GPU size${sizes.length ? ` for ${accelerator.name}: ${sizes.join(', ')}` : ''}`,
        fix: `pick a GPU size${sizes.length ? `, e.g. "${sizes[0]}"` : ''}, or drop the accelerator`,
      });
    } else if (gpu.accelerator !== accelerator.name) {
      collector.add({
        field: 'accelerator',
        given: `${accelerator.name} on ${instanceType}`,
        allowed: `${instanceType} (${gpu.series}) carries ${gpu.accelerator}`,
        fix: `set accelerator: ${Accelerator.KNOWN.some((a) => a.name === gpu.accelerator) ? `Accelerator.${gpu.accelerator}` : `Accelerator.of('${gpu.accelerator}')`}, or pick ${sizes.length ? sizes.join(' or ') : 'a size that carries it'}`,
      });
    } else if (gpu.gpuCount < 1 && acceleratorCount !== undefined) {
      collector.add({
        field: 'acceleratorCount',
        given: `${acceleratorCount} on ${instanceType}`,
        allowed: `none: ${instanceType} has a fraction (${Math.round(gpu.gpuCount * 100)}%) of one A10`,
        fix: 'remove acceleratorCount, or use "Standard_NV36ads_A10_v5" for one whole A10',
      });
    } else if (acceleratorCount !== undefined && !isUnresolved(acceleratorCount) && gpu.gpuCount >= 1 && acceleratorCount !== gpu.gpuCount) {
      collector.add({
        field: 'acceleratorCount',
        given: `${acceleratorCount} on ${instanceType}`,
        allowed: `${gpu.gpuCount} (Azure fixes the GPU count by VM size)`,
        fix: `remove acceleratorCount or choose a size with ${acceleratorCount} GPUs`,
      });
    }
  } else if (gpu) {
    const known = Accelerator.KNOWN.some((a) => a.name === gpu.accelerator);
    collector.add({
      field: 'accelerator',
      given: `none, on ${describe(instanceType)}`,
      allowed: `${known ? `Accelerator.${gpu.accelerator}` : `Accelerator.of('${gpu.accelerator}')`} (what ${gpu.series} carries)`,
      fix: `set the accelerator so the server uses the GPU, or choose a CPU size such as "Standard_DS3_v2" (a GPU you do not use still bills)`,
    });
  }
  return { instanceType, gpu };
}
