/**
 * The library as jsii sees it (issue 18; lib/README.md "jsii and Python"): `node scripts/jsii/build.mjs` compiles
 * one jsii assembly per target, the cloud-neutral core (lib/) and one per backend (constructs/<target>/, a jsii
 * dependent of the core), each with zero errors (or it exits non-zero), and jsii-pacmak emits each one's Python
 * package source. Here, per assembly:
 * - jsii reported zero errors, and the assembly's jsii dependencies are the core and that target's toolkit only;
 * - every name the entry point exports is in the assembly, or is listed as TypeScript-only in lib/README.md
 *   ("jsii and Python", one list per entry point), never both;
 * - the generated Python byte-compiles (`python3 -m compileall`), its module's `__all__` holds exactly the
 *   assembly's types, its install_requires names only jsii's runtime, the core and the target's toolkit, and the
 *   modules it imports are the standard library's, jsii's and those packages' only;
 * - the tarballs the Python packages ship (what the jsii runtime installs and runs) work on their own: the core's
 *   reads a model's signature; the k8s backend's, with the core's and cdk8s only, synthesizes the same manifests
 *   as the TypeScript sources.
 * Rules taken from the receivers' sources: jsii's assembler drops everything that is not a class, interface or
 * enum and skips `@jsii ignore` declarations (aws/jsii-compiler src/assembler.ts `_visitNode`, `_isIgnored`,
 * src/directives.ts, as installed: node_modules/jsii/lib/assembler.js, lib/directives.js, jsii 6.0.16); jsii-pacmak's
 * Python target lists the assembly's dependencies, by their own `jsii.targets.python.distName`, plus `jsii` and
 * `publication` as install_requires and builds a wheel in a venv with pip (aws/jsii
 * packages/jsii-pacmak/lib/targets/python.ts, as installed: node_modules/jsii-pacmak/lib/targets/python.js,
 * 1.140.0), hence `--code-only` here, where PyPI cannot be reached. The Python distribution and module of each
 * toolkit are read from its own package.json (`jsii.targets.python`).
 * Slow (minutes: five jsii runs, aws-cdk-lib's and the cdktf providers' assemblies loaded): test:all only
 * (jest.config.js SLOW_SUITES).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cdk8s from 'cdk8s';
import * as lib from '../../lib';
import * as k8s from '../../constructs/k8s';

const ROOT = join(__dirname, '..', '..');
const BUILD = join(ROOT, '.jsii-build');
const STAGE = join(BUILD, 'core');
const PY_SRC = join(STAGE, 'dist', 'python', 'src');
const MODEL = join(ROOT, 'examples', 'models', 'digits-classifier', '1', 'model.onnx');

/** The backends, each with the jsii packages its assembly may depend on besides the core. */
const TARGETS = {
  aws: ['aws-cdk-lib', 'constructs'],
  k8s: ['cdk8s', 'constructs'],
  gcp: ['@cdktf/provider-google', '@cdktf/provider-google-beta', 'cdktf', 'constructs'],
  azure: ['@cdktf/provider-azurerm', 'cdktf', 'constructs'],
} as const;
type Target = keyof typeof TARGETS;
const TARGET_NAMES = Object.keys(TARGETS) as Target[];

jest.setTimeout(1_200_000);

interface JsiiType {
  readonly fqn: string;
  readonly name: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly methods?: { name: string; static?: boolean }[];
  readonly properties?: { name: string; static?: boolean }[];
}
interface Assembly {
  readonly name: string;
  readonly version: string;
  readonly types: Record<string, JsiiType>;
  readonly bundled?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
}

let buildLog: string;
let assembly: Assembly;
const assemblies = {} as Record<Target, Assembly>;

