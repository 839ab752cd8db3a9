/**
 * JWT bearer tokens against real signed tokens and a real JWKS (a file, and an HTTPS server with its own
 * CA). The rules checked are RFC 7519 (exp/nbf/iss/aud, section 4.1), RFC 8725 (JWT BCP: section 3.1
 * "perform algorithm verification", 2.1 `alg: none`, 2.2 RSA/HMAC key confusion), and jose's documented
 * jwtVerify options (github.com/panva/jose docs/jwt/verify/interfaces/JWTVerifyOptions.md).
 */
import { execFileSync } from 'node:child_process';
import { createHmac, createPublicKey, type JsonWebKey } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { connect, constants as http2 } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { fromJSON } from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { sha256Hex } from '../src/auth';
import { mlp, repository } from './models';
import { config, metricValue, start, track, type Started } from './helpers';
import { buildServer } from '../src/server';
import { discoverModels } from '../src/repository';

const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] };
const ISSUER = 'https://issuer.example';
const AUDIENCE = 'model-platform';

interface Key {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function key(kid: string, alg: 'RS256' | 'ES256' | 'EdDSA'): Promise<Key> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function token(k: Key, claims: Record<string, unknown> = {}, opts: { iss?: string; aud?: string; exp?: number | string; sub?: string } = {}): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: k.alg, kid: k.kid })
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? AUDIENCE)
    .setSubject(opts.sub ?? 'client-1')
    .setIssuedAt();
  jwt.setExpirationTime(opts.exp ?? '5m');
  return jwt.sign(k.privateKey);
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

let rsa: Key;
let ec: Key;
let ed: Key;
let jwksFile: string;
beforeAll(async () => {
  rsa = await key('rsa-1', 'RS256');
  ec = await key('ec-1', 'ES256');
  ed = await key('ed-1', 'EdDSA');
  jwksFile = join(mkdtempSync(join(tmpdir(), 'jwks-')), 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [rsa.jwk, ec.jwk, ed.jwk] }));
});

describe('JWT from a JWKS file', () => {
  let s: Started;
  const API_KEY = 'an-api-key-0123456789';
  beforeAll(async () => {
    s = await start(repository({ 'mlp/1': mlp(), 'other/1': mlp(3) }), {
      jwtJwksUri: jwksFile,
      jwtIssuer: ISSUER,
      jwtAudience: AUDIENCE,
      apiKeySha256: [sha256Hex(API_KEY)],
      logLevel: 'info',
    });
  });
  afterAll(async () => {
    await s.app.close();
  });
  const infer = (authorization?: string, model = 'mlp') =>
    s.app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, headers: authorization ? { authorization } : {}, payload });

  test.each(['RS256', 'ES256', 'EdDSA'])('a valid %s token is accepted', async (alg) => {
    const k = alg === 'RS256' ? rsa : alg === 'ES256' ? ec : ed;
    const res = await infer(`Bearer ${await token(k)}`);
    expect(res.statusCode).toBe(200);
  });

  test('an API key still works beside JWT', async () => {
    expect((await infer(`Bearer ${API_KEY}`)).statusCode).toBe(200);
  });

  test('no credentials: 401 with WWW-Authenticate: Bearer', async () => {
    const res = await infer();
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json().error).toMatch(/bearer token or an API key is required/);
  });

  test('expired beyond the 30 s leeway: 401; expired within it: accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = await token(rsa, {}, { exp: now - 120 });
    const res = await infer(`Bearer ${old}`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'the bearer token is not valid: it has expired' });
    expect((await infer(`Bearer ${await token(rsa, {}, { exp: now - 10 })}`)).statusCode).toBe(200);
    // The token never reaches the log.
    expect(s.logs.join('')).not.toContain(old);
  });

  test('a token without exp is refused', async () => {
    const t = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: rsa.kid }).setIssuer(ISSUER).setAudience(AUDIENCE).sign(rsa.privateKey);
    const res = await infer(`Bearer ${t}`);
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatch(/claim 'exp' check failed/);
  });

  test('wrong audience or issuer: 401 naming the claim', async () => {
    const aud = await infer(`Bearer ${await token(rsa, {}, { aud: 'someone-else' })}`);
    expect(aud.statusCode).toBe(401);
    expect(aud.json().error).toBe("the bearer token is not valid: claim 'aud' check failed (check_failed)");
    const iss = await infer(`Bearer ${await token(rsa, {}, { iss: 'https://evil.example' })}`);
    expect(iss.statusCode).toBe(401);
    expect(iss.json().error).toBe("the bearer token is not valid: claim 'iss' check failed (check_failed)");
  });

  test('alg none is refused (RFC 8725 2.1)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: now + 300 })}.`;
    const res = await infer(`Bearer ${unsigned}`);
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatch(/^the bearer token is not valid: /);
  });

  test('HS256 signed with the RSA public key is refused (RS/HS confusion, RFC 8725 2.2)', async () => {
    const pem = await exportSPKI(createPublicKey({ key: rsa.jwk as JsonWebKey, format: 'jwk' }) as unknown as CryptoKey);
    const now = Math.floor(Date.now() / 1000);
    const signingInput = `${b64({ alg: 'HS256', kid: rsa.kid })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: now + 300 })}`;
    const forged = `${signingInput}.${createHmac('sha256', pem).update(signingInput).digest('base64url')}`;
    const res = await infer(`Bearer ${forged}`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'the bearer token is not valid: its signature algorithm is not accepted' });
  });

  test('a token signed by another key under a known kid is refused', async () => {
    const attacker = await key(rsa.kid, 'RS256');
    const res = await infer(`Bearer ${await token(attacker)}`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'the bearer token is not valid: its signature does not verify' });
  });

  test('a tampered payload is refused', async () => {
    const [h, , sig] = (await token(rsa)).split('.');
    const now = Math.floor(Date.now() / 1000);
    const res = await infer(`Bearer ${h}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'admin', exp: now + 9999 })}.${sig}`);
    expect(res.statusCode).toBe(401);
  });
});

