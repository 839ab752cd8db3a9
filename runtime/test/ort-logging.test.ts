/**
 * Issue 23: onnxruntime's own logger writes to stderr outside ours, and its run-time errors quote request values
 * ("indices element out of data bounds, idx=987654321 ..."). The server silences it (session and run log severity
 * FATAL, ort.env.logLevel 'fatal'): a value a caller sent must never reach a log line, on the worker path or the
 * event-loop path. Run on the bundle, as the server runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { gather, repository } from './models';

const MAIN = join(__dirname, '..', 'dist', 'main.js');
const SECRET_VALUE = 987654321;

async function serve(inlineMaxUs: string): Promise<{ child: ChildProcess; port: number; logs: () => string }> {
  const port = 21700 + Math.floor(Math.random() * 1000);
  let out = '';
  const child = spawn(process.execPath, [MAIN, 'serve', '--model-repository', repository({ 'gather/1': gather() }), '--port', String(port)], {
    env: { PATH: process.env.PATH ?? '', MODEL_SERVER_GRPC_PORT: '0', MODEL_SERVER_INLINE_RUN_MAX_US: inlineMaxUs, MODEL_SERVER_LOG_LEVEL: 'trace', MODEL_SERVER_DRAIN_ACCEPT_SECONDS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  while (!out.includes('"msg":"model ready"')) await new Promise((r) => child.stdout!.once('data', r));
  return { child, port, logs: () => out };
}

/** SIGTERM and wait for the exit (no drain window: MODEL_SERVER_DRAIN_ACCEPT_SECONDS=0 above, else 5 s per test). */
async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

test.each([
  ['the worker threads', '0'],
  ['the event loop (tiny model, idle)', '10000'],
])('a run-time failure on %s: the caller gets its 400, no log line quotes the value', async (_path, inlineMaxUs) => {
  const s = await serve(inlineMaxUs);
  try {
    const res = await fetch(`http://127.0.0.1:${s.port}/v2/models/gather/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'idx', datatype: 'INT64', shape: [1, 1], data: [[SECRET_VALUE]] }] }),
    });
    expect(res.status).toBe(400);
    // The caller's own answer may name its value; the logs may not.
    await new Promise((r) => setTimeout(r, 300));
    expect(s.logs()).toContain('"msg":"model ready"');
    expect(s.logs()).not.toContain(String(SECRET_VALUE));
  } finally {
    await stop(s.child);
  }
});
