import { addMul, identity, mlp, repository } from './models';
import { binaryBody, start, type Started } from './helpers';

let s: Started;
let lenient: Started;

beforeAll(async () => {
  const root = repository({ 'mlp/1': mlp(), 'add/1': addMul(), 'int8/1': identity('INT8'), 'int64/1': identity('INT64'), 'fp16/1': identity('FLOAT16') });
  s = await start(root, { maxRequestBodyBytes: 4096, logLevel: 'info' });
  lenient = await start(root, { allowNonFinite: true });
});
afterAll(async () => {
  await s.app.close();
  await lenient.app.close();
});

const input = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'input', datatype: 'FP32', shape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8], ...over,
});

interface Case {
  readonly name: string;
  readonly url?: string;
  readonly payload: unknown;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly error: RegExp;
}

const big = JSON.stringify({ inputs: [input({ data: new Array(3000).fill(1) })] });

const cases: Case[] = [
  { name: 'malformed JSON', payload: '{"inputs": [', status: 400, error: /^malformed JSON: / },
  { name: 'empty body', payload: '', status: 400, error: /^request body is empty; expected JSON$/ },
  { name: 'no inputs array', payload: { data: [] }, status: 400, error: /^invalid request: body must have required property 'inputs'$/ },
  { name: 'input without shape', payload: { inputs: [{ name: 'input', datatype: 'FP32', data: [1] }] }, status: 400, error: /body\/inputs\/0 must have required property 'shape'/ },
  { name: 'negative dimension', payload: { inputs: [input({ shape: [-1, 4] })] }, status: 400, error: /body\/inputs\/0\/shape\/0 must be >= 0/ },
  { name: 'unknown input name', payload: { inputs: [input({ name: 'pixels' })] }, status: 400, error: /^unknown input 'pixels'; model 'mlp' has inputs: input$/ },
  {
    name: 'missing input',
    url: '/v2/models/add/infer',
    payload: { inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] },
    status: 400,
    error: /^missing input 'b' \(FP32 \[-1,3\]\)$/,
  },
  {
    name: 'inputs disagree on the batch dimension',
    url: '/v2/models/add/infer',
    payload: { inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }, { name: 'b', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }] },
    status: 400,
    error: /^input 'b' has 2 rows but other inputs have 1/,
  },
  { name: 'input given twice', payload: { inputs: [input(), input()] }, status: 400, error: /^input 'input' is given twice$/ },
  { name: 'wrong rank', payload: { inputs: [input({ shape: [8] })] }, status: 400, error: /^input 'input' has shape \[8\]; the model expects \[-1,4\]/ },
  { name: 'wrong fixed dimension', payload: { inputs: [input({ shape: [4, 2] })] }, status: 400, error: /^input 'input' has shape \[4,2\]; the model expects \[-1,4\]/ },
  { name: 'empty batch', payload: { inputs: [input({ shape: [0, 4], data: [] })] }, status: 400, error: /^the batch is empty/ },
  { name: 'wrong datatype', payload: { inputs: [input({ datatype: 'FP64' })] }, status: 400, error: /^input 'input' has datatype FP64; the model expects FP32$/ },
  { name: 'BF16', payload: { inputs: [input({ datatype: 'BF16' })] }, status: 400, error: /^input 'input': BF16 is not supported by onnxruntime-node; the model expects FP32$/ },
  { name: 'too few elements', payload: { inputs: [input({ data: [1, 2, 3, 4, 5, 6, 7] })] }, status: 400, error: /^input 'input': shape \[2,4\] needs 8 elements, data has 7$/ },
  { name: 'too many nested elements', payload: { inputs: [input({ data: [[1, 2, 3, 4, 5], [5, 6, 7, 8]] })] }, status: 400, error: /^input 'input': data\[0\] has 5 entries; shape \[2,4\] needs 4 at depth 1$/ },
  { name: 'data missing', payload: { inputs: [input({ data: undefined })] }, status: 400, error: /^input 'input' has no "data"/ },
  { name: 'a string where a number belongs', payload: { inputs: [input({ data: [1, 2, 'x', 4, 5, 6, 7, 8] })] }, status: 400, error: /^input 'input' element 2: expected a number \(FP32\), got "x"$/ },
  { name: 'NaN', payload: { inputs: [input({ data: [1, 2, 3, 'NaN', 5, 6, 7, 8] })] }, status: 400, error: /^input 'input' element 3 is NaN after conversion to FP32; NaN and Infinity are refused/ },
  { name: 'Infinity', payload: { inputs: [input({ data: [1, 2, 3, 4, 5, '-Infinity', 7, 8] })] }, status: 400, error: /element 5 is -Infinity/ },
  { name: 'FP32 overflow', payload: { inputs: [input({ data: [1e39, 2, 3, 4, 5, 6, 7, 8] })] }, status: 400, error: /element 0 is 1e\+39 after conversion to FP32/ },
  {
    name: 'FP16 overflow',
    url: '/v2/models/fp16/infer',
    payload: { inputs: [{ name: 'x', datatype: 'FP16', shape: [1, 2], data: [1, 70000] }] },
    status: 400,
    error: /element 1 is 70000 after conversion to FP16/,
  },
  {
    name: 'INT8 out of range',
    url: '/v2/models/int8/infer',
    payload: { inputs: [{ name: 'x', datatype: 'INT8', shape: [1, 2], data: [1, 300] }] },
    status: 400,
    error: /^input 'x' element 1: expected an integer from -128 to 127 \(INT8\), got 300$/,
  },
  {
    name: 'fraction for an integer type',
    url: '/v2/models/int8/infer',
    payload: { inputs: [{ name: 'x', datatype: 'INT8', shape: [1, 2], data: [1.5, 3] }] },
    status: 400,
    error: /element 0: expected an integer/,
  },
  {
    name: 'INT64 beyond 2^53 as a JSON number',
    url: '/v2/models/int64/infer',
    payload: '{"inputs":[{"name":"x","datatype":"INT64","shape":[1,2],"data":[1,9007199254740993]}]}',
    status: 400,
    error: /^input 'x' element 1: 9007199254740992 is beyond 2\^53 and cannot be exact as a JSON number/,
  },
  { name: 'unknown output', payload: { inputs: [input()], outputs: [{ name: 'logits' }] }, status: 400, error: /^unknown output 'logits'; model 'mlp' has outputs: probabilities, label$/ },
  { name: 'unknown model', url: '/v2/models/nope/infer', payload: { inputs: [input()] }, status: 404, error: /^unknown model 'nope'; served models: add, fp16, int64, int8, mlp$/ },
  { name: 'unknown version', url: '/v2/models/mlp/versions/9/infer', payload: { inputs: [input()] }, status: 404, error: /^model 'mlp' has no version '9'; versions: 1$/ },
  { name: 'unknown route', url: '/v2/models/mlp/predict', payload: {}, status: 404, error: /^no route POST \/v2\/models\/mlp\/predict$/ },
  { name: 'body over the limit', payload: big, status: 413, error: /^request body is larger than 4096 bytes \(MODEL_SERVER_MAX_REQUEST_BODY_BYTES\)$/ },
];

