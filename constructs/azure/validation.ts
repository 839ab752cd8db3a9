import { Construct } from 'constructs';
import { ProblemCollector, describe, isUnresolved } from '../../lib';

/**
 * Azure's physical regions (ARM location names), as `az account list-locations` reports them, from the cached data
 * of Azure's own Terraform region utility: Azure/terraform-azurerm-avm-utl-regions
 * modules/cached-data/locations.tf.json, commit e9d62409c6fcc5554b60dd79cd60f55b344ad2f0 (data of 2026-03-12;
 * `type == "Region"` and `metadata.regionType == "Physical"`). Logical regions ("europe", "global") host no
 * resources. A region newer than this list: add it to the context key AZURE_EXTRA_LOCATIONS_CONTEXT (below).
 */
export const AZURE_LOCATIONS: readonly string[] = [
  'australiacentral', 'australiacentral2', 'australiaeast', 'australiasoutheast', 'austriaeast', 'belgiumcentral',
  'brazilsouth', 'brazilsoutheast', 'canadacentral', 'canadaeast', 'centralindia', 'centralus', 'centraluseuap',
  'chilecentral', 'denmarkeast', 'eastasia', 'eastus', 'eastus2', 'eastus2euap', 'eastusstg', 'francecentral',
  'francesouth', 'germanynorth', 'germanywestcentral', 'indonesiacentral', 'israelcentral', 'italynorth',
  'japaneast', 'japanwest', 'jioindiacentral', 'jioindiawest', 'koreacentral', 'koreasouth', 'malaysiawest',
  'mexicocentral', 'newzealandnorth', 'northcentralus', 'northeurope', 'norwayeast', 'norwaywest', 'polandcentral',
  'qatarcentral', 'southafricanorth', 'southafricawest', 'southcentralus', 'southcentralusstg', 'southeastasia',
  'southindia', 'spaincentral', 'swedencentral', 'switzerlandnorth', 'switzerlandwest', 'uaecentral', 'uaenorth',
  'uksouth', 'ukwest', 'westcentralus', 'westeurope', 'westindia', 'westus', 'westus2', 'westus3',
];
export const AZURE_LOCATIONS_SOURCE = 'Azure/terraform-azurerm-avm-utl-regions cached locations, 2026-03-12';

/**
 * The explicit escape hatch for a region the catalogue does not list yet: a cdktf context value, e.g.
 * `new App({ context: { 'model-serving-constructs:azure:extraLocations': ['newregion'] } })`.
 */
export const AZURE_EXTRA_LOCATIONS_CONTEXT = 'model-serving-constructs:azure:extraLocations';

/** ARM location form: azurerm accepts display names too ("West Europe") and folds case and spaces. */
export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

/** `location` against the catalogue (plus the context's extra locations). */
export function checkLocation(scope: Construct, field: string, location: string, problems: ProblemCollector): void {
  if (isUnresolved(location)) return;
  const extra = (scope.node.tryGetContext(AZURE_EXTRA_LOCATIONS_CONTEXT) as string[] | undefined) ?? [];
  const known = new Set([...AZURE_LOCATIONS, ...extra.map(normalizeLocation)]);
  if (known.has(normalizeLocation(location))) return;
  const guess = location.toLowerCase().replace(/[^a-z0-9]/g, '');
  problems.add({
    field,
    given: describe(location),
    allowed: `an Azure region name (${AZURE_LOCATIONS_SOURCE}), e.g. westeurope, eastus2, swedencentral`,
    fix: known.has(guess)
      ? `use "${guess}"`
      : `use a region from \`az account list-locations -o table\`; for one newer than the catalogue, list it under the context key "${AZURE_EXTRA_LOCATIONS_CONTEXT}"`,
  });
}

/**
 * Resource group names (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules,
 * Microsoft.Resources/resourcegroups): 1-90 characters, letters, digits, underscores, hyphens, periods and
 * parentheses (Unicode letters and digits included), not ending in a period.
 */
export function checkResourceGroupName(field: string, name: string, problems: ProblemCollector): void {
  if (isUnresolved(name)) return;
  if (/^[\p{L}\p{N}_\-.()]{1,90}$/u.test(name) && !name.endsWith('.')) return;
  problems.add({
    field,
    given: describe(name),
    allowed: '1-90 letters, digits, "_", "-", "." and "()", not ending in "." (Azure resource group names)',
    fix: 'e.g. "rg-ml-prod"',
  });
}

/** ARM resource types this library takes ids of, with the id shape ARM uses. */
export const ARM_ID_TYPES = {
  containerRegistry: 'Microsoft.ContainerRegistry/registries',
  managedCluster: 'Microsoft.ContainerService/managedClusters',
  storageAccount: 'Microsoft.Storage/storageAccounts',
  mlWorkspace: 'Microsoft.MachineLearningServices/workspaces',
  logAnalyticsWorkspace: 'Microsoft.OperationalInsights/workspaces',
  actionGroup: 'microsoft.insights/actionGroups',
  keyVault: 'Microsoft.KeyVault/vaults',
} as const;

/**
 * An ARM resource id of the given type: `/subscriptions/<id>/resourceGroups/<group>/providers/<namespace>/<type>/<name>`
 * (ARM compares namespace and type case-insensitively).
 */
export function checkArmId(field: string, id: string | undefined, type: string, problems: ProblemCollector): void {
  if (id === undefined || isUnresolved(id)) return;
  const [namespace, kind] = type.split('/');
  const shape = new RegExp(`^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${namespace.replace(/\./g, '\\.')}/${kind}/[^/]+$`, 'i');
  if (shape.test(id)) return;
  problems.add({
    field,
    given: describe(id),
    allowed: `the ARM id of a ${type}: /subscriptions/<subscription>/resourceGroups/<group>/providers/${type}/<name>`,
    fix: `copy the resource's "id" (az resource show --resource-type ${type} -g <group> -n <name> --query id)`,
  });
}
