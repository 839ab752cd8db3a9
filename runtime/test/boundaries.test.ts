/**
 * Limits tried exactly at the edge: the request body limit at the limit (served) and one byte over it (413),
 * for the server's default limit (MODEL_SERVER_MAX_REQUEST_BODY_BYTES, lib/contract.ts: 6 MiB, SageMaker's
 * 6 MB invocation payload) and a small configured one; and a synth-time signature whose only difference
 * from the loaded model is a datatype (FP16 vs FP32), which must keep the model from ever turning ready.
 */
import { defaultServerConfig } from '../../lib/contract';
import { mlp, repository } from './models';
import { start, type Started } from './helpers';

/** A valid inference request padded with JSON whitespace (RFC 8259 §2: insignificant) to exactly `bytes` bytes. */
function bodyOf(bytes: number): string {
  const json = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [0.5, -1, 2, 0.25] }] });
  if (json.length > bytes) throw new Error(`a request needs at least ${json.length} bytes`);
  return json + ' '.repeat(bytes - json.length);
}

describe.each([
  ['the default limit', defaultServerConfig().maxRequestBodyBytes],
  ['a configured limit', 4096],
])('request body size at %s (%d bytes)', (_name, limit) => {
  let s: Started;
  beforeAll(async () => {
    s = await start(repository({ 'mlp/1': mlp() }), { maxRequestBodyBytes: limit });
  });
  afterAll(async () => {
    await s.app.close();
  });
  const infer = (payload: string) =>
    s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { 'content-type': 'application/json' }, payload });

  test('exactly at the limit: served', async () => {
    const body = bodyOf(limit);
    expect(Buffer.byteLength(body)).toBe(limit);
    const res = await infer(body);
    expect(res.statusCode).toBe(200);
    expect(res.json().outputs.map((o: { name: string }) => o.name)).toEqual(['probabilities', 'label']);
  });

  test('one byte over the limit: 413, naming the limit and the variable', async () => {
    const res = await infer(bodyOf(limit + 1));
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toBe(`request body is larger than ${limit} bytes (MODEL_SERVER_MAX_REQUEST_BODY_BYTES)`);
  });
});

test('the default limit is the 6 MiB the contract documents', () => {
  expect(defaultServerConfig().maxRequestBodyBytes).toBe(6 * 1024 * 1024);
});

describe('a signature that differs from the model only in a datatype', () => {
  // The mlp model: input 'input' FP32 [-1,4]; outputs 'probabilities' FP32 [-1,3], 'label' INT64 [-1].
  const signature = (inputType: string, outputType = 'FP32'): string =>
    JSON.stringify({
      opset: 17,
      inputs: [{ name: 'input', datatype: inputType, shape: [-1, 4], dimNames: ['batch', null] }],
      outputs: [
        { name: 'probabilities', datatype: outputType, shape: [-1, 3] },
        { name: 'label', datatype: 'INT64', shape: [-1] },
      ],
    });

  test.each([
    ['input', signature('FP16'), "input 'input' is FP32, expected FP16"],
    ['output', signature('FP32', 'FP16'), "output 'probabilities' is FP32, expected FP16"],
  ])('FP16 expected on an FP32 %s: never ready, and the reason names the tensor and both datatypes', async (_side, modelSignature, reason) => {
    const s = await start(repository({ 'mlp/1': mlp() }), { modelSignature });
    try {
      expect((await s.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(503);
      const meta = (await s.app.inject({ method: 'GET', url: '/v2/models/mlp' })).json();
      expect(meta.parameters.state).toBe('UNAVAILABLE');
      expect(meta.parameters.reason).toBe(`the loaded model differs from the signature seen at synth time (MODEL_SERVER_MODEL_SIGNATURE): ${reason}`);
    } finally {
      await s.app.close();
    }
  });

  test('the same signature with the datatypes the model has: ready (the refusal above is the datatype alone)', async () => {
    const s = await start(repository({ 'mlp/1': mlp() }), { modelSignature: signature('FP32') });
    try {
      expect((await s.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
    } finally {
      await s.app.close();
    }
  });
});
