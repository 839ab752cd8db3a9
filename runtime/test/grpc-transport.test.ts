/**
 * gRPC connection-level behaviour against real sockets: the API key checked from the metadata before any
 * of the message is read, read and write deadlines, stream and metadata limits, refusals counted and logged.
 *
 * Clients: Debian's grpcio (gRPC C-core, test/tools/grpc_call.py; not grpc-js) for whole calls, and Node's
 * own HTTP/2 client (node:http2) for what a gRPC library will not do: half-sent messages, a declared length
 * over the limit, a response left unread.
 *
 * Wire rules checked against their sources:
 * - gRPC over HTTP/2 (grpc/grpc doc/PROTOCOL-HTTP2.md): a message is a 1-byte compressed flag, a 4-byte
 *   big-endian length, then the bytes; a trailers-only answer carries grpc-status / grpc-message in the
 *   response HEADERS; status codes from doc/statuscodes.md (UNAUTHENTICATED 16, RESOURCE_EXHAUSTED 8,
 *   DEADLINE_EXCEEDED 4, INVALID_ARGUMENT 3).
 * - RFC 9113 section 8.1: a server that answered before the request finished may send RST_STREAM with
 *   NO_ERROR (0) to ask the client to stop sending; section 6.5.2: SETTINGS_MAX_CONCURRENT_STREAMS.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { join } from 'node:path';
import * as protobuf from 'protobufjs';
import { readFileSync } from 'node:fs';
import { hmacSha256Hex } from '../src/auth';
import { grpcStreamWindowBytes, grpcWindowBytes, MAX_VERIFYING_PER_CONNECTION } from '../src/grpc/service';
import { identity, mlp, repository } from './models';
import { metricValue, start, type Started } from './helpers';

const PYTHON = '/usr/bin/python3';
const TOOL = join(__dirname, 'tools', 'grpc_call.py');
const KEY = 'transport-test-key-0123456789abcdef';
const SALT = 'per-deployment-salt-for-tests';
const SERVICE = '/inference.GRPCInferenceService';

const root = protobuf.parse(readFileSync(join(__dirname, '..', 'src', 'grpc', 'inference.proto'), 'utf8'), { keepCase: true }).root;
const InferRequest = root.lookupType('inference.ModelInferRequest');
const MetadataRequest = root.lookupType('inference.ModelMetadataRequest');

interface GrpcResult {
  code: string;
  details: string;
  details_length: number;
  response_hex?: string;
  trailers: Record<string, string>;
}

/** Calls made one after another on one grpcio channel. */
function grpcio(port: number, calls: readonly Record<string, unknown>[]): Promise<GrpcResult[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, [TOOL, String(port)], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(stdout.trim().split('\n').map((l) => JSON.parse(l) as GrpcResult));
    });
    child.stdin!.end(JSON.stringify(calls));
  });
}

const auth = [['authorization', `Bearer ${KEY}`]];

let s: Started;
let port: number;
const sessions: ClientHttp2Session[] = [];
beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} with Debian's python3-grpcio is needed (apt-get install -y python3-grpcio)`);
  s = await start(repository({ 'mlp/1': mlp(), 'echo/1': identity('FLOAT') }), {
    apiKeyHmacSha256: [hmacSha256Hex(SALT, KEY)],
    apiKeySalt: SALT,
    bodyTimeoutMs: 1000,
    writeTimeoutMs: 1000,
    maxRequestBodyBytes: 1024 * 1024,
    maxResponseBytes: 8 * 1024 * 1024,
    grpcMaxConcurrentStreams: 8,
    authFailuresPerMinute: 0,
    logLevel: 'info',
  });
  port = await s.app.listenGrpc(0, '127.0.0.1');
});
afterAll(async () => {
  for (const session of sessions) session.destroy();
  await s.app.close();
});

function session(options: Record<string, unknown> = {}): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const c = connect(`http://127.0.0.1:${port}`, { maxSendHeaderBlockLength: 1 << 24, ...options });
    sessions.push(c);
    c.once('remoteSettings', () => resolve(c));
    c.once('error', reject);
  });
}

interface RawOutcome {
  status?: string;
  message?: string;
  rstCode: number;
}

