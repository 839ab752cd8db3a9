#!/usr/bin/env node
// Builds the jsii assemblies (one per target) and the Python source that jsii-pacmak makes from each, outside
// the npm build: the npm package (tsc -p tsconfig.build.json, dist/) is untouched by this script.
//
// Layout and why: lib/README.md "jsii and Python". In short: one jsii assembly per target, because a jsii
// package's peer dependencies become its Python package's hard requirements. The core (lib/) is one assembly;
// each backend (constructs/<target>/) is another that depends on the core assembly and on its own toolkit only.
//
// Usage: node scripts/jsii/build.mjs [core|aws|k8s|gcp|azure ...] [--no-python]
//   (no target named: all five. The core's jsii runs first, and also when a backend is named and .jsii-build/core
//   has no assembly yet; the backends' jsii runs overlap; then one jsii-pacmak run for every package built.)
//   out: .jsii-build/core/              staging copy of lib/ + generated package.json, the .jsii assembly
//        .jsii-build/<target>/          staging copy of what constructs/<target>/index.ts imports, its imports of
//                                       lib/ pointed at the core package, the .jsii assembly
//        .jsii-build/<name>/dist/python the Python source (jsii-pacmak --code-only; no wheel: needs PyPI)
//   Each jsii run's output is printed after a `=== jsii <name> (<seconds> s, exit <code>) ===` banner.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const buildDir = join(root, '.jsii-build');
const python = !process.argv.includes('--no-python');

const CORE_NAME = `${pkg.name}-core`;

/**
 * The backend targets: the jsii packages each one's public surface needs (its toolkit; constructs is every
 * toolkit's base), and the packages its sources use for types only (devDependencies of the staged project:
 * never a requirement of the Python package, and jsii refuses them on the public surface).
 */
export const TARGETS = {
  aws: { toolkit: ['aws-cdk-lib', 'constructs'], typeOnly: [] },
  k8s: {
    toolkit: ['cdk8s', 'constructs'],
    // Data-only tables of other backends that the Karpenter pool (EC2 families) and the GKE node label (Google
    // accelerator types) read (lib/README.md "The inside of a backend folder"): staged into this assembly as
    // internal files; each may import lib/ only, which stageTarget checks.
    borrowed: ['constructs/aws/accelerators.ts', 'constructs/gcp/accelerators.ts'],
    // constructs/k8s/k8s-schema.d.ts: the manifests are type-checked against kubernetes-models inside the
    // library; the public surface uses the owned types of constructs/k8s/k8s-types.ts.
    typeOnly: [
      'kubernetes-models',
      '@kubernetes-models/argo-rollouts',
      '@kubernetes-models/gateway-api',
      '@kubernetes-models/istio',
      '@kubernetes-models/karpenter',
      '@kubernetes-models/keda',
      '@kubernetes-models/prometheus-operator',
    ],
  },
  gcp: { toolkit: ['cdktf', '@cdktf/provider-google', '@cdktf/provider-google-beta', 'constructs'], typeOnly: [] },
  azure: { toolkit: ['cdktf', '@cdktf/provider-azurerm', 'constructs'], typeOnly: [] },
};

/** The Python distribution and module of a jsii package (core: `model-serving-constructs`). */
export function pythonNames(target) {
  const dist = target === 'core' ? pkg.name : `${pkg.name}-${target}`;
  return { distName: dist, module: dist.replace(/-/g, '_') };
}

const author = { name: 'model-serving-constructs maintainers', roles: ['author'] };
// jsii requires a repository; the project has no public one yet (README "verified only on paper").
const repository = { type: 'git', url: 'https://example.invalid/model-serving-constructs.git' };

/** The jsii manifest of the core assembly, derived from the npm package's own manifest (one place for versions). */
export function coreManifest() {
  return {
    name: CORE_NAME,
    version: pkg.version,
    description: `${pkg.description} (cloud-neutral core, jsii assembly)`,
    license: pkg.license,
    author,
    repository,
    main: 'lib/index.js',
    types: 'lib/index.d.ts',
    // constructs is itself a jsii assembly: jsii wants it as peer + dev dependency at the same range.
    peerDependencies: { constructs: pkg.peerDependencies.constructs },
    devDependencies: { constructs: pkg.devDependencies.constructs },
    // onnx-proto is not a jsii assembly: jsii needs it bundled into the assembly's tarball.
    dependencies: { 'onnx-proto': pkg.dependencies['onnx-proto'] },
    bundledDependencies: ['onnx-proto'],
    jsii: {
      outdir: 'dist',
      versionFormat: 'full',
      targets: { python: pythonNames('core') },
      tsc: { outDir: '.', rootDir: '.' },
      excludeTypescript: ['**/*.test.ts'],
    },
  };
}

/**
 * The jsii manifest of a backend's assembly: the core assembly (same version: one version number tells which
 * core and backend belong together) and the target's toolkit as peers, at the npm package's ranges.
 */
