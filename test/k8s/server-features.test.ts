/**
 * server.auth, server.cache, server.circuitBreaker and server.tracing on Kubernetes (plain, KServe RawDeployment
 * and serverless).
 * - Secrets: core/v1 EnvVarSource `secretKeyRef` (the kubelet reads the Secret at container start); every
 *   manifest is checked strictly against the vendored Kubernetes and KServe schemas (test/support/k8s-validate.mjs),
 *   and the serverless InferenceService against Knative's admission rules (test/support/knative-admission.ts,
 *   after knative/serving pkg/apis/serving/k8s_validation.go, which allows `valueFrom.secretKeyRef`).
 * - What the variables mean: the server's own configuration code (runtime/src/config.ts `resolveOptions`).
 */
import { Duration, SERVER_ENV, ServerSecret } from '../../lib';
import { EndpointAuth, ModelCredentials, ModelEndpoint, ModelEndpointProps, ServingFlavour } from '../../constructs/k8s';
import { ModelArtifact } from '../../lib';
import { resolveOptions } from '../../runtime/src/config';
import { Manifest, findOne, podSpecs, expectSchemaValid, synthChart } from '../support/k8s-helpers';
import { knativeAdmissionProblems } from '../support/knative-admission';
import { baseProps, image, metadata } from './fixtures';
import { expectProblems } from '../support/expect-problems';

const synth = (props: ModelEndpointProps): Manifest[] => synthChart((chart) => { new ModelEndpoint(chart, 'E', props); });
const kserve = (o: Partial<ModelEndpointProps> = {}, serverless = true) =>
  ({ model: ModelArtifact.fromUri('s3://models/digits/model.onnx'), metadata, image, modelCredentials: ModelCredentials.ambient(), flavour: ServingFlavour.kserve({ serverless }), ...o }) as ModelEndpointProps;
const envOf = (docs: Manifest[]): Manifest[] => podSpecs(docs)[0].spec.containers[0].env as Manifest[];

const SERVER: ModelEndpointProps['server'] = {
  auth: {
    apiKeys: ServerSecret.fromKubernetesSecret('digits-keys', 'sha256'),
    jwt: { issuer: 'https://login.example.com/', audience: 'digits-api', jwksUri: 'https://login.example.com/.well-known/jwks.json' },
    requestsPerMinute: 100,
  },
  cache: { redisUrl: ServerSecret.fromKubernetesSecret('redis-credentials', 'url'), ttl: Duration.minutes(2) },
  circuitBreaker: { consecutiveFailures: 3 },
  tracing: { endpoint: 'http://otel-collector.observability:4318', samplerRatio: 0.2 },
};

