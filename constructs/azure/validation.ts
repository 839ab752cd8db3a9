import { Construct, IConstruct } from 'constructs';
import { ProblemCollector, addSpecValidation, describe, isUnresolved } from '../../lib';

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

/**
 * Subscription ids are GUIDs: ARM answers any other value in `/subscriptions/<id>` with InvalidSubscriptionId
 * "The provided subscription identifier '<id>' is malformed or invalid" (e.g. a subscription's display name:
 * MicrosoftDocs/azure-docs#77959).
 */
export const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const GUID_PART = GUID.source.slice(1, -1);

/**
 * An Entra object id or application (client) id: a GUID. azurerm_role_assignment validates `principal_id` with
 * validation.IsUUID (terraform-provider-azurerm internal/services/authorization/role_assignment_resource.go).
 */
export function checkGuid(field: string, value: string | undefined, what: string, problems: ProblemCollector): void {
  if (value === undefined || isUnresolved(value) || (typeof value === 'string' && GUID.test(value))) return;
  problems.add({ field, given: describe(value), allowed: `${what}: a GUID like 11111111-2222-3333-4444-555555555555`, fix: 'copy the id (az ad sp show --id <app> --query id -o tsv for a service principal\'s object id), not a name' });
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
  subnet: 'Microsoft.Network/virtualNetworks/subnets',
} as const;

/**
 * An ARM resource id of the given type: `/subscriptions/<id>/resourceGroups/<group>/providers/<namespace>/<type>/<name>`
 * (ARM compares namespace and type case-insensitively).
 */
export function checkArmId(field: string, id: string | undefined, type: string, problems: ProblemCollector): void {
  if (id === undefined || isUnresolved(id)) return;
  // A child type (`virtualNetworks/subnets`) has a name after each of its type segments.
  const [namespace, ...kinds] = type.split('/');
  const path = kinds.map((k) => `${k}/[^/]+`).join('/');
  const shape = new RegExp(`^/subscriptions/${GUID_PART}/resourceGroups/[^/]+/providers/${namespace.replace(/\./g, '\\.')}/${path}$`, 'i');
  if (typeof id === 'string' && shape.test(id)) return;
  const example = kinds.length > 1 ? `${namespace}/${kinds.map((k) => `${k}/<name>`).join('/')}` : `${type}/<name>`;
  problems.add({
    field,
    given: describe(id),
    allowed: `the ARM id of a ${type}: /subscriptions/<subscription GUID>/resourceGroups/<group>/providers/${example}`,
    fix: `copy the resource's "id" (az resource show --resource-type ${type} -g <group> -n <name> --query id)`,
  });
}

/**
 * Availability zones of an Azure region are numbered 1, 2 and 3 (learn.microsoft.com/azure/reliability/availability-zones-overview;
 * the AKS agent pool's `availabilityZones` takes those numbers as strings).
 */
export function checkZones(field: string, zones: readonly string[] | undefined, problems: ProblemCollector): void {
  if (zones === undefined || isUnresolved(zones)) return;
  const bad = zones.filter((z) => !isUnresolved(z) && !['1', '2', '3'].includes(z));
  const dup = zones.filter((z, i) => zones.indexOf(z) !== i);
  if (bad.length > 0 || dup.length > 0) {
    problems.add({ field, given: describe(zones), allowed: 'each of the zone numbers "1", "2", "3" at most once', fix: 'e.g. ["1", "2", "3"], or leave zones out where the region has none' });
  }
}

interface NamedEndpoint { readonly construct: IConstruct; readonly name: string; readonly location: string }
const ENDPOINT_NAMES = new WeakMap<IConstruct, NamedEndpoint[]>();

/**
 * Cross-object: an online endpoint's name is unique in its Azure region, whatever the subscription or workspace
 * (its scoring URI is `https://<name>.<region>.inference.ml.azure.com/score`; learn.microsoft.com/azure/machine-learning/how-to-deploy-online-endpoints:
 * the endpoint name must be unique in the Azure region). Every endpoint of the app registers here and the check
 * runs at synth, when the app holds all of them, so two endpoints in two stacks clash too and both are named.
 */
export function addEndpointNameCheck(endpoint: IConstruct, owner: string, name: string, location: string): void {
  if (isUnresolved(name) || isUnresolved(location)) return;
  const root = endpoint.node.root;
  const list = ENDPOINT_NAMES.get(root) ?? [];
  list.push({ construct: endpoint, name, location: normalizeLocation(location) });
  ENDPOINT_NAMES.set(root, list);
  addSpecValidation(endpoint, owner, () => (ENDPOINT_NAMES.get(root) ?? [])
    .filter((o) => o.construct !== endpoint && o.name === name && o.location === normalizeLocation(location))
    .map((o) => ({ field: 'endpointName', given: `${describe(name)}, which ${o.construct.node.path} already uses in ${location}`, allowed: 'one online endpoint per name in an Azure region (in any stack of the app)', fix: 'give one of them another endpointName' })));
}
