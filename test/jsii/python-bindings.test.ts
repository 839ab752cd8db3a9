/**
 * The cloud-neutral core as jsii sees it (issue 18): `node scripts/jsii/build.mjs` compiles lib/ with jsii
 * (zero errors, or it exits non-zero), jsii-pacmak emits the Python package's source, and here:
 * - the generated Python byte-compiles (`python3 -m compileall`);
 * - every name lib/index.ts exports is in the jsii assembly, or is listed as TypeScript-only in lib/README.md
 *   ("jsii and Python"), never both; the Python module's `__all__` holds exactly the assembly's types;
 * - the assembly's tarball (what the Python package ships and runs in its embedded node) loads on its own and
 *   reads a model's signature: its bundled dependencies are complete.
 * Rules taken from the receivers' sources: jsii's assembler drops everything that is not a class, interface or
 * enum and skips `@jsii ignore` declarations (aws/jsii-compiler src/assembler.ts `_visitNode`, src/directives.ts,
 * as installed: node_modules/jsii/lib/assembler.js, lib/directives.js, jsii 6.0.16); jsii-pacmak's Python target
 * lists the assembly's dependencies as install_requires and builds a wheel in a venv with pip (aws/jsii
 * packages/jsii-pacmak/lib/targets/python.ts, as installed: node_modules/jsii-pacmak/lib/targets/python.js,
 * 1.140.0), hence `--code-only` here, where PyPI cannot be reached.
 * Slow (about a minute): test:all only (jest.config.js SLOW_SUITES).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const STAGE = join(ROOT, '.jsii-build', 'core');
const PY_SRC = join(STAGE, 'dist', 'python', 'src');
const MODEL = join(ROOT, 'examples', 'models', 'digits-classifier', '1', 'model.onnx');

jest.setTimeout(600_000);

interface JsiiType {
  readonly fqn: string;
  readonly name: string;
  readonly kind: string;
  readonly namespace?: string;
}
interface Assembly {
  readonly name: string;
  readonly types: Record<string, JsiiType>;
  readonly bundled?: Record<string, string>;
}

let buildLog: string;
let assembly: Assembly;

beforeAll(() => {
  buildLog = execFileSync('node', [join(ROOT, 'scripts', 'jsii', 'build.mjs')], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  assembly = JSON.parse(readFileSync(join(STAGE, '.jsii'), 'utf8')) as Assembly;
});

/**
 * Names lib/index.ts exports, values and types, read from its explicit export lists (lib/index.ts has no
 * `export *`); checked against the names the built module has at run time, so a list this misses fails.
 */
function exportedNames(entry = 'lib'): string[] {
  const source = readFileSync(join(ROOT, entry, 'index.ts'), 'utf8');
  expect(source).not.toMatch(/^export \*/m);
  const names = [...source.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) =>
    m[1].split(',').map((n) => n.trim()).filter((n) => n.length > 0).map((n) => n.split(/\s+as\s+/).pop() as string),
  );
  const values = Object.keys(require(join(ROOT, entry)) as Record<string, unknown>).filter((n) => n !== '__esModule');
  expect(values.filter((n) => !names.includes(n))).toEqual([]);
  return [...new Set(names)].sort();
}

/** The names lib/README.md lists as TypeScript-only, between its jsii markers. */
function typescriptOnlyNames(): string[] {
  const readme = readFileSync(join(ROOT, 'lib', 'README.md'), 'utf8');
  const block = /<!-- jsii-typescript-only:start -->([\s\S]*?)<!-- jsii-typescript-only:end -->/.exec(readme);
  if (!block) throw new Error('lib/README.md has no jsii-typescript-only block');
  return [...block[1].matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1]).sort();
}

test('jsii compiles lib/ with zero errors into one assembly without submodules', () => {
  expect(buildLog).toMatch(/Errors: 0 \|/);
  expect(assembly.name).toBe('model-serving-constructs-core');
  expect(Object.values(assembly.types).filter((t) => t.namespace !== undefined)).toEqual([]);
  // onnx-proto is not a jsii package: it travels inside the assembly's tarball.
  expect(assembly.bundled).toEqual({ 'onnx-proto': expect.any(String) });
});

