/**
 * The platform trio (scripts/platform-models.ts: fraud trees, CNN, transformer encoder) served by ONE built
 * server process (dist/main.js over examples/platform-models, as the bench runs it), called over real HTTP.
 * The answers are compared with runtime/test/fixtures/platform-models.expected.json, computed outside
 * onnxruntime by scripts/platform-reference.py (the `onnx` package's parser and full checker, then numpy,
 * operator by operator from the ONNX specification, in float64).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLATFORM_FIXTURE_DIR, PLATFORM_MODELS, PLATFORM_MODELS_DIR, platformSamples } from '../../scripts/platform-models';
import { expectClose } from './helpers';

const MAIN = join(__dirname, '..', 'dist', 'main.js');
type Name = keyof typeof PLATFORM_MODELS;
const NAMES = Object.keys(PLATFORM_MODELS) as Name[];
const samples = JSON.parse(readFileSync(join(PLATFORM_FIXTURE_DIR, 'platform-models.inputs.json'), 'utf8')) as ReturnType<typeof platformSamples>;
const expected = JSON.parse(readFileSync(join(PLATFORM_FIXTURE_DIR, 'platform-models.expected.json'), 'utf8')) as Record<Name, Record<string, { shape: number[]; data: number[] }>>;

let child: ChildProcess;
const port = 20600 + Math.floor(Math.random() * 1000);

beforeAll(async () => {
  child = spawn(process.execPath, [MAIN, 'serve', '--model-repository', PLATFORM_MODELS_DIR, '--port', String(port)], {
    env: { PATH: process.env.PATH ?? '', MODEL_SERVER_GRPC_PORT: '0', MODEL_SERVER_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 50_000;
  for (;;) {
    const ready = await fetch(`http://127.0.0.1:${port}/v2/health/ready`).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error('server never became ready');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});
afterAll(() => {
  child.kill('SIGKILL');
});

describe('the committed platform models are what the generator writes', () => {
  test.each(NAMES)('%s: examples/platform-models/<name>/1/model.onnx matches scripts/platform-models.ts byte for byte', (name) => {
    expect(Buffer.compare(readFileSync(join(PLATFORM_MODELS_DIR, name, '1', 'model.onnx')), Buffer.from(PLATFORM_MODELS[name]()))).toBe(0);
  });

  test('the sample requests in the fixture are the generator\'s (so the expected outputs belong to them)', () => {
    expect(samples).toEqual(JSON.parse(JSON.stringify(platformSamples())));
  });
});

describe('one server process answers all three models', () => {
  test('metadata: a dynamic batch dimension on every input and output, and the ai.onnx.ml model loads', async () => {
    const meta = await Promise.all(NAMES.map(async (name) => (await fetch(`http://127.0.0.1:${port}/v2/models/${name}`)).json() as Promise<{ inputs: { shape: number[] }[]; outputs: { shape: number[] }[]; parameters: { state: string } }>));
    expect(meta.map((m) => m.parameters.state)).toEqual(['READY', 'READY', 'READY']);
    for (const m of meta) for (const t of [...m.inputs, ...m.outputs]) expect(t.shape[0]).toBe(-1);
    expect(meta[0]!.inputs[0]!.shape).toEqual([-1, 16]);
    expect(meta[1]!.inputs[0]!.shape).toEqual([-1, 1, 28, 28]);
    expect(meta[2]!.inputs[0]!.shape).toEqual([-1, 16]);
  });

  test.each(NAMES)('%s: OIP JSON infer answers the reference evaluator\'s values', async (name) => {
    const res = await fetch(`http://127.0.0.1:${port}/v2/models/${name}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [samples[name]] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model_name: string; outputs: { name: string; datatype: string; shape: number[]; data: number[] }[] };
    expect(body.model_name).toBe(name);
    const want = expected[name];
    expect(body.outputs.map((o) => o.name).sort()).toEqual(Object.keys(want).sort());
    for (const o of body.outputs) {
      expect(o.shape).toEqual(want[o.name]!.shape);
      if (o.datatype === 'INT64') expect(o.data).toEqual(want[o.name]!.data);
      else expectClose(o.data, want[o.name]!.data, 1e-5);
    }
  });

  test('the reference outputs are not degenerate: rows differ, probabilities sum to 1', () => {
    expect(new Set(expected.fraud.label!.data).size).toBe(2);
    const rows = (t: { shape: number[]; data: number[] }) => Array.from({ length: t.shape[0]! }, (_, i) => t.data.slice(i * t.shape[1]!, (i + 1) * t.shape[1]!));
    for (const name of ['cnn', 'sentiment'] as const) {
      const r = rows(expected[name].probabilities!);
      for (const row of r) expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 6);
      expect(new Set(r.map((row) => row[0]!.toFixed(6))).size).toBe(r.length);
    }
  });
});
