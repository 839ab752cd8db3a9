/** The bundle as the image runs it: `node dist/main.js serve ...`. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mlp, repository, slow } from './models';
import { mlpForward } from './helpers';

const MAIN = join(__dirname, '..', 'dist', 'main.js');

const children = new Set<ChildProcess>();
afterAll(() => {
  // A failed test must not leave a server running (and jest waiting on its pipes).
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function serve(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', MODEL_SERVER_GRPC_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitReady(port: number, path = '/v2/health/ready'): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}${path}`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server on ${port} never became ready`);
}

let nextPort = 18600 + Math.floor(Math.random() * 1000);

test('bad configuration exits non-zero with a clear message', () => {
  const res = spawnSync(process.execPath, [MAIN, 'serve', '--model-repository', '/nonexistent'], {
    env: { PATH: process.env.PATH ?? '', MODEL_SERVER_MAX_BATCH_SIZE: 'lots', MODEL_SERVER_EXECUTION_PROVIDERS: 'gpu' },
    encoding: 'utf8',
  });
  expect(res.status).toBe(2);
  expect(res.stderr).toContain('model-server: invalid configuration:');
  expect(res.stderr).toContain('MODEL_SERVER_MAX_BATCH_SIZE="lots" is not an integer from 1 to 1024');
  expect(res.stderr).toContain('MODEL_SERVER_EXECUTION_PROVIDERS="gpu" is not a comma-separated list, without repeats, of tensorrt, cuda, cpu');
});

test('no model anywhere exits non-zero and says where it looked', () => {
  const res = spawnSync(process.execPath, [MAIN, 'serve', '--model-repository', mkdtempSync(join(tmpdir(), 'empty-'))], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
  expect(res.status).toBe(2);
  expect(res.stderr).toMatch(/model-server: no model found in .*: expected model\.onnx there, <version>\/model\.onnx or <model>\/<version>\/model\.onnx/);
});

test('SageMaker style: `serve`, SAGEMAKER_BIND_TO_PORT, a single model.onnx served under MODEL_SERVER_MODEL_NAME', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sm-'));
  writeFileSync(join(dir, 'model.onnx'), mlp());
  const port = nextPort++;
  // AZUREML_MODEL_DIR stands in for /opt/ml/model (which needs root to create) as the flag-less model source.
  // No drain window at the SIGTERM below (the default holds the listener open 5 s; shutdown.test.ts tests the window).
  const server = serve(['serve'], { AZUREML_MODEL_DIR: dir, SAGEMAKER_BIND_TO_PORT: String(port), MODEL_SERVER_MODEL_NAME: 'digits', MODEL_SERVER_MODEL_VERSION: '7', MODEL_SERVER_DRAIN_ACCEPT_SECONDS: '0' });
  try {
    await waitReady(port, '/ping');
    const rows = [[1, 2, 3, 4]];
    const res = await fetch(`http://127.0.0.1:${port}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: rows }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { predictions: { label: number; probabilities: number[] }[] };
    expect(body.predictions[0]!.label).toBe(mlpForward(7, [4, 8, 3], rows).label[0]);
    const meta = (await (await fetch(`http://127.0.0.1:${port}/v2/models/digits/versions/7`)).json()) as { name: string };
    expect(meta.name).toBe('digits');
    // The log line is written after the response and reaches us through a pipe: wait for it.
    const findLine = (): string | undefined => server.output().split('\n').find((l) => l.includes('"route":"/invocations"'));
    for (let i = 0; i < 100 && !findLine(); i++) await new Promise((r) => setTimeout(r, 50));
    const logLine = findLine();
    expect(JSON.parse(logLine!)).toMatchObject({ model: 'digits', version: '7', statusCode: 200, method: 'POST', reqId: expect.any(String), latencyMs: expect.any(Number) });
  } finally {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }
});

test('SIGTERM: readiness false, in-flight requests finish, new ones are refused, exit 0', async () => {
  const root = repository({ 'slow/1': slow(16) });
  const port = nextPort++;
  const server = serve(['serve', '--model-repository', root, '--port', String(port)], {
    MODEL_SERVER_WARMUP_RUNS: '0',
    MODEL_SERVER_DRAIN_SECONDS: '20',
    // A 1 s drain window (default 5 s): readiness is read 100 ms after the signal, inside it.
    MODEL_SERVER_DRAIN_ACCEPT_SECONDS: '1',
  });
  await waitReady(port);
  const body = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1024], data: new Array(1024).fill(0.02) }] });
  const inflight = Array.from({ length: 4 }, () =>
    fetch(`http://127.0.0.1:${port}/v2/models/slow/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (r) => ({
      status: r.status,
      outputs: ((await r.json()) as { outputs?: { shape: number[] }[] }).outputs,
    })),
  );
  await new Promise((r) => setTimeout(r, 300));
  server.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 100));
  const after = await fetch(`http://127.0.0.1:${port}/v2/health/ready`).then(
    (r) => r.status,
    () => 'refused',
  );
  expect([503, 'refused']).toContain(after);
  const results = await Promise.all(inflight);
  expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  expect(results.every((r) => r.outputs?.[0]?.shape.join(',') === '1,1024')).toBe(true);
  expect(await server.exited).toBe(0);
  expect(server.output()).toContain('"msg":"drained; exiting"');
});

test('MODEL_SERVER_METRICS_PORT (Kubernetes plain flavour): /metrics only on that port, 404 on the serving port; SIGTERM closes both', async () => {
  const port = nextPort++;
  const metricsPort = nextPort++;
  const server = serve(['serve', '--model-repository', repository({ 'mlp/1': mlp() })], { MODEL_SERVER_PORT: String(port), MODEL_SERVER_METRICS_PORT: String(metricsPort), MODEL_SERVER_DRAIN_ACCEPT_SECONDS: '0' });
  try {
    await waitReady(port);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE model_server_requests_total counter');
    expect((await fetch(`http://127.0.0.1:${metricsPort}/v2/health/ready`)).status).toBe(404);
  } finally {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }
  await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
});
