/**
 * Requests per minute per API key (MODEL_SERVER_RATE_LIMIT_PER_MINUTE), the seeds' "100 requests/minute per
 * API key": the 101st request within a minute gets 429 with Retry-After (RFC 9110 section 10.2.3, RFC 6585
 * section 4), on REST and gRPC alike, and each key has its own window.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { sha256Hex } from '../src/auth';
import { SlidingWindowLimit } from '../src/rate-limit';
import { mlp, repository } from './models';
import { metricValue, start } from './helpers';

const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] };
const KEY_A = 'key-a-0123456789';
const KEY_B = 'key-b-9876543210';

describe('SlidingWindowLimit', () => {
  test('100 per minute: the 101st is refused with the wait until one is allowed', () => {
    let now = 1_000_000;
    const limit = new SlidingWindowLimit(100, () => now);
    for (let i = 0; i < 100; i++) expect(limit.take('a')).toBe(0);
    const wait = limit.take('a');
    expect(wait).toBeGreaterThan(59);
    expect(wait).toBeLessThanOrEqual(60.6);
    expect(limit.take('b')).toBe(0);
    now += wait * 1000 + 1;
    expect(limit.take('a')).toBe(0);
  });

  test('steady traffic never gets much more than the limit through in any 60 s (no double burst at a window edge)', () => {
    let now = 0;
    const limit = new SlidingWindowLimit(100, () => now);
    const accepted: number[] = [];
    for (now = 0; now < 300_000; now += 50) if (limit.take('a') === 0) accepted.push(now);
    for (let start = 0; start + 60_000 <= 300_000; start += 1000) {
      const inWindow = accepted.filter((t) => t >= start && t < start + 60_000).length;
      expect(inWindow).toBeLessThanOrEqual(101);
    }
    // and it does let the limit through: about 100 per minute over five minutes
    expect(accepted.length).toBeGreaterThanOrEqual(480);
  });
});

describe('per-minute limit on the server', () => {
  test('REST and gRPC share one window per key; the 101st gets 429 + Retry-After; another key is unaffected', async () => {
    const s = await start(repository({ 'mlp/1': mlp() }), { apiKeySha256: [sha256Hex(KEY_A), sha256Hex(KEY_B)], rateLimitPerMinute: 100 });
    const call = (key: string) => s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { 'x-api-key': key }, payload });
    // The window opened at the first request: Retry-After is what is left of its minute, so the lower bound allows for
    // the time these 100 requests took on a loaded machine (whole seconds, rounded up by the server).
    const opened = Date.now();
    for (let i = 0; i < 99; i++) expect((await call(KEY_A)).statusCode).toBe(200);

    const port = await s.app.listenGrpc(0, '127.0.0.1');
    const proto = readFileSync(join(__dirname, '..', 'src', 'grpc', 'inference.proto'), 'utf8');
    const definition = fromJSON(protobuf.parse(proto, { keepCase: true }).root.toJSON(), { keepCase: true, longs: String, defaults: true });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const Client = (grpc.loadPackageDefinition(definition) as any).inference.GRPCInferenceService as typeof grpc.Client;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as any;
    const grpcCall = () =>
      new Promise<grpc.ServiceError | null>((resolve) => {
        const md = new grpc.Metadata();
        md.set('x-api-key', KEY_A);
        client.ServerMetadata({}, md, (error: grpc.ServiceError | null) => resolve(error));
      });
    expect(await grpcCall()).toBeNull(); // the 100th request of key A

    const limited = await call(KEY_A);
    expect(limited.statusCode).toBe(429);
    const retry = Number(limited.headers['retry-after']);
    const leftOfMinute = () => 60 - Math.ceil((Date.now() - opened) / 1000);
    expect(retry).toBeGreaterThanOrEqual(leftOfMinute());
    expect(retry).toBeLessThanOrEqual(61);
    expect(limited.json().error).toMatch(/^rate limit of 100 requests per minute exceeded \(MODEL_SERVER_RATE_LIMIT_PER_MINUTE\); retry in \d+ s$/);
    const viaGrpc = await grpcCall();
    expect(viaGrpc?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(Number(viaGrpc?.metadata.get('retry-after')[0])).toBeGreaterThanOrEqual(leftOfMinute());

    expect((await call(KEY_B)).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
    const metrics = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metricValue(metrics, 'model_server_rate_limited_requests_total', { limit: 'per_minute' })).toBe(2);
    client.close();
    await s.app.close();
  });
});

describe('per-minute limit per JWT subject', () => {
  test('each subject of a valid token has its own window', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const dir = mkdtempSync(join(tmpdir(), 'jwks-'));
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }));
    const s = await start(repository({ 'mlp/1': mlp() }), {
      jwtJwksUri: join(dir, 'jwks.json'), jwtIssuer: 'https://issuer.example', jwtAudience: 'platform', rateLimitPerMinute: 2,
    });
    const token = (sub: string) =>
      new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://issuer.example').setAudience('platform').setSubject(sub).setExpirationTime('5m').sign(privateKey);
    const call = async (sub: string) => (await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { authorization: `Bearer ${await token(sub)}` }, payload })).statusCode;
    expect([await call('alice'), await call('alice'), await call('alice')]).toEqual([200, 200, 429]);
    expect(await call('bob')).toBe(200);
    await s.app.close();
  });
});
