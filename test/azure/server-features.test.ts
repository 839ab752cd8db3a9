/**
 * server.auth, server.cache, server.circuitBreaker and server.tracing on Azure ML: honoured or refused by name.
 * Receiver's own definitions behind each refusal:
 * - The azapi type graph for Microsoft.MachineLearningServices 2025-06-01 (test/fixtures/schemas/azure, vendored
 *   byte-for-byte from Azure/terraform-provider-azapi): an online deployment's `environmentVariables` is
 *   EndpointDeploymentPropertiesBaseEnvironmentVariables, whose additionalProperties are plain strings; there is
 *   no Key Vault reference type. So only the reference travels (MODEL_SERVER_SECRET_REFS, a plain string) and
 *   the server reads Key Vault itself with the endpoint's system-assigned identity, which gets the built-in role
 *   Key Vault Secrets User (4633458b-17de-408a-b874-0445c86b69e6, learn.microsoft.com/azure/role-based-access-control/
 *   built-in-roles/security "Key Vault Secrets User": "Read secret contents") scoped to that one secret
 *   (learn.microsoft.com/azure/key-vault/general/rbac-guide: roles can be assigned at the scope of an individual
 *   secret, `<vault id>/secrets/<name>`).
 * - An online endpoint checks the caller's key or Azure ML/Entra token in the Authorization header (authMode
 *   Key/AMLToken/AADToken): the server's own API key or JWT has no header.
 * - egressPublicNetworkAccess off (legacy network isolation) lets the deployment reach only the workspace, its
 *   storage and registry (learn.microsoft.com/azure/machine-learning/concept-secure-online-endpoint).
 */
import { Token } from 'cdktf';
import { Duration, ModelArtifact, ServerSecret } from '../../lib';
import { AZURE_ML_TYPES, WorkspaceSource } from '../../constructs/azure';
import { REGISTRY_ID, WORKSPACE_ID, endpoint } from './support/fixtures';
import { resourcesOf, schemaProblems, synth } from './support/synth';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectProblems } from '../support/expect-problems';
import { synthScopeValidated } from '../support/cdktf-scope';

type Json = Record<string, any>;
const deploymentBody = (tf: Json): Json => Object.values(resourcesOf(tf as never, 'azapi_resource')).filter((r) => r.type === AZURE_ML_TYPES.onlineDeployment)[0].body;
/** The message of the synth (the constructs' validations) that fails on the reported problems. */
function failure(f: () => unknown): string {
  return expectProblems(f, []);
}

test('the circuit breaker and tracing (public egress, the default) are honoured, and the body passes the type graph', () => {
  const { tf } = synth((s) => endpoint(s, { server: { circuitBreaker: { consecutiveFailures: 10, latencyThreshold: Duration.seconds(2) }, tracing: { endpoint: 'https://otel.example.com', serviceName: 'digits-westeurope' } } }));
  expect(deploymentBody(tf).properties.environmentVariables).toMatchObject({
    MODEL_SERVER_BREAKER_MODELS: 'digits',
    MODEL_SERVER_BREAKER_CONSECUTIVE_FAILURES: '10',
    MODEL_SERVER_BREAKER_LATENCY_MS: '2000',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com',
    OTEL_SERVICE_NAME: 'digits-westeurope',
  });
  expect(schemaProblems(tf)).toEqual([]);
});

test('nothing set: no feature variables (the default output is unchanged)', () => {
  const { tf } = synth((s) => endpoint(s));
  const env = deploymentBody(tf).properties.environmentVariables as Record<string, string>;
  expect(Object.keys(env).filter((k) => /^(OTEL_|MODEL_SERVER_(JWT|CACHE|BREAKER|RATE_LIMIT_PER_MINUTE|API_KEY))/.test(k))).toEqual([]);
});

test('the receiver: an online deployment\'s environmentVariables hold plain strings only', () => {
  const types = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'schemas', 'azure', 'microsoft.machinelearningservices-2025-06-01.types.json'), 'utf8')) as Json[];
  const env = types.find((t) => t?.name === 'EndpointDeploymentPropertiesBaseEnvironmentVariables')!;
  expect(env.properties).toEqual({});
  const target = types[Number(String(env.additionalProperties.$ref).replace('#/', ''))];
  expect(target.$type).toBe('StringType');
});

