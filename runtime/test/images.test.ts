/**
 * The server images' supply chain, read from the Dockerfiles themselves (no Docker daemon here):
 * base images through digest slots, installs from a lockfile, the CUDA provider download checked.
 *
 * Sources: Dockerfile reference (docs.docker.com/reference/dockerfile: "ARG" before the first FROM is usable in
 * FROM; a RUN line continues after a trailing backslash; ARG values are in the environment of RUN);
 * npm ci (docs.npmjs.com/cli/commands/npm-ci: installs exactly package-lock.json and fails when it does not
 * match package.json); onnxruntime-node 1.30.0 script/install-metadata.js (the CUDA provider files come from
 * NuGet's Microsoft.ML.OnnxRuntime.Gpu.Linux, paths runtimes/linux-x64/native/*.so).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNTIME = join(__dirname, '..');
const ROOT = join(RUNTIME, '..');
const read = (f: string): string => readFileSync(join(RUNTIME, f), 'utf8');
const DOCKERFILES = ['Dockerfile', 'Dockerfile.gpu'];

/** Dockerfile instructions with continuation lines joined (comments dropped). */
function instructions(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line) && current === '') continue;
    const trimmed = line.replace(/\s+$/, '');
    if (trimmed.endsWith('\\')) current += `${trimmed.slice(0, -1)}\n`;
    else {
      current += trimmed;
      if (current.trim() !== '') out.push(current.trim());
      current = '';
    }
  }
  return out;
}

describe.each(DOCKERFILES)('%s', (file) => {
  const steps = instructions(read(file));

  test('every FROM names its image through an ARG declared before the first FROM (the digest slot)', () => {
    const firstFrom = steps.findIndex((s) => s.startsWith('FROM '));
    const globalArgs = steps.slice(0, firstFrom).filter((s) => s.startsWith('ARG ')).map((s) => s.slice(4).split('=')[0]!);
    const froms = steps.filter((s) => s.startsWith('FROM '));
    expect(froms.length).toBeGreaterThan(0);
    for (const from of froms) {
      const image = from.split(/\s+/)[1]!;
      expect(image).toMatch(/^\$\{[A-Z_]+\}$/);
      expect(globalArgs).toContain(image.slice(2, -1));
    }
    // The default is the reviewed tag; a digest-pinned reference replaces it whole.
    expect(steps.find((s) => s.startsWith('ARG NODE_IMAGE='))).toBe('ARG NODE_IMAGE=node:22-bookworm-slim');
  });

  test('dependencies come from the image lockfile with npm ci; nothing is installed by name', () => {
    const runs = steps.filter((s) => s.startsWith('RUN '));
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.filter((r) => /\bnpm (install|i)\b/.test(r))).toEqual([]);
    expect(steps).toContain('COPY image/package.json image/package-lock.json ./');
  });
});

test('the build context admits the image lockfile (.dockerignore)', () => {
  const ignore = read('.dockerignore').split('\n');
  expect(ignore).toEqual(expect.arrayContaining(['*', '!image/package.json', '!image/package-lock.json']));
});

test('the image lockfile is the closure of the repository lockfile: same versions and integrity hashes the tests ran with', () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'image-lockfile.mjs'), '--check']);
  const image = JSON.parse(read('image/package-lock.json')) as { packages: Record<string, { version?: string; integrity?: string }> };
  const runtime = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
  expect(image.packages['node_modules/onnxruntime-node']!.version).toBe(runtime.dependencies['onnxruntime-node']);
  for (const [path, entry] of Object.entries(image.packages)) {
    if (path === '') continue;
    expect(entry.integrity).toMatch(/^sha512-/);
  }
});

describe('the GPU image checks the CUDA provider package it downloads', () => {
  // The first `node -e '<script>'` of Dockerfile.gpu, run here with fetch answered by a local fake body.
  const run = instructions(read('Dockerfile.gpu')).find((s) => s.startsWith('RUN node -e ') && s.includes('ORT_GPU_NUPKG_SHA256'))!;
  const script = /^RUN node -e '([^']*)'/.exec(run)![1]!;
  const body = Buffer.from('not really a nupkg');
  const digest = createHash('sha256').update(body).digest('hex');

  function build(expected: string): { status: number | null; stderr: string; dir: string } {
    const dir = mkdtempSync(join(tmpdir(), 'ort-gpu-'));
    const fake = join(dir, 'fake-fetch.js');
    writeFileSync(fake, `globalThis.fetch = async (url) => { globalThis.__url = url; return { ok: true, status: 200, arrayBuffer: async () => Buffer.from(${JSON.stringify(body.toString())}) }; };`);
    const res = spawnSync(process.execPath, ['--require', fake, '-e', script], {
      cwd: dir,
      env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules'), ORT_GPU_NUPKG_SHA256: expected },
      encoding: 'utf8',
    });
    return { status: res.status, stderr: res.stderr, dir };
  }

  test('a download whose SHA-256 differs from ORT_GPU_NUPKG_SHA256 fails the build, naming both digests', () => {
    const res = build('0'.repeat(64));
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`https://api.nuget.org/v3-flatcontainer/microsoft.ml.onnxruntime.gpu.linux/1.30.0/microsoft.ml.onnxruntime.gpu.linux.1.30.0.nupkg: SHA-256 ${digest}, expected ORT_GPU_NUPKG_SHA256=${'0'.repeat(64)}`);
    expect(existsSync(join(res.dir, 'ort-gpu.nupkg'))).toBe(false);
  });

  test('a matching download is kept, with its digest recorded for the image', () => {
    const res = build(digest);
    expect(res.status).toBe(0);
    expect(readFileSync(join(res.dir, 'ort-gpu.nupkg.sha256'), 'utf8')).toMatch(new RegExp(`^${digest}  https://api\\.nuget\\.org/`));
  });

  test('without the argument the build warns that the download is not verified and prints its digest', () => {
    const res = build('');
    expect(res.status).toBe(0);
    expect(res.stderr).toContain(`not verified (set ORT_GPU_NUPKG_SHA256); its SHA-256 is ${digest}`);
  });

  test('the provider libraries are taken from the package paths onnxruntime-node 1.30.0 installs them from', () => {
    const metadata = readFileSync(join(ROOT, 'node_modules', 'onnxruntime-node', 'script', 'install-metadata.js'), 'utf8');
    for (const lib of ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so', 'libonnxruntime_providers_tensorrt.so']) {
      expect(metadata).toContain(`path: 'runtimes/linux-x64/native/${lib}'`);
      expect(read('Dockerfile.gpu')).toContain(`"${lib}"`);
    }
    expect(metadata).toContain("name: 'Microsoft.ML.OnnxRuntime.Gpu.Linux'");
  });
});
