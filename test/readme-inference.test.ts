/**
 * The README's "Calling the server" examples, run verbatim against the real server: the bundle
 * (runtime/dist/main.js, as the image runs it) serving examples/models, as `npm run serve` does. Each block
 * after an `<!-- inference-example:<name> -->` marker is written to a .mjs file in the repository root (so its
 * imports and relative paths resolve as they do for a reader there) and run with node; the only change is the
 * ports (8080 -> the test's HTTP port, 8081 -> its gRPC port). Every example prints the predicted digit.
 * The expected digit is the model's own answer, computed through onnxruntime-node directly (in a child
 * process: onnxruntime-node checks typed arrays against its own realm, which jest's sandbox is not).
 */
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const MAIN = join(ROOT, 'runtime', 'dist', 'main.js');
const MODEL = join(ROOT, 'examples', 'models', 'digits-classifier', '1', 'model.onnx');

jest.setTimeout(120_000);

const examples = [...README.matchAll(/<!-- inference-example:([a-z0-9-]+) -->\s*```js\n([\s\S]*?)```/g)].map((m) => ({ name: m[1], code: m[2] }));

let server: ChildProcess;
let output = '';
let dir: string;
const httpPort = 19000 + Math.floor(Math.random() * 2000);
const grpcPort = httpPort + 3000;
let expected: string;

beforeAll(async () => {
  server = spawn(process.execPath, [MAIN, 'serve', '--model-repository', join(ROOT, 'examples', 'models'), '--port', String(httpPort)], {
    env: { PATH: process.env.PATH ?? '', MODEL_SERVER_GRPC_PORT: String(grpcPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let ready = false;
  for (let i = 0; i < 600 && !ready; i++) {
    try {
      ready = (await fetch(`http://127.0.0.1:${httpPort}/v2/health/ready`)).status === 200;
    } catch {
      // not listening yet
    }
    if (!ready) await new Promise((r) => setTimeout(r, 100));
  }
  if (!ready) throw new Error(`the server never became ready:\n${output}`);
  dir = mkdtempSync(join(ROOT, '.readme-examples-'));
  const direct = `const ort = require('onnxruntime-node');
ort.InferenceSession.create(${JSON.stringify(MODEL)})
  .then((s) => s.run({ input: new ort.Tensor('float32', new Float32Array(784), [1, 784]) }))
  .then((r) => console.log(String(Number(r.label.data[0]))));`;
  expected = execFileSync(process.execPath, ['-e', direct], { cwd: ROOT, encoding: 'utf8' }).trim();
  expect(expected).toMatch(/^\d$/);
});

afterAll(() => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the README has an example for OIP REST, the row format and OIP gRPC', () => {
  expect(examples.map((e) => e.name)).toEqual(['oip-rest', 'instances', 'oip-grpc']);
});

test.each(examples.map((e) => [e.name, e.code]))('%s: runs verbatim and prints the model\'s answer', (name, code) => {
  expect(code).toMatch(/localhost:808[01]/);
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, code.replaceAll('localhost:8080', `localhost:${httpPort}`).replaceAll('localhost:8081', `localhost:${grpcPort}`));
  const out = execFileSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(out.trim()).toBe(expected);
});
