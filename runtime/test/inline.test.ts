/**
 * Tiny models answer idle-time requests on the event loop (no worker hop). Run on the bundle: jest's module
 * sandbox gives onnxruntime-node's main-thread tensors another realm's typed arrays, which real runs never see.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { gather, mlp, repository } from './models';
import { mlpForward } from './helpers';

const MAIN = join(__dirname, '..', 'dist', 'main.js');
let child: ChildProcess;
let out = '';
const port = 20600 + Math.floor(Math.random() * 1000);

beforeAll(async () => {
  child = spawn(process.execPath, [MAIN, 'serve', '--model-repository', repository({ 'mlp/1': mlp(), 'gather/1': gather() }), '--port', String(port)], {
    env: { PATH: process.env.PATH ?? '', MODEL_SERVER_GRPC_PORT: '0', MODEL_SERVER_INLINE_RUN_MAX_US: '10000', MODEL_SERVER_LOG_LEVEL: 'info', MODEL_SERVER_DRAIN_ACCEPT_SECONDS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  while ((out.match(/"msg":"model ready"/g) ?? []).length < 2) await new Promise((r) => child.stdout!.once('data', r));
});
afterAll(async () => {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
});

const post = async (model: string, body: unknown) => {
  const res = await fetch(`http://127.0.0.1:${port}/v2/models/${model}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as { outputs: { data: number[] }[]; error?: string } };
};

test('a tiny model says so in its metadata and answers like the workers do', async () => {
  const meta = (await (await fetch(`http://127.0.0.1:${port}/v2/models/mlp`)).json()) as { parameters: { inline_when_idle: boolean } };
  expect(meta.parameters.inline_when_idle).toBe(true);
  expect(out).toContain('"msg":"tiny model: idle-time requests run on the event loop"');
  const rows = [[0.5, -1, 2, 0.25], [1.5, 0.3, -0.7, 3]];
  const res = await post('mlp', { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: rows }] });
  expect(res.status).toBe(200);
  expect(res.json.outputs[1]!.data).toEqual(mlpForward(7, [4, 8, 3], rows).label);
});

test('a run-time failure on the event loop is the same 400, and the server keeps serving', async () => {
  const bad = await post('gather', { inputs: [{ name: 'idx', datatype: 'INT64', shape: [1, 1], data: [[9]] }] });
  expect(bad.status).toBe(400);
  expect(bad.json.error).toMatch(/^model 'gather' version 1 cannot run on this request's values: /);
  const good = await post('gather', { inputs: [{ name: 'idx', datatype: 'INT64', shape: [1, 1], data: [[1]] }] });
  expect(good.json.outputs[0]!.data).toEqual([20]);
});
