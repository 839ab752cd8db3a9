import { fixedBatchMlp, heavy, mlp, repository, slow } from './models';
import { expectClose, heavyForward, metricValue, start, track, until, type Started } from './helpers';
import { defaultServerConfig } from '../../lib/contract';
import { discoverModels } from '../src/repository';
import { buildServer } from '../src/server';

const WIDTH = 32;
const LAYERS = 3;

function row(i: number): number[] {
  return Array.from({ length: WIDTH }, (_, k) => Math.sin(i * 31 + k) * 0.5);
}

describe('dynamic batching', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start(repository({ 'heavy/1': heavy(WIDTH, LAYERS), 'fixed/1': fixedBatchMlp(), 'mlp/1': mlp() }), {
      maxBatchSize: 8,
      maxQueueDelayMs: 300,
    });
  });
  afterAll(async () => {
    await s.app.close();
  });

  test('requests queued while the worker is busy share one execution and each gets its own rows back', async () => {
    const heavyModel = s.app.repository.resolve('heavy');
    // Hold dispatching as a busy worker would, until all 8 requests are queued.
    heavyModel.scheduler.pause();
    const pending = Array.from({ length: 8 }, (_, i) =>
      s.app.inject({ method: 'POST', url: '/v2/models/heavy/infer', payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, WIDTH], data: [row(i)] }] } }),
    );
    await until(() => heavyModel.scheduler.inflight === 8);
    heavyModel.scheduler.resume();
    const results = await Promise.all(pending);
    results.forEach((res, i) => {
      expect(res.statusCode).toBe(200);
      expectClose(res.json().outputs[0].data, heavyForward(WIDTH, LAYERS, row(i)), 1e-4);
    });
    const text = await s.app.metrics.registry.metrics();
    const labels = { model: 'heavy', version: '1' };
    expect(metricValue(text, 'model_server_inference_count', labels)).toBe(8);
    expect(metricValue(text, 'model_server_inference_exec_count', labels)).toBe(1);
    expect(metricValue(text, 'model_server_batch_size_sum', labels)).toBe(8);
    expect(metricValue(text, 'model_server_queue_duration_seconds_count', labels)).toBe(8);
    expect(metricValue(text, 'model_server_queue_depth', labels)).toBe(0);
    expect(metricValue(text, 'model_server_inflight_requests', labels)).toBe(0);
  });

  test('a request with several rows batches with others up to the max batch size', async () => {
    const payload = (n: number, seed: number) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [n, WIDTH], data: Array.from({ length: n }, (_, k) => row(seed + k)) }] });
    const heavyModel = s.app.repository.resolve('heavy');
    heavyModel.scheduler.pause();
    const pending = [
      s.app.inject({ method: 'POST', url: '/v2/models/heavy/infer', payload: payload(3, 100) }),
      s.app.inject({ method: 'POST', url: '/v2/models/heavy/infer', payload: payload(5, 200) }),
    ];
    await until(() => heavyModel.scheduler.inflight === 2);
    heavyModel.scheduler.resume();
    const [a, b] = (await Promise.all(pending)) as [Awaited<(typeof pending)[0]>, Awaited<(typeof pending)[0]>];
    expectClose(a.json().outputs[0].data, [100, 101, 102].flatMap((k) => heavyForward(WIDTH, LAYERS, row(k))), 1e-4);
    expectClose(b.json().outputs[0].data, [200, 201, 202, 203, 204].flatMap((k) => heavyForward(WIDTH, LAYERS, row(k))), 1e-4);
    const text = await s.app.metrics.registry.metrics();
    expect(metricValue(text, 'model_server_inference_exec_count', { model: 'heavy' })).toBe(2);
    expect(metricValue(text, 'model_server_inference_count', { model: 'heavy' })).toBe(16);
  });

  test('a fixed-batch model is never batched', async () => {
    const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8] }] };
    const fixed = s.app.repository.resolve('fixed');
    fixed.scheduler.pause();
    const pending = Array.from({ length: 4 }, () => s.app.inject({ method: 'POST', url: '/v2/models/fixed/infer', payload }));
    await until(() => fixed.scheduler.inflight === 4);
    fixed.scheduler.resume();
    const results = await Promise.all(pending);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    const text = await s.app.metrics.registry.metrics();
    expect(metricValue(text, 'model_server_inference_exec_count', { model: 'fixed' })).toBe(4);
  });

  test('metrics: requests by route and code, predicted classes, latency histograms, provider', async () => {
    const rows = [[0.5, -1, 2, 0.25], [1.5, 0.3, -0.7, 3], [0, 0, 0, 1]];
    const res = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 4], data: rows }] } });
    const labels: number[] = res.json().outputs[1].data;
    await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: { inputs: [] } });
    const scrape = await s.app.inject({ method: 'GET', url: '/metrics' });
    expect(scrape.headers['content-type']).toMatch(/^text\/plain/);
    const text = scrape.body;
    expect(metricValue(text, 'model_server_requests_total', { model: 'heavy', route: '/v2/models/:model/infer', code: '200' })).toBe(10);
    expect(metricValue(text, 'model_server_requests_total', { route: '/v2/models/:model/infer', code: '400' })).toBe(1);
    for (const c of new Set(labels)) {
      const expected = labels.filter((l) => l === c).length;
      expect(metricValue(text, 'model_server_predicted_class_total', { model: 'mlp', output: 'label', class: String(c) })).toBe(expected);
      expect(metricValue(text, 'model_server_predicted_class_total', { model: 'mlp', output: 'probabilities', class: String(c) })).toBe(expected);
    }
    expect(metricValue(text, 'model_server_inference_duration_seconds_count', { model: 'mlp', provider: 'cpu' })).toBe(1);
    // The empty request failed schema validation before a model was resolved: no model label.
    expect(metricValue(text, 'model_server_request_duration_seconds_count', { model: 'mlp', route: '/v2/models/:model/infer' })).toBe(1);
    expect(metricValue(text, 'model_server_execution_provider_info', { model: 'mlp', provider: 'cpu', requested: 'cpu' })).toBe(1);
    expect(metricValue(text, 'model_server_model_ready', { model: 'mlp' })).toBe(1);
  });
});

