import { addMul, ELEMENT_TYPES, fixedBatchMlp, identity, mlp, repository } from './models';
import { binaryBody, expectClose, mlpForward, parseBinaryResponse, start, type Started } from './helpers';
import { fromHalfBits, toHalfBits } from '../src/tensor';

let s: Started;

const rows = [
  [0.5, -1, 2, 0.25],
  [1.5, 0.3, -0.7, 3],
  [0, 0, 0, 1],
];

beforeAll(async () => {
  const entries: Record<string, Uint8Array> = {
    'mlp/1': mlp(7),
    'mlp/2': mlp(99),
    'add/1': addMul(),
    'fixed/1': fixedBatchMlp(),
  };
  for (const [oip, onnxType] of ELEMENT_TYPES) entries[`id_${oip.toLowerCase()}/1`] = identity(onnxType);
  s = await start(repository(entries));
});
afterAll(async () => {
  await s.app.close();
});

const SEEDS: Record<string, number> = { '1': 7, '2': 99 };

async function mlpReference(version: string): Promise<{ probabilities: number[]; label: number[] }> {
  return mlpForward(SEEDS[version]!, [4, 8, 3], rows);
}

describe('Open Inference Protocol over inject()', () => {
  test('server metadata advertises the binary extension', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/v2' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'model-serving-constructs', version: '0.1.0', extensions: ['binary_tensor_data'] });
  });

  test('model metadata lists versions, tensors with -1 for dynamic dimensions, and the provider in use', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/v2/models/mlp' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      name: 'mlp',
      versions: ['1', '2'],
      platform: 'onnx_onnxv1',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
        { name: 'label', datatype: 'INT64', shape: [-1] },
      ],
      parameters: { version: '2', state: 'READY', execution_provider: 'cpu', dynamic_batching: true },
    });
    const v1 = await s.app.inject({ method: 'GET', url: '/v2/models/mlp/versions/1' });
    expect(v1.json().parameters.version).toBe('1');
  });

  test('health and model readiness', async () => {
    expect((await s.app.inject({ method: 'GET', url: '/v2/health/live' })).json()).toEqual({ live: true });
    expect((await s.app.inject({ method: 'GET', url: '/v2/health/ready' })).json()).toEqual({ ready: true });
    const r = await s.app.inject({ method: 'GET', url: '/v2/models/mlp/versions/1/ready' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ name: 'mlp', ready: true });
  });

  test('JSON inference matches the JavaScript reference, per version, with the id echoed', async () => {
    for (const [url, version] of [['/v2/models/mlp/infer', '2'], ['/v2/models/mlp/versions/1/infer', '1']] as const) {
      const res = await s.app.inject({
        method: 'POST',
        url,
        payload: { id: 'req-1', inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 4], data: rows }] },
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.model_name).toBe('mlp');
      expect(body.model_version).toBe(version);
      expect(body.id).toBe('req-1');
      const ref = await mlpReference(version);
      const probs = body.outputs.find((o: { name: string }) => o.name === 'probabilities');
      expect(probs.shape).toEqual([3, 3]);
      expectClose(probs.data, ref.probabilities, 1e-6);
      const label = body.outputs.find((o: { name: string }) => o.name === 'label');
      expect(label).toEqual({ name: 'label', datatype: 'INT64', shape: [3], data: ref.label });
    }
  });

  test('versions differ (the weights are not the same)', async () => {
    const a = await mlpReference('1');
    const b = await mlpReference('2');
    expect(Array.from(a.probabilities)).not.toEqual(Array.from(b.probabilities));
  });

  test('"outputs" selects outputs', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/v2/models/mlp/infer',
      payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 4], data: rows.flat() }], outputs: [{ name: 'label' }] },
    });
    expect(res.json().outputs.map((o: { name: string }) => o.name)).toEqual(['label']);
  });

  test('binary tensor extension in and out', async () => {
    const input = Buffer.from(Float32Array.from(rows.flat()).buffer);
    const { body, headerLength } = binaryBody(
      {
        inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 4], parameters: { binary_data_size: input.length } }],
        outputs: [{ name: 'probabilities', parameters: { binary_data: true } }, { name: 'label' }],
      },
      [input],
    );
    const res = await s.app.inject({
      method: 'POST',
      url: '/v2/models/mlp/infer',
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    const len = Number(res.headers['inference-header-content-length']);
    const { json, raw } = parseBinaryResponse(res.rawPayload, len);
    const ref = await mlpReference('2');
    const probs = new Float32Array(raw.probabilities!.buffer.slice(raw.probabilities!.byteOffset, raw.probabilities!.byteOffset + 36));
    expectClose(Array.from(probs), ref.probabilities, 1e-6);
    expect(json.outputs[0]).toEqual({ name: 'probabilities', datatype: 'FP32', shape: [3, 3], parameters: { binary_data_size: 36 } });
    expect(json.outputs[1]!.data).toEqual(ref.label);
  });

  test('binary_data_output asks for every output in binary', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/v2/models/add/infer',
      payload: {
        parameters: { binary_data_output: true },
        inputs: [
          { name: 'a', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] },
          { name: 'b', datatype: 'FP32', shape: [1, 3], data: [10, 20, 30] },
        ],
      },
    });
    const { raw } = parseBinaryResponse(res.rawPayload, Number(res.headers['inference-header-content-length']));
    const f = (b: Buffer): number[] => Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)));
    expect(f(raw.sum!)).toEqual([11, 22, 33]);
    expect(f(raw.product!)).toEqual([10, 40, 90]);
  });

  test('two-input model in JSON', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/v2/models/add/infer',
      payload: {
        inputs: [
          { name: 'b', datatype: 'FP32', shape: [2, 3], data: [[1, 1, 1], [2, 2, 2]] },
          { name: 'a', datatype: 'FP32', shape: [2, 3], data: [[1, 2, 3], [4, 5, 6]] },
        ],
      },
    });
    expect(res.json().outputs).toEqual([
      { name: 'sum', datatype: 'FP32', shape: [2, 3], data: [2, 3, 4, 6, 7, 8] },
      { name: 'product', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 8, 10, 12] },
    ]);
  });

  const jsonSamples: Record<string, unknown[]> = {
    BOOL: [true, false, false, true],
    UINT8: [0, 255, 7, 1],
    INT8: [-128, 127, 0, -1],
    UINT16: [0, 65535, 3, 4],
    INT16: [-32768, 32767, 5, -6],
    UINT32: [0, 4294967295, 8, 9],
    INT32: [-2147483648, 2147483647, 10, -11],
    UINT64: [0, 9007199254740991, 12, 13],
    INT64: [-9007199254740991, 9007199254740991, 14, -15],
    FP16: [0.5, -2, 65504, 0.0999755859375],
    FP32: [0.1, -1e30, 3.5, 0],
    FP64: [0.1, -1e300, 1 / 3, 0],
    BYTES: ['hello', '', 'ünïcode ✓', 'x'],
  };

  test.each(ELEMENT_TYPES.map(([oip]) => oip))('%s round-trips through JSON', async (datatype) => {
    const data = jsonSamples[datatype]!;
    const res = await s.app.inject({
      method: 'POST',
      url: `/v2/models/id_${datatype.toLowerCase()}/infer`,
      payload: { inputs: [{ name: 'x', datatype, shape: [2, 2], data }] },
    });
    expect(res.statusCode).toBe(200);
    const out = res.json().outputs[0];
    expect(out.datatype).toBe(datatype);
    expect(out.shape).toEqual([2, 2]);
    if (datatype === 'FP32') expectClose(out.data, Float32Array.from(data as number[]), 0);
    else expect(out.data).toEqual(data);
  });

  const binarySamples: Record<string, () => Buffer> = {
    BOOL: () => Buffer.from([1, 0, 0, 1]),
    UINT8: () => Buffer.from([0, 255, 7, 1]),
    INT8: () => Buffer.from(Int8Array.from([-128, 127, 0, -1]).buffer),
    UINT16: () => Buffer.from(Uint16Array.from([0, 65535, 3, 4]).buffer),
    INT16: () => Buffer.from(Int16Array.from([-32768, 32767, 5, -6]).buffer),
    UINT32: () => Buffer.from(Uint32Array.from([0, 4294967295, 8, 9]).buffer),
    INT32: () => Buffer.from(Int32Array.from([-2147483648, 2147483647, 10, -11]).buffer),
    UINT64: () => Buffer.from(BigUint64Array.from([0n, 2n ** 64n - 1n, 2n ** 53n + 1n, 13n]).buffer),
    INT64: () => Buffer.from(BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -15n]).buffer),
    FP16: () => Buffer.from(Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001]).buffer),
    FP32: () => Buffer.from(Float32Array.from([0.1, -1e30, 3.5, 0]).buffer),
    FP64: () => Buffer.from(Float64Array.from([0.1, -1e300, 1 / 3, 0]).buffer),
    BYTES: () => {
      const parts = ['hello', '', 'ünïcode ✓', 'x'].map((t) => {
        const b = Buffer.from(t, 'utf8');
        const len = Buffer.alloc(4);
        len.writeUInt32LE(b.length);
        return Buffer.concat([len, b]);
      });
      return Buffer.concat(parts);
    },
  };

  test.each(ELEMENT_TYPES.map(([oip]) => oip))('%s round-trips through the binary extension byte for byte', async (datatype) => {
    const tensor = binarySamples[datatype]!();
    const { body, headerLength } = binaryBody(
      {
        inputs: [{ name: 'x', datatype, shape: [2, 2], parameters: { binary_data_size: tensor.length } }],
        outputs: [{ name: 'y', parameters: { binary_data: true } }],
      },
      [tensor],
    );
    const res = await s.app.inject({
      method: 'POST',
      url: `/v2/models/id_${datatype.toLowerCase()}/infer`,
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(headerLength) },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    const { json, raw } = parseBinaryResponse(res.rawPayload, Number(res.headers['inference-header-content-length']));
    expect(json.outputs[0]).toMatchObject({ name: 'y', datatype, shape: [2, 2] });
    expect(Buffer.compare(raw.y!, tensor)).toBe(0);
  });

  test('INT64 beyond 2^53 travels exactly as a decimal string in JSON and comes back exact in binary', async () => {
    const big = 2n ** 53n + 1n;
    const res = await s.app.inject({
      method: 'POST',
      url: '/v2/models/id_int64/infer',
      payload: { inputs: [{ name: 'x', datatype: 'INT64', shape: [1, 2], data: [big.toString(), '-5'] }], outputs: [{ name: 'y', parameters: { binary_data: true } }] },
    });
    const { raw } = parseBinaryResponse(res.rawPayload, Number(res.headers['inference-header-content-length']));
    expect(Array.from(new BigInt64Array(raw.y!.buffer.slice(raw.y!.byteOffset, raw.y!.byteOffset + 16)))).toEqual([big, -5n]);
  });

  test('FP16 conversion helpers round to nearest', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(1e6)).toBe(0x7c00);
    expect(fromHalfBits(0x0001)).toBe(2 ** -24);
    expect(fromHalfBits(toHalfBits(0.1))).toBeCloseTo(0.0999755859375, 12);
  });

  test('a fixed-batch model is served unbatched and checks its fixed dimension', async () => {
    const meta = (await s.app.inject({ method: 'GET', url: '/v2/models/fixed' })).json();
    expect(meta.inputs[0].shape).toEqual([2, 4]);
    expect(meta.parameters.dynamic_batching).toBe(false);
    const ok = await s.app.inject({
      method: 'POST',
      url: '/v2/models/fixed/infer',
      payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: rows.slice(0, 2) }] },
    });
    expect(ok.statusCode).toBe(200);
    expectClose(ok.json().outputs[0].data, mlpForward(11, [4, 8, 3], rows.slice(0, 2)).probabilities, 1e-6);
    const bad = await s.app.inject({
      method: 'POST',
      url: '/v2/models/fixed/infer',
      payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 4], data: rows }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe("input 'input' has shape [3,4]; the model expects [2,4] (-1: any size)");
  });
});

describe('over a real socket', () => {
  test('JSON and binary inference answer with the same numbers as the JavaScript reference', async () => {
    const address = await s.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${address}/v2/models/mlp/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 4], data: rows }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as { outputs: { name: string; data: number[] }[] };
    const ref = await mlpReference('2');
    expectClose(body.outputs[0]!.data, ref.probabilities, 1e-6);

    const input = Buffer.from(Float32Array.from(rows.flat()).buffer);
    const bin = binaryBody({ inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 4], parameters: { binary_data_size: 48 } }], parameters: { binary_data_output: true } }, [input]);
    const res2 = await fetch(`${address}/v2/models/mlp/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(bin.headerLength) },
      body: bin.body,
    });
    const buf = Buffer.from(await res2.arrayBuffer());
    const { raw } = parseBinaryResponse(buf, Number(res2.headers.get('inference-header-content-length')));
    expect(Array.from(new BigInt64Array(raw.label!.buffer.slice(raw.label!.byteOffset, raw.label!.byteOffset + 24)))).toEqual(ref.label.map(BigInt));
  });
});
