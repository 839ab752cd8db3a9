/**
 * Batching never mixes or poisons requests: outputs that do not split by rows are never sliced, and a batch
 * that fails is retried request by request so only the offender fails.
 */
import { flattenRows, gather, repository } from './models';
import { metricValue, start, until, type Started } from './helpers';

let s: Started;
beforeAll(async () => {
  s = await start(repository({ 'flat/1': flattenRows(), 'gather/1': gather() }), { maxBatchSize: 8, logLevel: 'info' });
});
afterAll(async () => {
  await s.app.close();
});

/** Sends the payloads while dispatching is held, so they reach the worker as one batch. */
async function asOneBatch(model: string, payloads: readonly unknown[]) {
  const runtime = s.app.repository.resolve(model);
  runtime.scheduler.pause();
  const pending = payloads.map((payload) => s.app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: payload as object }));
  await until(() => runtime.scheduler.inflight === payloads.length);
  runtime.scheduler.resume();
  return Promise.all(pending);
}

test('outputs whose first dimension is not the batch: each client gets only its own values, and batching turns off', async () => {
  const before = (await s.app.inject({ method: 'GET', url: '/v2/models/flat' })).json();
  expect(before.parameters.dynamic_batching).toBe(true);
  const rows = [[1, 2], [3, 4], [5, 6]];
  const results = await asOneBatch('flat', rows.map((r) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: [r] }] })));
  results.forEach((res, i) => {
    expect(res.statusCode).toBe(200);
    // Reshape [1,2] -> [2,1]: this request's two values, not the batch's six.
    expect(res.json().outputs[0]).toMatchObject({ shape: [2, 1], data: rows[i] });
  });
  const meta = (await s.app.inject({ method: 'GET', url: '/v2/models/flat' })).json();
  expect(meta.parameters.dynamic_batching).toBe(false);
  expect(meta.parameters.dynamic_batching_off_reason).toBe("output 'y' had shape [6,1] for a batch of 3 rows: its first dimension is not the batch");
  expect(s.logs.join('')).toContain('dynamic batching turned off for this model');
  // From now on every request runs alone: 1 batched + 3 retries, then 2 single executions.
  await asOneBatch('flat', rows.slice(0, 2).map((r) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: [r] }] })));
  const text = await s.app.metrics.registry.metrics();
  expect(metricValue(text, 'model_server_inference_exec_count', { model: 'flat' })).toBe(1 + 3 + 2);
});

test('a request whose values fail at run time gets 400; its batch-mates get their answers', async () => {
  const payload = (i: number) => ({ inputs: [{ name: 'idx', datatype: 'INT64', shape: [1, 1], data: [[i]] }] });
  const results = await asOneBatch('gather', [payload(0), payload(7), payload(2)]);
  expect(results.map((r) => r.statusCode)).toEqual([200, 400, 200]);
  expect(results[0]!.json().outputs[0].data).toEqual([10]);
  expect(results[2]!.json().outputs[0].data).toEqual([30]);
  expect(results[1]!.json().error).toMatch(/^model 'gather' version 1 cannot run on this request's values: .*out of/);
  const text = await s.app.metrics.registry.metrics();
  expect(metricValue(text, 'model_server_inference_failures_total', { model: 'gather', reason: 'runtime' })).toBe(1);
  // onnxruntime's text quotes the offending value; the log keeps the message's shape without it.
  const failure = s.logs.map((l) => JSON.parse(l) as { msg: string; error?: string }).find((l) => l.msg === 'inference failed');
  expect(failure?.error).toMatch(/out of/);
  expect(failure?.error).not.toMatch(/7/);
});

test('the same failure alone is a 400 too (the model is known to run), and the server keeps serving', async () => {
  const bad = await s.app.inject({ method: 'POST', url: '/v2/models/gather/infer', payload: { inputs: [{ name: 'idx', datatype: 'INT64', shape: [1, 1], data: [[-9]] }] } });
  expect(bad.statusCode).toBe(400);
  const good = await s.app.inject({ method: 'POST', url: '/v2/models/gather/infer', payload: { inputs: [{ name: 'idx', datatype: 'INT64', shape: [2, 1], data: [[1], [2]] }] } });
  expect(good.json().outputs[0].data).toEqual([20, 30]);
});
