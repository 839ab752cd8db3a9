import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bf16, mlp, repository, slow } from './models';
import { config, metricValue, mlpForward, start, track, until } from './helpers';
import { discoverModels } from '../src/repository';
import { buildServer } from '../src/server';

const rows = [[0.5, -1, 2, 0.25]];

describe('execution providers', () => {
  test('cuda,cpu falls back to cpu without a GPU, and says so in metadata and metrics', async () => {
    const s = await start(repository({ 'mlp/1': mlp() }), { executionProviders: ['cuda', 'cpu'], logLevel: 'info' });
    const meta = (await s.app.inject({ method: 'GET', url: '/v2/models/mlp' })).json();
    expect(meta.parameters.state).toBe('READY');
    expect(meta.parameters.execution_provider).toBe('cpu');
    expect(meta.parameters.execution_providers_requested).toBe('cuda,cpu');
    expect(meta.parameters.execution_provider_failures).toHaveLength(1);
    expect(meta.parameters.execution_provider_failures[0]).toMatch(/^cuda: .*Failed to load shared library/);
    const text = await s.app.metrics.registry.metrics();
    expect(metricValue(text, 'model_server_execution_provider_info', { model: 'mlp', provider: 'cpu', requested: 'cuda,cpu' })).toBe(1);
    const logs = s.logs.map((l) => JSON.parse(l) as { msg: string; provider?: string });
    expect(logs.find((l) => l.msg === 'execution provider failed to load; trying the next')?.provider).toBe('cuda');
    expect(logs.find((l) => l.msg === 'execution provider in use')?.provider).toBe('cpu');
    const res = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: rows }] } });
    expect(res.json().outputs[1].data).toEqual(mlpForward(7, [4, 8, 3], rows).label);
    await s.app.close();
  });

  test('when no listed provider loads, the model is unavailable and readiness says why', async () => {
    const s = await start(repository({ 'mlp/1': mlp() }), { executionProviders: ['tensorrt', 'cuda'] });
    const ready = await s.app.inject({ method: 'GET', url: '/v2/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().error).toMatch(/^not ready: model 'mlp' version 1 is UNAVAILABLE: no execution provider could load .*\(tensorrt: .*; cuda: .*\)/);
    const infer = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: rows }] } });
    expect(infer.statusCode).toBe(503);
    await s.app.close();
  });
});

describe('golden self-check', () => {
  function withGolden(expectedShift: number): string {
    const root = repository({ 'mlp/1': mlp() });
    const ref = mlpForward(7, [4, 8, 3], rows);
    mkdirSync(join(root, 'mlp', '1', 'golden'));
    writeFileSync(
      join(root, 'mlp', '1', 'golden', 'case.json'),
      JSON.stringify({
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: rows }],
        outputs: [
          { name: 'probabilities', shape: [1, 3], data: ref.probabilities.map((p) => p + expectedShift) },
          { name: 'label', data: ref.label },
        ],
      }),
    );
    return root;
  }

  test('matching outputs: ready', async () => {
    const s = await start(withGolden(0));
    expect((await s.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
    await s.app.close();
  });

  test('outputs off by more than the tolerance: never ready, the reason in metadata', async () => {
    const s = await start(withGolden(0.01), { goldenTolerance: 0.001 });
    expect((await s.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(503);
    expect((await s.app.inject({ method: 'GET', url: '/ping' })).statusCode).toBe(503);
    const meta = (await s.app.inject({ method: 'GET', url: '/v2/models/mlp' })).json();
    expect(meta.parameters.state).toBe('UNAVAILABLE');
    expect(meta.parameters.reason).toMatch(/^golden self-check golden\/case\.json: output 'probabilities' element 0 is [\d.e-]+, expected [\d.e-]+ \(MODEL_SERVER_GOLDEN_TOLERANCE=0\.001\)/);
    await s.app.close();
  });

  test('the same shift within a looser tolerance: ready', async () => {
    const s = await start(withGolden(0.01), { goldenTolerance: 0.02 });
    expect((await s.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
    await s.app.close();
  });
});

describe('signature check (MODEL_SERVER_MODEL_SIGNATURE)', () => {
  const signature = (features: number): string =>
    JSON.stringify({
      opset: 17,
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, features], dimNames: ['batch', null] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
        { name: 'label', datatype: 'INT64', shape: [-1] },
      ],
    });

  test('the signature seen at synth time: ready', async () => {
    const s = await start(repository({ 'mlp/1': mlp() }), { modelSignature: signature(4) });
    expect((await s.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
    await s.app.close();
  });

  test('a different model: readiness never turns true, and metadata says what differs', async () => {
    const s = await start(repository({ 'mlp/1': mlp() }), { modelSignature: signature(5) });
    expect((await s.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(503);
    const meta = (await s.app.inject({ method: 'GET', url: '/v2/models/mlp' })).json();
    expect(meta.parameters.reason).toBe(
      "the loaded model differs from the signature seen at synth time (MODEL_SERVER_MODEL_SIGNATURE): input 'input' has shape [-1,4], expected [-1,5]",
    );
    await s.app.close();
  });
});

test('a BF16 model is unavailable with a clear reason', async () => {
  const s = await start(repository({ 'bf/1': bf16() }));
  const meta = (await s.app.inject({ method: 'GET', url: '/v2/models/bf' })).json();
  expect(meta.parameters.state).toBe('UNAVAILABLE');
  expect(meta.parameters.reason).toMatch(/^the model has a BF16 \(bfloat16\) input or output, which onnxruntime-node cannot feed or fetch/);
  await s.app.close();
});

describe('the event loop stays free during model load and inference', () => {
  // No timing thresholds (the machine is shared): health must answer while the worker is provably busy,
  // that is before the load or the inference it is running has finished.
  test('health answers while a slow model warms up and while a slow inference runs', async () => {
    const cfg = config({ warmupRuns: 3 });
    const app = track(buildServer({ config: cfg, models: discoverModels({ directory: repository({ 'slow/1': slow(16) }) }, cfg), logger: false, processMetrics: false }));
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    let loaded = false;
    void app.modelsLoaded.then(() => (loaded = true));
    const loading = await fetch(`${address}/v2/health/ready`);
    expect(loaded).toBe(false);
    expect(loading.status).toBe(503);
    expect(((await loading.json()) as { error: string }).error).toBe("not ready: model 'slow' version 1 is LOADING");
    await app.modelsLoaded;
    const payload = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1024], data: new Array(1024).fill(0.01) }] });
    let answered = false;
    const inference = fetch(`${address}/v2/models/slow/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload }).then((r) => {
      answered = true;
      return r;
    });
    const runtime = app.repository.resolve('slow');
    await until(() => runtime.inNativeCall);
    for (const path of ['/v2/health/live', '/v2/health/ready', '/v2/models/slow', '/ping']) {
      const res = await fetch(`${address}${path}`);
      expect(res.status).toBe(200);
    }
    expect(answered).toBe(false);
    expect((await inference).status).toBe(200);
    await app.close();
  });
});
