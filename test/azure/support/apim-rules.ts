/**
 * What the azurerm provider accepts for the API Management resources ModelGateway writes, carried over as facts
 * from its own validators at the version the prebuilt bindings wrap (hashicorp/terraform-provider-azurerm
 * v4.55.0, commit 37bf7f03b661b804a59fd62fd6f6e6b8ee4a69df):
 * - internal/services/apimanagement/validate/api_management.go (ApiManagementServiceName, ApiManagementChildName,
 *   ApiManagementApiName, ApiManagementApiPath, ApiManagementServicePublisherName/-Email);
 * - internal/services/apimanagement/validate/api_management_sku.go (ApimSkuName);
 * - internal/services/apimanagement/api_management_api_resource.go (protocols), api_management_api_diagnostic_resource.go
 *   (identifier, sampling_percentage, verbosity, body_bytes 0-8192, data_masking mode).
 * The cdktf bindings type the keys; these check the values, as `terraform plan` would. Values that are still
 * Terraform expressions are skipped.
 */
import { TfJson, resourcesOf } from './synth';

const expr = (v: unknown) => typeof v === 'string' && v.includes('${');

type Rule = readonly [path: string, check: (v: unknown) => boolean, message: string];
const matches = (re: RegExp) => (v: unknown) => typeof v === 'string' && re.test(v);
const oneOf = (...allowed: string[]) => (v: unknown) => typeof v === 'string' && allowed.includes(v);

const CONTENT: Rule[] = ['frontend_request', 'frontend_response', 'backend_request', 'backend_response'].flatMap((b): Rule[] => [
  [`${b}.body_bytes`, (v) => v === undefined || (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 8192), 'IntBetween(0, 8192)'],
  [`${b}.data_masking.query_params[].mode`, oneOf('Hide', 'Mask'), 'one of Hide, Mask'],
  [`${b}.data_masking.headers[].mode`, oneOf('Hide', 'Mask'), 'one of Hide, Mask'],
]);

const RULES: Record<string, Rule[]> = {
  azurerm_api_management: [
    ['name', matches(/^[0-9a-zA-Z-]{1,50}$/), 'ApiManagementServiceName'],
    ['sku_name', matches(/^Consumption_0$|^Basic_(1|2)$|^BasicV2_([1-9]|10)|^Developer_1$|^Premium_([1-9][0-9]{0,1})$|^PremiumV2_([1-9]|1[0-9]|2[0-9]|30)$|^Standard_[1-4]$|^StandardV2_([1-9]|10)$/), 'ApimSkuName'],
    ['publisher_name', matches(/^.{1,100}$/), 'ApiManagementServicePublisherName'],
    ['publisher_email', matches(/^[\S*]{1,100}$/), 'ApiManagementServicePublisherEmail'],
    ['identity.type', oneOf('SystemAssigned', 'UserAssigned', 'SystemAssigned, UserAssigned'), 'SystemAssignedUserAssignedIdentityOptional'],
  ],
  azurerm_api_management_api: [
    ['name', matches(/^[^*#&+]{1,256}$/), 'ApiManagementApiName'],
    ['path', matches(/^(?:|[\w]|[\w.][\w-/.:]{0,398}[\w-])$/), 'ApiManagementApiPath'],
    ['protocols[]', oneOf('http', 'https', 'ws', 'wss'), 'one of http, https, ws, wss'],
    ['revision', matches(/^.+$/), 'StringIsNotEmpty'],
    ['subscription_key_parameter_names.header', matches(/^.+$/), 'StringIsNotEmpty'],
    ['subscription_key_parameter_names.query', matches(/^.+$/), 'StringIsNotEmpty'],
  ],
  azurerm_api_management_api_operation: [
    ['operation_id', matches(/^[a-zA-Z0-9]([a-zA-Z0-9-_]{0,78}[a-zA-Z0-9])?$/), 'ApiManagementChildName'],
  ],
  azurerm_api_management_api_diagnostic: [
    ['identifier', oneOf('applicationinsights', 'azuremonitor'), 'one of applicationinsights, azuremonitor'],
    ['sampling_percentage', (v) => v === undefined || (typeof v === 'number' && v >= 0 && v <= 100), 'FloatBetween(0, 100)'],
    ['verbosity', oneOf('verbose', 'information', 'error'), 'one of verbose, information, error'],
    ...CONTENT,
  ],
};

/** Values at a path like `a.b[].c` (arrays fanned out; absent values skipped). */
function valuesAt(obj: unknown, path: string): unknown[] {
  let current: unknown[] = [obj];
  for (const part of path.split('.')) {
    const many = part.endsWith('[]');
    const key = many ? part.slice(0, -2) : part;
    current = current.flatMap((o) => {
      const v = o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;
      if (v === undefined) return [];
      return many && Array.isArray(v) ? v : [v];
    });
  }
  return current;
}

/** Provider validation failures in `tf`, as "<type>.<name>: <attribute> <value> fails <validator>". */
export function apimProviderProblems(tf: TfJson): string[] {
  const problems: string[] = [];
  for (const [type, rules] of Object.entries(RULES)) {
    for (const [name, r] of Object.entries(resourcesOf(tf, type))) {
      for (const [path, check, message] of rules) {
        for (const v of valuesAt(r, path)) {
          if (!expr(v) && !check(v)) problems.push(`${type}.${name}: ${path} ${JSON.stringify(v)} fails ${message}`);
        }
      }
    }
  }
  return problems;
}
