#!/usr/bin/env node
// Builds the jsii assembly of the cloud-neutral core (lib/) and the Python source that jsii-pacmak makes from it,
// outside the npm build: the npm package (tsc -p tsconfig.build.json, dist/) is untouched by this script.
//
// Layout and why: lib/README.md "jsii and Python". In short: one jsii assembly per target (this script builds
// the core one), because a jsii package's peer dependencies become its Python package's hard requirements.
//
// Usage: node scripts/jsii/build.mjs [--no-python]
//   out: .jsii-build/core/            staging copy of lib/ + generated package.json/tsconfig, the .jsii assembly
//        .jsii-build/core/dist/python  the Python source (jsii-pacmak --code-only; no wheel: needs PyPI)
//        node scripts/jsii/build.mjs --check-aws
//   out: .jsii-build/aws-check/       a compile check only: lib/ and constructs/aws/ in one flat assembly, jsii
//        with zero errors or a non-zero exit; not the shipping layout (the aws assembly, a jsii dependent of the
//        core one, is not built yet: lib/README.md "jsii and Python").
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const stage = join(root, '.jsii-build', 'core');
const python = !process.argv.includes('--no-python');

/** The jsii manifest of the core assembly, derived from the npm package's own manifest (one place for versions). */
export function coreManifest() {
  return {
    name: `${pkg.name}-core`,
    version: pkg.version,
    description: `${pkg.description} (cloud-neutral core, jsii assembly)`,
    license: pkg.license,
    author: { name: 'model-serving-constructs maintainers', roles: ['author'] },
    // jsii requires a repository; the project has no public one yet (README "verified only on paper").
    repository: { type: 'git', url: 'https://example.invalid/model-serving-constructs.git' },
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
      targets: {
        python: { distName: 'model-serving-constructs', module: 'model_serving_constructs' },
      },
      tsc: { outDir: '.', rootDir: '.' },
      excludeTypescript: ['**/*.test.ts'],
    },
  };
}

/** The packages `names` need at run time, themselves included, as installed (hoisted) in the repository. */
export function runtimeClosure(names) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    const dir = join(root, 'node_modules', name);
    if (existsSync(join(dir, 'node_modules'))) throw new Error(`${name} has a nested node_modules; copy it by hand`);
    seen.add(name);
    const own = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(own.dependencies ?? {})) visit(dep);
  };
  names.forEach(visit);
  return [...seen].sort();
}

function run(cmd, args, cwd) {
  execFileSync(cmd, args, { cwd, stdio: 'inherit' });
}

function main() {
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
  for (const name of ['constructs', '@types/node', 'undici-types'].filter((n) => !bundled.includes(n))) {
    symlinkSync(join(root, 'node_modules', name), join(modules, name), 'dir');
  }
  const bin = (name) => join(root, 'node_modules', '.bin', name);
  run(bin('jsii'), ['--silence-warnings=reserved-word'], stage);
  if (python) run(bin('jsii-pacmak'), ['--code-only', '--targets', 'python', '--outdir', 'dist'], stage);
}

/** lib/ and constructs/aws/ compiled together by jsii (flat: jsii does not follow `export type` into submodules). */
function checkAws() {
  const dir = join(root, '.jsii-build', 'aws-check');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'constructs'), { recursive: true });
  const notTests = (src) => !src.endsWith('.test.ts');
  cpSync(join(root, 'lib'), join(dir, 'lib'), { recursive: true, filter: notTests });
  cpSync(join(root, 'constructs', 'aws'), join(dir, 'constructs', 'aws'), { recursive: true, filter: notTests });
  cpSync(join(root, 'lib', 'README.md'), join(dir, 'README.md'));
  writeFileSync(join(dir, 'index.ts'), "export * from './lib';\nexport * from './constructs/aws';\n");
  const core = coreManifest();
  const peers = { 'aws-cdk-lib': pkg.peerDependencies['aws-cdk-lib'], constructs: pkg.peerDependencies.constructs };
  const manifest = {
    ...core,
    name: `${pkg.name}-aws-check`,
    main: 'index.js',
    types: 'index.d.ts',
    peerDependencies: peers,
    devDependencies: { 'aws-cdk-lib': pkg.devDependencies['aws-cdk-lib'], constructs: pkg.devDependencies.constructs },
    jsii: {
      ...core.jsii,
      targets: {},
      // The Lambda handlers are bundled by scripts/build-handlers.mjs, not part of the construct API.
      excludeTypescript: ['**/*.test.ts', 'constructs/aws/*/handler.ts'],
    },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  run(join(root, 'node_modules', '.bin', 'jsii'), ['--silence-warnings=reserved-word'], dir);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check-aws')) checkAws();
  else main();
}
