/**
 * Bound metric series (src/metric-series.ts) update prom-client's own entries in place. The scraped text must
 * be exactly what prom-client's plain calls produce for the same observations: each case drives two
 * registries, one through the public API with label objects, one through bound series, and compares
 * `registry.metrics()` byte for byte (the exposition format is prom-client's, lib/registry.js).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CounterSeries, GaugeSeries, HistogramSeries, seriesKey } from '../src/metric-series';
import { ServerMetrics } from '../src/metrics';
import { start, type Started } from './helpers';
import { mlp, repository } from './models';

function pair() {
  const make = () => {
    const registry = new Registry();
    const registers = [registry];
    return {
      registry,
      counter: new Counter({ name: 'c_total', help: 'c', labelNames: ['model', 'version', 'code'], registers }),
      gauge: new Gauge({ name: 'g', help: 'g', labelNames: ['version', 'model'], registers }),
      histogram: new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['model', 'version'], buckets: [0.0005, 0.001, 0.25, 1, 30], registers }),
    };
  };
  return { plain: make(), bound: make() };
}

const a = { model: 'digits', version: '1', code: '200' };
const b = { model: 'digits', version: '2', code: '503' };
const m = { model: 'digits', version: '1' };

test('the key is prom-client\'s own: the bound series finds the entry the plain call made', () => {
  const registry = new Registry();
  const counter = new Counter({ name: 'k_total', help: 'k', labelNames: ['model', 'version', 'code'], registers: [registry] });
  counter.inc(a);
  const keys = Object.keys((counter as unknown as { hashMap: Record<string, unknown> }).hashMap);
  expect(keys).toEqual([seriesKey(['code', 'model', 'version'], a)]);
  expect(keys).toEqual(['code:200,model:digits,version:1,']);
});

test('counters, gauges and histograms scrape the same through bound series as through label objects', async () => {
  const { plain, bound } = pair();
  const ca = new CounterSeries(bound.counter, a);
  const cb = new CounterSeries(bound.counter, b);
  const g = new GaugeSeries(bound.gauge, m);
  const h = new HistogramSeries(bound.histogram, m);
  // Values below, on and between the bounds, above the last one (+Inf only), zero, and repeated series.
  const durations = [0.0001, 0.0005, 0.0007, 0.001, 0.2, 0.25, 0.9999, 1, 29, 30, 31, 1e6, 0];
  for (const [i, d] of durations.entries()) {
    plain.counter.inc(a);
    ca.inc();
    if (i % 3 === 0) {
      plain.counter.inc(b, 3);
      cb.inc(3);
    }
    plain.histogram.observe(m, d);
    h.observe(d);
    plain.gauge.set(m, i);
    g.set(i);
    plain.gauge.inc(m);
    g.inc();
    plain.gauge.dec(m, 2);
    g.dec(2);
  }
  const text = await plain.registry.metrics();
  expect(await bound.registry.metrics()).toBe(text);
  expect(text).toContain('c_total{model="digits",version="1",code="200"} 13');
  expect(text).toContain('c_total{model="digits",version="2",code="503"} 15');
  expect(text).toContain('h_seconds_bucket{le="0.0005",model="digits",version="1"} 3');
  expect(text).toContain('h_seconds_bucket{le="30",model="digits",version="1"} 11');
  expect(text).toContain('h_seconds_bucket{le="+Inf",model="digits",version="1"} 13');
  expect(text).toContain('h_seconds_count{model="digits",version="1"} 13');
  expect(text).toContain('g{model="digits",version="1"} 11');
});

test('after reset() and remove() a bound series starts its entry again, as the plain call does', async () => {
  const { plain, bound } = pair();
  const ca = new CounterSeries(bound.counter, a);
  const h = new HistogramSeries(bound.histogram, m);
  const g = new GaugeSeries(bound.gauge, m);
  const step = (): void => {
    plain.counter.inc(a, 2);
    ca.inc(2);
    plain.histogram.observe(m, 0.3);
    h.observe(0.3);
    plain.gauge.inc(m, 5);
    g.inc(5);
  };
  step();
  plain.registry.resetMetrics();
  bound.registry.resetMetrics();
  step();
  step();
  plain.counter.remove(a);
  bound.counter.remove(a);
  plain.histogram.remove(m);
  bound.histogram.remove(m);
  step();
  const text = await plain.registry.metrics();
  expect(await bound.registry.metrics()).toBe(text);
  expect(text).toContain('c_total{model="digits",version="1",code="200"} 2');
  expect(text).toContain('h_seconds_count{model="digits",version="1"} 1');
  expect(text).toContain('g{model="digits",version="1"} 15');
});

test('a value prom-client refuses is still refused through a bound series', () => {
  const { bound } = pair();
  const ca = new CounterSeries(bound.counter, a);
  const h = new HistogramSeries(bound.histogram, m);
  ca.inc();
  h.observe(1);
  expect(() => ca.inc(-1)).toThrow(/not possible to decrease a counter/);
  expect(() => ca.inc(Infinity)).toThrow(/not a valid number/);
  expect(() => h.observe(NaN)).toThrow(/not a valid number/);
  expect(() => h.observe(Infinity)).toThrow(/not a valid number/);
});

test('the server\'s per-request and per-model series scrape as the plain calls did', async () => {
  const viaSeries = new ServerMetrics({ defaultMetrics: false });
  const plain = new ServerMetrics({ defaultMetrics: false });
  const route = '/v2/models/:model/infer';
  const s = viaSeries.model('digits', '1');
  for (let i = 0; i < 5; i++) {
    viaSeries.requestDone('digits', '1', route, i === 4 ? 400 : 200, 0.002 * i);
    plain.requests.inc({ model: 'digits', version: '1', route, code: i === 4 ? '400' : '200' });
    plain.requestDuration.observe({ model: 'digits', version: '1', route }, 0.002 * i);
    s.inflight.inc();
    plain.inflight.inc({ model: 'digits', version: '1' });
    s.queueDepth.set(i);
    plain.queueDepth.set({ model: 'digits', version: '1' }, i);
    s.queueDuration.observe(0.0001 * i);
    plain.queueDuration.observe({ model: 'digits', version: '1' }, 0.0001 * i);
    s.execCount.inc();
    plain.execCount.inc({ model: 'digits', version: '1' });
    s.inferenceCount.inc(3);
    plain.inferenceCount.inc({ model: 'digits', version: '1' }, 3);
    s.batchSize.observe(3);
    plain.batchSize.observe({ model: 'digits', version: '1' }, 3);
    s.inferenceDuration('cpu').observe(0.00004);
    plain.inferenceDuration.observe({ model: 'digits', version: '1', provider: 'cpu' }, 0.00004);
    s.predictedClass('label', String(i % 2)).inc();
    plain.predictedClass.inc({ model: 'digits', version: '1', output: 'label', class: String(i % 2) });
    s.inflight.dec();
    plain.inflight.dec({ model: 'digits', version: '1' });
  }
  // A request with no model (404) keeps empty model labels.
  viaSeries.requestDone('', '', 'unmatched', 404, 0.0001);
  plain.requests.inc({ model: '', version: '', route: 'unmatched', code: '404' });
  plain.requestDuration.observe({ model: '', version: '', route: 'unmatched' }, 0.0001);
  const text = await plain.registry.metrics();
  expect(await viaSeries.registry.metrics()).toBe(text);
  expect(text).toContain('model_server_requests_total{model="digits",version="1",route="/v2/models/:model/infer",code="200"} 4');
  expect(text).toContain('model_server_requests_total{model="",version="",route="unmatched",code="404"} 1');
  expect(text).toContain('model_server_inference_count{model="digits",version="1"} 15');
});

describe('a served model: the bound series count what was served', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start(repository({ 'mlp/1': mlp() }), { logLevel: 'info' });
  });
  afterAll(async () => s.app.close());

  test('requests, durations, rows, executions and predicted classes after real requests, and the request log lines', async () => {
    const rows = [[0.5, -1, 2, 0.25], [1.5, 0.3, -0.7, 3], [0, 0, 0, 1]];
    const answers: number[] = [];
    for (const n of [1, 2, 3]) {
      const res = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [n, 4], data: rows.slice(0, n) }] } });
      expect(res.statusCode).toBe(200);
      const probabilities = (res.json() as { outputs: { name: string; data: number[] }[] }).outputs.find((o) => o.name === 'probabilities')!.data;
      for (let r = 0; r < n; r++) {
        const row = probabilities.slice(r * 3, r * 3 + 3);
        answers.push(row.indexOf(Math.max(...row)));
      }
    }
    // Refused by the handler (an unknown input), after the model was resolved: counted under the model.
    expect((await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: { inputs: [{ name: 'nope', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] } })).statusCode).toBe(400);
    expect((await s.app.inject({ method: 'GET', url: '/nowhere' })).statusCode).toBe(404);
    const text = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
    const value = (series: string): number => Number(new RegExp(`^${series.replace(/[{}()[\]|.+*?^$\\/]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const route = 'route="/v2/models/:model/infer"';
    expect(value(`model_server_requests_total{model="mlp",version="1",${route},code="200"}`)).toBe(3);
    expect(value(`model_server_requests_total{model="mlp",version="1",${route},code="400"}`)).toBe(1);
    expect(value('model_server_requests_total{model="",version="",route="unmatched",code="404"}')).toBe(1);
    expect(value(`model_server_request_duration_seconds_count{model="mlp",version="1",${route}}`)).toBe(4);
    expect(value(`model_server_request_duration_seconds_bucket{le="+Inf",model="mlp",version="1",${route}}`)).toBe(4);
    // The warm-up runs go to the worker directly (model.ts warmUp), not through the scheduler: only the three
    // requests count, 1 + 2 + 3 rows in three executions.
    expect(value('model_server_inference_count{model="mlp",version="1"}')).toBe(6);
    expect(value('model_server_inference_exec_count{model="mlp",version="1"}')).toBe(3);
    expect(value('model_server_batch_size_count{model="mlp",version="1"}')).toBe(3);
    expect(value('model_server_batch_size_sum{model="mlp",version="1"}')).toBe(6);
    expect(value('model_server_queue_depth{model="mlp",version="1"}')).toBe(0);
    expect(value('model_server_inflight_requests{model="mlp",version="1"}')).toBe(0);
    const classes = [...text.matchAll(/^model_server_predicted_class_total\{model="mlp",version="1",output="probabilities",class="(\d+)"\} (\d+)$/gm)];
    const counted = Object.fromEntries(classes.map((m) => [m[1], Number(m[2])]));
    const expected: Record<string, number> = {};
    for (const c of answers) expected[String(c)] = (expected[String(c)] ?? 0) + 1;
    expect(counted).toEqual(expected);
    // At the info level every answered request logs one line with its labels, method, status and latency.
    const completed = s.logs.filter((l) => l.includes('"msg":"request completed"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const served = completed.filter((l) => l.route === '/v2/models/:model/infer');
    expect(served.map((l) => [l.model, l.version, l.method, l.statusCode])).toEqual([
      ['mlp', '1', 'POST', 200], ['mlp', '1', 'POST', 200], ['mlp', '1', 'POST', 200], ['mlp', '1', 'POST', 400],
    ]);
    for (const l of served) expect(typeof l.latencyMs).toBe('number');
    expect(completed.find((l) => l.route === 'unmatched')).toMatchObject({ model: '', version: '', method: 'GET', statusCode: 404 });
  });
});
