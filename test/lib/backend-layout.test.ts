// Every registered backend folder (scripts/backends.json) has the inner layout lib/README.md's table
// ("The inside of a backend folder", between the backend-layout markers) writes down: the same files for the
// same concerns, the ModelEndpoint constructor as a list of steps, one handler folder shape.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BACKENDS } from '../../scripts/backends';

const ROOT = join(__dirname, '..', '..');

interface LayoutRow {
  readonly path: string;
  readonly backends: readonly string[] | 'all';
}

/** The table rows: `| \`path\` | backends | what |`. */
function layoutRows(readme: string): LayoutRow[] {
  const m = /<!-- backend-layout:start -->([\s\S]*?)<!-- backend-layout:end -->/.exec(readme);
  if (!m) throw new Error('lib/README.md has no backend-layout table');
  return m[1].split('\n').flatMap((line) => {
    const cells = /^\|\s*`([^`]+)`\s*\|\s*([^|]+?)\s*\|/.exec(line);
    if (!cells) return [];
    return [{ path: cells[1], backends: cells[2] === 'all' ? 'all' as const : cells[2].split(',').map((b) => b.trim()) }];
  });
}

const ROWS = layoutRows(readFileSync(join(ROOT, 'lib', 'README.md'), 'utf8'));
const appliesTo = (row: LayoutRow, id: string) => row.backends === 'all' || row.backends.includes(id);

/** Lines of the ModelEndpoint class's constructor, from `constructor(` to its closing brace. */
function constructorLines(source: string): number {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => /^ {2}constructor\(scope/.test(l));
  if (start < 0) throw new Error('no constructor(scope, ...) in model-endpoint.ts');
  const end = lines.findIndex((l, i) => i > start && l === '  }');
  return end - start;
}

test('the table names the files and folders the checklist relies on', () => {
  const paths = ROWS.map((r) => r.path);
  for (const p of ['index.ts', 'capabilities.ts', 'model-endpoint.ts', 'endpoint-checks.ts', 'canary-rollout.ts', 'budget-guard.ts',
    'gpu-node-pool.ts', 'gateway.ts', 'dashboard.ts', '<name>/handler.ts', '<name>/environment.ts']) {
    expect(paths).toContain(p);
  }
  // Every backend a row names is registered.
  for (const r of ROWS) if (r.backends !== 'all') for (const b of r.backends) expect(BACKENDS.map((x) => x.id)).toContain(b);
});

test('the constructor measure counts from constructor( to its closing brace', () => {
  expect(constructorLines('class A {\n  constructor(scope: X) {\n    a();\n    b();\n  }\n}\n')).toBe(3);
});

describe.each(BACKENDS.map((b) => [b.id] as const))('constructs/%s', (id) => {
  const dir = join(ROOT, 'constructs', id);
  const entries = readdirSync(dir, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => e.name);
  const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  const rows = ROWS.filter((r) => appliesTo(r, id));

  test('has every file the table names for it', () => {
    const missing = rows.filter((r) => !r.path.includes('*') && !r.path.includes('<') && !r.path.endsWith('/') && !files.includes(r.path)).map((r) => r.path);
    expect(missing).toEqual([]);
  });

  test('every endpoint-*.ts is a helper of model-endpoint.ts (imported by it, or by another endpoint-*.ts)', () => {
    const helpers = files.filter((f) => /^endpoint-.*\.ts$/.test(f));
    expect(helpers).toEqual(expect.arrayContaining(['endpoint-checks.ts', 'endpoint-network.ts', 'endpoint-alarms.ts', 'endpoint-autoscaling.ts']));
    const importers = ['model-endpoint.ts', ...helpers].map((f) => readFileSync(join(dir, f), 'utf8'));
    const orphans = helpers.filter((h) => !importers.some((src) => src.includes(`from './${h.replace(/\.ts$/, '')}'`)));
    expect(orphans).toEqual([]);
  });

  test('the ModelEndpoint constructor is a list of steps (at most 170 lines; on main before the split: Azure 327, Google Cloud 258)', () => {
    expect(constructorLines(readFileSync(join(dir, 'model-endpoint.ts'), 'utf8'))).toBeLessThanOrEqual(170);
  });

  test('every folder is a handler folder (<name>/handler.ts) or a support folder the table names for this backend', () => {
    const support = rows.filter((r) => r.path.endsWith('/') && !r.path.startsWith('<')).map((r) => r.path.slice(0, -1));
    const stray = folders.filter((f) => !existsSync(join(dir, f, 'handler.ts')) && !support.includes(f));
    expect(stray).toEqual([]);
  });

  test('environment tables live only in a handler folder\'s environment.ts', () => {
    const misplaced: string[] = [];
    const scan = (rel: string): void => {
      for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
        const path = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) scan(path);
        else if (e.name.endsWith('.ts') && /\bEnvFields\.|\bEnvTable</.test(readFileSync(join(dir, path), 'utf8'))) {
          const [folder, file, ...rest] = path.split('/');
          if (!(file === 'environment.ts' && rest.length === 0 && existsSync(join(dir, folder, 'handler.ts')))) misplaced.push(path);
        }
      }
    };
    scan('');
    expect(misplaced).toEqual([]);
  });
});

describe('each backend reaches only its own folder, lib/ and the tables it borrows (what its jsii assembly can stage)', () => {
  // scripts/jsii/build.mjs stages one assembly per backend from the files constructs/<target>/index.ts reaches and
  // refuses any other backend's file it has not declared as borrowed (TARGETS[target].borrowed, data-only tables
  // that import lib/ only). The same closure, checked here in the inner loop, so a new cross-backend import fails
  // in `npm test` and not only in test:all's jsii suite.
  const script = [
    "import { importClosure, TARGETS } from './scripts/jsii/build.mjs';",
    "import { relative } from 'node:path';",
    'const out = {};',
    "for (const [t, spec] of Object.entries(TARGETS)) out[t] = { files: importClosure(process.cwd() + '/constructs/' + t + '/index.ts').map((f) => relative(process.cwd(), f)), borrowed: spec.borrowed ?? [], borrowedReach: Object.fromEntries((spec.borrowed ?? []).map((b) => [b, importClosure(process.cwd() + '/' + b).map((f) => relative(process.cwd(), f))])) };",
    'console.log(JSON.stringify(out));',
  ].join('\n');
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  const closures = JSON.parse(execFileSync('node', ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })) as
    Record<string, { files: string[]; borrowed: string[]; borrowedReach: Record<string, string[]> }>;

  test.each(Object.keys(closures))('%s', (target) => {
    const { files, borrowed, borrowedReach } = closures[target];
    expect(files.filter((f) => !f.startsWith(`constructs/${target}/`) && !f.startsWith('lib/') && !borrowed.includes(f))).toEqual([]);
    for (const [file, reach] of Object.entries(borrowedReach)) expect(reach.filter((f) => f !== file && !f.startsWith('lib/'))).toEqual([]);
  });

  test('the Kubernetes backend borrows exactly the AWS and Google Cloud accelerator tables', () => {
    expect(closures.k8s.borrowed).toEqual(['constructs/aws/accelerators.ts', 'constructs/gcp/accelerators.ts']);
    expect(closures.k8s.files).toEqual(expect.arrayContaining(closures.k8s.borrowed));
  });
});

describe('every handler folder has one shape: handler.ts (the entry), its logic beside it, and its input', () => {
  // lib/README.md "The inside of a backend folder": `<name>/handler.ts` is the entry scripts/build-handlers.mjs
  // bundles, the logic lives in its own file, and the input is `environment.ts` (a shared environment table) or,
  // for the two functions configured otherwise, their input type.
  const INPUT_NOT_ENVIRONMENT: Record<string, string> = { 'aws/rollout-controller': 'input.ts', 'gcp/vertex-deployer': 'deployer.ts' };
  const folders = BACKENDS.flatMap((b) => readdirSync(join(ROOT, 'constructs', b.id), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(ROOT, 'constructs', b.id, d.name, 'handler.ts')))
    .map((d) => `${b.id}/${d.name}`));

  test('there are handler folders on the three clouds', () => {
    expect(folders.length).toBeGreaterThanOrEqual(9);
  });

  test.each(folders)('%s', (folder) => {
    const files = readdirSync(join(ROOT, 'constructs', folder)).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('handler.ts');
    expect(files).toContain(INPUT_NOT_ENVIRONMENT[folder] ?? 'environment.ts');
    // The logic is not in the entry: at least one more file besides handler.ts and the input.
    expect(files.filter((f) => f !== 'handler.ts' && f !== 'environment.ts').length).toBeGreaterThan(0);
    // The entry stays short (what the platform calls, wired to the logic).
    expect(readFileSync(join(ROOT, 'constructs', folder, 'handler.ts'), 'utf8').split('\n').length).toBeLessThanOrEqual(60);
  });
});
