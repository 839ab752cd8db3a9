/**
 * server.auth, server.cache, server.circuitBreaker and server.tracing on Azure ML: honoured or refused by name.
 * Receiver's own definitions behind each refusal:
 * - The azapi type graph for Microsoft.MachineLearningServices 2025-06-01 (test/fixtures/schemas/azure, vendored
 *   byte-for-byte from Azure/terraform-provider-azapi): an online deployment's `environmentVariables` is
 *   EndpointDeploymentPropertiesBaseEnvironmentVariables, whose additionalProperties are plain strings; there is
 *   no Key Vault reference type. So a ServerSecret has no way into the container.
 * - An online endpoint checks the caller's key or Azure ML/Entra token in the Authorization header (authMode
 *   Key/AMLToken/AADToken): the server's own API key or JWT has no header.
 * - egressPublicNetworkAccess off (legacy network isolation) lets the deployment reach only the workspace, its
 *   storage and registry (learn.microsoft.com/azure/machine-learning/concept-secure-online-endpoint).
 */
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
  expect(message).toMatch(/server\.cache\.redisUrl: got Key Vault https:\/\/kv-ml\.vault\.azure\.net\/secrets\/redis-url; allowed: on Azure ML: no secret references.*Fix: an Azure ML online deployment takes plain environment strings only/);
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
