/**
 * server.auth, server.cache, server.circuitBreaker and server.tracing in the shared resolver.
 *
 * The receiver is the bundled server itself: what the resolver renders is read back with the server's own
 * configuration code (runtime/src/config.ts `resolveOptions`, the function main.ts runs at start, and
 * runtime/src/tracing.ts `tracingSettings` for the OpenTelemetry variables, whose names and meaning are the
 * OpenTelemetry specification's "SDK environment variables"), so a variable the server would refuse or
 * read differently fails here.
 */
import {
  Duration,
  ModelArtifact,
  ModelServingProps,
  OTEL_ENV,
  SERVER_ENV,
  SecretSource,
  ServerSecret,
  SpecResolver,
  SpecValidationError,
  throwIfBadPropShapes,
} from '../../lib';
import { resolveOptions } from '../../runtime/src/config';
import { tracingSettings } from '../../runtime/src/tracing';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';
import { TEST_CAPABILITIES, capabilities } from '../support/test-capabilities';

const model = ModelArtifact.fromFile(DEMO_MODEL_PATH);
const base: ModelServingProps = { model, metadata: { name: 'fraud', version: '1.0.0', owner: 'risk-ml' } };
/** A backend whose callers' headers reach the server and which resolves Kubernetes Secrets (the Kubernetes backend's shape). */
const open = capabilities({ server: { ...TEST_CAPABILITIES.server, callerCredentials: true, secretSources: [SecretSource.KUBERNETES_SECRET] } });
const resolution = (server: ModelServingProps['server'], caps = open) => SpecResolver.serving({ ...base, server }, caps);
const resolve = (server: ModelServingProps['server'], caps = open) => resolution(server, caps).throwIfInvalid('Test');
const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecValidationError);
    return (e as Error).message;
  }
  throw new Error('expected a SpecValidationError');
};

const JWKS = 'https://login.example.com/.well-known/jwks.json';
const FULL: ModelServingProps['server'] = {
  auth: {
    apiKeys: ServerSecret.fromKubernetesSecret('fraud-keys', 'sha256'),
    jwt: { issuer: 'https://login.example.com/', audience: 'fraud-api', jwksUri: JWKS, modelsClaim: 'models' },
    requestsPerMinute: 100,
  },
  cache: { redisUrl: ServerSecret.fromKubernetesSecret('redis', 'url'), ttl: Duration.minutes(10) },
  circuitBreaker: { consecutiveFailures: 3, failureRatio: 0.25, minimumCalls: 10, window: Duration.minutes(1), openDuration: Duration.seconds(20), latencyThreshold: Duration.millis(250) },
  tracing: { endpoint: 'http://otel-collector.observability:4318', samplerRatio: 0.1 },
};

describe('nothing set: nothing rendered', () => {
  test('no auth, cache, breaker or OTEL variables, no secrets, nothing to reach', () => {
    const r = resolve(undefined);
    const featureVars = [
      ...(['apiKeySha256', 'jwtJwksUri', 'jwtIssuer', 'jwtAudience', 'jwtModelsClaim', 'rateLimitPerMinute', 'cacheRedisUrl', 'cacheModels', 'cacheTtlSeconds', 'breakerModels'] as const).map((k) => SERVER_ENV[k].name),
      ...Object.values(OTEL_ENV),
    ];
    expect(Object.keys(r.environment).filter((k) => featureVars.includes(k))).toEqual([]);
    expect(r.secretEnvironment).toEqual([]);
    expect(r.outbound).toEqual([]);
  });
});

