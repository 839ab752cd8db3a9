import { mlp, repository } from './models';
import { start, type Started } from './helpers';
import { createHmac } from 'node:crypto';
import { FailedAttempts, hmacSha256Hex, matchKey, sha256Hex, TokenBuckets } from '../src/auth';
import { resolveOptions } from '../src/config';

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

describe('salted API-key digests (MODEL_SERVER_API_KEY_HMAC_SHA256 + MODEL_SERVER_API_KEY_SALT)', () => {
  const SALT = 'deployment-salt-0123456789';

  test('the digest is HMAC-SHA-256 keyed with the salt, as `openssl dgst -sha256 -hmac "$SALT"` computes it', () => {
    // RFC 4231 test case 2: HMAC-SHA-256(key "Jefe", "what do ya want for nothing?").
    expect(hmacSha256Hex('Jefe', 'what do ya want for nothing?')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(hmacSha256Hex(SALT, KEY_A)).toBe(createHmac('sha256', SALT).update(KEY_A).digest('hex'));
  });

  test('a salted digest matches only its key under its salt; the unsalted digest of the key is not accepted in its place', () => {
    const keys = { sha256: [], hmacSha256: [hmacSha256Hex(SALT, KEY_A)], salt: SALT };
    expect(matchKey(KEY_A, keys)).toBe(hmacSha256Hex(SALT, KEY_A));
    expect(matchKey(KEY_B, keys)).toBeUndefined();
    expect(matchKey(KEY_A, { ...keys, salt: 'another-deployment-salt' })).toBeUndefined();
    expect(matchKey(sha256Hex(KEY_A), keys)).toBeUndefined();
  });

  test('the server accepts the salted key and both lists at once (rotation)', async () => {
    const s = await start(repository({ 'mlp/1': mlp() }), { apiKeyHmacSha256: [hmacSha256Hex(SALT, KEY_A)], apiKeySalt: SALT, apiKeySha256: [sha256Hex(KEY_B)] });
    const call = (key: string) => s.app.inject({ method: 'GET', url: '/v2/models/mlp', headers: { 'x-api-key': key } });
    expect((await call(KEY_A)).statusCode).toBe(200);
    expect((await call(KEY_B)).statusCode).toBe(200);
    expect((await call(hmacSha256Hex(SALT, KEY_A))).statusCode).toBe(401);
    await s.app.close();
  });

  test('configuration: salted digests without a salt are refused, naming both variables; unsalted digests start with a notice', () => {
    const none = () => false;
    const base = { AZUREML_MODEL_DIR: '/m' };
    expect(() => resolveOptions([], { ...base, MODEL_SERVER_API_KEY_HMAC_SHA256: hmacSha256Hex(SALT, KEY_A) }, none)).toThrow(
      /MODEL_SERVER_API_KEY_HMAC_SHA256 is set but MODEL_SERVER_API_KEY_SALT is not/,
    );
    expect(() => resolveOptions([], { ...base, MODEL_SERVER_API_KEY_SALT: 'short' }, none)).toThrow(/MODEL_SERVER_API_KEY_SALT="short" is not 16 to 256 printable ASCII characters/);
    const o = resolveOptions([], { ...base, MODEL_SERVER_API_KEY_SHA256: sha256Hex(KEY_A) }, none);
    expect(o.notices.join('\n')).toMatch(/MODEL_SERVER_API_KEY_SHA256 holds unsalted SHA-256 digests.*prefer MODEL_SERVER_API_KEY_HMAC_SHA256 with MODEL_SERVER_API_KEY_SALT/);
  });
});

describe('failed API-key attempts per client', () => {
  test('REST: after MODEL_SERVER_AUTH_FAILURES_PER_MINUTE failures the client gets 429 with Retry-After for every attempt, the right key too', async () => {
    const s = await start(repository({ 'mlp/1': mlp() }), { apiKeySha256: [sha256Hex(KEY_A)], authFailuresPerMinute: 3 });
    const call = (key: string) => s.app.inject({ method: 'GET', url: '/v2/models/mlp', headers: { 'x-api-key': key } });
    expect([(await call('x')).statusCode, (await call('y')).statusCode, (await call('z')).statusCode]).toEqual([401, 401, 401]);
    const limited = await call('w');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.json().error).toMatch(/^too many failed API-key attempts from this client \(MODEL_SERVER_AUTH_FAILURES_PER_MINUTE=3 a minute\); retry in \d+ s$/);
    expect((await call(KEY_A)).statusCode).toBe(429);
    // Health routes are never limited.
    expect((await s.app.inject({ method: 'GET', url: '/v2/health/live' })).statusCode).toBe(200);
    await s.app.close();
  });

  test('the bucket refills: one attempt per 60/limit seconds comes back', () => {
    let now = 0;
    const f = new FailedAttempts(3, 100, () => now);
    for (let i = 0; i < 3; i++) f.fail('1.2.3.4');
    expect(f.blockedFor('1.2.3.4')).toBeCloseTo(20, 6);
    now = 20_000;
    expect(f.blockedFor('1.2.3.4')).toBe(0);
    expect(f.blockedFor('5.6.7.8')).toBe(0);
  });

  test('memory is bounded: 100,000 failing addresses leave at most `capacity` entries, the most recent kept', () => {
    const f = new FailedAttempts(1, 1000, () => 0);
    for (let i = 0; i < 100_000; i++) f.fail(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(f.size).toBe(1000);
    expect(f.blockedFor('10.1.134.159')).toBeGreaterThan(0); // i = 99,999
    expect(f.blockedFor('10.0.0.0')).toBe(0); // forgotten
  });
});
