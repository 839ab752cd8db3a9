/**
 * Slow suite. A new user's first synth, as the README's "From `cdk init` / `cdk8s init` / `cdktf init` to
 * synth" section tells it: each toolkit's own CLI at the README's version makes the project from its own
 * template (`cdk init app --language typescript`, `cdk8s init typescript-app`,
 * `cdktf init --template=typescript --local`), the packed tarball is installed into it, the README's file
 * replaces the template's entry point, `tsc` type-checks it with the template's tsconfig and TypeScript and
 * WITHOUT skipLibCheck (so our published .d.ts are checked against the consumer's settings: `"module":
 * "CommonJS"`, node10 resolution, for cdk8s and cdktf), and the toolkit's CLI synthesizes it.
 *
 * The README blocks after a `<!-- first-synth:<target>:<step> -->` marker are run verbatim; the only
 * substitutions: `npx <cli>@<version>` runs the CLI installed here at that version, `npm install
 * model-serving-constructs` installs the tarball, `cp ../model.onnx` takes the repository's demo model, and the
 * Azure budget's `startDate: 'YYYY-MM-01'` becomes the current month (what the README tells a user to type: Azure
 * refuses a new budget that starts in a past month, and so does BudgetGuard).
 * Only the npm registry is reachable here: `cdk8s init` ends with `cdk8s import k8s`, which downloads the
 * Kubernetes schema from raw.githubusercontent.com; that one step is allowed to fail (the library does not
 * use the imports), anything else fails the test.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const MODEL = join(ROOT, 'examples', 'models', 'digits-classifier', '1', 'model.onnx');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const PACKAGE = 'model-serving-constructs';
/** npm package of each CLI -> its binary. */
const CLI_BINARIES: Record<string, string> = { 'aws-cdk': 'cdk', 'cdk8s-cli': 'cdk8s', 'cdktf-cli': 'cdktf' };

jest.setTimeout(3_600_000);

/** The code block after `<!-- first-synth:<target>:<step> -->` in the README. */
function readmeBlock(target: string, step: string): string {
  const marker = `<!-- first-synth:${target}:${step} -->`;
  const at = README.indexOf(marker);
  if (at < 0) throw new Error(`README has no ${marker}`);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(README.slice(at + marker.length));
  if (!m) throw new Error(`no code block after ${marker}`);
  return m[1];
}

/** `file <path>` markers of a target: the files the README has the user write. */
function readmeFiles(target: string): { path: string; content: string }[] {
  const re = new RegExp(`<!-- first-synth:${target}:file (\\S+) -->`, 'g');
  return [...README.matchAll(re)].map((m) => ({ path: m[1], content: readmeBlock(target, `file ${m[1]}`) }));
}

const commandLines = (block: string) => block.split('\n').map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));

let work: string;
let tarball: string;
let clis: string;
const cliVersions: Record<string, string> = {};

const ENV = {
  ...process.env,
  ONNXRUNTIME_NODE_INSTALL: 'skip',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  npm_config_update_notifier: 'false',
  CHECKPOINT_DISABLE: '1', // cdktf: no version check
  CDK_DISABLE_VERSION_CHECK: '1',
  CI: 'true',
};