beforeAll(() => {
  buildLog = execFileSync('node', [join(ROOT, 'scripts', 'jsii', 'build.mjs')], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  assembly = JSON.parse(readFileSync(join(STAGE, '.jsii'), 'utf8')) as Assembly;
  for (const t of TARGET_NAMES) assemblies[t] = JSON.parse(readFileSync(join(BUILD, t, '.jsii'), 'utf8')) as Assembly;
});

/** What jsii printed for one package (the build script prints each run after a `=== jsii <name>` banner). */
function jsiiLog(name: string): string {
  const section = new RegExp(`=== jsii ${name} \\([^)]*\\) ===\\n([\\s\\S]*?)(?=\\n=== jsii |$)`).exec(buildLog);
  if (!section) throw new Error(`no jsii output for ${name} in the build log`);
  return section[1];
}

/**
 * Names an entry point exports, values and types, read from its explicit export lists (no `export *`); checked
 * against the names the module has at run time, so a list this misses fails.
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

/** The names lib/README.md lists as TypeScript-only for an entry point, between its jsii markers. */
function typescriptOnlyNames(target?: Target): string[] {
  const readme = readFileSync(join(ROOT, 'lib', 'README.md'), 'utf8');
  const marker = target === undefined ? 'jsii-typescript-only' : `jsii-typescript-only:${target}`;
  const block = new RegExp(`<!-- ${marker}:start -->([\\s\\S]*?)<!-- ${marker}:end -->`).exec(readme);
  if (!block) throw new Error(`lib/README.md has no ${marker} block`);
  return [...block[1].matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1]).sort();
}

/** The `__all__` of a generated Python module, read with Python's own parser. */
function pythonAll(initPy: string): string[] {
  return JSON.parse(
    execFileSync('python3', ['-c', 'import ast,json,sys; t=ast.parse(open(sys.argv[1]).read()); print(json.dumps([ast.literal_eval(n.value) for n in t.body if isinstance(n, ast.Assign) and any(getattr(x, "id", None) == "__all__" for x in n.targets)][0]))', initPy], { encoding: 'utf8' }),
  ) as string[];
}

/** The distributions a generated setup.py requires, without their version ranges. */
function installRequires(setupPy: string): string[] {
  const source = readFileSync(setupPy, 'utf8');
  const list = /"install_requires": \[([^\]]*)\]/.exec(source);
  if (!list) throw new Error(`${setupPy} has no install_requires`);
  return [...list[1].matchAll(/"([A-Za-z0-9_.-]+)[^"]*"/g)].map((m) => m[1]).sort();
}

/** The jsii Python distribution and module a toolkit declares in its own package.json. */
function pythonTarget(pkg: string): { distName: string; module: string } {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { jsii: { targets: { python: { distName: string; module: string } } } };
  return manifest.jsii.targets.python;
}

/** Extracts a jsii tarball (npm pack layout, `package/`) into node_modules/<name> under `dir`. */
function installTarball(tgz: string, dir: string, name: string): void {
  const to = join(dir, 'node_modules', name);
  mkdirSync(to, { recursive: true });
  execFileSync('tar', ['xzf', tgz, '-C', to, '--strip-components=1']);
}

function tarballOf(pythonSrc: string, module: string): string {
  const jsiiDir = join(pythonSrc, module, '_jsii');
  const tgz = readdirSync(jsiiDir).find((f) => f.endsWith('.jsii.tgz'));
  if (tgz === undefined) throw new Error(`no .jsii.tgz in ${jsiiDir}`);
  return join(jsiiDir, tgz);
}

