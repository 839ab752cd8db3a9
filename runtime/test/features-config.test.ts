/** Configuration of the platform features: each problem names the variable, what was given and what is allowed. */
import { SERVER_METRICS } from '../../lib/contract';
import { resolveOptions } from '../src/config';
import { ServerMetrics } from '../src/metrics';

const run = (env: Record<string, string>) => () => resolveOptions(['--model', '/m.onnx'], env, () => false);

test('JWT needs an issuer and an audience; a JWKS file must exist; only https:// URLs', () => {
  expect(run({ MODEL_SERVER_JWT_JWKS_URI: '/etc/jwks.json' })).toThrow(
    /MODEL_SERVER_JWT_ISSUER="" is not set when MODEL_SERVER_JWT_JWKS_URI is[\s\S]*MODEL_SERVER_JWT_AUDIENCE="" is not set when[\s\S]*MODEL_SERVER_JWT_JWKS_URI="\/etc\/jwks.json" is not an https:\/\/ URL or the path of an existing JWKS file/,
  );
  expect(run({ MODEL_SERVER_JWT_JWKS_URI: 'http://issuer/jwks', MODEL_SERVER_JWT_ISSUER: 'i', MODEL_SERVER_JWT_AUDIENCE: 'a' })).toThrow(
    /MODEL_SERVER_JWT_JWKS_URI="http:\/\/issuer\/jwks" is not an https:\/\/ URL or an absolute file path/,
  );
  expect(run({ MODEL_SERVER_JWT_ALGORITHMS: 'RS256,HS256' })).toThrow(/MODEL_SERVER_JWT_ALGORITHMS="RS256,HS256" is not a comma-separated list, without repeats, of RS256, RS384/);
  expect(run({ MODEL_SERVER_JWT_ALGORITHMS: 'none' })).toThrow(/MODEL_SERVER_JWT_ALGORITHMS="none"/);
});

test('the cache needs both a Redis URL and the models to cache', () => {
  expect(run({ MODEL_SERVER_CACHE_REDIS_URL: 'redis://cache:6379' })).toThrow(/MODEL_SERVER_CACHE_MODELS="" is not a list of models \(or \*\) when MODEL_SERVER_CACHE_REDIS_URL is set/);
  expect(run({ MODEL_SERVER_CACHE_MODELS: 'fraud' })).toThrow(/MODEL_SERVER_CACHE_REDIS_URL="" is not a redis:\/\/ or rediss:\/\/ URL when MODEL_SERVER_CACHE_MODELS is set/);
  expect(run({ MODEL_SERVER_CACHE_REDIS_URL: 'http://cache', MODEL_SERVER_CACHE_MODELS: 'fraud' })).toThrow(/MODEL_SERVER_CACHE_REDIS_URL="http:\/\/cache" is not a redis:\/\/ or rediss:\/\/ URL/);
  expect(resolveOptions(['--model', '/m.onnx'], { MODEL_SERVER_CACHE_REDIS_URL: 'rediss://:pw@cache:6380/0', MODEL_SERVER_CACHE_MODELS: 'fraud,cnn' }).config).toMatchObject({
    cacheRedisUrl: 'rediss://:pw@cache:6380/0',
    cacheModels: ['fraud', 'cnn'],
    cacheTtlSeconds: 300,
  });
});

test('breaker and limit values out of range are refused', () => {
  expect(run({ MODEL_SERVER_BREAKER_FAILURE_RATIO: '1', MODEL_SERVER_RATE_LIMIT_PER_MINUTE: '-1' })).toThrow(
    /MODEL_SERVER_RATE_LIMIT_PER_MINUTE="-1" is not an integer from 0 to 1000000[\s\S]*MODEL_SERVER_BREAKER_FAILURE_RATIO="1" is not a number from 0 to 0.99/,
  );
});

test('the server registers exactly the metrics of SERVER_METRICS, with their labels', async () => {
  const m = new ServerMetrics({ defaultMetrics: false });
  const registered = (await m.registry.getMetricsAsJSON()).map((x) => x.name).sort();
  expect(registered).toEqual(Object.values(SERVER_METRICS).map((x) => x.name).sort());
  expect(SERVER_METRICS.cacheRequests).toEqual(expect.objectContaining({ name: 'model_server_cache_requests_total', labels: ['model', 'version', 'result'] }));
});
