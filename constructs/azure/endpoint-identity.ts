import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { Annotations } from 'cdktf';
import { Construct } from 'constructs';

/** Built-in role ids the endpoint's identity needs (learn.microsoft.com/azure/role-based-access-control/built-in-roles). */
const STORAGE_BLOB_DATA_READER = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1';
/** AcrPull (built-in roles, Containers). */
export const ACR_PULL_ROLE_ID = '7f951dda-4ed3-4680-a7ca-43fe172d538d';
/** Key Vault Secrets User: read secret contents (built-in roles, Security: learn.microsoft.com/azure/role-based-access-control/built-in-roles/security). */
const KEY_VAULT_SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';

/** What the endpoint's identity reads. */
export interface IdentityScopes {
  /** Blob containers holding the model (Storage Blob Data Reader). */
  readonly modelReadScopes: readonly string[];
  /** The image's Azure Container Registry (AcrPull). */
  readonly imageRegistryId?: string;
  /** The image, for the warning when it is in an ACR that `imageRegistryId` does not name. */
  readonly image: string;
  /** Key Vault secrets the server reads (Key Vault Secrets User on each secret). */
  readonly secretScopes: readonly string[];
}

/**
 * The endpoint's system-assigned identity gets exactly what it reads before the deployment starts: its model's
 * container, its image's registry, and the server's Key Vault secrets (MODEL_SERVER_SECRET_REFS). Each
 * assignment names principal_type ServicePrincipal (a managed identity created in the same apply).
 */
export function grantEndpointIdentity(scope: Construct, principalId: string, endpointName: string, scopes: IdentityScopes): RoleAssignment[] {
  const grants: RoleAssignment[] = [];
  scopes.modelReadScopes.forEach((s, i) => grants.push(new RoleAssignment(scope, i === 0 ? 'ModelRead' : `ModelRead${i}`, {
    scope: s,
    roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_READER}`,
    principalId,
    principalType: 'ServicePrincipal',
    description: `Endpoint ${endpointName} reads its model`,
  })));
  if (scopes.imageRegistryId) {
    grants.push(new RoleAssignment(scope, 'ImagePull', {
      scope: scopes.imageRegistryId,
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL_ROLE_ID}`,
      principalId,
      principalType: 'ServicePrincipal',
      description: `Endpoint ${endpointName} pulls its image`,
    }));
  } else if (/\.azurecr\.io\//.test(scopes.image)) {
    Annotations.of(scope).addWarning(`ModelEndpoint ${scope.node.path}: ${scopes.image} is in an Azure Container Registry; pass imageRegistryId so the endpoint's identity gets AcrPull on it.`);
  }
  // Secrets by reference (MODEL_SERVER_SECRET_REFS): the server reads exactly these secrets with this identity.
  scopes.secretScopes.forEach((s, i) => grants.push(new RoleAssignment(scope, i === 0 ? 'SecretRead' : `SecretRead${i}`, {
    scope: s,
    roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_SECRETS_USER}`,
    principalId,
    principalType: 'ServicePrincipal',
    description: `Endpoint ${endpointName} reads a server secret`,
  })));
  return grants;
}
