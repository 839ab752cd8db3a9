// Issue 22 item 6: a single-file run after an edit must not test the previous bundle. The guard (jest globalSetup)
// compares sources with their bundles; these tests drive it on a scratch tree with set modification times.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const guard = require('./support/stale-build-guard.js') as { staleBundles(root: string): { name: string }[] };

function file(root: string, path: string, mtimeSeconds: number): void {
  const p = join(root, path);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, '//');
  utimesSync(p, mtimeSeconds, mtimeSeconds);
}

function tree(times: { runtimeSrc: number; lib: number; constructs: number; main?: number; worker?: number; handler?: number }): string {
  const root = mkdtempSync(join(tmpdir(), 'stale-guard-'));
  file(root, 'runtime/src/server.ts', times.runtimeSrc);
  file(root, 'lib/contract.ts', times.lib);
  file(root, 'constructs/aws/budget-enforcer/handler.ts', times.constructs);
  if (times.main !== undefined) file(root, 'runtime/dist/main.js', times.main);
  if (times.worker !== undefined) file(root, 'runtime/dist/worker.js', times.worker);
  if (times.handler !== undefined) file(root, 'dist/handlers/aws/budget-enforcer/index.js', times.handler);
  return root;
}

const names = (root: string) => guard.staleBundles(root).map((b) => b.name);

test('bundles newer than every source are fresh', () => {
  const root = tree({ runtimeSrc: 1000, lib: 1000, constructs: 1000, main: 2000, worker: 2000, handler: 2000 });
  expect(names(root)).toEqual([]);
  rmSync(root, { recursive: true });
});

test('a server source edited after the build makes the server bundle stale, and only it', () => {
  const root = tree({ runtimeSrc: 3000, lib: 1000, constructs: 1000, main: 2000, worker: 2000, handler: 2000 });
  expect(names(root)).toEqual(['the model server (runtime/dist)']);
  rmSync(root, { recursive: true });
});

test('lib/ is a source of both bundles (the contract is shared)', () => {
  const root = tree({ runtimeSrc: 1000, lib: 3000, constructs: 1000, main: 2000, worker: 2000, handler: 2000 });
  expect(names(root)).toEqual(['the model server (runtime/dist)', 'the function handlers (dist/handlers)']);
  rmSync(root, { recursive: true });
});

test('a missing bundle is stale; the oldest output file decides', () => {
  const missing = tree({ runtimeSrc: 1000, lib: 1000, constructs: 1000, main: 2000, handler: 2000 });
  expect(names(missing)).toEqual(['the model server (runtime/dist)']);
  rmSync(missing, { recursive: true });
  const oldHandler = tree({ runtimeSrc: 1000, lib: 1000, constructs: 1500, main: 2000, worker: 2000, handler: 1200 });
  expect(names(oldHandler)).toEqual(['the function handlers (dist/handlers)']);
  rmSync(oldHandler, { recursive: true });
});
