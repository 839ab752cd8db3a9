import {
  AZURE_GPU_REGIONS_SOURCE,
  AZURE_GPU_SIZE_REGIONS,
  AZURE_ML_GPU_SIZES,
  AZURE_PRICED_REGIONS,
  AKS_GPU_VM_SIZES,
  isSoldInLocation,
} from '../../constructs/azure';
import { AZURE_LOCATIONS } from '../../constructs/azure/validation';
import { buildTables, parsePricing } from '../../scripts/azure-gpu-regions';

// The table's source: Azure/karpenter-provider-azure pkg/providers/pricing/zz_generated.pricing.go at
// 352646f599290c3a6d2f9710fb535a7b288f88ed ("generated at 2026-06-18T03:43:41Z"): one
// `initialOnDemandPrices["<armRegionName>"] = map[string]float64{ "<armSkuName>": <USD per hour>, ... }` per region,
// 57 regions, from the Azure Retail Prices API (priceType Consumption, serviceName "Virtual Machines").
describe('AZURE_GPU_SIZE_REGIONS (issue 17)', () => {
  test('names its source and date', () => {
    expect(AZURE_GPU_REGIONS_SOURCE).toMatch(/Azure Retail Prices API.*karpenter-provider-azure.*352646f5.*generated 2026-06-18/);
  });

  test('covers every GPU size the library knows, except the retired NCv2 sizes no region prices', () => {
    const known = new Set([...Object.keys(AZURE_ML_GPU_SIZES), ...Object.values(AKS_GPU_VM_SIZES).flat()]);
    const missing = [...known].filter((s) => !(s in AZURE_GPU_SIZE_REGIONS)).sort();
    expect(missing).toEqual(['Standard_NC12s_v2', 'Standard_NC24rs_v2', 'Standard_NC24s_v2', 'Standard_NC6s_v2']);
    for (const size of Object.keys(AZURE_GPU_SIZE_REGIONS)) expect(known.has(size)).toBe(true);
  });

  test('every region it names is one the price list covers, and an Azure location', () => {
    expect(AZURE_PRICED_REGIONS).toHaveLength(57);
    // swedensouth has prices but is a restricted region: the location list AZURE_LOCATIONS comes from
    // (Azure/terraform-azurerm-avm-utl-regions cached locations) names it only as Sweden Central's pair, so a
    // subscription without access is refused it by `checkLocation` (the extra-locations context opens it).
    expect(AZURE_PRICED_REGIONS.filter((r) => !AZURE_LOCATIONS.includes(r))).toEqual(['swedensouth']);
    for (const [size, regions] of Object.entries(AZURE_GPU_SIZE_REGIONS)) {
      expect({ size, outside: regions.filter((r) => !AZURE_PRICED_REGIONS.includes(r)) }).toEqual({ size, outside: [] });
      expect(regions.length).toBeGreaterThan(0);
    }
  });

  test('isSoldInLocation: sold, not sold, a display name, and undefined where the table cannot tell', () => {
    expect(isSoldInLocation('Standard_NC4as_T4_v3', 'westeurope')).toBe(true);
    expect(isSoldInLocation('Standard_NC4as_T4_v3', 'East Asia')).toBe(false);
    expect(isSoldInLocation('Standard_ND96asr_v4', 'northeurope')).toBe(false);
    expect(isSoldInLocation('Standard_NC4as_T4_v3', 'belgiumcentral')).toBeUndefined();
    // A known size no covered region prices (NCv2) has a price nowhere: false in a covered region.
    expect(isSoldInLocation('Standard_NC6s_v2', 'westeurope')).toBe(false);
    expect(isSoldInLocation('Standard_NC6s_v2', 'belgiumcentral')).toBeUndefined();
    expect(isSoldInLocation('Standard_DS3_v2', 'westeurope')).toBeUndefined();
  });

  test('the generator reads the file\'s shape: one map per region, sizes as keys', () => {
    const text = [
      '// generated at 2026-06-18T03:43:41Z',
      'func init() {',
      '\t// eastasia',
      '\tinitialOnDemandPrices["eastasia"] = map[string]float64{',
      '\t\t"Standard_NC6s_v3":       4.234000,',
      '\t}',
      '\t// westeurope',
      '\tinitialOnDemandPrices["westeurope"] = map[string]float64{',
      '\t\t"Standard_NC4as_T4_v3":   0.526000,',
      '\t\t"Standard_NC6s_v3":       3.060000,',
      '\t}',
      '}',
    ].join('\n');
    const parsed = parsePricing(text);
    expect([...parsed.keys()]).toEqual(['eastasia', 'westeurope']);
    expect([...parsed.get('eastasia')!]).toEqual(['Standard_NC6s_v3']);
    expect([...parsed.get('westeurope')!]).toEqual(['Standard_NC4as_T4_v3', 'Standard_NC6s_v3']);
    expect(buildTables(text, ['Standard_NC4as_T4_v3', 'Standard_NC6s_v3', 'Standard_NC6s_v2'])).toEqual({
      regions: ['eastasia', 'westeurope'],
      sizeRegions: { Standard_NC4as_T4_v3: ['westeurope'], Standard_NC6s_v3: ['eastasia', 'westeurope'] },
      unpriced: ['Standard_NC6s_v2'],
    });
  });
});
