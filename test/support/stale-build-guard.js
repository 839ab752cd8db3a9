/**
 * jest globalSetup: never test a stale bundle. The runtime tests start runtime/dist/{main,worker}.js and the
 * constructs package dist/handlers/**; `npm test` builds both first, but a single-file run (`npx jest <file>`)
 * after an edit would otherwise test the previous build. When a source is newer than its bundle (or the bundle is
 * missing), rebuild it before any test runs and say so.
 */
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

/** Newest modification time (ms) of the .ts/.js/.mjs/.json files under each folder; 0 when none. */
function newestSource(dirs) {
  let newest = 0;
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name === '__snapshots__') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js|mjs|json|proto)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  dirs.forEach(walk);
  return newest;
}

/** Oldest modification time (ms) of the files under a folder, or of the given files; -1 when any is missing. */
function oldestOutput(paths) {
  let oldest = Infinity;
  const visit = (p) => {
    if (!existsSync(p)) { oldest = -1; return; }
    const s = statSync(p);
    if (s.isDirectory()) {
      const entries = readdirSync(p);
      if (entries.length === 0) { oldest = -1; return; }
      entries.forEach((e) => oldest !== -1 && visit(join(p, e)));
    } else oldest = Math.min(oldest, s.mtimeMs);
  };
  for (const p of paths) if (oldest !== -1) visit(p);
  return oldest === Infinity ? -1 : oldest;
}

/** The bundles of this repository and what each is built from. */
function bundles(root) {
  return [
    {
      name: 'the model server (runtime/dist)',
      sources: [join(root, 'runtime', 'src'), join(root, 'lib')],
      outputs: [join(root, 'runtime', 'dist', 'main.js'), join(root, 'runtime', 'dist', 'worker.js')],
      build: ['npm', ['run', 'build', '-w', 'runtime']],
    },
    {
      name: 'the function handlers (dist/handlers)',
      sources: [join(root, 'constructs'), join(root, 'lib')],
      outputs: [join(root, 'dist', 'handlers')],
      build: [process.execPath, [join(root, 'scripts', 'build-handlers.mjs')]],
    },
  ];
}

/** The bundles whose sources are newer than their outputs (or whose outputs are missing). */
function staleBundles(root) {
  return bundles(root).filter((b) => {
    const out = oldestOutput(b.outputs);
    return out < 0 || newestSource(b.sources) > out;
  });
}

module.exports = async function staleBuildGuard() {
  const root = join(__dirname, '..', '..');
  for (const b of staleBundles(root)) {
    process.stderr.write(`\n[stale-build-guard] ${b.name} is older than its sources: rebuilding before the tests run\n`);
    execFileSync(b.build[0], b.build[1], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
};
module.exports.staleBundles = staleBundles;
module.exports.newestSource = newestSource;
module.exports.oldestOutput = oldestOutput;
