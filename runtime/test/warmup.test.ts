/**
 * Warm-up proves latency, not correctness: a failure on synthetic inputs is a warning, not an unavailable
 * model; synthetic inputs are ones, not zeros; samples in warmup/*.json replace them and must run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mlp, range, repository, reshapeTo } from './models';
import { start } from './helpers';

const warnings = (logs: string[]) => logs.map((l) => JSON.parse(l) as { level: number; msg: string; model?: string }).filter((l) => l.level === 40);

test('models that fail synthetic warm-up still turn ready, and serve real inputs', async () => {
  // Two such models in one repository: the server must still turn ready.
  const s = await start(repository({ 'reshape/1': reshapeTo(), 'reshape2/1': reshapeTo(), 'mlp/1': mlp() }), { logLevel: 'warn' });
  expect((await s.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
  const res = await s.app.inject({
    method: 'POST',
    url: '/v2/models/reshape2/infer',
    payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [4], data: [1, 2, 3, 4] }, { name: 'shape', datatype: 'INT64', shape: [2], data: [2, 2] }] },
  });
  expect(res.statusCode).toBe(200);
  expect(res.json().outputs[0]).toMatchObject({ shape: [2, 2], data: [1, 2, 3, 4] });
  const warned = warnings(s.logs).filter((l) => l.msg.startsWith('warm-up on synthetic inputs failed'));
  expect(warned.map((l) => l.model).sort()).toEqual(['reshape', 'reshape2']);
  await s.app.close();
});

test('synthetic inputs are ones: a model using an input as a step warms up without a warning', async () => {
  const s = await start(repository({ 'range/1': range() }), { logLevel: 'warn', warmupRuns: 2 });
  expect(warnings(s.logs)).toEqual([]);
  expect((await s.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
  await s.app.close();
});

describe('warm-up samples in warmup/*.json', () => {
  function withSample(shape: number[]): string {
    const root = repository({ 'reshape/1': reshapeTo() });
    mkdirSync(join(root, 'reshape', '1', 'warmup'));
    writeFileSync(
      join(root, 'reshape', '1', 'warmup', 'sample.json'),
      JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [4], data: [1, 2, 3, 4] }, { name: 'shape', datatype: 'INT64', shape: [2], data: shape }] }),
    );
    return root;
  }

  test('replace the synthetic inputs', async () => {
    const s = await start(withSample([4, 1]), { logLevel: 'warn' });
    expect(warnings(s.logs)).toEqual([]);
    expect((await s.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
    await s.app.close();
  });

  test('must run: a failing sample leaves the model unavailable, naming the file', async () => {
    const s = await start(withSample([3, 3]));
    const meta = (await s.app.inject({ method: 'GET', url: '/v2/models/reshape' })).json();
    expect(meta.parameters.state).toBe('UNAVAILABLE');
    expect(meta.parameters.reason).toMatch(/^warm-up sample warmup\/sample\.json failed: /);
    await s.app.close();
  });
});
