/**
 * server.auth, server.cache, server.circuitBreaker and server.tracing on Vertex AI: honoured or refused by name.
 * Receiver's own definitions behind each refusal:
 * - googleapis google/cloud/aiplatform/v1/model.proto (at f8291d2b89f0017ab078a4c7378069bae5686f6f, and the same
 *   protos `@google-cloud/aiplatform` ships, which this test reads): ModelContainerSpec `repeated EnvVar env = 4`,
 *   and env_var.proto's EnvVar has `name` and `value` only. The SecretEnvVar message in the same file is used by
 *   reasoning_engine.proto alone, not by model serving. So only the reference travels (MODEL_SERVER_SECRET_REFS, a
 *   plain value) and the server reads Secret Manager itself as the endpoint's service account, which gets
 *   roles/secretmanager.secretAccessor ("Secret Manager Secret Accessor": secretmanager.versions.access,
 *   cloud.google.com/secret-manager/docs/access-control) on that one secret (google_secret_manager_secret_iam_member,
 *   cloud.google.com/secret-manager/docs/manage-access-to-secrets: access is granted per secret).
 * - Callers of a Vertex AI endpoint send their Google access token in the Authorization header (projects.locations.
 *   endpoints.predict, IAM permission aiplatform.endpoints.predict): the server's own API key or JWT has no header.
 * - The construct creates the endpoint without `network` or `privateServiceConnectConfig`: the container has no
 *   path into a VPC, so a collector or Redis there cannot be reached; its outbound networking is the public internet
 *   (cloud.google.com/vertex-ai/docs/predictions/choose-endpoint-type, "Outbound networking": public endpoints
 *   "Public internet"), so a public destination is.
 */
import { Duration, ServerSecret } from '../../lib';
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret';
import { ModelEndpoint, ModelEndpointProps } from '../../constructs/gcp';
import { uploadModelRequest } from '../../constructs/gcp/vertex/bodies';
import { DeploymentPlan, deploymentIds } from '../../constructs/gcp/vertex/plan';
import { endpointProps } from './fixtures';
import { Synthesized, synth } from './support/cdktf';
import { protoProblems } from './support/vertex-proto';
import { readFileSync } from 'node:fs';
import { expectProblems } from '../support/expect-problems';

function build(p: Partial<ModelEndpointProps> = {}) {
  return synth((scope) => { new ModelEndpoint(scope, 'Endpoint', endpointProps(p)); });
}
function plan(json: Synthesized): DeploymentPlan {
  const all = Object.entries(json.resource.terraform_data).filter(([k]) => k.includes('Deployment'));
  return (all[0][1] as { input: DeploymentPlan }).input;
}
/** The parts of an UploadModelRequest these tests read. */
type Upload = { model: { containerSpec: { env: { name: string; value: string }[] } & Record<string, unknown> } & Record<string, unknown> } & Record<string, unknown>;
const upload = (p: DeploymentPlan): Upload => uploadModelRequest(p.spec, deploymentIds(p)) as Upload;

/** The message of the synth (the constructs' validations) that fails on the reported problems. */
function failure(f: () => unknown): string {
  return expectProblems(f, []);
}

test('the circuit breaker is honoured: in the UploadModelRequest the deployer sends, valid against the protos', () => {
  const p = plan(build({ server: { circuitBreaker: { failureRatio: 0.3, window: Duration.minutes(2) } } }).json);
  const body = upload(p);
  expect(protoProblems('UploadModelRequest', body, { inUrl: ['parent'] })).toEqual([]);
  expect(body.model.containerSpec.env).toEqual(expect.arrayContaining([
    { name: 'MODEL_SERVER_BREAKER_MODELS', value: 'digits' },
    { name: 'MODEL_SERVER_BREAKER_FAILURE_RATIO', value: '0.3' },
    { name: 'MODEL_SERVER_BREAKER_WINDOW_SECONDS', value: '120' },
  ]));
});

test('nothing set: no feature variables (the default output is unchanged)', () => {
  const env = plan(build().json).spec.environment;
  expect(Object.keys(env).filter((k) => /^(OTEL_|MODEL_SERVER_(JWT|CACHE|BREAKER|RATE_LIMIT_PER_MINUTE|API_KEY))/.test(k))).toEqual([]);
});

test('the receiver: a model container\'s env takes name and value only, so a secret reference is not a field', () => {
  const root = JSON.parse(readFileSync(require.resolve('@google-cloud/aiplatform/build/protos/protos.json'), 'utf8'));
  const v1 = root.nested.google.nested.cloud.nested.aiplatform.nested.v1.nested;
  expect(v1.ModelContainerSpec.fields.env).toMatchObject({ rule: 'repeated', type: 'EnvVar' });
  expect(Object.keys(v1.EnvVar.fields).sort()).toEqual(['name', 'value']);
  const body = upload(plan(build().json));
  const withSecret = { ...body, model: { ...body.model, containerSpec: { ...body.model.containerSpec, env: [{ name: 'MODEL_SERVER_CACHE_REDIS_URL', secretRef: { secret: 'redis-url', version: '1' } }] } } };
  expect(protoProblems('UploadModelRequest', withSecret, { inUrl: ['parent'] }).join('\n')).toMatch(/secretRef/);
});

