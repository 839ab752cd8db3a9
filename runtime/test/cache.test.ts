/**
 * The prediction cache against a real redis-server. Redis commands used: GET/SET with EX and PTTL
 * (redis.io/docs/latest/commands/set, /pttl). What a hit may be served for: the same model, version,
 * input bytes (names, datatypes, shapes) and asked outputs, nothing else.
 */
import Redis from 'ioredis';
import { sha256Hex } from '../src/auth';
import { decodeEntry, encodeEntry } from '../src/cache';
import { mlp, repository } from './models';
import { metricValue, mlpForward, start, type Started } from './helpers';
import { freePort, startRedis, type RedisProcess } from './redis';

const row = [0.5, -1, 2, 0.25];
const body = (data: number[], outputs?: string[]) => ({
  inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data }],
  ...(outputs ? { outputs: outputs.map((name) => ({ name })) } : {}),
});

async function connected(s: Started): Promise<void> {
  for (let i = 0; i < 200 && !s.app.core.cache?.connected; i++) await new Promise((r) => setTimeout(r, 50));
  expect(s.app.core.cache?.connected).toBe(true);
}

async function metric(s: Started, labels: Record<string, string>): Promise<number> {
  return metricValue((await s.app.inject({ method: 'GET', url: '/metrics' })).body, 'model_server_cache_requests_total', labels);
}