test('server.auth and a cache are refused by name, all at once, with the fix', () => {
  const message = failure(() => synthScopeValidated((s) => endpoint(s, {
    server: {
      auth: { jwt: { issuer: 'https://login.microsoftonline.com/t/v2.0', audience: 'api://digits', jwksUri: 'https://login.microsoftonline.com/t/discovery/v2.0/keys' }, requestsPerMinute: 100 },
      cache: { redisUrl: ServerSecret.fromAzureKeyVault('https://kv-ml.vault.azure.net/secrets/redis-url') },
    },
  })));
  expect(message).toMatch(/has 2 invalid settings/);
  expect(message).toMatch(/server\.auth: got jwt, requestsPerMinute; allowed: on Azure ML: no authentication by the model server: the Authorization header that API keys and JWTs travel in belongs to the platform's own caller authentication \(the endpoint checks the key or Azure ML\/Entra token of its authMode/);
  expect(message).toMatch(/server\.cache\.redisUrl: got Key Vault https:\/\/kv-ml\.vault\.azure\.net\/secrets\/redis-url \(vault kv-ml\) with keyVaultIds unset; allowed: a secret in a vault listed in keyVaultIds: the endpoint's identity gets Key Vault Secrets User on the secret, or the server cannot read it\. Fix: pass keyVaultIds: \[<the ARM id of kv-ml, azurerm_key_vault\.id>\]/);
});

test('tracing with egress off (legacy network isolation) is refused with the fix', () => {
  const message = failure(() => synthScopeValidated((s) => endpoint(s, {
    egressPublicNetworkAccess: false,
    workspace: WorkspaceSource.fromId(WORKSPACE_ID, { containerRegistryId: REGISTRY_ID }),
    model: ModelArtifact.fromUri('https://acct.blob.core.windows.net/models/m.onnx'),
    server: { tracing: { endpoint: 'http://10.1.0.4:4318' } },
  })));
  expect(message).toMatch(/has 1 invalid setting:\n {2}1\. server\.tracing\.endpoint: got the OTLP receiver http:\/\/10\.1\.0\.4:4318 with egressPublicNetworkAccess false; allowed: on Azure ML: no destination beyond the workspace, its storage and its registry \(legacy network isolation\)\. Fix: turn egressPublicNetworkAccess on and reach it over a public address, or remove server\.tracing/);
});

describe('a Redis URL in Key Vault', () => {
  const KV_ID = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-ml';
  const SECRET = 'https://kv-ml.vault.azure.net/secrets/redis-url';

  test('the deployment gets the reference, never a value; the endpoint identity reads exactly that secret before the deployment starts', () => {
    const { tf } = synth((s) => endpoint(s, { keyVaultIds: [KV_ID], server: { cache: { redisUrl: ServerSecret.fromAzureKeyVault(`${SECRET}/4387e9f3d6e14c459867679a90fd0f79`) } } }));
    const env = deploymentBody(tf).properties.environmentVariables as Record<string, string>;
    expect(JSON.parse(env.MODEL_SERVER_SECRET_REFS!)).toEqual({ MODEL_SERVER_CACHE_REDIS_URL: { source: 'azure-keyvault', secretId: `${SECRET}/4387e9f3d6e14c459867679a90fd0f79` } });
    expect(env.MODEL_SERVER_CACHE_REDIS_URL).toBeUndefined();
    expect(env.MODEL_SERVER_CACHE_MODELS).toBe('digits');
    // The body still passes the Microsoft.MachineLearningServices type graph (a string value).
    expect(schemaProblems(tf)).toEqual([]);
    const grants = Object.entries(resourcesOf(tf as never, 'azurerm_role_assignment')).filter(([, g]) => String(g.role_definition_id).endsWith('4633458b-17de-408a-b874-0445c86b69e6'));
    expect(grants).toHaveLength(1);
    const [name, grant] = grants[0]!;
    // Scope: the secret (a version is not a scope), not the vault.
    expect(grant).toMatchObject({ scope: `${KV_ID}/secrets/redis-url`, role_definition_id: '/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6', principal_type: 'ServicePrincipal' });
    expect(grant.principal_id).toMatch(/^\$\{azapi_resource\.[^.]+\.identity\[0\]\.principal_id\}$/);
    const deployment = Object.values(resourcesOf(tf as never, 'azapi_resource')).find((r) => r.type === AZURE_ML_TYPES.onlineDeployment)!;
    expect(deployment.depends_on).toContain(`azurerm_role_assignment.${name}`);
  });

  test('a vault missing from keyVaultIds, a keyVaultIds entry that is not a vault, and egress off are refused, all at once', () => {
    const message = failure(() => synthScopeValidated((s) => endpoint(s, {
      egressPublicNetworkAccess: false,
      workspace: WorkspaceSource.fromId(WORKSPACE_ID, { containerRegistryId: REGISTRY_ID }),
      model: ModelArtifact.fromUri('https://acct.blob.core.windows.net/models/m.onnx'),
      keyVaultIds: [REGISTRY_ID],
      server: { cache: { redisUrl: ServerSecret.fromAzureKeyVault(SECRET) } },
    })));
    expect(message).toMatch(/keyVaultIds\[0\]: got .*registries\/contoso/);
    expect(message).toMatch(/server\.cache\.redisUrl: got Key Vault https:\/\/kv-ml\.vault\.azure\.net\/secrets\/redis-url with egressPublicNetworkAccess false; allowed: on Azure ML: no call to Key Vault from a deployment without public egress/);
    expect(message).toMatch(/server\.cache\.redisUrl: got Key Vault https:\/\/kv-ml\.vault\.azure\.net\/secrets\/redis-url \(vault kv-ml\) with keyVaultIds \[/);
  });

  test('a secret id that is a token is refused: its vault picks the grant', () => {
    const message = failure(() => synthScopeValidated((s) => endpoint(s, { keyVaultIds: [KV_ID], server: { cache: { redisUrl: ServerSecret.fromAzureKeyVault(Token.asString({ Ref: 'x' })) } } })));
    expect(message).toMatch(/server\.cache\.redisUrl: got a secret id that is a token; allowed: a literal https:\/\/<vault>\.vault\.azure\.net\/secrets\/<name>: its vault picks the grant's scope from keyVaultIds/);
  });

  test('a secret from another cloud\'s store is refused by name with the Azure way', () => {
    const message = failure(() => synthScopeValidated((s) => endpoint(s, { server: { cache: { redisUrl: ServerSecret.fromAwsSecretsManager('arn:aws:secretsmanager:eu-west-1:123456789012:secret:redis-AbCdEf') } } })));
    expect(message).toMatch(/server\.cache\.redisUrl: got Secrets Manager arn:aws:secretsmanager:eu-west-1:123456789012:secret:redis-AbCdEf; allowed: on Azure ML: secrets from AZURE_KEY_VAULT .*Fix: keep the secret in Azure Key Vault and pass ServerSecret\.fromAzureKeyVault\(secret\.versionlessId\) with the vault in keyVaultIds/);
  });
});