export function targetManifest(target) {
  const { toolkit, typeOnly } = TARGETS[target];
  const peers = { [CORE_NAME]: pkg.version };
  const dev = { [CORE_NAME]: pkg.version };
  for (const name of toolkit) {
    peers[name] = pkg.peerDependencies[name];
    dev[name] = pkg.devDependencies[name];
  }
  for (const name of typeOnly) dev[name] = pkg.devDependencies[name];
  return {
    name: `${pkg.name}-${target}`,
    version: pkg.version,
    description: `${pkg.description} (${target} backend, jsii assembly)`,
    license: pkg.license,
    author,
    repository,
    main: `constructs/${target}/index.js`,
    types: `constructs/${target}/index.d.ts`,
    peerDependencies: peers,
    devDependencies: dev,
    jsii: {
      outdir: 'dist',
      versionFormat: 'full',
      targets: { python: pythonNames(target) },
      tsc: { outDir: '.', rootDir: '.' },
      excludeTypescript: ['**/*.test.ts'],
    },
  };
}

/** The packages `names` need at run time, themselves included, as installed (hoisted) in the repository. */
export function runtimeClosure(names, { peers = false, allowNested = false } = {}) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    const dir = join(root, 'node_modules', name);
    if (!existsSync(dir)) return;
    if (!allowNested && existsSync(join(dir, 'node_modules'))) throw new Error(`${name} has a nested node_modules; copy it by hand`);
    seen.add(name);
    const own = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(own.dependencies ?? {})) visit(dep);
    if (peers) for (const dep of Object.keys(own.peerDependencies ?? {})) visit(dep);
  };
  names.forEach(visit);
  return [...seen].sort();
}