function exec(command: string, args: string[], cwd: string): { ok: boolean; output: string } {
  try {
    const out = execFileSync(command, args, { cwd, env: ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
    return { ok: true, output: out };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}` };
  }
}

function mustExec(command: string, args: string[], cwd: string): string {
  const r = exec(command, args, cwd);
  if (!r.ok) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${r.output.slice(-6000)}`);
  return r.output;
}

/** Runs one README command line in `dir`, with the substitutions described at the top. */
function runLine(line: string, dir: string): void {
  const words = line.split(/\s+/);
  if (words[0] === 'npx' && /^(@?[^@]+)@(\d[^ ]*)$/.test(words[1]) && CLI_BINARIES[words[1].replace(/@\d.*$/, '')]) {
    const [, pkg, version] = /^(@?[^@]+)@(\d[^ ]*)$/.exec(words[1])!;
    expect(cliVersions[pkg]).toBe(version);
    const bin = join(clis, 'node_modules', '.bin', CLI_BINARIES[pkg]);
    const r = exec(bin, words.slice(2), dir);
    if (!r.ok) {
      // The one allowed failure: cdk8s init's last steps need GitHub (see the top of this file).
      const offlineImport = pkg === 'cdk8s-cli' && words[2] === 'init' && /npm run import/.test(r.output) && /raw\.githubusercontent\.com/.test(r.output);
      if (!offlineImport) throw new Error(`${line} failed:\n${r.output.slice(-6000)}`);
      expect(existsSync(join(dir, 'node_modules', 'cdk8s'))).toBe(true);
    }
    return;
  }
  if (words[0] === 'npm' && words[1] === 'install') {
    mustExec('npm', ['install', '--prefer-offline', ...words.slice(2).map((w) => (w === PACKAGE ? tarball : w))], dir);
    return;
  }
  if (words[0] === 'cp' && words[1] === '../model.onnx') {
    copyFileSync(MODEL, join(dir, words[2]));
    return;
  }
  if (words[0] === 'npx') {
    mustExec('npx', ['--no-install', ...words.slice(1)], dir);
    return;
  }
  throw new Error(`the test does not know how to run README line: ${line}`);
}

/** init + install (commands block) in `<work>/<target>/digits`. */
function createProject(target: string): string {
  const dir = join(work, target, 'digits');
  mkdirSync(dir, { recursive: true });
  for (const line of commandLines(readmeBlock(target, 'commands'))) runLine(line, dir);
  return dir;
}

function writeFilesAndSynth(target: string, dir: string): void {
  const files = readmeFiles(target);
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) {
    // The README replaces a file the template wrote; a path the template does not have means the README is stale.
    expect(existsSync(join(dir, f.path))).toBe(true);
    writeFileSync(join(dir, f.path), f.content.replace(/startDate: '\d{4}-\d{2}-01'/g, `startDate: '${new Date().toISOString().slice(0, 7)}-01'`));
  }
  for (const line of commandLines(readmeBlock(target, 'synth'))) runLine(line, dir);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'msc-first-synth-'));
  // The CLIs at the versions the README names.
  const wanted = new Set<string>();
  for (const m of README.matchAll(/npx ((?:aws-cdk|cdk8s-cli|cdktf-cli)@\d[^\s]*)/g)) wanted.add(m[1]);
  clis = join(work, 'clis');
  mkdirSync(clis);
  writeFileSync(join(clis, 'package.json'), JSON.stringify({ name: 'clis', private: true }));
  mustExec('npm', ['install', '--prefer-offline', '--no-package-lock', ...wanted], clis);
  for (const spec of wanted) {
    const name = spec.replace(/@\d.*$/, '');
    cliVersions[name] = (JSON.parse(readFileSync(join(clis, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  }
  // `npm test` has built the server and the handlers; compile the library and pack it without prepack.
  mustExec(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], ROOT);
  const out = JSON.parse(mustExec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT)) as { filename: string }[];
  tarball = join(work, out[0].filename);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the published declarations import only this package, constructs and the toolkits (no devDependency types)', () => {
  const allowed = /^(constructs|aws-cdk-lib(\/.*)?|cdk8s|cdktf(\/.*)?|@cdktf\/provider-(google|azurerm)\/lib\/.*)$/;
  const offending: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.d.ts')) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/(?:from\s+|import\(\s*|require\(\s*|reference types=)['"]([^'"]+)['"]/g)) {
          const spec = m[1];
          if (spec.startsWith('.')) {
            if (!existsSync(join(d, `${spec}.d.ts`)) && !existsSync(join(d, spec, 'index.d.ts'))) offending.push(`${p}: ${spec} (not shipped)`);
          } else if (!allowed.test(spec) || (p.includes('/constructs/k8s/') && !/^(constructs|cdk8s)$/.test(spec)) || (p.includes('/dist/lib/') && spec !== 'constructs')) {
            offending.push(`${p}: ${spec}`);
          }
        }
      }
    }
  };
  walk(join(ROOT, 'dist'));
  expect(offending).toEqual([]);
});

