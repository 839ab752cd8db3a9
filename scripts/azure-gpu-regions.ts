/**
 * Derives AZURE_GPU_SIZE_REGIONS (constructs/azure/instance-types.ts) from Microsoft's published per-region
 * Linux pay-as-you-go VM prices, as Azure/karpenter-provider-azure records them from the Azure Retail Prices API
 * (pkg/providers/pricing/zz_generated.pricing.go: one `initialOnDemandPrices["<armRegionName>"]` map per region,
 * keyed by armSkuName; priceType Consumption, serviceName "Virtual Machines", Windows and Low Priority meters left
 * out). A size with a price in a region is one Azure sells there.
 *
 *   npx tsx scripts/azure-gpu-regions.ts <path to zz_generated.pricing.go>
 *
 * prints the covered regions and, for every GPU size this library knows (AZURE_ML_GPU_SIZES and
 * AKS_GPU_VM_SIZES), the regions that price it, ready to paste. A size no region prices is printed as a comment
 * (NCv2: retired) and stays out of the table, so it is not checked.
 */
import { readFileSync } from 'node:fs';
import { AZURE_ML_GPU_SIZES } from '../constructs/azure/instance-types';
import { AKS_GPU_VM_SIZES } from '../constructs/azure/gpu-node-pool';

export function parsePricing(text: string): Map<string, Set<string>> {
  const byRegion = new Map<string, Set<string>>();
  let region: Set<string> | undefined;
  for (const line of text.split('\n')) {
    const start = /initialOnDemandPrices\["([a-z0-9]+)"\]\s*=\s*map/.exec(line);
    if (start) {
      region = new Set();
      byRegion.set(start[1], region);
      continue;
    }
    const entry = /^\s*"([A-Za-z0-9_]+)":\s*[0-9.]+,/.exec(line);
    if (entry && region) region.add(entry[1]);
  }
  return byRegion;
}

/** The GPU sizes this library knows: AZURE_ML_GPU_SIZES and AKS_GPU_VM_SIZES. */
export function knownGpuSizes(): string[] {
  return [...new Set([...Object.keys(AZURE_ML_GPU_SIZES), ...Object.values(AKS_GPU_VM_SIZES).flat()])].sort();
}

/** The covered regions and, per known size that any region prices, the regions that price it (sorted). */
export function buildTables(text: string, sizes: readonly string[] = knownGpuSizes()): { regions: string[]; sizeRegions: Record<string, string[]>; unpriced: string[] } {
  const byRegion = parsePricing(text);
  const regions = [...byRegion.keys()].sort();
  const sizeRegions: Record<string, string[]> = {};
  const unpriced: string[] = [];
  for (const size of sizes) {
    const where = regions.filter((r) => byRegion.get(r)!.has(size));
    if (where.length === 0) unpriced.push(size);
    else sizeRegions[size] = where;
  }
  return { regions, sizeRegions, unpriced };
}

function main(path: string | undefined): void {
  if (!path) throw new Error('usage: npx tsx scripts/azure-gpu-regions.ts <zz_generated.pricing.go>');
  const text = readFileSync(path, 'utf8');
  const generated = /generated at (\S+)/.exec(text)?.[1] ?? 'unknown';
  const { regions, sizeRegions, unpriced } = buildTables(text);
  const lines: string[] = [`// generated at ${generated}, ${regions.length} regions`];
  lines.push(`export const AZURE_PRICED_REGIONS: readonly string[] = [${regions.map((r) => `'${r}'`).join(', ')}];`);
  lines.push('export const AZURE_GPU_SIZE_REGIONS: Readonly<Record<string, readonly string[]>> = {');
  for (const [size, where] of Object.entries(sizeRegions)) lines.push(`  ${size}: [${where.map((r) => `'${r}'`).join(', ')}],`);
  lines.push('};');
  for (const size of unpriced) lines.push(`// ${size}: no region prices it`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) main(process.argv[2]);
