/**
 * server.auth, server.cache, server.circuitBreaker and server.tracing on Vertex AI: honoured or refused by name.
 * Receiver's own definitions behind each refusal:
 * - googleapis google/cloud/aiplatform/v1/model.proto (at f8291d2b89f0017ab078a4c7378069bae5686f6f, and the same
 *   protos `@google-cloud/aiplatform` ships, which this test reads): ModelContainerSpec `repeated EnvVar env = 4`,
 *   and env_var.proto's EnvVar has `name` and `value` only. The SecretEnvVar message in the same file is used by
 *   reasoning_engine.proto alone, not by model serving. So a ServerSecret has no way into the container.
 * - Callers of a Vertex AI endpoint send their Google access token in the Authorization header (projects.locations.
 *   endpoints.predict, IAM permission aiplatform.endpoints.predict): the server's own API key or JWT has no header.
 * - The construct creates the endpoint without `network` or `privateServiceConnectConfig`: the container has no
 *   path into a VPC, so a collector or Redis there cannot be reached.
 */
import { Duration, ServerSecret } from '../../lib';
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

test('server.auth, a cache and tracing are refused by name, all at once, with the fix', () => {
  const message = failure(() => build({
    server: {
      auth: { apiKeys: ServerSecret.fromGcpSecretManager('projects/acme-ml/secrets/api-keys', '2') },
      cache: { redisUrl: ServerSecret.fromGcpSecretManager('projects/acme-ml/secrets/redis-url', 'latest') },
      tracing: { endpoint: 'http://10.8.0.4:4318' },
    },
  }));
  expect(message).toMatch(/has 5 invalid settings/);
  expect(message).toMatch(/server\.auth: got apiKeys; allowed: on Vertex AI: no authentication by the model server: the Authorization header that API keys and JWTs travel in belongs to the platform's own caller authentication \(Vertex AI checks the caller's Google access token/);
  expect(message).toMatch(/server\.auth\.apiKeys: got Secret Manager projects\/acme-ml\/secrets\/api-keys version 2; allowed: on Vertex AI: no secret references.*Fix: Vertex AI gives a model container name\/value variables only \(ModelContainerSpec\.env is repeated EnvVar, no secret reference\)/);
  expect(message).toMatch(/server\.cache\.redisUrl: got Secret Manager projects\/acme-ml\/secrets\/redis-url version latest; allowed: on Vertex AI: no secret references/);
  expect(message).toMatch(/server\.cache\.redisUrl: got the prediction cache's Redis .*; allowed: on Vertex AI: no destination in your network: this endpoint has no VPC path/);
  expect(message).toMatch(/server\.tracing\.endpoint: got the OTLP receiver http:\/\/10\.8\.0\.4:4318; allowed: on Vertex AI: no destination in your network.*Fix: remove server\.tracing on Vertex AI, or serve with the Kubernetes backend on GKE/);
});