describe('the models claim', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start(repository({ 'mlp/1': mlp(), 'other/1': mlp(3) }), {
      jwtJwksUri: jwksFile, jwtIssuer: ISSUER, jwtAudience: AUDIENCE, jwtModelsClaim: 'models',
    });
  });
  afterAll(async () => {
    await s.app.close();
  });

  test('a valid token may call only the models it lists (403 otherwise); without the claim: 403', async () => {
    const t = await token(rsa, { models: ['mlp'] });
    const ok = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { authorization: `Bearer ${t}` }, payload });
    expect(ok.statusCode).toBe(200);
    const no = await s.app.inject({ method: 'POST', url: '/v2/models/other/infer', headers: { authorization: `Bearer ${t}` }, payload });
    expect(no.statusCode).toBe(403);
    expect(no.json()).toEqual({ error: "the token does not allow model 'other' (MODEL_SERVER_JWT_MODELS_CLAIM claim)" });
    const spaced = await token(rsa, { models: 'other mlp' });
    expect((await s.app.inject({ method: 'POST', url: '/v2/models/other/infer', headers: { authorization: `Bearer ${spaced}` }, payload })).statusCode).toBe(200);
    const none = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { authorization: `Bearer ${await token(rsa)}` }, payload });
    expect(none.statusCode).toBe(403);
  });
});

describe('JWKS over HTTPS, rotated', () => {
  let server: Server;
  let current: JWK[] = [];
  let fetches = 0;
  let ca = '';
  let url = '';
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwks-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: current }));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(async () => {
    await new Promise((ok) => server.close(ok));
  });

  test('a new kid is fetched; the retired key stops working; an untrusted TLS certificate is refused', async () => {
    current = [rsa.jwk];
    // Without the CA the JWKS host's certificate is not trusted: every token is refused.
    const untrusted = await start(repository({ 'mlp/1': mlp() }), { jwtJwksUri: url, jwtIssuer: ISSUER, jwtAudience: AUDIENCE });
    const refused = await untrusted.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { authorization: `Bearer ${await token(rsa)}` }, payload });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({ error: 'the bearer token is not valid: the issuer keys could not be read' });
    await untrusted.app.close();

    const cfg = config({ jwtJwksUri: url, jwtIssuer: ISSUER, jwtAudience: AUDIENCE });
    const app = track(buildServer({ config: cfg, models: discoverModels({ directory: repository({ 'mlp/1': mlp() }) }, cfg), logger: false, processMetrics: false, jwks: { ca, cooldownMs: 0 } }));
    await app.modelsLoaded;
    const infer = async (t: string) => (await app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { authorization: `Bearer ${t}` }, payload })).statusCode;
    fetches = 0;
    expect(await infer(await token(rsa))).toBe(200);
    expect(await infer(await token(rsa))).toBe(200);
    expect(fetches).toBe(1); // cached
    current = [ec.jwk]; // the issuer rotates to a new key
    expect(await infer(await token(ec))).toBe(200);
    expect(fetches).toBe(2); // the unknown kid fetched the set again
    expect(await infer(await token(rsa))).toBe(401);
    await app.close();
  });
});

