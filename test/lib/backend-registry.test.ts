// Every backend in the one registry (scripts/backends.json) has the pieces lib/README.md's "Add a backend"
// checklist names. The build, synth, field-table and conformance scripts read the same registry.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BackendCapabilities } from '../../lib';
import { BACKENDS } from '../../scripts/backends';
import { FIELD_TABLE_BACKENDS } from '../../scripts/field-table';

const ROOT = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
const checklist = readFileSync(join(ROOT, 'lib', 'README.md'), 'utf8');
const contractTest = readFileSync(join(ROOT, 'test', 'lib', 'backend-contract.test.ts'), 'utf8');

test('the registry lists the four backends, and the checklist is in lib/README.md', () => {
  expect(BACKENDS.map((b) => b.id)).toEqual(['aws', 'gcp', 'k8s', 'azure']);
  expect(checklist).toMatch(/## Add a backend/);
  expect(checklist).toMatch(/scripts\/backends\.json/);
});

describe.each(BACKENDS.map((b) => [b.id, b] as const))('registered backend %s', (id, b) => {
  test('1. constructs/<id>/index.ts with an explicit list, and its package.json export', () => {
    const index = readFileSync(join(ROOT, 'constructs', id, 'index.ts'), 'utf8');
    expect(index).not.toMatch(/^export \* from/m);
    expect(manifest.exports[b.subpath]).toEqual({ types: `./dist/constructs/${id}/index.d.ts`, default: `./dist/constructs/${id}/index.js` });
  });

  test('2. its capabilities exist and feed the field table', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const caps = require(join(ROOT, 'constructs', id, 'capabilities')) as Record<string, BackendCapabilities>;
    for (const name of b.capabilities) {
      expect(typeof caps[name]?.backend).toBe('string');
      expect(FIELD_TABLE_BACKENDS).toContain(caps[name]);
    }
  });

  test('3. the four contract classes are exported and checked by the contract test', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(ROOT, 'constructs', id)) as Record<string, unknown>;
    for (const cls of ['ModelEndpoint', 'CanaryRollout', 'BudgetGuard', 'GpuNodePool']) expect(typeof mod[cls]).toBe('function');
    expect(contractTest).toContain(`new ${id}.ModelEndpoint(`);
  });

  test('4. every handler folder is built by the registry\'s handler settings', () => {
    const dir = join(ROOT, 'constructs', id);
    const handlers = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'handler.ts')));
    if (handlers.length > 0) expect(b.handlers?.target).toMatch(/^node\d+$/);
  });

  test('5. the example the synth script builds exists and exports its build function', () => {
    expect(existsSync(join(ROOT, b.example.main))).toBe(true);
    expect(readFileSync(join(ROOT, b.example.main), 'utf8')).toMatch(new RegExp(`export function ${b.example.build}\\b`));
    // The multi-model platform (examples/platform/<backend>.ts), where the backend has one.
    if (b.platform) expect(readFileSync(join(ROOT, b.platform.main), 'utf8')).toMatch(new RegExp(`export function ${b.platform.build}\\b`));
  });

  // Loaded while collecting: an adapter may register jest hooks (the k8s schema checks).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { adapters } = require(join(ROOT, b.conformanceAdapter)) as { adapters: { backend: string }[] };
  test('6. the conformance adapter exists and names the registered capabilities\' backends', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const caps = require(join(ROOT, 'constructs', id, 'capabilities')) as Record<string, BackendCapabilities>;
    const names = b.capabilities.map((n) => caps[n].backend);
    for (const a of adapters) expect(names).toContain(a.backend);
  });
});
