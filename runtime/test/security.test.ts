import { mlp, repository } from './models';
import { start, type Started } from './helpers';
import { sha256Hex, TokenBuckets } from '../src/auth';

const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] };
const KEY_A = 'key-a-0123456789';
const KEY_B = 'key-b-9876543210';

describe('API keys', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start(repository({ 'mlp/1': mlp() }), { apiKeySha256: [sha256Hex(KEY_A), sha256Hex(KEY_B)] });
  });
  afterAll(async () => {
    await s.app.close();
  });

  test('no key: 401 with WWW-Authenticate', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json()).toEqual({ error: 'an API key is required (Authorization: Bearer <key> or X-Api-Key)' });
  });

  test('a wrong key: 401', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { authorization: 'Bearer nope' }, payload });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'the API key is not valid' });
  });

  test('either configured key works, as a bearer token or X-Api-Key', async () => {
    const a = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { authorization: `Bearer ${KEY_A}` }, payload });
    expect(a.statusCode).toBe(200);
    const b = await s.app.inject({ method: 'GET', url: '/v2/models/mlp', headers: { 'x-api-key': KEY_B } });
    expect(b.statusCode).toBe(200);
  });

  test('health routes stay open; metadata does not', async () => {
    for (const url of ['/v2/health/live', '/v2/health/ready', '/ping']) {
      expect((await s.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
    expect((await s.app.inject({ method: 'GET', url: '/v2/models/mlp' })).statusCode).toBe(401);
  });
});

describe('rate limit', () => {
  test('a token bucket per key answers 429 with Retry-After', async () => {
    const s = await start(repository({ 'mlp/1': mlp() }), {
      apiKeySha256: [sha256Hex(KEY_A), sha256Hex(KEY_B)],
      rateLimitPerSecond: 0.5,
      rateLimitBurst: 2,
    });
    const call = (key: string) => s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { 'x-api-key': key }, payload });
    expect((await call(KEY_A)).statusCode).toBe(200);
    expect((await call(KEY_A)).statusCode).toBe(200);
    const limited = await call(KEY_A);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.json().error).toMatch(/^rate limit of 0.5 requests per second exceeded/);
    // Another key has its own bucket; health is never limited.
    expect((await call(KEY_B)).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
    await s.app.close();
  });

  test('buckets refill at the configured rate', () => {
    let now = 0;
    const b = new TokenBuckets(2, 1, () => now);
    expect(b.take('k')).toBe(0);
    expect(b.take('k')).toBeCloseTo(0.5, 6);
    now = 500;
    expect(b.take('k')).toBe(0);
  });
});