describe('rendered on every flavour', () => {
  const flavours: [string, () => Manifest[]][] = [
    ['plain', () => synth(baseProps({ server: SERVER }))],
    ['KServe RawDeployment', () => synth(kserve({ server: SERVER }, false))],
    ['KServe serverless', () => synth(kserve({ server: SERVER }))],
  ];

  test.each(flavours)('%s: secrets through secretKeyRef, the rest as values; valid against the schemas', (_name, docs) => {
    const d = docs();
    const env = envOf(d);
    expect(env).toEqual(expect.arrayContaining([
      { name: SERVER_ENV.apiKeySha256.name, valueFrom: { secretKeyRef: { name: 'digits-keys', key: 'sha256' } } },
      { name: SERVER_ENV.cacheRedisUrl.name, valueFrom: { secretKeyRef: { name: 'redis-credentials', key: 'url' } } },
      { name: 'MODEL_SERVER_JWT_JWKS_URI', value: 'https://login.example.com/.well-known/jwks.json' },
      { name: 'MODEL_SERVER_RATE_LIMIT_PER_MINUTE', value: '100' },
      { name: 'MODEL_SERVER_CACHE_MODELS', value: 'digits' },
      { name: 'MODEL_SERVER_CACHE_TTL_SECONDS', value: '120' },
      { name: 'MODEL_SERVER_BREAKER_MODELS', value: 'digits' },
      { name: 'MODEL_SERVER_BREAKER_CONSECUTIVE_FAILURES', value: '3' },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability:4318' },
      { name: 'OTEL_SERVICE_NAME', value: 'digits' },
      { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
      { name: 'OTEL_TRACES_SAMPLER_ARG', value: '0.2' },
    ]));
    // Each variable once: server.auth replaces the default EndpointAuth.apiKeys() Secret (digits-api-keys).
    const names = env.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    expect(JSON.stringify(d)).not.toContain('digits-api-keys');
    expectSchemaValid(d);
    // The server reads what the pod would get once the kubelet has filled in the Secrets.
    const resolved = Object.fromEntries(env.map((e) => [e.name, e.value ?? (e.name === SERVER_ENV.cacheRedisUrl.name ? 'redis://:pw@redis:6379' : 'b'.repeat(64))]));
    expect(resolveOptions(['--model', '/m.onnx'], resolved, () => true).config).toMatchObject({
      jwtIssuer: 'https://login.example.com/', jwtAudience: 'digits-api', rateLimitPerMinute: 100, cacheModels: ['digits'], cacheTtlSeconds: 120,
      cacheRedisUrl: 'redis://:pw@redis:6379', apiKeySha256: ['b'.repeat(64)], breakerModels: ['digits'], breakerConsecutiveFailures: 3,
    });
  });

  test('Knative admits the serverless predictor with the secretKeyRef variables', () => {
    expect(knativeAdmissionProblems(findOne(synth(kserve({ server: SERVER })), 'InferenceService'))).toEqual([]);
  });

  test('JWT alone: no API-key variable at all (the default Secret is not required)', () => {
    const env = envOf(synth(baseProps({ server: { auth: { jwt: SERVER!.auth!.jwt } } })));
    expect(env.map((e) => e.name)).not.toContain(SERVER_ENV.apiKeySha256.name);
    expect(env).toContainEqual({ name: 'MODEL_SERVER_JWT_AUDIENCE', value: 'digits-api' });
  });

  test('nothing set: the default is unchanged (the EndpointAuth.apiKeys() Secret, no feature variables)', () => {
    const env = envOf(synth(baseProps()));
    expect(env.filter((e) => /^(OTEL_|MODEL_SERVER_(JWT|CACHE|BREAKER|RATE_LIMIT_PER_MINUTE))/.test(e.name))).toEqual([]);
    expect(env.filter((e) => e.valueFrom !== undefined)).toEqual([
      { name: SERVER_ENV.apiKeySha256.name, valueFrom: { secretKeyRef: { name: 'digits-api-keys', key: 'api-key-sha256' } } },
    ]);
  });
});

describe('refusals', () => {
  test('auth and server.auth together are refused; so are secrets Kubernetes does not resolve, with the fix', () => {
    const props = baseProps({
      auth: EndpointAuth.apiKeys(),
      server: {
        auth: { apiKeys: ServerSecret.fromAwsSecretsManager('arn:aws:secretsmanager:eu-west-1:123456789012:secret:keys-AbCdEf') },
        cache: { redisUrl: ServerSecret.fromAzureKeyVault('https://kv-ml.vault.azure.net/secrets/redis-url') },
      },
    });
    expectProblems(() => synth(props), new RegExp([
      'has 3 invalid settings:',
      '  1\\. auth: got EndpointAuth\\.apiKeys\\(\\.\\.\\.\\) together with server\\.auth; allowed: one of auth .* and server\\.auth .*',
      '  2\\. server\\.auth\\.apiKeys: got Secrets Manager arn:aws:secretsmanager:eu-west-1:123456789012:secret:keys-AbCdEf; allowed: on Kubernetes: secrets from KUBERNETES_SECRET .*Fix: copy the secret into a Kubernetes Secret .*ServerSecret\\.fromKubernetesSecret\\(name, key\\)',
      '  3\\. server\\.cache\\.redisUrl: got Key Vault https://kv-ml\\.vault\\.azure\\.net/secrets/redis-url; allowed: on Kubernetes: secrets from KUBERNETES_SECRET',
    ].join('\\n')));
  });
});
