// The public surface is explicit: every entry point lists its names (no `export *`), and backend-author
// helpers have their own entry point, model-serving-constructs/backend.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as backend from '../../lib/backend';

const ROOT = join(__dirname, '..', '..');
const ENTRY_POINTS = ['lib/index.ts', 'lib/backend.ts', 'constructs/aws/index.ts', 'constructs/gcp/index.ts', 'constructs/azure/index.ts', 'constructs/k8s/index.ts'];

test.each(ENTRY_POINTS)('%s lists its exports (no export *)', (file) => {
  expect(readFileSync(join(ROOT, file), 'utf8')).not.toMatch(/^export \* from/m);
});

test('package.json exports ./backend, built from lib/backend.ts', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
  expect(manifest.exports['./backend']).toEqual({ types: './dist/lib/backend.d.ts', default: './dist/lib/backend.js' });
});

test('the backend entry point carries the resolver, the contract helpers and the toolkit plumbing', () => {
  expect(Object.keys(backend).sort()).toEqual(expect.arrayContaining([
    'NotSupported', 'ProblemCollector', 'SpecResolver', 'addIdWarnings', 'addMetadataWarnings', 'addTextWarnings',
    'checkNodePoolSizing', 'oneRolloutProblem', 'parseEnvironment', 'renderEnvironment',
  ]));
});