describe('the core assembly (lib/)', () => {
  test('jsii compiles lib/ with zero errors into one assembly without submodules', () => {
    expect(jsiiLog('core')).toMatch(/Errors: 0 \|/);
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
    const artifact = assembly.types['model-serving-constructs-core.ModelArtifact'];
    expect(artifact.methods).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'readSignature', static: true })]));
    const rollout = assembly.types['model-serving-constructs-core.RolloutPolicy'];
    expect(rollout.methods).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'fromSteps', static: true })]));
  });

  test('the generated Python byte-compiles and its module exports exactly the assembly types', () => {
    const pkg = join(PY_SRC, 'model_serving_constructs');
    expect(existsSync(join(pkg, '__init__.py'))).toBe(true);
    execFileSync('python3', ['-m', 'compileall', '-q', PY_SRC], { stdio: ['ignore', 'pipe', 'pipe'] });
    expect(pythonAll(join(pkg, '__init__.py')).sort()).toEqual(Object.values(assembly.types).map((t) => t.name).sort());
    const init = readFileSync(join(pkg, '__init__.py'), 'utf8');
    expect(init).toMatch(/def read_signature\(/);
    expect(init).toMatch(/def from_steps\(/);
    // Python requirements are the assembly's jsii dependencies: constructs only for the core.
    const setup = readFileSync(join(STAGE, 'dist', 'python', 'setup.py'), 'utf8');
    expect(setup).toMatch(/"constructs>=10\.5\.0, <11\.0\.0"/);
    expect(installRequires(join(STAGE, 'dist', 'python', 'setup.py'))).toEqual(['constructs', 'jsii', 'publication']);
  });

  test('the tarball the Python package ships loads on its own and reads a model signature', () => {
    const dir = mkdtempSync(join(tmpdir(), 'msc-jsii-'));
    try {
      installTarball(tarballOf(PY_SRC, 'model_serving_constructs'), dir, 'model-serving-constructs-core');
      // constructs is a peer (its own Python package at run time); everything else must be in the tarball.
      symlinkSync(join(ROOT, 'node_modules', 'constructs'), join(dir, 'node_modules', 'constructs'), 'dir');
      const out = execFileSync('node', ['-e', 'const m = require("model-serving-constructs-core"); console.log(JSON.stringify(m.ModelArtifact.readSignature(process.argv[1])));', MODEL], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH } });
      const sig = JSON.parse(out) as { opset: number; inputs: { name: string }[]; outputs: { name: string }[] };
      expect(sig.opset).toBeGreaterThan(0);
      expect(sig.inputs.length).toBeGreaterThan(0);
      expect(sig.outputs.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(TARGET_NAMES)('the %s backend assembly (a dependent of the core assembly)', (target) => {
  const name = `model-serving-constructs-${target}`;
  const module = name.replace(/-/g, '_');
  const pySrc = () => join(BUILD, target, 'dist', 'python', 'src');

  test('jsii compiles it with zero errors; its jsii dependencies are the core and its toolkit only', () => {
    expect(jsiiLog(target)).toMatch(/Errors: 0 \|/);
    const a = assemblies[target];
    expect(a.name).toBe(name);
    expect(Object.keys(a.dependencies ?? {}).sort()).toEqual(['model-serving-constructs-core', ...TARGETS[target]].sort());
    // The core at the same version: one version number tells which core and backend belong together.
    expect(a.dependencies?.['model-serving-constructs-core']).toBe(assembly.version);
    expect(Object.values(a.types).filter((t) => t.namespace !== undefined)).toEqual([]);
    // Its types are its own: the core's types are referenced in the core assembly, not copied.
    expect(Object.keys(a.types).filter((fqn) => !fqn.startsWith(`${name}.`))).toEqual([]);
  });

  test('every name its index.ts exports is in the assembly or documented as TypeScript-only, not both', () => {
    const exported = exportedNames(join('constructs', target));
    const inAssembly = new Set(Object.values(assemblies[target].types).map((t) => t.name));
    const tsOnly = typescriptOnlyNames(target);
    expect(exported.filter((n) => !inAssembly.has(n))).toEqual(tsOnly);
    expect(tsOnly.filter((n) => inAssembly.has(n))).toEqual([]);
    expect([...inAssembly].filter((n) => !exported.includes(n))).toEqual([]);
    // The four constructs every backend has are in it (issue 18's backend contract).
    // The GPU pool class of each contract: Kubernetes' is the Karpenter NodePool (its old name is a TypeScript alias).
    const gpuPool = target === 'k8s' ? 'KarpenterGpuNodePool' : 'GpuNodePool';
    expect([...inAssembly]).toEqual(expect.arrayContaining(['ModelEndpoint', 'ModelEndpointProps', 'CanaryRollout', 'BudgetGuard', gpuPool, 'ModelGateway', 'AlertRouting']));
  });

  test('the generated Python byte-compiles, exports exactly the assembly types and requires only the core and the toolkit', () => {
    const init = join(pySrc(), module, '__init__.py');
    expect(existsSync(init)).toBe(true);
    execFileSync('python3', ['-m', 'compileall', '-q', pySrc()], { stdio: ['ignore', 'pipe', 'pipe'] });
    expect(pythonAll(init).sort()).toEqual(Object.values(assemblies[target].types).map((t) => t.name).sort());
    // install_requires: jsii's runtime, the core's distribution and the toolkit's, as each declares it.
    const toolkit = TARGETS[target].map((p) => pythonTarget(p));
    expect(installRequires(join(BUILD, target, 'dist', 'python', 'setup.py'))).toEqual(['jsii', 'model-serving-constructs', 'publication', ...toolkit.map((t) => t.distName)].sort());
    // The modules the package imports: the standard library's, jsii's, the core's and the toolkit's, nothing else.
    const imported = JSON.parse(
      execFileSync('python3', ['-c', 'import ast,json,sys; t=ast.parse(open(sys.argv[1]).read()); r=set(); [r.update(a.name.split(".")[0] for a in n.names) if isinstance(n, ast.Import) else r.add((n.module or "").split(".")[0]) for n in ast.walk(t) if isinstance(n, (ast.Import, ast.ImportFrom)) and getattr(n, "level", 0) == 0]; print(json.dumps(sorted(m for m in r if m not in sys.stdlib_module_names)))', init], { encoding: 'utf8' }),
    ) as string[];
    const allowed = new Set(['jsii', 'publication', 'typing_extensions', 'typeguard', 'model_serving_constructs', ...toolkit.map((t) => t.module)]);
    expect(imported.filter((m) => !allowed.has(m))).toEqual([]);
    expect(imported).toEqual(expect.arrayContaining(['model_serving_constructs', 'constructs']));
  });
});

/** One k8s app, as a function body of (lib, k8s, cdk8s, model): run on the TypeScript sources and on the tarballs. */
const K8S_APP = `
const app = new cdk8s.App();
const chart = new cdk8s.Chart(app, 'py');
const endpoint = new k8s.ModelEndpoint(chart, 'Digits', {
  model: lib.ModelArtifact.fromFile(model),
  metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' },
  namespace: 'ml-serving',
  image: lib.ServingImage.fromRegistry('registry.example/model-server:0.1.0'),
  cpu: 1,
  modelDelivery: k8s.ModelDelivery.persistentVolumeClaim('models'),
  scaling: { minReplicas: 2, maxReplicas: 4, targets: [lib.ScalingTarget.cpuUtilization(70)] },
});
const rollout = new k8s.CanaryRollout(chart, 'Canary', {
  endpoint,
  prometheusAddress: 'http://prometheus-operated.monitoring:9090',
  acceptApproximateTraffic: true,
  policy: lib.RolloutPolicy.fromSteps([{ trafficPercent: 10, bake: lib.Duration.minutes(5) }, { trafficPercent: 100, bake: lib.Duration.minutes(0) }]),
});
return JSON.stringify({ manifests: cdk8s.Testing.synth(chart), warnings: [...endpoint.warnings, ...rollout.warnings] });
`;

test('the k8s tarball, installed beside the core tarball and cdk8s only, synthesizes what the TypeScript sources do', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msc-jsii-k8s-'));
  try {
    installTarball(tarballOf(PY_SRC, 'model_serving_constructs'), dir, 'model-serving-constructs-core');
    installTarball(tarballOf(join(BUILD, 'k8s', 'dist', 'python', 'src'), 'model_serving_constructs_k8s'), dir, 'model-serving-constructs-k8s');
    // The toolkit and constructs are their own Python packages at run time (cdk8s brings its own bundled modules).
    for (const pkg of ['cdk8s', 'constructs']) symlinkSync(join(ROOT, 'node_modules', pkg), join(dir, 'node_modules', pkg), 'dir');
    const script = `const run = new Function('lib', 'k8s', 'cdk8s', 'model', ${JSON.stringify(K8S_APP)});
console.log(run(require('model-serving-constructs-core'), require('model-serving-constructs-k8s'), require('cdk8s'), process.argv[1]));`;
    const fromTarballs = execFileSync('node', ['-e', script, MODEL], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH } });
    const fromSources = (new Function('lib', 'k8s', 'cdk8s', 'model', K8S_APP) as (...a: unknown[]) => string)(lib, k8s, cdk8s, MODEL);
    const parsed = JSON.parse(fromTarballs) as { manifests: { kind: string }[]; warnings: { id: string }[] };
    expect(parsed.manifests.map((m) => m.kind)).toEqual(expect.arrayContaining(['Service', 'Rollout', 'AnalysisTemplate']));
    // The approximated share's warning crosses too (the shared warnings module is the core's, one instance).
    expect(parsed.warnings.length).toBeGreaterThan(0);
    expect(JSON.parse(fromTarballs)).toEqual(JSON.parse(fromSources));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
