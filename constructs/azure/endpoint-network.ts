import { ProblemCollector, ResolvedServing, SecretEnvironmentVariable, SecretSource, isUnresolved, refusal } from '../../lib';
import { AZURE_ML_CAPABILITIES } from './capabilities';
import type { ModelEndpointProps } from './model-endpoint';
import { WorkspaceSource } from './workspace';

/**
 * Azure ML's supported inbound/outbound combinations for managed online endpoints
 * (MicrosoftDocs/azure-docs articles/machine-learning/concept-secure-online-endpoint.md, appendix "Secure outbound
 * access with legacy network isolation method", and its table of supported configurations):
 *  - egress off needs "a private link" on the workspace, and the deployment then reaches only "the workspace, blob,
 *    and container registry" of the workspace; an image elsewhere fails to download;
 *  - egress on needs the workspace to "allow public access as the deployment outbound is to the workspace API".
 */
export function checkDeploymentNetwork(props: ModelEndpointProps, workspace: WorkspaceSource, problems: ProblemCollector): void {
  const egress = props.egressPublicNetworkAccess ?? true;
  const doc = 'concept-secure-online-endpoint, "legacy network isolation"';
  if (!egress && workspace.create) {
    problems.add({
      field: 'egressPublicNetworkAccess',
      given: 'false with WorkspaceSource.create()',
      allowed: `false only in a workspace with a private link; a created workspace has none (${doc})`,
      fix: 'leave egressPublicNetworkAccess on, or use WorkspaceSource.fromId(...) for a workspace with a private endpoint and its own registry; for egress control with any registry, give the workspace a managed virtual network',
    });
  }
  if (egress && workspace.create && workspace.create.publicNetworkAccess === false) {
    problems.add({
      field: 'workspace.publicNetworkAccess',
      given: 'false with egressPublicNetworkAccess on',
      allowed: 'true: a deployment with public outbound calls the workspace API from public networks (concept-secure-online-endpoint, supported configurations)',
      fix: 'omit workspace publicNetworkAccess, or bring a workspace with a private endpoint (WorkspaceSource.fromId) and turn egress off',
    });
  }
  if (!egress && workspace.workspaceId && props.imageRegistryId && !isUnresolved(props.imageRegistryId)) {
    const own = workspace.existing.containerRegistryId;
    if (own === undefined || (!isUnresolved(own) && own.toLowerCase() !== props.imageRegistryId.toLowerCase())) {
      problems.add({
        field: 'imageRegistryId',
        given: `${props.imageRegistryId} with egressPublicNetworkAccess false (workspace registry: ${own ?? 'not given'})`,
        allowed: `with egress off, only the workspace's own container registry (${doc}: "they have access to the secured resources (workspace, blob, and container registry) only")`,
        fix: 'push the image to the workspace\'s registry and pass it as both imageRegistryId and WorkspaceSource.fromId(id, { containerRegistryId }), or turn egressPublicNetworkAccess on',
      });
    }
  }
}

/**
 * With egress off (legacy network isolation) the deployment reaches the workspace, its storage and its registry
 * only: every outbound destination of the server (Redis, tracing) is refused.
 */
export function outboundProblems(props: ModelEndpointProps, serving: ResolvedServing, problems: ProblemCollector): void {
  if (props.egressPublicNetworkAccess !== false) return;
  for (const t of serving.outbound) {
    problems.add(refusal(AZURE_ML_CAPABILITIES, t.field, `${t.description} with egressPublicNetworkAccess false`,
      'no destination beyond the workspace, its storage and its registry (legacy network isolation)',
      `turn egressPublicNetworkAccess on and reach it over a public address, or remove ${t.field.split('.').slice(0, 2).join('.')}`));
  }
}

/**
 * The RBAC scope of each Key Vault secret the server reads (`<vault ARM id>/secrets/<name>`: Key Vault RBAC
 * assigns roles on single secrets; versions are not scopes), with a problem for a secret whose vault is not in
 * `keyVaultIds` or that the deployment cannot reach (egress off: legacy network isolation reaches only the
 * workspace, its storage and its registry).
 */
export function keyVaultSecretScopes(secrets: readonly SecretEnvironmentVariable[], props: ModelEndpointProps, problems: ProblemCollector): string[] {
  const scopes: string[] = [];
  for (const s of secrets) {
    if (s.secret.source !== SecretSource.AZURE_KEY_VAULT) continue;
    if (isUnresolved(s.secret.name)) {
      problems.add({ field: s.field, given: 'a secret id that is a token', allowed: 'a literal https://<vault>.vault.azure.net/secrets/<name>: its vault picks the grant\'s scope from keyVaultIds', fix: 'write the secret id out, e.g. "https://kv-ml.vault.azure.net/secrets/redis-url"' });
      continue;
    }
    const url = new URL(s.secret.name);
    const vault = url.hostname.split('.')[0]!;
    const secretName = url.pathname.split('/')[2]!;
    if (props.egressPublicNetworkAccess === false) {
      problems.add(refusal(AZURE_ML_CAPABILITIES, s.field, `${s.secret.toString()} with egressPublicNetworkAccess false`,
        'no call to Key Vault from a deployment without public egress (legacy network isolation reaches the workspace, its storage and its registry only); the server reads the secret at start',
        'turn egressPublicNetworkAccess on (the vault\'s public endpoint, with its firewall admitting Azure ML), or use a plain value'));
    }
    const vaultId = (props.keyVaultIds ?? []).find((id) => !isUnresolved(id) && id.split('/').pop()!.toLowerCase() === vault);
    if (vaultId === undefined) {
      problems.add({
        field: s.field,
        given: `${s.secret.toString()} (vault ${vault}) with keyVaultIds ${props.keyVaultIds === undefined ? 'unset' : `[${props.keyVaultIds.join(', ')}]`}`,
        allowed: 'a secret in a vault listed in keyVaultIds: the endpoint\'s identity gets Key Vault Secrets User on the secret, or the server cannot read it',
        fix: `pass keyVaultIds: [<the ARM id of ${vault}, azurerm_key_vault.id>]`,
      });
      continue;
    }
    const scope = `${vaultId}/secrets/${secretName}`;
    if (!scopes.includes(scope)) scopes.push(scope);
  }
  return scopes;
}