const bin = (header: unknown, data: Buffer, headerLength?: number): { payload: Buffer; headers: Record<string, string> } => {
  const b = binaryBody(header, [data]);
  return { payload: b.body, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength ?? b.headerLength) } };
};
const f32 = (n: number): Buffer => Buffer.from(new Float32Array(n).buffer);
const binaryCases: Case[] = [
  {
    name: 'binary_data_size does not match the shape',
    ...bin({ inputs: [input({ data: undefined, parameters: { binary_data_size: 28 } })] }, f32(7)),
    status: 400,
    error: /^input 'input': shape \[2,4\] of FP32 needs 32 bytes, binary_data_size is 28$/,
  },
  {
    name: 'binary_data_size past the end of the body',
    ...bin({ inputs: [input({ data: undefined, parameters: { binary_data_size: 64 } })] }, f32(8)),
    status: 400,
    error: /^input 'input': binary_data_size 64 runs past the end of the body \(32 bytes left\)$/,
  },
  {
    name: 'binary bytes no input accounts for',
    ...bin({ inputs: [input()] }, f32(8)),
    status: 400,
    error: /^the body has 32 bytes of binary data that no input's binary_data_size accounts for$/,
  },
  {
    name: 'Inference-Header-Content-Length larger than the body',
    ...bin({ inputs: [input()] }, Buffer.alloc(0), 100000),
    status: 400,
    error: /^Inference-Header-Content-Length 100000 must be a positive integer no larger than the body/,
  },
  {
    name: 'binary NaN',
    ...bin({ inputs: [input({ data: undefined, parameters: { binary_data_size: 32 } })] }, Buffer.from(Float32Array.from([0, 0, NaN, 0, 0, 0, 0, 0]).buffer)),
    status: 400,
    error: /^input 'input' element 2 is NaN after conversion to FP32/,
  },
];

describe('bad input gets 400/404/413 with a message naming the input and what was expected', () => {
  test.each([...cases, ...binaryCases].map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const res = await s.app.inject({
      method: 'POST',
      url: c.url ?? '/v2/models/mlp/infer',
      headers: { 'content-type': 'application/json', ...c.headers },
      payload: typeof c.payload === 'string' || Buffer.isBuffer(c.payload) ? c.payload : JSON.stringify(c.payload),
    });
    expect(res.statusCode).toBe(c.status);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toMatch(c.error);
  });

  test('the server stays healthy and correct after every bad request', async () => {
    expect((await s.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
    const res = await s.app.inject({
      method: 'POST',
      url: '/v2/models/add/infer',
      payload: { inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }, { name: 'b', datatype: 'FP32', shape: [1, 3], data: [1, 1, 1] }] },
    });
    expect(res.json().outputs[0].data).toEqual([2, 3, 4]);
  });

  test('MODEL_SERVER_ALLOW_NON_FINITE=true lets NaN and Infinity through', async () => {
    const res = await lenient.app.inject({
      method: 'POST',
      url: '/v2/models/add/infer',
      payload: { inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 3], data: ['NaN', 'Infinity', 1] }, { name: 'b', datatype: 'FP32', shape: [1, 3], data: [1, 1, 1] }] },
    });
    expect(res.statusCode).toBe(200);
    const sum = res.json().outputs[0].data;
    expect(sum[0]).toBeNull(); // JSON has no NaN: it serialises as null
    expect(sum[2]).toBe(2);
  });

  test('payloads never reach the logs', async () => {
    const marker = 'PAYLOAD_MARKER_9f1c';
    await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { 'content-type': 'application/json' }, payload: `{"inputs": "${marker}` });
    await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: { inputs: [input({ data: [1, 2, 3, 4, 5, 6, 7, marker] })] } });
    await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: { id: marker, inputs: [input()] } });
    const text = s.logs.join('');
    expect(text).toContain('"code":"MS_BAD_INPUT"');
    expect(text).not.toContain(marker);
  });
});