/** Relative module specifiers a TypeScript source imports or re-exports (static and type-only alike). */
function relativeImports(source) {
  return [...source.matchAll(/(?:\bfrom\s+|\bimport\s+|\bimport\(\s*|\brequire\(\s*)'(\.{1,2}\/[^']*)'/g)].map((m) => m[1]);
}

/** The file a relative specifier names, as TypeScript resolves it. */
function resolveSource(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [`${base}.ts`, `${base}.d.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && !candidate.endsWith(sep) && /\.ts$/.test(candidate)) return candidate;
  }
  throw new Error(`${relative(root, fromFile)}: cannot resolve ${spec}`);
}

/** Every source file `entry` reaches through relative imports, itself included (handlers it never imports stay out). */
export function importClosure(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) visit(resolveSource(file, spec));
  };
  visit(entry);
  return [...seen].sort();
}

/**
 * A backend source with its imports of lib/ pointed at the core package: `../../lib` -> the core's root,
 * `../../lib/backend` -> `<core>/lib/backend` (the same module the core assembly ships, so shared state such
 * as the warnings registry stays one instance).
 */
export function rewriteLibImports(file, source) {
  const lib = join(root, 'lib');
  return source.replace(/(\bfrom\s+|\bimport\s+|\bimport\(\s*)'(\.{1,2}\/[^']*)'/g, (whole, lead, spec) => {
    const target = resolve(dirname(file), spec);
    if (target !== lib && !target.startsWith(lib + sep)) return whole;
    const sub = relative(lib, target).split(sep).join('/');
    return `${lead}'${sub === '' || sub === 'index' ? CORE_NAME : `${CORE_NAME}/lib/${sub}`}'`;
  });
}

function run(cmd, args, cwd) {
  execFileSync(cmd, args, { cwd, stdio: 'inherit' });
}

const bin = (name) => join(root, 'node_modules', '.bin', name);

function linkModule(modules, name, from = join(root, 'node_modules', name)) {
  const at = join(modules, name);
  if (existsSync(at)) return;
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(from, at, 'dir');
}

/** Stages the core project (lib/) in .jsii-build/core; returns its folder. */
function stageCore() {
  const stage = join(buildDir, 'core');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  cpSync(join(root, 'lib'), join(stage, 'lib'), { recursive: true, filter: (src) => !src.endsWith('.test.ts') });
  // jsii puts the README into the Python package's long description (PyPI requires one).
  cpSync(join(root, 'lib', 'README.md'), join(stage, 'README.md'));
  const manifest = coreManifest();
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // A node_modules of its own: the bundled dependencies and everything they require as real copies (npm pack
  // bundles only what it finds there, and missed protobufjs when the repository's hoisted tree was linked in),
  // the jsii and type-only dependencies as links to the repository's install.
  const modules = join(stage, 'node_modules');
  mkdirSync(join(modules, '@types'), { recursive: true });
  const bundled = runtimeClosure(Object.keys(manifest.dependencies));
  for (const name of bundled) {
    cpSync(join(root, 'node_modules', name), join(modules, name), { recursive: true, dereference: true });
  }
  for (const name of ['constructs', '@types/node', 'undici-types'].filter((n) => !bundled.includes(n))) linkModule(modules, name);
  return stage;
}

/**
 * The core package as a dependent project sees it once installed: its manifest, assembly and compiled
 * declarations and JavaScript, no TypeScript sources (TypeScript would otherwise resolve `<core>/lib/x` to
 * x.ts and compile the core again inside the dependent project).
 */
function installCore(modules) {
  const core = join(buildDir, 'core');
  const keep = (src) => {
    const top = relative(core, src).split(sep)[0];
    // node_modules: the bundled dependencies matter at run time only, where the core's own tarball brings them.
    if (['node_modules', 'dist', 'tsconfig.json', 'tsconfig.tsbuildinfo', '.npmignore'].includes(top)) return false;
    return !(src.endsWith('.ts') && !src.endsWith('.d.ts'));
  };
  cpSync(core, join(modules, CORE_NAME), { recursive: true, filter: keep });
}

/**
 * Stages a backend's project in .jsii-build/<target>: the files constructs/<target>/index.ts reaches, their
 * lib/ imports pointed at the core package, a node_modules with the core (as installed), the toolkit and the
 * type-only packages. Needs the core's assembly. Returns its folder.
 */
function stageTarget(target) {
  const stage = join(buildDir, target);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const files = importClosure(join(root, 'constructs', target, 'index.ts'));
  const own = (f, dir) => f.startsWith(join(root, dir) + sep);
  const borrowed = (TARGETS[target].borrowed ?? []).map((f) => join(root, f));
  for (const file of borrowed) {
    const beyond = importClosure(file).filter((f) => f !== file && !own(f, 'lib'));
    if (beyond.length > 0) throw new Error(`${relative(root, file)}, borrowed by constructs/${target}, imports more than lib/: ${beyond.map((f) => relative(root, f)).join(', ')}`);
  }
  const outside = files.filter((f) => !own(f, join('constructs', target)) && !own(f, 'lib') && !borrowed.includes(f));
  if (outside.length > 0) throw new Error(`constructs/${target} imports outside its folder and lib/: ${outside.map((f) => relative(root, f)).join(', ')}`);
  for (const file of files.filter((f) => own(f, 'constructs'))) {
    const to = join(stage, relative(root, file));
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, rewriteLibImports(file, readFileSync(file, 'utf8')));
  }
  cpSync(join(root, 'lib', 'README.md'), join(stage, 'README.md'));
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(targetManifest(target), null, 2)}\n`);
  const modules = join(stage, 'node_modules');
  mkdirSync(modules, { recursive: true });
  installCore(modules);
  const { toolkit, typeOnly } = TARGETS[target];
  for (const name of runtimeClosure([...toolkit, ...typeOnly, '@types/node'], { peers: true, allowNested: true })) linkModule(modules, name);
  return stage;
}

/** jsii in `dir`, its output kept and printed after a banner (the jsii runs of the backends overlap). */
function compile(target, dir) {
  const started = Date.now();
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn(bin('jsii'), ['--silence-warnings=reserved-word'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    child.on('error', rejectRun);
    child.on('close', (code) => {
      process.stdout.write(`=== jsii ${target} (${((Date.now() - started) / 1000).toFixed(1)} s, exit ${code}) ===\n${log}\n`);
      if (code === 0) resolveRun();
      else rejectRun(new Error(`jsii failed for ${target} (exit ${code})`));
    });
  });
}

async function main() {
  const named = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const unknown = named.filter((t) => t !== 'core' && !(t in TARGETS));
  if (unknown.length > 0) throw new Error(`unknown target(s) ${unknown.join(', ')}: use core, ${Object.keys(TARGETS).join(', ')}`);
  const wanted = named.length > 0 ? named : ['core', ...Object.keys(TARGETS)];
  const started = Date.now();
  const dirs = [];
  if (wanted.includes('core') || !existsSync(join(buildDir, 'core', '.jsii'))) {
    const dir = stageCore();
    await compile('core', dir);
    if (wanted.includes('core')) dirs.push(dir);
  }
  const backends = wanted.filter((t) => t !== 'core');
  const backendDirs = backends.map(stageTarget);
  // The backends depend on the core only: their jsii runs overlap (each mostly loads its toolkit's assemblies).
  const failures = (await Promise.allSettled(backends.map((t, i) => compile(t, backendDirs[i])))).filter((r) => r.status === 'rejected');
  if (failures.length > 0) throw new Error(failures.map((f) => f.reason.message).join('; '));
  dirs.push(...backendDirs);
  // One jsii-pacmak run for every package: it loads the shared dependency assemblies once.
  if (python && dirs.length > 0) run(bin('jsii-pacmak'), [...dirs, '--code-only', '--targets', 'python'], root);
  console.log(`jsii build (${wanted.join(', ')}): ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