describe('rendering, read back by the server', () => {
  test('every setting lands in the variable the server reads, with the value the spec meant', () => {
    const r = resolve(FULL);
    expect(r.environment).toMatchObject({
      MODEL_SERVER_JWT_JWKS_URI: JWKS,
      MODEL_SERVER_JWT_ISSUER: 'https://login.example.com/',
      MODEL_SERVER_JWT_AUDIENCE: 'fraud-api',
      MODEL_SERVER_JWT_MODELS_CLAIM: 'models',
      MODEL_SERVER_RATE_LIMIT_PER_MINUTE: '100',
      MODEL_SERVER_CACHE_MODELS: 'fraud',
      MODEL_SERVER_CACHE_TTL_SECONDS: '600',
      MODEL_SERVER_BREAKER_MODELS: 'fraud',
      MODEL_SERVER_BREAKER_CONSECUTIVE_FAILURES: '3',
      MODEL_SERVER_BREAKER_FAILURE_RATIO: '0.25',
      MODEL_SERVER_BREAKER_MINIMUM_CALLS: '10',
      MODEL_SERVER_BREAKER_WINDOW_SECONDS: '60',
      MODEL_SERVER_BREAKER_OPEN_SECONDS: '20',
      MODEL_SERVER_BREAKER_LATENCY_MS: '250',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability:4318',
      OTEL_SERVICE_NAME: 'fraud',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
    });
    // Secrets are references, never values in the environment.
    expect(r.environment).not.toHaveProperty(SERVER_ENV.cacheRedisUrl.name);
    expect(r.environment).not.toHaveProperty(SERVER_ENV.apiKeySha256.name);
    expect(r.secretEnvironment.map((s) => [s.name, s.secret.source, s.secret.name, s.secret.detail, s.field])).toEqual([
      [SERVER_ENV.apiKeySha256.name, SecretSource.KUBERNETES_SECRET, 'fraud-keys', 'sha256', 'server.auth.apiKeys'],
      [SERVER_ENV.cacheRedisUrl.name, SecretSource.KUBERNETES_SECRET, 'redis', 'url', 'server.cache.redisUrl'],
    ]);
    expect(r.outbound.map((o) => o.field)).toEqual(['server.cache.redisUrl', 'server.tracing.endpoint']);

    // The server, given the rendered environment and the values the platform resolves from the secrets.
    const env = { ...r.environment, MODEL_SERVER_CACHE_REDIS_URL: 'redis://:s3cret@redis.cache:6379/0', MODEL_SERVER_API_KEY_SHA256: 'a'.repeat(64) };
    const { config } = resolveOptions(['--model', '/models/fraud.onnx'], env, () => true);
    expect(config).toMatchObject({
      jwtJwksUri: JWKS, jwtIssuer: 'https://login.example.com/', jwtAudience: 'fraud-api', jwtModelsClaim: 'models', rateLimitPerMinute: 100,
      cacheModels: ['fraud'], cacheTtlSeconds: 600, cacheRedisUrl: 'redis://:s3cret@redis.cache:6379/0', apiKeySha256: ['a'.repeat(64)],
      breakerModels: ['fraud'], breakerConsecutiveFailures: 3, breakerFailureRatio: 0.25, breakerMinimumCalls: 10, breakerWindowSeconds: 60, breakerOpenSeconds: 20, breakerLatencyMs: 250,
      modelName: 'fraud',
    });
    const tracing = tracingSettings(env);
    expect(tracing.problems).toEqual([]);
    expect(tracing.settings).toMatchObject({ url: 'http://otel-collector.observability:4318/v1/traces', serviceName: 'fraud', sampler: 'parentbased_traceidratio', samplerArg: 0.1 });
  });

  test('the breaker with the server\'s defaults names only the model; tracing at ratio 1 keeps the server\'s sampler', () => {
    const r = resolve({ circuitBreaker: {}, tracing: { endpoint: 'https://collector.example.com', serviceName: 'fraud-prod' } });
    const env = Object.fromEntries(Object.entries(r.environment).filter(([k]) => k.startsWith('MODEL_SERVER_BREAKER') || k.startsWith('OTEL_')));
    expect(env).toEqual({ MODEL_SERVER_BREAKER_MODELS: 'fraud', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example.com', OTEL_SERVICE_NAME: 'fraud-prod' });
    expect(resolveOptions(['--model', '/m.onnx'], r.environment, () => true).config).toMatchObject({ breakerModels: ['fraud'], breakerConsecutiveFailures: 5, breakerFailureRatio: 0.5 });
    expect(tracingSettings(r.environment).settings).toMatchObject({ sampler: 'parentbased_always_on', serviceName: 'fraud-prod', url: 'https://collector.example.com/v1/traces' });
  });

  test('a breaker on a single remote .onnx file warns that an open breaker answers 503 (no fallback.json beside it); a prefix does not', () => {
    const single = SpecResolver.serving({ ...base, model: ModelArtifact.fromUri('s3://acme/fraud/1/model.onnx', { signature: model.signature }), server: { circuitBreaker: {} } }, open);
    expect(single.warnings).toContainEqual({ field: 'server.circuitBreaker', message: expect.stringMatching(/^s3:\/\/acme\/fraud\/1\/model\.onnx is a single file, so no fallback\.json lies beside it: while the breaker is open the model answers 503 with Retry-After/) });
    const prefix = SpecResolver.serving({ ...base, model: ModelArtifact.fromUri('s3://acme/fraud/1/', { signature: model.signature }), server: { circuitBreaker: {} } }, open);
    expect(prefix.warnings.filter((w) => w.field === 'server.circuitBreaker')).toEqual([]);
  });

  test('cache enabled: false renders nothing and reaches nothing', () => {
    const r = resolve({ cache: { redisUrl: ServerSecret.fromKubernetesSecret('redis', 'url'), enabled: false } });
    expect(r.secretEnvironment).toEqual([]);
    expect(r.outbound).toEqual([]);
    expect(r.environment).not.toHaveProperty(SERVER_ENV.cacheModels.name);
  });

  test('JWT from a JWKS file in the image', () => {
    const r = resolve({ auth: { jwt: { issuer: 'iss', audience: 'aud', jwksUri: '/etc/jwks/keys.json' } } });
    expect(r.environment.MODEL_SERVER_JWT_JWKS_URI).toBe('/etc/jwks/keys.json');
    expect(r.secretEnvironment).toEqual([]);
    // The server checks the file exists at start.
    expect(() => resolveOptions(['--model', '/m.onnx'], r.environment, (p) => p === '/m.onnx')).toThrow(/MODEL_SERVER_JWT_JWKS_URI="\/etc\/jwks\/keys.json" is not an https:\/\/ URL or the path of an existing JWKS file/);
  });
});

describe('bad values: every problem at once, each naming the field, what was given and what is allowed', () => {
  test('auth, cache, breaker and tracing together', () => {
    const message = messageOf(() => resolve({
      auth: { jwt: { issuer: 'has space', audience: '', jwksUri: 'http://login.example.com/jwks.json', modelsClaim: 'bad claim!' }, requestsPerMinute: 0 },
      cache: { redisUrl: ServerSecret.fromKubernetesSecret('redis', 'url'), ttl: Duration.millis(1500) },
      circuitBreaker: { consecutiveFailures: 0, failureRatio: 0, minimumCalls: 0, window: Duration.hours(2), openDuration: Duration.millis(500) },
      tracing: { endpoint: 'grpc://collector:4317', samplerRatio: 1.5, serviceName: ' padded ' },
    }));
    for (const re of [
      /server\.auth\.jwt\.issuer: got "has space"; allowed: a non-empty string without spaces/,
      /server\.auth\.jwt\.audience: got ""; allowed: a non-empty string without spaces/,
      /server\.auth\.jwt\.jwksUri: got "http:\/\/login\.example\.com\/jwks\.json"; allowed: an https:\/\/ URL, or the absolute path of a JWKS file in the image/,
      /server\.auth\.jwt\.modelsClaim: got "bad claim!"; allowed: a claim name/,
      /server\.auth\.requestsPerMinute: got 0; allowed: an integer from 1 to 1000000/,
      /server\.cache\.ttl: got 1500ms; allowed: whole seconds from 1 to 2592000/,
      /server\.circuitBreaker\.minimumCalls: got 0; allowed: an integer from 1 to 1000000/,
      /server\.circuitBreaker\.window: got 2h; allowed: whole seconds from 1 to 3600/,
      /server\.circuitBreaker\.openDuration: got 500ms; allowed: whole seconds from 1 to 3600/,
      /server\.circuitBreaker: got consecutiveFailures 0, failureRatio 0 and no latencyThreshold; allowed: at least one trigger/,
      /server\.tracing\.endpoint: got "grpc:\/\/collector:4317"; allowed: an http:\/\/ or https:\/\/ URL of an OTLP\/HTTP receiver/,
      /server\.tracing\.samplerRatio: got 1\.5; allowed: a number from 0 to 1/,
      /server\.tracing\.serviceName: got " padded "; allowed: printable ASCII/,
    ]) expect(message).toMatch(re);
    expect(message).toMatch(/^Test has 13 invalid settings/);
  });

  test('auth needs API keys or JWT; a collector URL may not carry credentials', () => {
    const message = messageOf(() => resolve({ auth: { requestsPerMinute: 100 }, tracing: { endpoint: 'https://user:pw@collector.example.com' } }));
    expect(message).toMatch(/server\.auth: got neither apiKeys nor jwt; allowed: apiKeys, jwt or both/);
    expect(message).toMatch(/server\.tracing\.endpoint: got "https:\/\/user:pw@collector\.example\.com"/);
  });

  test('secret references in the wrong format, for every source', () => {
    const anywhere = capabilities({ server: { callerCredentials: true, secretSources: Object.values(SecretSource) } });
    const message = messageOf(() => resolve({
      auth: { apiKeys: ServerSecret.fromAwsSecretsManager('my-secret', 'bad key!') },
      cache: { redisUrl: ServerSecret.fromAzureKeyVault('https://vault.example.com/secrets/x') },
    }, anywhere));
    expect(message).toMatch(/server\.auth\.apiKeys: got secret ARN "my-secret"; allowed: arn:aws:secretsmanager:<region>:<account>:secret:<name>/);
    expect(message).toMatch(/server\.auth\.apiKeys: got JSON field "bad key!"/);
    expect(message).toMatch(/server\.cache\.redisUrl: got secret id "https:\/\/vault\.example\.com\/secrets\/x"; allowed: https:\/\/<vault>\.vault\.azure\.net\/secrets\/<name>/);
    const k8s = messageOf(() => resolve({ cache: { redisUrl: ServerSecret.fromKubernetesSecret('Redis_Creds', 'u rl') } }));
    expect(k8s).toMatch(/server\.cache\.redisUrl: got Secret name "Redis_Creds"; allowed: a DNS subdomain name/);
    expect(k8s).toMatch(/server\.cache\.redisUrl: got key "u rl"; allowed: a Secret data key/);
    const gcp = messageOf(() => resolve({ cache: { redisUrl: ServerSecret.fromGcpSecretManager('projects/p/secrets/redis', 'newest') } }, anywhere));
    expect(gcp).toMatch(/server\.cache\.redisUrl: got version "newest"; allowed: a version number or "latest"/);
    // Well-formed references of every source pass the format check.
    expect(resolution({
      auth: { apiKeys: ServerSecret.fromAwsSecretsManager('arn:aws:secretsmanager:eu-west-1:123456789012:secret:fraud/keys-AbCdEf', 'sha256') },
      cache: { redisUrl: ServerSecret.fromGcpSecretManager('projects/acme-ml/secrets/redis-url', '3') },
    }, anywhere).problems).toEqual([]);
    expect(resolution({ cache: { redisUrl: ServerSecret.fromAzureKeyVault('https://kv-fraud.vault.azure.net/secrets/redis-url') } }, anywhere).problems).toEqual([]);
  });

  test('a JavaScript caller\'s wrong shapes are named before anything reads them', () => {
    const props = { ...base, server: { cache: { redisUrl: 'redis://:pw@redis:6379' }, auth: { jwt: { issuer: 'i' } }, tracing: {} } };
    const message = messageOf(() => throwIfBadPropShapes('Test', props));
    expect(message).toMatch(/server\.cache\.redisUrl: got the string "redis:\/\/:pw@redis:6379"; allowed: a ServerSecret/);
    expect(message).toMatch(/server\.auth\.jwt\.audience: got nothing \(the prop is missing\); allowed: a string/);
    expect(message).toMatch(/server\.auth\.jwt\.jwksUri: got nothing/);
    expect(message).toMatch(/server\.tracing\.endpoint: got nothing/);
  });
});

describe('refusals name the backend and the field', () => {
  test('a platform that owns the Authorization header refuses server.auth, with its reason', () => {
    const closed = capabilities({ backend: 'Closed', server: { ...TEST_CAPABILITIES.server, platformAuthentication: 'it checks its own tokens', secretSources: [SecretSource.KUBERNETES_SECRET] } });
    const r = resolution({ auth: { jwt: { issuer: 'i', audience: 'a', jwksUri: JWKS } } }, closed);
    expect(r.refusals).toEqual([expect.objectContaining({ field: 'server.auth', backend: 'Closed', given: 'jwt', allowed: expect.stringMatching(/^on Closed: no authentication by the model server: the Authorization header that API keys and JWTs travel in belongs to the platform's own caller authentication \(it checks its own tokens\)$/) })]);
  });

  test('a secret source the platform cannot resolve is refused with the platform\'s fix; nothing else is refused', () => {
    const plain = capabilities({ backend: 'Plain', server: { ...TEST_CAPABILITIES.server, callerCredentials: true, secretsFix: 'use the other backend' } });
    const r = resolution({ cache: { redisUrl: ServerSecret.fromAwsSecretsManager('arn:aws:secretsmanager:eu-west-1:123456789012:secret:redis-AbCdEf') }, circuitBreaker: {} }, plain);
    expect(r.refusals).toEqual([{
      field: 'server.cache.redisUrl',
      given: 'Secrets Manager arn:aws:secretsmanager:eu-west-1:123456789012:secret:redis-AbCdEf',
      allowed: 'on Plain: no secret references: the container gets plain environment values only, and a secret there would sit in the template and state',
      fix: 'use the other backend',
      backend: 'Plain',
    }]);
    const k8sOnly = resolution({ cache: { redisUrl: ServerSecret.fromGcpSecretManager('redis-url', 'latest') } });
    expect(k8sOnly.refusals.map((p) => p.allowed)).toEqual(['on TestCloud: secrets from KUBERNETES_SECRET (the platform resolves them at container start)']);
  });
});

describe('secrets by reference (MODEL_SERVER_SECRET_REFS)', () => {
  const clouds = capabilities({ server: { ...TEST_CAPABILITIES.server, callerCredentials: true, secretSources: [SecretSource.AWS_SECRETS_MANAGER, SecretSource.GCP_SECRET_MANAGER, SecretSource.AZURE_KEY_VAULT] } });
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:fraud-keys-AbCdEf';

  test('cloud secrets become references the server itself reads back; the values stay out', () => {
    const r = resolve({
      auth: { apiKeys: ServerSecret.fromAwsSecretsManager(ARN, 'digests') },
      cache: { redisUrl: ServerSecret.fromAzureKeyVault('https://kv-ml.vault.azure.net/secrets/redis-url') },
    }, clouds);
    const refs = { MODEL_SERVER_API_KEY_SHA256: { source: 'aws-secretsmanager', secretId: ARN, jsonField: 'digests' }, MODEL_SERVER_CACHE_REDIS_URL: { source: 'azure-keyvault', secretId: 'https://kv-ml.vault.azure.net/secrets/redis-url' } };
    expect(JSON.parse(r.environment[SERVER_ENV.secretRefs.name]!)).toEqual(refs);
    expect(r.environment[SERVER_ENV.cacheRedisUrl.name]).toBeUndefined();
    expect(r.environment[SERVER_ENV.apiKeySha256.name]).toBeUndefined();
    // The server's own parser reads the same references back (the values are fetched before this runs).
    const options = resolveOptions(['--model-repository', '/tmp'], { ...r.environment, [SERVER_ENV.cacheRedisUrl.name]: 'redis://r:6379' }, () => true);
    expect(options.config.secretRefs).toEqual(refs);
  });

  test('Kubernetes Secrets stay with the kubelet: no references rendered', () => {
    const r = resolve({ cache: { redisUrl: ServerSecret.fromKubernetesSecret('redis', 'url') } });
    expect(r.environment[SERVER_ENV.secretRefs.name]).toBeUndefined();
  });

  test('a short Secret Manager name is refused with the full-name fix', () => {
    expect(messageOf(() => resolve({ cache: { redisUrl: ServerSecret.fromGcpSecretManager('redis-url', 'latest') } }, clouds))).toMatch(
      /server\.cache\.redisUrl: got Secret Manager redis-url version latest; allowed: the full name "projects\/<project>\/secrets\/<name>"/,
    );
  });
});