test('AWS: cdk init app --language typescript, tsc without skipLibCheck, cdk synth', () => {
  const dir = createProject('aws');
  writeFilesAndSynth('aws', dir);
  const template = JSON.parse(readFileSync(join(dir, 'cdk.out', 'DigitsStack.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
  expect(Object.values(template.Resources).map((r) => r.Type)).toEqual(expect.arrayContaining([
    'AWS::SageMaker::Model', 'AWS::SageMaker::Endpoint', 'AWS::Budgets::Budget', 'AWS::Lambda::Function', 'AWS::CloudWatch::Alarm',
  ]));
  // README: the enforcer ships pre-bundled; synth copies the shipped file byte for byte (the cdk template
  // itself brings esbuild through tsx, so its absence cannot be the check here; pack-install.test.ts checks it).
  const shipped = readFileSync(join(dir, 'node_modules', PACKAGE, 'dist', 'handlers', 'aws', 'budget-enforcer', 'index.js'), 'utf8');
  const copies = readdirSync(join(dir, 'cdk.out')).map((d) => join(dir, 'cdk.out', d, 'index.js')).filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8'));
  expect(copies).toContain(shipped);
});

test('Kubernetes: cdk8s init typescript-app (node10 resolution), tsc without skipLibCheck, cdk8s synth', () => {
  const dir = createProject('k8s');
  // The template's own settings, which this test relies on reproducing.
  const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
  expect(tsconfig.compilerOptions.module).toBe('CommonJS');
  expect(tsconfig.compilerOptions.moduleResolution).toBeUndefined();
  expect(tsconfig.compilerOptions.skipLibCheck).toBeUndefined();
  writeFilesAndSynth('k8s', dir);
  const yaml = readFileSync(join(dir, 'dist', 'digits.k8s.yaml'), 'utf8');
  for (const kind of ['Rollout', 'AnalysisTemplate', 'VirtualService', 'DestinationRule', 'Service', 'HorizontalPodAutoscaler', 'NetworkPolicy']) {
    expect(yaml).toMatch(new RegExp(`^kind: ${kind}$`, 'm'));
  }
  // The same project type-checks under the other resolutions a consumer may pick (exports, not typesVersions).
  for (const [module, resolution] of [['node16', 'node16'], ['nodenext', 'nodenext'], ['esnext', 'bundler']]) {
    mustExec('npx', ['--no-install', 'tsc', '--noEmit', '--skipLibCheck', 'false', '--module', module, '--moduleResolution', resolution], dir);
  }
  // README: the Dockerfiles and the bundle they copy are where the docker build line points.
  const build = /^docker build -f (\S+) -t \S+ (\S+)$/m.exec(README.slice(README.indexOf('<!-- first-synth:k8s:synth -->')));
  expect(build).not.toBeNull();
  for (const f of [build![1], join(build![2], 'Dockerfile.gpu'), join(build![2], 'dist', 'main.js'), join(build![2], 'dist', 'worker.js')]) expect(existsSync(join(dir, f))).toBe(true);
});

describe('cdktf init --template=typescript --local (node10 resolution)', () => {
  test('Google Cloud: tsc without skipLibCheck, cdktf synth', () => {
    const dir = createProject('gcp');
    const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    expect(tsconfig.compilerOptions.module).toBe('CommonJS');
    writeFilesAndSynth('gcp', dir);
    const config = JSON.parse(readFileSync(join(dir, 'cdktf.out', 'stacks', 'digits', 'cdk.tf.json'), 'utf8')) as { resource: Record<string, unknown> };
    expect(Object.keys(config.resource)).toEqual(expect.arrayContaining(['google_vertex_ai_endpoint', 'google_cloudfunctions2_function', 'google_billing_budget']));
  });

  test('Azure: tsc without skipLibCheck, cdktf synth', () => {
    const dir = createProject('azure');
    writeFilesAndSynth('azure', dir);
    const config = JSON.parse(readFileSync(join(dir, 'cdktf.out', 'stacks', 'digits', 'cdk.tf.json'), 'utf8')) as { resource: Record<string, unknown> };
    expect(Object.keys(config.resource)).toEqual(expect.arrayContaining(['azapi_resource', 'azurerm_linux_function_app', 'azurerm_consumption_budget_resource_group']));
  });
});