test('server.auth and tracing into a VPC are refused by name, all at once, with the fix; Secret Manager secrets are not', () => {
  const message = failure(() => build({
    server: {
      auth: { apiKeys: ServerSecret.fromGcpSecretManager('projects/acme-ml/secrets/api-keys', '2') },
      cache: { redisUrl: ServerSecret.fromGcpSecretManager('projects/acme-ml/secrets/redis-url', 'latest') },
      tracing: { endpoint: 'http://10.8.0.4:4318' },
    },
  }));
  expect(message).toMatch(/has 2 invalid settings/);
  expect(message).toMatch(/server\.auth: got apiKeys; allowed: on Vertex AI: no authentication by the model server: the Authorization header that API keys and JWTs travel in belongs to the platform's own caller authentication \(Vertex AI checks the caller's Google access token/);
  expect(message).toMatch(/server\.tracing\.endpoint: got the OTLP receiver http:\/\/10\.8\.0\.4:4318; allowed: on Vertex AI: no destination in your network: this endpoint has no VPC path \(neither Private Service Connect nor VPC peering\); public addresses only\. Fix: give it a public address, remove server\.tracing on Vertex AI, or serve with the Kubernetes backend on GKE/);
  expect(message).not.toMatch(/secret references|redisUrl/);
});

test.each(['http://collector:4318', 'http://otel.monitoring.svc.cluster.local:4318', 'http://192.168.1.9:4318', 'http://metadata.google.internal', 'http://[fd00::1]:4318'])('tracing to %s (not a public address) is refused', (endpoint) => {
  expect(failure(() => build({ server: { tracing: { endpoint } } }))).toMatch(/server\.tracing\.endpoint: got the OTLP receiver .*public addresses only/);
});

describe('a Redis URL in Secret Manager', () => {
  test('the container gets the reference, never a value; the serving account may access exactly that secret before the deployment', () => {
    let warnings: string[] = [];
    const { json } = synth((scope) => {
      const e = new ModelEndpoint(scope, 'Endpoint', endpointProps({ server: { cache: { redisUrl: ServerSecret.fromGcpSecretManager('projects/acme-secrets/secrets/redis-url', '3') }, tracing: { endpoint: 'https://otel.example.com' } } }));
      warnings = e.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
    });
    const body = upload(plan(json));
    expect(protoProblems('UploadModelRequest', body, { inUrl: ['parent'] })).toEqual([]);
    const env = Object.fromEntries(body.model.containerSpec.env.map((v) => [v.name, v.value]));
    expect(JSON.parse(env.MODEL_SERVER_SECRET_REFS!)).toEqual({ MODEL_SERVER_CACHE_REDIS_URL: { source: 'gcp-secretmanager', name: 'projects/acme-secrets/secrets/redis-url', version: '3' } });
    expect(env.MODEL_SERVER_CACHE_REDIS_URL).toBeUndefined();
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('https://otel.example.com');
    const grants = Object.entries(json.resource.google_secret_manager_secret_iam_member ?? {});
    expect(grants).toHaveLength(1);
    const [name, grant] = grants[0]!;
    expect(grant).toEqual({ project: 'acme-secrets', secret_id: 'redis-url', role: 'roles/secretmanager.secretAccessor', member: expect.stringMatching(/^serviceAccount:\$\{google_service_account\.Endpoint_ServingAccount_[0-9A-F]+\.email\}$/) });
    const deployer = Object.entries(json.resource.terraform_data).find(([k]) => k.includes('Deployment'))![1] as { depends_on: string[] };
    expect(deployer.depends_on).toContain(`google_secret_manager_secret_iam_member.${name}`);
    expect(warnings.join('\n')).toMatch(/server\.cache\.redisUrl: the prediction cache's Redis \(Secret Manager projects\/acme-secrets\/secrets\/redis-url version 3\) must have a public address: a Vertex AI endpoint reaches the public internet only/);
  });

  test('a secret name that is a token is refused: the plan carries the variables without interpolation', () => {
    const message = failure(() => synth((scope) => {
      const secret = new SecretManagerSecret(scope, 'RedisUrl', { project: 'acme-secrets', secretId: 'redis-url', replication: { auto: {} } });
      new ModelEndpoint(scope, 'Endpoint', endpointProps({ server: { cache: { redisUrl: ServerSecret.fromGcpSecretManager(secret.id, '3') } } }));
    }));
    expect(message).toMatch(/server\.cache\.redisUrl: got a secret name that is a token; allowed: a literal "projects\/<project>\/secrets\/<name>"/);
  });

  test('a short secret name is refused with the full-name fix; another cloud\'s store is refused by name', () => {
    expect(failure(() => build({ server: { cache: { redisUrl: ServerSecret.fromGcpSecretManager('redis-url', '3') } } }))).toMatch(
      /server\.cache\.redisUrl: got Secret Manager redis-url version 3; allowed: the full name "projects\/<project>\/secrets\/<name>".*Fix: ServerSecret\.fromGcpSecretManager\('projects\/<project>\/secrets\/redis-url', '3'\)/,
    );
    expect(failure(() => build({ server: { cache: { redisUrl: ServerSecret.fromAzureKeyVault('https://kv-ml.vault.azure.net/secrets/redis-url') } } }))).toMatch(
      /server\.cache\.redisUrl: got Key Vault https:\/\/kv-ml\.vault\.azure\.net\/secrets\/redis-url; allowed: on Vertex AI: secrets from GCP_SECRET_MANAGER .*Fix: keep the secret in Google Secret Manager/,
    );
  });
});