describe('queue limits and timeouts', () => {
  let s: Started;
  beforeAll(async () => {
    // 20 x 2 GFLOP: several hundred ms even on a fast CPU, far past the 100 ms deadline.
    s = await start(repository({ 'slow/1': slow(20) }), { maxQueueSize: 1, requestTimeoutMs: 100, warmupRuns: 0 });
  });
  afterAll(async () => {
    await s.app.close();
  });
  const payload = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1024], data: new Array(1024).fill(0.1) }] };

  test('a full queue answers 503 with Retry-After at once; a request past its deadline answers 504', async () => {
    const results = await Promise.all(Array.from({ length: 3 }, () => s.app.inject({ method: 'POST', url: '/v2/models/slow/infer', payload })));
    const full = results.filter((r) => r.statusCode === 503);
    expect(full).toHaveLength(1);
    expect(full[0]!.headers['retry-after']).toBe('1');
    expect(full[0]!.json().error).toMatch(/queue is full \(1 requests waiting, MODEL_SERVER_MAX_QUEUE_SIZE\)/);
    const late = results.filter((r) => r.statusCode === 504);
    expect(late).toHaveLength(2);
    expect(late[0]!.json().error).toBe("model 'slow' version 1: no answer within 100 ms (MODEL_SERVER_REQUEST_TIMEOUT_MS)");
    const text = await s.app.metrics.registry.metrics();
    expect(metricValue(text, 'model_server_inference_failures_total', { reason: 'queue_full' })).toBe(1);
    expect(metricValue(text, 'model_server_inference_failures_total', { reason: 'timeout' })).toBe(2);
  });
});

test('process metrics are exported', async () => {
  const cfg = { ...defaultServerConfig(), logLevel: 'error' as const, warmupRuns: 0 };
  const app = track(buildServer({ config: cfg, models: discoverModels({ directory: repository({ 'mlp/1': mlp() }) }, cfg), logger: false }));
  await app.modelsLoaded;
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  await app.close();
});
