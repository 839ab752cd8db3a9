#!/usr/bin/env node
/**
 * Writes runtime/image/package-lock.json: onnxruntime-node and its dependency closure, cut out of the
 * repository's package-lock.json, so the image installs (npm ci) exactly the versions and integrity hashes
 * the tests ran with. The image's build context is runtime/ alone, hence a lockfile of its own.
 *
 *   node scripts/image-lockfile.mjs          # write
 *   node scripts/image-lockfile.mjs --check  # exit 1 if the committed file differs
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const image = JSON.parse(readFileSync(join(root, 'runtime', 'image', 'package.json'), 'utf8'));
const packages = lock.packages;

/** npm's resolution: the dependency's folder nearest to `from`, walking up the node_modules chain. */
function resolve(from, name) {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) throw new Error(`${name} (needed by ${from || 'the image'}) is not in package-lock.json`);
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

const picked = new Map();
function visit(path) {
  if (picked.has(path)) return;
  const entry = packages[path];
  picked.set(path, entry);
  for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) visit(resolve(path, dep));
}
for (const [name, version] of Object.entries(image.dependencies)) {
  const path = resolve('', name);
  if (packages[path].version !== version) throw new Error(`runtime/image/package.json wants ${name}@${version}; package-lock.json has ${packages[path].version}`);
  visit(path);
}

const out = {
  name: image.name,
  version: image.version,
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: image.name, version: image.version, license: image.license, dependencies: image.dependencies },
    ...Object.fromEntries(
      [...picked.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([path, entry]) => {
        const { dev, devOptional, peer, ...kept } = entry;
        return [path, kept];
      }),
    ),
  },
};
const text = `${JSON.stringify(out, null, 2)}\n`;
const target = join(root, 'runtime', 'image', 'package-lock.json');
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    process.stderr.write('runtime/image/package-lock.json is not the closure of package-lock.json: run node scripts/image-lockfile.mjs\n');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
