/**
 * The circuit breaker per model (cockatiel's ConsecutiveBreaker / SamplingBreaker, half-open after a
 * delay: github.com/connor4312/cockatiel README "circuitBreaker"). The model fails (runs slower than
 * MODEL_SERVER_BREAKER_LATENCY_MS) until the breaker opens; while open it answers its fallback.json in
 * each protocol's own shape, marked; after MODEL_SERVER_BREAKER_OPEN_SECONDS one probe runs and, when it
 * succeeds, the breaker closes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { ModelBreaker } from '../src/breaker';
import { config, metricValue, start } from './helpers';
import { mlp, repository, sizedByValue } from './models';

// ConstantOfShape: the answer's size, and the run's time, follow the request's value.
const sized = (n: number) => ({ inputs: [{ name: 'n', datatype: 'INT64', shape: [1], data: [n] }] });
const SLOW_N = 20_000_000;
const FALLBACK = { model_name: 'sized', model_version: '1', outputs: [{ name: 'y', datatype: 'FP32', shape: [1], data: [-1] }] };

describe('breaker on the server', () => {
  test('opens after consecutive slow runs, answers the fallback per protocol, probes and closes', async () => {
    const root = repository({ 'sized/1': sizedByValue(), 'bare/1': sizedByValue() });
    writeFileSync(join(root, 'sized', '1', 'fallback.json'), JSON.stringify(FALLBACK));
    const s = await start(root, {
      breakerModels: ['*'],
      breakerConsecutiveFailures: 2,
      breakerFailureRatio: 0,
      breakerLatencyMs: 100,
      breakerOpenSeconds: 4,
      warmupRuns: 0,
    });
    const infer = (model: string, n: number) => s.app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: sized(n) });
    const state = async (model: string) => (await s.app.inject({ method: 'GET', url: `/v2/models/${model}` })).json().parameters.circuit_breaker;

    expect(await state('sized')).toBe('closed');
    expect((await infer('sized', 1)).statusCode).toBe(200);
    // Runs slower than the bound (their answers, 80 MB, are then refused by MODEL_SERVER_MAX_RESPONSE_BYTES:
    // the model's own outcome, never a fallback); two in a row open the breaker.
    let slow = 0;
    while ((await state('sized')) !== 'open' && slow < 6) {
      const big = await infer('sized', SLOW_N);
      expect(big.statusCode).toBe(500);
      expect(big.json().error).toMatch(/above the 6291456-byte limit/);
      expect(big.headers['x-model-server-fallback']).toBeUndefined();
      slow++;
    }
    expect(await state('sized')).toBe('open');
    expect(slow).toBeLessThanOrEqual(2);
    const metrics = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metricValue(metrics, 'model_server_circuit_breaker_state', { model: 'sized', state: 'open' })).toBe(1);
    expect(metricValue(metrics, 'model_server_circuit_breaker_state', { model: 'sized', state: 'closed' })).toBe(0);

    // Open: OIP REST answers the fallback, marked.
    const fb = await infer('sized', 1);
    expect(fb.statusCode).toBe(200);
    expect(fb.headers['x-model-server-fallback']).toBe('true');
    expect(fb.json()).toEqual(FALLBACK);
    // TF Serving column format: the same values, in its own shape.
    const tf = await s.app.inject({ method: 'POST', url: '/v1/models/sized:predict', payload: { inputs: { n: [1] } } });
    expect(tf.body).toBe(JSON.stringify({ outputs: [-1] }));
    expect(tf.statusCode).toBe(200);
    expect(tf.headers['x-model-server-fallback']).toBe('true');
    // gRPC: raw_output_contents, and the mark in the trailing metadata.
    const port = await s.app.listenGrpc(0, '127.0.0.1');
    const proto = readFileSync(join(__dirname, '..', 'src', 'grpc', 'inference.proto'), 'utf8');
    const definition = fromJSON(protobuf.parse(proto, { keepCase: true }).root.toJSON(), { keepCase: true, longs: String, defaults: true });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const Client = (grpc.loadPackageDefinition(definition) as any).inference.GRPCInferenceService as typeof grpc.Client;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as any;
    const { response, trailer } = await new Promise<{ response: { outputs: unknown[]; raw_output_contents: Buffer[] }; trailer: grpc.Metadata }>((resolve, reject) => {
      let trailer = new grpc.Metadata();
      const c = client.ModelInfer({ model_name: 'sized', inputs: [{ name: 'n', datatype: 'INT64', shape: ['1'], contents: { int64_contents: ['1'] } }] }, new grpc.Metadata(), (error: Error | null, r: { outputs: unknown[]; raw_output_contents: Buffer[] }) => (error ? reject(error) : setImmediate(() => resolve({ response: r, trailer }))));
      c.on('status', (st: grpc.StatusObject) => (trailer = st.metadata));
    });
    expect(response.outputs).toEqual([{ name: 'y', datatype: 'FP32', shape: ['1'], parameters: {}, contents: null }]);
    expect(Array.from(new Float32Array(new Uint8Array(response.raw_output_contents[0]!).buffer))).toEqual([-1]);
    expect(trailer.get('x-model-server-fallback')).toEqual(['true']);
    client.close();

    // Half-open after 4 s: one fast run closes the breaker and the model answers again.
    await new Promise((r) => setTimeout(r, 4100));
    const probe = await infer('sized', 2);
    expect(probe.statusCode).toBe(200);
    expect(probe.headers['x-model-server-fallback']).toBeUndefined();
    expect(probe.json().outputs[0]).toEqual({ name: 'y', datatype: 'FP32', shape: [2], data: [0, 0] });
    expect(await state('sized')).toBe('closed');
    const after = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metricValue(after, 'model_server_fallback_responses_total', { model: 'sized', result: 'served' })).toBe(3);

    // A model without fallback.json: 503 with Retry-After while open.
    for (let i = 0; i < 2; i++) await s.app.inject({ method: 'POST', url: '/v2/models/bare/infer', payload: { ...sized(SLOW_N), parameters: { binary_data_output: true } } });
    const refused = await infer('bare', 1);
    expect(refused.statusCode).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.json().error).toBe("model 'bare' version 1 is failing (circuit breaker open) and it has no fallback.json; retry later");
    await s.app.close();
  }, 120_000);

  test('bad input never opens the breaker (one client cannot switch a model off for everyone)', async () => {
    const s = await start(repository({ 'mlp/1': mlp() }), { breakerModels: ['mlp'], breakerConsecutiveFailures: 2, breakerFailureRatio: 0 });
    for (let i = 0; i < 5; i++) {
      const res = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3] }] } });
      expect(res.statusCode).toBe(400);
    }
    expect((await s.app.inject({ method: 'GET', url: '/v2/models/mlp' })).json().parameters.circuit_breaker).toBe('closed');
    await s.app.close();
  });
});

describe('ModelBreaker', () => {
  const failing = Object.assign(new Error('run failed'), { code: 'MS_INFERENCE_FAILED', statusCode: 500 });
  test('the failure ratio over the window opens it once the minimum of calls is reached; half-open failure reopens', async () => {
    const states: string[] = [];
    const b = new ModelBreaker(
      config({ breakerConsecutiveFailures: 0, breakerFailureRatio: 0.5, breakerMinimumCalls: 10, breakerWindowSeconds: 10, breakerOpenSeconds: 1 }),
      '/nonexistent/model.onnx',
      (st) => states.push(st),
    );
    const ok = () => Promise.resolve('ok');
    const bad = () => Promise.reject(failing);
    for (let i = 0; i < 5; i++) expect(await b.execute(ok)).toEqual({ value: 'ok' });
    for (let i = 0; i < 4; i++) await expect(b.execute(bad)).rejects.toBe(failing);
    expect(b.state).toBe('closed'); // 4 of 9: under the minimum of calls
    await expect(b.execute(bad)).rejects.toBe(failing);
    expect(b.state).toBe('closed'); // 5 of 10: not above 0.5
    await expect(b.execute(bad)).rejects.toBe(failing);
    expect(b.state).toBe('open'); // 6 of 11
    expect(await b.execute(ok)).toBeUndefined(); // open: the caller answers the fallback
    expect(() => b.fallbackFor('m', '1', ['y'], 1)).toThrow(/has no fallback.json/);
    await new Promise((r) => setTimeout(r, 1050));
    await expect(b.execute(bad)).rejects.toBe(failing); // the half-open probe fails
    expect(b.state).toBe('open');
    await new Promise((r) => setTimeout(r, 1050));
    expect(await b.execute(ok)).toEqual({ value: 'ok' });
    expect(b.state).toBe('closed');
    expect(states).toEqual(['open', 'half_open', 'open', 'half_open', 'closed']);
  });
});