/** Opens a call, writes `data` without ending the request, and resolves once the server closed the stream. */
function rawCall(c: ClientHttp2Session, method: string, data: Buffer | null, headers: Record<string, string> = {}): { stream: ClientHttp2Stream; done: Promise<RawOutcome> } {
  const stream = c.request({ ':method': 'POST', ':path': `${SERVICE}/${method}`, 'content-type': 'application/grpc', te: 'trailers', ...headers });
  const out: RawOutcome = { rstCode: -1 };
  const take = (h: Record<string, unknown>): void => {
    if (h['grpc-status'] !== undefined) out.status = String(h['grpc-status']);
    if (h['grpc-message'] !== undefined) out.message = decodeURIComponent(String(h['grpc-message']));
  };
  stream.on('response', take);
  stream.on('trailers', take);
  stream.on('error', () => undefined);
  stream.resume();
  if (data) stream.write(data);
  const done = new Promise<RawOutcome>((resolve) => stream.on('close', () => resolve({ ...out, rstCode: stream.rstCode ?? -1 })));
  return { stream, done };
}

function framed(message: Uint8Array, declared = message.length): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(declared, 1);
  return Buffer.concat([prefix, Buffer.from(message)]);
}

async function metrics(): Promise<string> {
  return (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
}

/** A refusal counter, 0 before its first increment. */
async function refusals(reason: string): Promise<number> {
  const text = await metrics();
  return text.includes(`model_server_transport_refusals_total{reason="${reason}"}`) ? metricValue(text, 'model_server_transport_refusals_total', { reason }) : 0;
}

describe('authentication before the message', () => {
  test('a call without a key is refused from its headers while the message is still arriving, and the stream is reset with NO_ERROR', async () => {
    const c = await session();
    // 256 KiB of a 1,000,000-byte message, never finished: before, grpc-js waited for the whole message.
    const { done } = rawCall(c, 'ModelInfer', framed(Buffer.alloc(256 * 1024, 1), 1_000_000));
    const outcome = await done;
    expect(outcome.status).toBe('16'); // UNAUTHENTICATED
    expect(outcome.message).toMatch(/an API key is required/);
    expect(outcome.rstCode).toBe(constants.NGHTTP2_NO_ERROR);
  });

  test('a header-only call with a wrong key is refused without a message', async () => {
    const c = await session();
    const outcome = await rawCall(c, 'ModelMetadata', null, { authorization: 'Bearer nope' }).done;
    expect(outcome.status).toBe('16');
    expect(outcome.message).toBe('the API key is not valid');
  });

  test('grpcio: the salted key works; its unsalted SHA-256 is not a key', async () => {
    const [ok, wrong] = await grpcio(port, [
      { method: 'ServerMetadata', metadata: auth },
      { method: 'ServerMetadata', metadata: [['x-api-key', hmacSha256Hex(SALT, KEY)]] },
    ]);
    expect(ok!.code).toBe('OK');
    expect(wrong!.code).toBe('UNAUTHENTICATED');
  });
});

describe('read deadline', () => {
  test('a message that never finishes gets DEADLINE_EXCEEDED within MODEL_SERVER_BODY_TIMEOUT_MS of its headers and the stream is closed', async () => {
    const c = await session();
    const before = await refusals('read_timeout');
    const { done } = rawCall(c, 'ModelInfer', framed(Buffer.alloc(64 * 1024, 1), 500_000), { authorization: `Bearer ${KEY}` });
    const outcome = await done;
    expect(outcome.status).toBe('4'); // DEADLINE_EXCEEDED
    expect(outcome.message).toBe('the request message was not received within 1000 ms of its headers (MODEL_SERVER_BODY_TIMEOUT_MS)');
    expect(await refusals('read_timeout')).toBe(before + 1);
  });

  test('headers alone, no message and no end: the same deadline', async () => {
    const c = await session();
    const outcome = await rawCall(c, 'ServerLive', null).done;
    expect(outcome.status).toBe('4');
  });
});

describe('transport limits', () => {
  test('the server announces SETTINGS_MAX_CONCURRENT_STREAMS = MODEL_SERVER_GRPC_MAX_CONCURRENT_STREAMS', async () => {
    const c = await session();
    expect(c.remoteSettings.maxConcurrentStreams).toBe(8);
  });

  test('the server opens HTTP/2 windows for its largest message (stream and connection), not the 65,535-byte default', async () => {
    const c = await session();
    const window = grpcWindowBytes(1024 * 1024);
    expect(window).toBe(1024 * 1024 + 64 * 1024);
    expect(c.remoteSettings.initialWindowSize).toBe(grpcStreamWindowBytes(1024 * 1024));
    // The stream window stops at 1 MiB + 64 KiB whatever the message cap (a stream waiting for its JWT holds that much).
    expect(grpcStreamWindowBytes(1024 * 1024)).toBe(window);
    expect(grpcStreamWindowBytes(64 * 1024 * 1024)).toBe(1024 * 1024 + 64 * 1024);
    expect(grpcWindowBytes(64 * 1024 * 1024)).toBe(64 * 1024 * 1024 + 64 * 1024);
    // The connection window is raised by a WINDOW_UPDATE on stream 0 right after the SETTINGS.
    const deadline = Date.now() + 2000;
    while (c.state.remoteWindowSize !== window && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(c.state.remoteWindowSize).toBe(window);
  });

  test('a message whose length prefix is over the limit is refused at once, named, counted and logged', async () => {
    const c = await session();
    const before = await refusals('body_too_large');
    const outcome = await rawCall(c, 'ModelInfer', framed(Buffer.alloc(1024, 1), 2 * 1024 * 1024), { authorization: `Bearer ${KEY}` }).done;
    expect(outcome.status).toBe('8'); // RESOURCE_EXHAUSTED
    expect(outcome.message).toBe('the request message is 2097152 bytes, above the 1048576-byte limit (MODEL_SERVER_MAX_REQUEST_BODY_BYTES)');
    expect(outcome.rstCode).toBe(constants.NGHTTP2_NO_ERROR);
    expect(await refusals('body_too_large')).toBe(before + 1);
    const text = await metrics();
    expect(metricValue(text, 'model_server_requests_total', { route: `${SERVICE}/ModelInfer`, code: '413' })).toBeGreaterThanOrEqual(1);
    expect(s.logs.join('')).toMatch(/"reason":"body_too_large","msg":"request refused"/);
  });

  test('grpcio: 80 KB of metadata gets RESOURCE_EXHAUSTED with the reason (the call is answered, not dropped)', async () => {
    const headers = Array.from({ length: 20 }, (_, i) => [`x-pad-${i}`, 'a', 4000]);
    const [big, after] = await grpcio(port, [
      { method: 'ServerMetadata', metadata: [...auth, ...headers] },
      { method: 'ServerMetadata', metadata: auth },
    ]);
    expect(big!.code).toBe('RESOURCE_EXHAUSTED');
    expect(big!.details).toMatch(/^the request metadata is \d+ bytes, above the 16384-byte limit$/);
    expect(after!.code).toBe('OK');
  });

  test('grpcio: bytes that are not a ModelInferRequest get INVALID_ARGUMENT (not INTERNAL), counted', async () => {
    const before = await refusals('invalid_message');
    const [res] = await grpcio(port, [{ method: 'ModelInfer', request_hex: 'ffffffff0f', metadata: auth }]);
    expect(res!.code).toBe('INVALID_ARGUMENT');
    expect(res!.details).toMatch(/^the request message is not a valid ModelInferRequest \(protobuf\): /);
    expect(await refusals('invalid_message')).toBe(before + 1);
  });

  test('grpcio: a 100,000-character model name gets INVALID_ARGUMENT with a short message, not RESOURCE_EXHAUSTED', async () => {
    const request = Buffer.from(MetadataRequest.encode(MetadataRequest.create({ name: 'm'.repeat(100_000), version: '' })).finish()).toString('hex');
    const [res] = await grpcio(port, [{ method: 'ModelMetadata', request_hex: request, metadata: auth }]);
    expect(res!.code).toBe('INVALID_ARGUMENT');
    expect(res!.details).toMatch(/^the model name \(100000 characters\) or version \(0\) is longer than/);
    expect(res!.details_length).toBeLessThanOrEqual(1024);
  });
});

describe('write deadline', () => {
  test('a response the client does not read is dropped: the stream is reset (CANCEL) after MODEL_SERVER_WRITE_TIMEOUT_MS', async () => {
    // 200,000 floats echoed back: 800 KB, far over the 64 KiB HTTP/2 window a non-reading client leaves open.
    const values = Float32Array.from({ length: 200_000 }, (_, i) => i);
    const message = InferRequest.encode(
      InferRequest.create({
        model_name: 'echo',
        inputs: [{ name: 'x', datatype: 'FP32', shape: [100_000, 2] }],
        raw_input_contents: [Buffer.from(values.buffer)],
      }),
    ).finish();
    const c = await session({ settings: { initialWindowSize: 65535 } });
    const stream = c.request({ ':method': 'POST', ':path': `${SERVICE}/ModelInfer`, 'content-type': 'application/grpc', te: 'trailers', authorization: `Bearer ${KEY}` });
    stream.on('error', () => undefined);
    stream.pause();
    stream.end(framed(message));
    const before = await refusals('write_timeout');
    const rst = await new Promise<number>((resolve) => stream.on('close', () => resolve(stream.rstCode ?? -1)));
    expect(rst).toBe(constants.NGHTTP2_CANCEL);
    expect(await refusals('write_timeout')).toBe(before + 1);
  });
});

describe('calls waiting for their token', () => {
  let slow: Started;
  let slowPort: number;
  beforeAll(async () => {
    slow = await start(repository({ 'echo/1': identity('FLOAT') }), { apiKeyHmacSha256: [hmacSha256Hex(SALT, KEY)], apiKeySalt: SALT, authFailuresPerMinute: 0, maxRequestBodyBytes: 4 * 1024 * 1024 });
    // Stands in for a JWT whose check waits on a slow JWKS fetch (jose's 5 s timeout): refused after 600 ms.
    slow.app.core.authenticate = () =>
      new Promise((_resolve, reject) => setTimeout(() => reject(Object.assign(new Error('the bearer token is not valid'), { statusCode: 401, code: 'MS_UNAUTHENTICATED' })), 600));
    slowPort = await slow.app.listenGrpc(0, '127.0.0.1');
  });
  afterAll(async () => {
    await slow.app.close();
  });

  test(`at most ${MAX_VERIFYING_PER_CONNECTION} calls of a connection wait for their token at once; the rest are refused before their message is read`, async () => {
    const c = await new Promise<ClientHttp2Session>((resolve, reject) => {
      // The client buffers 20 MiB of its own requests: above Node's default 10 MB session memory.
      const x = connect(`http://127.0.0.1:${slowPort}`, { maxSessionMemory: 200 });
      sessions.push(x);
      x.once('remoteSettings', () => resolve(x));
      x.once('error', reject);
    });
    const message = framed(Buffer.alloc(2 * 1024 * 1024, 7));
    const calls = Array.from({ length: 10 }, () => rawCall(c, 'ModelInfer', message, { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.x' }).done);
    const outcomes = await Promise.all(calls);
    const limited = outcomes.filter((o) => o.status === '8');
    expect(limited).toHaveLength(10 - MAX_VERIFYING_PER_CONNECTION);
    expect(limited[0]!.message).toBe(`${MAX_VERIFYING_PER_CONNECTION} calls on this connection are already waiting for their token to be verified (at most ${MAX_VERIFYING_PER_CONNECTION}); retry when they are answered`);
    expect(outcomes.filter((o) => o.status === '16')).toHaveLength(MAX_VERIFYING_PER_CONNECTION); // UNAUTHENTICATED after the check
    const text = (await slow.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metricValue(text, 'model_server_transport_refusals_total', { reason: 'verifying_limit' })).toBe(10 - MAX_VERIFYING_PER_CONNECTION);
    // The count goes back down: the next calls on the same connection wait for their check again.
    const again = await Promise.all(Array.from({ length: MAX_VERIFYING_PER_CONNECTION }, () => rawCall(c, 'ModelInfer', message, { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.x' }).done));
    expect(again.map((o) => o.status)).toEqual(Array(MAX_VERIFYING_PER_CONNECTION).fill('16'));
  });
});

describe('failed API-key attempts', () => {
  let limited: Started;
  let limitedPort: number;
  beforeAll(async () => {
    limited = await start(repository({ 'mlp/1': mlp() }), { apiKeyHmacSha256: [hmacSha256Hex(SALT, KEY)], apiKeySalt: SALT, authFailuresPerMinute: 3 });
    limitedPort = await limited.app.listenGrpc(0, '127.0.0.1');
  });
  afterAll(async () => {
    await limited.app.close();
  });

  test('grpcio: after the limit every attempt from the client gets RESOURCE_EXHAUSTED with retry-after, the right key too', async () => {
    const wrong = { method: 'ServerMetadata', metadata: [['authorization', 'Bearer guess']] };
    const results = await grpcio(limitedPort, [wrong, wrong, wrong, wrong, { method: 'ServerMetadata', metadata: auth }]);
    expect(results.map((r) => r.code)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED']);
    expect(results[3]!.details).toMatch(/^too many failed API-key attempts from this client \(MODEL_SERVER_AUTH_FAILURES_PER_MINUTE=3 a minute\); retry in \d+ s$/);
    expect(Number(results[3]!.trailers['retry-after'])).toBeGreaterThanOrEqual(1);
    const text = (await limited.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metricValue(text, 'model_server_auth_failures_total', { reason: 'invalid' })).toBe(3);
    expect(metricValue(text, 'model_server_auth_failures_total', { reason: 'limited' })).toBe(2);
  });
});

test('every RPC of the service still works through the guard (grpcio)', async () => {
  const [live, meta] = await grpcio(port, [{ method: 'ServerLive' }, { method: 'ServerMetadata', metadata: auth }]);
  expect(live!.code).toBe('OK');
  expect(meta!.code).toBe('OK');
});
