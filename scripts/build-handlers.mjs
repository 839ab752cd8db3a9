// Bundles every function handler the constructs deploy (constructs/<target>/<name>/handler.ts) into
// dist/handlers/<target>/<name>/index.js, so a consumer's synth never needs esbuild or a handler's own
// dependencies: the package ships them built, as aws-cdk-lib ships its custom-resource handlers.
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Per target: the runtime the handlers run on, and what that runtime already provides. From the one backend
 * registry (scripts/backends.json), plus the Terraform stacks' own Node tools.
 */
const registry = JSON.parse(readFileSync(join(root, 'scripts', 'backends.json'), 'utf8'));
const TARGETS = Object.fromEntries([
  ...registry.backends.filter((b) => b.handlers).map((b) => [b.id, b.handlers]),
  ['tools', registry.tools.handlers],
]);

const entries = [];
for (const [target, options] of Object.entries(TARGETS)) {
  const base = join(root, 'constructs', target);
  if (!existsSync(base)) continue;
  for (const name of readdirSync(base, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    const entry = join(base, name, 'handler.ts');
    if (existsSync(entry)) entries.push({ target, name, entry, options });
  }
}

const outBase = join(root, 'dist', 'handlers');
rmSync(outBase, { recursive: true, force: true });
await Promise.all(
  entries.map(({ target, name, entry, options }) =>
    build({
      entryPoints: [entry],
      outfile: join(outBase, target, name, 'index.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: options.target,
      minify: true,
      external: options.external,
      legalComments: 'none',
      logLevel: 'warning',
    }),
  ),
);
for (const { target, name, options } of entries) {
  if (options.packageJson) {
    writeFileSync(join(outBase, target, name, 'package.json'), `${JSON.stringify({ name: `${target}-${name}`, private: true, ...options.packageJson }, null, 2)}\n`);
  }
}
console.log(`bundled ${entries.length} handler(s) into dist/handlers: ${entries.map((e) => `${e.target}/${e.name}`).join(', ')}`);
