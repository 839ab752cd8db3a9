/** The OIP gRPC service with a real grpc-js client built from the same .proto. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { sha256Hex } from '../src/auth';
import { identity, mlp, repository } from './models';
import { metricValue, mlpForward, start, until, type Started } from './helpers';

const proto = readFileSync(join(__dirname, '..', 'src', 'grpc', 'inference.proto'), 'utf8');
const definition = fromJSON(protobuf.parse(proto, { keepCase: true }).root.toJSON(), { keepCase: true, longs: String, defaults: true });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const Client = (grpc.loadPackageDefinition(definition) as any).inference.GRPCInferenceService as typeof grpc.Client;

type Call = (request: unknown, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: any) => void) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

const KEY = 'grpc-test-key';
let s: Started;
let client: grpc.Client & Record<string, Call>;
beforeAll(async () => {
  s = await start(repository({ 'mlp/1': mlp(), 'text/1': identity('STRING') }), { apiKeySha256: [sha256Hex(KEY)], logLevel: 'info' });
  const port = await s.app.listenGrpc(0, '127.0.0.1');
  client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Call>;
});
afterAll(async () => {
  client.close();
  await s.app.close();
});

function call<T = any>(method: string, request: unknown, key: string | null = KEY): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const metadata = new grpc.Metadata();
  if (key !== null) metadata.set('authorization', `Bearer ${key}`);
  return new Promise((resolve, reject) => client[method]!(request, metadata, (error, response) => (error ? reject(error) : resolve(response as T))));
}

const rows = [[0.5, -1, 2, 0.25], [1.5, 0.3, -0.7, 3]];
const raw = (values: number[][]) => Buffer.from(Float32Array.from(values.flat()).buffer);

test('health and metadata', async () => {
  expect(await call('ServerLive', {}, null)).toEqual({ live: true });
  expect(await call('ServerReady', {}, null)).toEqual({ ready: true });
  expect(await call('ModelReady', { name: 'mlp', version: '' })).toEqual({ ready: true });
  expect(await call('ServerMetadata', {})).toEqual({ name: 'model-serving-constructs', version: '0.1.0', extensions: ['binary_tensor_data'] });
  const meta = await call('ModelMetadata', { name: 'mlp', version: '1' });
  expect(meta).toEqual({
    name: 'mlp',
    versions: ['1'],
    platform: 'onnx_onnxv1',
    inputs: [{ name: 'input', datatype: 'FP32', shape: ['-1', '4'] }],
    outputs: [
      { name: 'probabilities', datatype: 'FP32', shape: ['-1', '3'] },
      { name: 'label', datatype: 'INT64', shape: ['-1'] },
    ],
  });
});

test('ModelInfer with raw_input_contents answers raw_output_contents matching the reference', async () => {
  const res = await call('ModelInfer', {
    model_name: 'mlp',
    id: 'req-1',
    inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4] }],
    raw_input_contents: [raw(rows)],
  });
  const ref = mlpForward(7, [4, 8, 3], rows);
  expect(res.id).toBe('req-1');
  expect(res.outputs.map((o: { name: string; datatype: string; shape: string[] }) => [o.name, o.datatype, o.shape])).toEqual([
    ['probabilities', 'FP32', ['2', '3']],
    ['label', 'INT64', ['2']],
  ]);
  const probabilities = new Float32Array(new Uint8Array(res.raw_output_contents[0]).buffer);
  ref.probabilities.forEach((p, i) => expect(probabilities[i]).toBeCloseTo(p, 5));
  expect(Array.from(new BigInt64Array(new Uint8Array(res.raw_output_contents[1]).buffer), Number)).toEqual(ref.label);
});

test('ModelInfer with typed contents and a chosen output', async () => {
  const res = await call('ModelInfer', {
    model_name: 'mlp',
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: rows[0] } }],
    outputs: [{ name: 'label' }],
  });
  expect(res.outputs.map((o: { name: string }) => o.name)).toEqual(['label']);
  expect(Number(new BigInt64Array(new Uint8Array(res.raw_output_contents[0]).buffer)[0])).toBe(mlpForward(7, [4, 8, 3], [rows[0]!]).label[0]);
});

test('BYTES in typed contents come back exactly, length-prefixed in raw_output_contents', async () => {
  const words = ['héllo', '日本'];
  const res = await call('ModelInfer', { model_name: 'text', inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 2], contents: { bytes_contents: words.map((w) => Buffer.from(w)) } }] });
  const raw = Buffer.from(res.raw_output_contents[0]);
  const back: string[] = [];
  for (let offset = 0; offset < raw.length; ) {
    const len = raw.readUInt32LE(offset);
    back.push(raw.toString('utf8', offset + 4, offset + 4 + len));
    offset += 4 + len;
  }
  expect(back).toEqual(words);
  await expect(call('ModelInfer', { model_name: 'text', inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 2], contents: { bytes_contents: [Buffer.from([0xff]), Buffer.from('a')] } }] })).rejects.toMatchObject({
    code: grpc.status.INVALID_ARGUMENT,
    details: "input 'x' element 0: BYTES value is not valid UTF-8 (onnxruntime-node carries BYTES as UTF-8 text)",
  });
});

test('errors map to gRPC status codes with the same messages as REST', async () => {
  await expect(call('ModelInfer', { model_name: 'mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [raw([[1, 2, 3]])] })).rejects.toMatchObject({
    code: grpc.status.INVALID_ARGUMENT,
    details: "input 'input': shape [1,4] of FP32 needs 16 bytes, binary_data_size is 12",
  });
  await expect(call('ModelInfer', { model_name: 'nope', inputs: [] })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND, details: "unknown model 'nope'; served models: mlp, text" });
  await expect(call('ModelInfer', { model_name: 'mlp', inputs: [] }, null)).rejects.toMatchObject({
    code: grpc.status.UNAUTHENTICATED,
    details: 'an API key is required (Authorization: Bearer <key> or X-Api-Key)',
  });
  await expect(call('ModelMetadata', { name: 'mlp' }, 'wrong')).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: 'the API key is not valid' });
  const text = await s.app.metrics.registry.metrics();
  expect(metricValue(text, 'model_server_requests_total', { model: 'mlp', route: '/inference.GRPCInferenceService/ModelInfer', code: '400' })).toBe(1);
  expect(metricValue(text, 'model_server_requests_total', { route: '/inference.GRPCInferenceService/ModelInfer', code: '401' })).toBe(1);
});

test('gRPC and REST requests share the scheduler: queued together, they run as one batch', async () => {
  const runtime = s.app.repository.resolve('mlp');
  const before = metricValue(await s.app.metrics.registry.metrics(), 'model_server_inference_exec_count', { model: 'mlp' });
  runtime.scheduler.pause();
  const viaGrpc = call('ModelInfer', { model_name: 'mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [raw([rows[0]!])] });
  const viaRest = s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { authorization: `Bearer ${KEY}` }, payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [rows[1]] }] } });
  await until(() => runtime.scheduler.inflight === 2);
  runtime.scheduler.resume();
  const [g, r] = await Promise.all([viaGrpc, viaRest]);
  const ref = mlpForward(7, [4, 8, 3], rows);
  expect(Number(new BigInt64Array(new Uint8Array(g.raw_output_contents[1]).buffer)[0])).toBe(ref.label[0]);
  expect(r.json().outputs[1].data).toEqual([ref.label[1]]);
  expect(metricValue(await s.app.metrics.registry.metrics(), 'model_server_inference_exec_count', { model: 'mlp' })).toBe(before + 1);
});

test('while draining, ServerReady is false and inference is still served', async () => {
  s.app.beginDrain();
  expect(await call('ServerReady', {}, null)).toEqual({ ready: false });
  expect(await call('ModelReady', { name: 'mlp' })).toEqual({ ready: false });
  const res = await call('ModelInfer', { model_name: 'mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [raw([rows[0]!])] });
  expect(res.outputs).toHaveLength(2);
});