describe('JWT over gRPC', () => {
  test('metadata authorization: valid token served, expired token UNAUTHENTICATED', async () => {
    const s = await start(repository({ 'mlp/1': mlp() }), { jwtJwksUri: jwksFile, jwtIssuer: ISSUER, jwtAudience: AUDIENCE });
    const port = await s.app.listenGrpc(0, '127.0.0.1');
    const proto = readFileSync(join(__dirname, '..', 'src', 'grpc', 'inference.proto'), 'utf8');
    const definition = fromJSON(protobuf.parse(proto, { keepCase: true }).root.toJSON(), { keepCase: true, longs: String, defaults: true });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const Client = (grpc.loadPackageDefinition(definition) as any).inference.GRPCInferenceService as typeof grpc.Client;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as any;
    const call = (t: string) =>
      new Promise<{ error: grpc.ServiceError | null }>((resolve) => {
        const md = new grpc.Metadata();
        md.set('authorization', `Bearer ${t}`);
        client.ModelInfer(
          { model_name: 'mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: ['1', '4'] }], raw_input_contents: [Buffer.from(Float32Array.from([1, 2, 3, 4]).buffer)] },
          md,
          (error: grpc.ServiceError | null) => resolve({ error }),
        );
      });
    expect((await call(await token(ed))).error).toBeNull();
    const expired = (await call(await token(ed, {}, { exp: Math.floor(Date.now() / 1000) - 600 }))).error;
    expect(expired?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(expired?.details).toBe('the bearer token is not valid: it has expired');
    client.close();
    await s.app.close();
  });
  test('a refused token is refused from the metadata while the message is still arriving, counted as a failed attempt', async () => {
    const s = await start(repository({ 'mlp/1': mlp() }), { jwtJwksUri: jwksFile, jwtIssuer: ISSUER, jwtAudience: AUDIENCE, authFailuresPerMinute: 2 });
    const port = await s.app.listenGrpc(0, '127.0.0.1');
    const c = connect(`http://127.0.0.1:${port}`);
    await new Promise<void>((resolve, reject) => {
      c.once('remoteSettings', () => resolve());
      c.once('error', reject);
    });
    /** Headers, then 64 KiB of a message declared as 1,000,000 bytes, never finished: only a refusal ends it. */
    const partial = (authorization: string) =>
      new Promise<{ status?: string; message?: string; rstCode: number }>((resolve) => {
        const stream = c.request({ ':method': 'POST', ':path': '/inference.GRPCInferenceService/ModelInfer', 'content-type': 'application/grpc', te: 'trailers', authorization });
        const out: { status?: string; message?: string } = {};
        const take = (h: Record<string, unknown>): void => {
          if (h['grpc-status'] !== undefined) out.status = String(h['grpc-status']);
          if (h['grpc-message'] !== undefined) out.message = decodeURIComponent(String(h['grpc-message']));
        };
        stream.on('response', take);
        stream.on('trailers', take);
        stream.on('error', () => undefined);
        stream.resume();
        const prefix = Buffer.alloc(5);
        prefix.writeUInt32BE(1_000_000, 1);
        stream.write(Buffer.concat([prefix, Buffer.alloc(64 * 1024, 1)]));
        stream.on('close', () => resolve({ ...out, rstCode: stream.rstCode ?? -1 }));
      });
    const expired = await partial(`Bearer ${await token(ed, {}, { exp: Math.floor(Date.now() / 1000) - 600 })}`);
    expect(expired.status).toBe(String(grpc.status.UNAUTHENTICATED));
    expect(expired.message).toBe('the bearer token is not valid: it has expired');
    expect(expired.rstCode).toBe(http2.NGHTTP2_NO_ERROR);
    const forged = await partial(`Bearer ${b64({ alg: 'EdDSA', kid: 'ed-1' })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: 4102444800 })}.${Buffer.alloc(64).toString('base64url')}`);
    expect(forged.status).toBe(String(grpc.status.UNAUTHENTICATED));
    expect(forged.rstCode).toBe(http2.NGHTTP2_NO_ERROR);
    // Two failures from this client: the next attempt, a valid token included, is refused unchecked.
    const limited = await partial(`Bearer ${await token(ed)}`);
    expect(limited.status).toBe(String(grpc.status.RESOURCE_EXHAUSTED));
    expect(limited.message).toMatch(/^too many failed API-key attempts from this client/);
    c.close();
    const text = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metricValue(text, 'model_server_auth_failures_total', { reason: 'invalid' })).toBe(2);
    expect(metricValue(text, 'model_server_auth_failures_total', { reason: 'limited' })).toBe(1);
    await s.app.close();
  });
});
