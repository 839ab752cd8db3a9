import { fixedBatchMlp, mlp, repository } from './models';
import { expectClose, metricValue, mlpForward, start } from './helpers';

const rows = [[0.5, -1, 2, 0.25], [1.5, 0.3, -0.7, 3]];

test('beginDrain: readiness false at once, inference still served with Connection: close, liveness still 200', async () => {
  const s = await start(repository({ 'mlp/1': mlp() }));
  s.app.beginDrain();
  const ready = await s.app.inject({ method: 'GET', url: '/v2/health/ready' });
  expect(ready.statusCode).toBe(503);
  expect(ready.json()).toEqual({ error: 'not ready: the server is shutting down' });
  expect((await s.app.inject({ method: 'GET', url: '/ping' })).statusCode).toBe(503);
  expect((await s.app.inject({ method: 'GET', url: '/v2/models/mlp/ready' })).statusCode).toBe(503);
  const infer = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: rows[0] }] } });
  // A load balancer may still route here for seconds: the request is answered, and its connection closed.
  expect(infer.statusCode).toBe(200);
  expect(infer.headers.connection).toBe('close');
  expect(infer.json().outputs[1].data).toEqual([mlpForward(7, [4, 8, 3], [rows[0]!]).label[0]]);
  expect((await s.app.inject({ method: 'GET', url: '/v2/health/live' })).statusCode).toBe(200);
  await s.app.close();
});

test('several workers per model (MODEL_SERVER_WORKERS) share the queue and agree with the reference', async () => {
  const s = await start(repository({ 'fixed/1': fixedBatchMlp() }), { workers: 2, warmupRuns: 2 });
  const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: rows }] };
  const results = await Promise.all(Array.from({ length: 6 }, () => s.app.inject({ method: 'POST', url: '/v2/models/fixed/infer', payload })));
  const ref = mlpForward(11, [4, 8, 3], rows);
  for (const r of results) expectClose(r.json().outputs[0].data, ref.probabilities, 1e-6);
  const text = await s.app.metrics.registry.metrics();
  expect(metricValue(text, 'model_server_inference_exec_count', { model: 'fixed' })).toBe(6);
  await s.app.close();
});

test('a body without a JSON content type (curl -d) is still parsed as JSON', async () => {
  const s = await start(repository({ 'mlp/1': mlp() }));
  const res = await s.app.inject({
    method: 'POST',
    url: '/v2/models/mlp/infer',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: rows[0] }] }),
  });
  expect(res.statusCode).toBe(200);
  expect(res.json().outputs[1].data).toEqual([mlpForward(7, [4, 8, 3], [rows[0]!]).label[0]]);
  await s.app.close();
});

test('a worker that dies is replaced and the model keeps serving', async () => {
  const s = await start(repository({ 'mlp/1': mlp() }), { logLevel: 'info' });
  const runtime = s.app.repository.resolve('mlp');
  // The worker handles are private: reach in to kill the thread as a crash would.
  await runtime.pool.all[0]!.worker.terminate();
  const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: rows[0] }] };
  let res = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload });
  for (let i = 0; i < 50 && res.statusCode !== 200; i++) {
    await new Promise((r) => setTimeout(r, 50));
    res = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload });
  }
  expect(res.statusCode).toBe(200);
  expect(res.json().outputs[1].data).toEqual([mlpForward(7, [4, 8, 3], [rows[0]!]).label[0]]);
  expect(runtime.state).toBe('READY');
  expect(s.logs.join('')).toContain('inference worker exited; starting a new one');
  await s.app.close();
});