test('every name lib/index.ts exports is in the assembly or documented as TypeScript-only, not both', () => {
  const exported = exportedNames();
  const inAssembly = new Set(Object.values(assembly.types).map((t) => t.name));
  const tsOnly = typescriptOnlyNames();
  expect(exported.filter((n) => !inAssembly.has(n))).toEqual(tsOnly);
  expect(tsOnly.filter((n) => inAssembly.has(n))).toEqual([]);
  // Nothing in the assembly that TypeScript users cannot import from the package root.
  expect([...inAssembly].filter((n) => !exported.includes(n))).toEqual([]);
  // The statics that stand in for TypeScript-only free functions users need.
  const artifact = assembly.types['model-serving-constructs-core.ModelArtifact'] as JsiiType & { methods?: { name: string; static?: boolean }[] };
  expect(artifact.methods).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'readSignature', static: true })]));
  const rollout = assembly.types['model-serving-constructs-core.RolloutPolicy'] as JsiiType & { methods?: { name: string; static?: boolean }[] };
  expect(rollout.methods).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'fromSteps', static: true })]));
});

test('the generated Python byte-compiles and its module exports exactly the assembly types', () => {
  const pkg = join(PY_SRC, 'model_serving_constructs');
  expect(existsSync(join(pkg, '__init__.py'))).toBe(true);
  execFileSync('python3', ['-m', 'compileall', '-q', PY_SRC], { stdio: ['ignore', 'pipe', 'pipe'] });
  const all = JSON.parse(
    execFileSync('python3', ['-c', 'import ast,json,sys; t=ast.parse(open(sys.argv[1]).read()); print(json.dumps([ast.literal_eval(n.value) for n in t.body if isinstance(n, ast.Assign) and any(getattr(x, "id", None) == "__all__" for x in n.targets)][0]))', join(pkg, '__init__.py')], { encoding: 'utf8' }),
  ) as string[];
  expect([...all].sort()).toEqual(Object.values(assembly.types).map((t) => t.name).sort());
  const init = readFileSync(join(pkg, '__init__.py'), 'utf8');
  expect(init).toMatch(/def read_signature\(/);
  expect(init).toMatch(/def from_steps\(/);
  // Python requirements are the assembly's jsii dependencies: constructs only for the core.
  const setup = readFileSync(join(STAGE, 'dist', 'python', 'setup.py'), 'utf8');
  expect(setup).toMatch(/"constructs>=10\.5\.0, <11\.0\.0"/);
  expect(setup).not.toMatch(/aws-cdk-lib|cdktf|cdk8s/);
});

test('the tarball the Python package ships loads on its own and reads a model signature', () => {
  const jsiiDir = join(PY_SRC, 'model_serving_constructs', '_jsii');
  const tgz = readdirSync(jsiiDir).find((f) => f.endsWith('.jsii.tgz'));
  expect(tgz).toBeDefined();
  const dir = mkdtempSync(join(tmpdir(), 'msc-jsii-'));
  try {
    execFileSync('tar', ['xzf', join(jsiiDir, tgz as string), '-C', dir]);
    const pkg = join(dir, 'package');
    // constructs is a peer (its own Python package at run time); everything else must be in the tarball.
    mkdirSync(join(pkg, 'node_modules'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', 'constructs'), join(pkg, 'node_modules', 'constructs'), 'dir');
    const out = execFileSync('node', ['-e', 'const m = require(process.argv[1]); console.log(JSON.stringify(m.ModelArtifact.readSignature(process.argv[2])));', join(pkg, 'lib', 'index.js'), MODEL], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH } });
    const sig = JSON.parse(out) as { opset: number; inputs: { name: string }[]; outputs: { name: string }[] };
    expect(sig.opset).toBeGreaterThan(0);
    expect(sig.inputs.length).toBeGreaterThan(0);
    expect(sig.outputs.length).toBeGreaterThan(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lib/ and constructs/aws/ compile together under jsii with zero errors (compile check, not yet the shipping layout)', () => {
  const log = execFileSync('node', [join(ROOT, 'scripts', 'jsii', 'build.mjs'), '--check-aws'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  expect(log).toMatch(/Errors: 0 \|/);
  const aws = JSON.parse(readFileSync(join(ROOT, '.jsii-build', 'aws-check', '.jsii'), 'utf8')) as Assembly;
  const inAssembly = new Set(Object.values(aws.types).map((t) => t.name));
  // Every interface and class constructs/aws exports, but the one marked @jsii ignore (a function-typed member).
  const exported = exportedNames(join('constructs', 'aws'));
  const kept = exported.filter((n) => inAssembly.has(n));
  expect(kept).toEqual(expect.arrayContaining(['ModelEndpoint', 'ModelEndpointProps', 'IModelEndpoint', 'EndpointAttributes', 'CostMetricOptions', 'CanaryRollout', 'BudgetGuard', 'GpuNodePool', 'ModelGateway', 'ModelGatewayApiKeyOptions', 'ExactWeightController', 'AlertRouting']));
  expect(inAssembly.has('SageMakerCatalogueOptions')).toBe(false);
});
