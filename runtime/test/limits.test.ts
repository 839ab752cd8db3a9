/** Bounds on every answer, and the smaller defects: each sends the bad input and asserts status and body. */
import { connect } from 'node:net';
import { identity, mlp, repository, sizedByValue } from './models';
import { metricValue, start, type Started } from './helpers';

const LONG_NAME = `m${'x'.repeat(119)}`; // 120 characters: allowed by the contract (at most 128)
let s: Started;
beforeAll(async () => {
  s = await start(
    repository({ 'mlp/1': mlp(), 'sized/1': sizedByValue(), 'bytes/1': identity('STRING'), 'int64/1': identity('INT64'), [`${LONG_NAME}/1`]: mlp() }),
    { maxResponseBytes: 4096 },
  );
});
afterAll(async () => {
  await s.app.close();
});

const infer = (url: string, payload: unknown) => s.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
const mlpInput = (rows: number) => ({ name: 'input', datatype: 'FP32', shape: [rows, 4], data: new Array(rows * 4).fill(0.5) });

describe('response bounds', () => {
  test('an output named twice is refused', async () => {
    const res = await infer('/v2/models/mlp/infer', { inputs: [mlpInput(1)], outputs: [{ name: 'label' }, { name: 'label' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: "output 'label' is asked for twice; name each output at most once" });
  });

  test('an answer sure to exceed MODEL_SERVER_MAX_RESPONSE_BYTES is refused with 400 before the run', async () => {
    await infer('/v2/models/mlp/infer', { inputs: [mlpInput(1)] });
    const before = metricValue(await s.app.metrics.registry.metrics(), 'model_server_inference_exec_count', { model: 'mlp' });
    // 1000 rows x (3 probabilities + 1 label) x at least 2 bytes each > 4096.
    const res = await infer('/v2/models/mlp/infer', { inputs: [mlpInput(1000)] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe(
      'the answer would take at least 8000 bytes, above the 4096-byte limit (MODEL_SERVER_MAX_RESPONSE_BYTES); send fewer rows, ask for fewer outputs, or ask for binary outputs',
    );
    expect(metricValue(await s.app.metrics.registry.metrics(), 'model_server_inference_exec_count', { model: 'mlp' })).toBe(before);
  });

  test('an answer whose size only the run reveals is refused with 500 and the reason', async () => {
    const ok = await infer('/v2/models/sized/infer', { inputs: [{ name: 'n', datatype: 'INT64', shape: [1], data: [3] }] });
    expect(ok.json().outputs[0]).toMatchObject({ shape: [3], data: [0, 0, 0] });
    const res = await infer('/v2/models/sized/infer', { inputs: [{ name: 'n', datatype: 'INT64', shape: [1], data: [1000000] }] });
    expect(res.statusCode).toBe(500);
    expect(res.json().error).toBe(
      "model 'sized' version 1 produced an answer of at least 2000000 bytes, above the 4096-byte limit (MODEL_SERVER_MAX_RESPONSE_BYTES); the model's output size depends on the request: send fewer rows or ask for fewer outputs",
    );
    const text = await s.app.metrics.registry.metrics();
    expect(metricValue(text, 'model_server_inference_failures_total', { model: 'sized', reason: 'response_too_large' })).toBe(1);
  });

  test('data nested thousands of levels deep is a 400, not a stack overflow', async () => {
    const deep = `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":${'['.repeat(5000)}1${']'.repeat(5000)}}]}`;
    const res = await infer('/v2/models/mlp/infer', deep);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'the JSON body nests deeper than 64 levels; tensor data needs one level per dimension' });
  });
});

describe('smaller defects', () => {
  test('a model name of 101-128 characters is reachable', async () => {
    const res = await s.app.inject({ method: 'GET', url: `/v2/models/${LONG_NAME}/ready` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: LONG_NAME, ready: true });
  });

  test('BYTES values come back exactly; NUL and invalid UTF-8 are refused instead of altered', async () => {
    const text = ['héllo wörld', '日本', '🙂'];
    const ok = await infer('/v2/models/bytes/infer', { inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 2], data: text.slice(0, 2) }] });
    expect(ok.json().outputs[0].data).toEqual(text.slice(0, 2));
    const nul = await infer('/v2/models/bytes/infer', { inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 2], data: ['a\u0000b', 'c'] }] });
    expect(nul.statusCode).toBe(400);
    expect(nul.json()).toEqual({ error: "input 'x' element 0: BYTES values cannot contain a NUL byte (onnxruntime-node strings end there)" });
    const element = (bytes: Buffer) => Buffer.concat([Buffer.from(Uint32Array.of(bytes.length).buffer), bytes]);
    const raw = Buffer.concat([element(Buffer.from([0xff, 0xfe])), element(Buffer.from('ok'))]);
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 2], parameters: { binary_data_size: raw.length } }] }));
    const bin = await s.app.inject({
      method: 'POST',
      url: '/v2/models/bytes/infer',
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
      payload: Buffer.concat([header, raw]),
    });
    expect(bin.statusCode).toBe(400);
    expect(bin.json()).toEqual({ error: "input 'x' element 0: BYTES value is not valid UTF-8 (onnxruntime-node carries BYTES as UTF-8 text)" });
    const lone = await infer('/v2/models/bytes/infer', { inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 2], data: ['\ud800', 'a'] }] });
    expect(lone.statusCode).toBe(400);
    expect(lone.json().error).toBe("input 'x' element 0: BYTES value is not valid UTF-8 (onnxruntime-node carries BYTES as UTF-8 text)");
  });

  test('INT64 outputs beyond 2^53 keep their exact digits in JSON', async () => {
    const res = await infer('/v2/models/int64/infer', { inputs: [{ name: 'x', datatype: 'INT64', shape: [1, 2], data: ['9007199254740993', '-9223372036854775808'] }] });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('"data":[9007199254740993,-9223372036854775808]');
    const small = await infer('/v2/models/int64/infer', { inputs: [{ name: 'x', datatype: 'INT64', shape: [1, 2], data: [1, -2] }] });
    expect(small.json().outputs[0].data).toEqual([1, -2]);
  });

  test('ragged nested data is refused even when its total count matches the shape', async () => {
    const res = await infer('/v2/models/mlp/infer', { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: [[1, 2, 3], [4, 5, 6, 7, 8]] }] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: "input 'input': data[0] has 3 entries; shape [2,4] needs 4 at depth 1" });
  });

  test.each(['toString', '__proto__', 'constructor'])('a row-format key %s is an unknown input', async (key) => {
    const res = await infer('/v1/models/mlp:predict', `{"instances":[{"input":[1,2,3,4],"${key}":[1]}]}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: `unknown input '${key}'; model 'mlp' has inputs: input` });
  });

  test('the TensorFlow Serving route decodes the path once', async () => {
    const twice = await infer('/v1/models/ml%2570:predict', { instances: [[1, 2, 3, 4]] });
    expect(twice.statusCode).toBe(404);
    expect(twice.json().error).toMatch(/^unknown model 'ml%70'; served models: /);
    const percent = await infer('/v1/models/mlp%25:predict', { instances: [[1, 2, 3, 4]] });
    expect(percent.statusCode).toBe(404);
    expect(percent.json().error).toMatch(/^unknown model 'mlp%'/);
  });

  test('an empty version segment is a 404, not the default version', async () => {
    const res = await infer('/v2/models/mlp/versions//infer', { inputs: [mlpInput(1)] });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: "model 'mlp': the version in the URL is empty; versions: 1, or leave out /versions/ for the default" });
  });
});

describe('framework errors use the documented {"error"} shape', () => {
  let port: number;
  beforeAll(async () => {
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    port = (s.app.server.address() as { port: number }).port;
  });

  /** Writes raw bytes and returns everything the server sends back before closing. */
  function raw(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(text));
      let out = '';
      socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
      socket.on('close', () => resolve(out));
      socket.on('error', reject);
    });
  }
  const bodyOf = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as unknown;

  test('a malformed header line', async () => {
    const res = await raw('GET /v2/health/live HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(res).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(bodyOf(res)).toEqual({ error: 'malformed HTTP request (HPE_INVALID_HEADER_TOKEN)' });
  });

  test('a URL longer than the header limit', async () => {
    const res = await raw(`GET /v2/models/${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(res).toMatch(/^HTTP\/1\.1 431 /);
    expect(bodyOf(res)).toEqual({ error: 'the request line and headers are larger than 16 KiB' });
  });

  test('a path segment longer than any model name', async () => {
    const res = await s.app.inject({ method: 'GET', url: `/v2/models/${'a'.repeat(600)}` });
    expect(res.statusCode).toBe(414);
    expect(res.json()).toEqual({ error: 'the URL is too long: a path segment is longer than the 512 characters a model name or version can take' });
  });

  test('the TF Serving :predict route (a wildcard the router does not bound) answers the same 414, for the model name and the version', async () => {
    // Issue 23: a 513-character model name got 404 on this route and 414 on every other.
    const body = { instances: [[1, 2, 3, 4]] };
    for (const url of [`/v1/models/${'a'.repeat(513)}:predict`, `/v1/models/mlp/versions/${'1'.repeat(513)}:predict`]) {
      const res = await s.app.inject({ method: 'POST', url, payload: body });
      expect(res.statusCode).toBe(414);
      expect(res.json()).toEqual({ error: 'the URL is too long: a path segment is longer than the 512 characters a model name or version can take' });
    }
    // At the limit it is an ordinary unknown model.
    const atLimit = await s.app.inject({ method: 'POST', url: `/v1/models/${'a'.repeat(512)}:predict`, payload: body });
    expect(atLimit.statusCode).toBe(404);
  });
});