describe('prediction cache on Redis', () => {
  let redis: RedisProcess;
  let client: Redis;
  let s: Started;
  beforeAll(async () => {
    redis = await startRedis(undefined, 's3cret-pass');
    client = new Redis(redis.url);
    s = await start(repository({ 'mlp/1': mlp(7), 'mlp/2': mlp(11), 'twin/1': mlp(3), 'plain/1': mlp(7) }), {
      cacheRedisUrl: redis.url,
      cacheModels: ['mlp', 'twin'],
      cacheTtlSeconds: 60,
      // generous: on a loaded test host a 25 ms lookup bound turns hits into (correctly) uncached errors
      cacheTimeoutMs: 2000,
      logLevel: 'info',
    });
    // The server never waits for Redis: until it is connected, lookups are errors served uncached.
    await connected(s);
  });
  afterAll(async () => {
    await s.app.close();
    client.disconnect();
    await redis.stop();
  });
  beforeEach(async () => {
    await client.flushall();
  });
  const infer = (model: string, b: unknown, version?: string) =>
    s.app.inject({ method: 'POST', url: version ? `/v2/models/${model}/versions/${version}/infer` : `/v2/models/${model}/infer`, payload: b as object });

  test('a miss stores, the same request hits and is served from Redis', async () => {
    const first = await infer('mlp', body(row), '1');
    expect(first.statusCode).toBe(200);
    for (let i = 0; i < 100 && (await client.dbsize()) < 1; i++) await new Promise((r) => setTimeout(r, 50));
    const keys = await client.keys('*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^msc:prediction:v1:mlp:1:[0-9a-f]{64}$/);
    // The stored entry is what is served: change it in Redis, and the next identical request returns the change.
    const stored = decodeEntry((await client.getBuffer(keys[0]!))!);
    (stored.label!.data as BigInt64Array)[0] = 2n;
    await client.set(keys[0]!, encodeEntry(stored, ['probabilities', 'label']));
    const second = await infer('mlp', body(row), '1');
    expect(second.statusCode).toBe(200);
    expect(second.json().outputs[1]).toEqual({ name: 'label', datatype: 'INT64', shape: [1], data: [2] });
    expect(first.json().outputs[1].data).toEqual(mlpForward(7, [4, 8, 3], [row]).label);
    expect(await metric(s, { model: 'mlp', version: '1', result: 'miss' })).toBeGreaterThanOrEqual(1);
    expect(await metric(s, { model: 'mlp', version: '1', result: 'hit' })).toBeGreaterThanOrEqual(1);
  });

  test('a hit never crosses models, versions, inputs or output sets', async () => {
    const ref = (seed: number) => mlpForward(seed, [4, 8, 3], [row]);
    const hitsBefore = await metric(s, { result: 'hit' }).catch(() => 0);
    expect((await infer('mlp', body(row), '1')).json().outputs[0].data).toEqual(expect.any(Array));
    const v2 = (await infer('mlp', body(row), '2')).json();
    expect(v2.model_version).toBe('2');
    expect(v2.outputs[1].data).toEqual(ref(11).label);
    const twin = (await infer('twin', body(row))).json();
    expect(twin.outputs[1].data).toEqual(ref(3).label);
    for (const [i, p] of (twin.outputs[0].data as number[]).entries()) expect(p).toBeCloseTo(ref(3).probabilities[i]!, 5);
    await infer('mlp', body(row, ['label']), '1');
    const other = await infer('mlp', body(row, ['probabilities']), '1');
    expect(other.json().outputs.map((o: { name: string }) => o.name)).toEqual(['probabilities']);
    await infer('mlp', body([0.5, -1, 2, 0.26]), '1');
    // six different requests, six entries (stored in the background), and no hit among them
    for (let i = 0; i < 100 && (await client.dbsize()) < 6; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await client.dbsize()).toBe(6);
    expect(await metric(s, { result: 'hit' })).toBe(hitsBefore);
  });

  test('entries live MODEL_SERVER_CACHE_TTL_SECONDS', async () => {
    await infer('mlp', body(row), '1');
    for (let i = 0; i < 100 && (await client.dbsize()) < 1; i++) await new Promise((r) => setTimeout(r, 50));
    const [key] = await client.keys('*');
    const ttl = await client.pttl(key!);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  test('models not listed are not cached; errors are not cached', async () => {
    expect((await infer('plain', body(row))).statusCode).toBe(200);
    expect((await infer('mlp', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] }, '1')).statusCode).toBe(400);
    await new Promise((r) => setTimeout(r, 100));
    expect(await client.dbsize()).toBe(0);
  });

  test('the cache serves the other protocols from the same entry (the key is protocol-free)', async () => {
    await infer('mlp', body(row), '1');
    for (let i = 0; i < 100 && (await client.dbsize()) < 1; i++) await new Promise((r) => setTimeout(r, 50));
    const before = await metric(s, { model: 'mlp', version: '1', result: 'hit' });
    const tf = await s.app.inject({ method: 'POST', url: '/v1/models/mlp/versions/1:predict', payload: { instances: [row] } });
    expect(tf.statusCode).toBe(200);
    // instances ask for every output, as the first request did: a hit
    expect(await metric(s, { model: 'mlp', version: '1', result: 'hit' })).toBe(before + 1);
  });

  test('the Redis URL and password never reach the log', () => {
    expect(s.logs.join('')).not.toContain('s3cret-pass');
  });
});

describe('Redis down', () => {
  test('killed mid-load: no request fails; lookups count as errors; back up: hits again', async () => {
    const redis = await startRedis();
    const s = await start(repository({ 'mlp/1': mlp() }), { cacheRedisUrl: redis.url, cacheModels: ['*'], cacheTimeoutMs: 50, apiKeySha256: [sha256Hex('k-0123456789')] });
    await connected(s);
    const call = (i: number) => s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { 'x-api-key': 'k-0123456789' }, payload: body([i % 7, 1, 2, 3]) });
    const statuses: number[] = [];
    const load = (async () => {
      for (let round = 0; round < 30; round++) {
        const res = await Promise.all(Array.from({ length: 8 }, (_, i) => call(round * 8 + i)));
        statuses.push(...res.map((r) => r.statusCode));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await new Promise((r) => setTimeout(r, 80));
    await redis.stop();
    await load;
    expect(statuses).toHaveLength(240);
    expect(statuses.every((c) => c === 200)).toBe(true);
    const m = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metricValue(m, 'model_server_cache_requests_total', { result: 'error' })).toBeGreaterThan(0);

    // While Redis is down a lookup costs at most the timeout: requests stay fast.
    const t0 = performance.now();
    expect((await call(1)).statusCode).toBe(200);
    expect(performance.now() - t0).toBeLessThan(3000);

    // Redis comes back on the same port: the client reconnects and the cache works again.
    const again = await startRedis(redis.port);
    const deadline = Date.now() + 10_000;
    let hits = 0;
    while (Date.now() < deadline && hits === 0) {
      await call(99);
      await new Promise((r) => setTimeout(r, 100));
      const text = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
      hits = text.includes('result="hit"') ? metricValue(text, 'model_server_cache_requests_total', { result: 'hit' }) : 0;
    }
    expect(hits).toBeGreaterThan(0);
    await s.app.close();
    await again.stop();
  });

  test('slow (connected, never answering): each lookup gives up after MODEL_SERVER_CACHE_TIMEOUT_MS and the request is served', async () => {
    const redis = await startRedis();
    const s = await start(repository({ 'mlp/1': mlp() }), { cacheRedisUrl: redis.url, cacheModels: ['mlp'], cacheTimeoutMs: 100 });
    await connected(s);
    const call = () => s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: body(row) });
    expect((await call()).statusCode).toBe(200); // connected
    redis.pause();
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      expect((await call()).statusCode).toBe(200);
      times.push(performance.now() - t0);
    }
    redis.resume();
    // bounded by the timeout (100 ms) plus the run, far from a hang
    expect(Math.max(...times)).toBeLessThan(3000);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(90);
    const m = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metricValue(m, 'model_server_cache_requests_total', { result: 'error' })).toBeGreaterThanOrEqual(3);
    await s.app.close();
    await redis.stop();
  });

  test('unreachable from the start: every request is served', async () => {
    const s = await start(repository({ 'mlp/1': mlp() }), { cacheRedisUrl: `redis://127.0.0.1:${await freePort()}`, cacheModels: ['mlp'] });
    for (let i = 0; i < 5; i++) {
      expect((await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: body(row) })).statusCode).toBe(200);
    }
    await s.app.close();
  });
});
