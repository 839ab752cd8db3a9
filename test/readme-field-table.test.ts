import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fieldTable } from '../scripts/field-table';

test('the README field table is the one generated from the backends\' capabilities', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const between = /<!-- field-table:start -->\n([\s\S]*?)\n<!-- field-table:end -->/.exec(readme);
  expect(between).not.toBeNull();
  expect(between![1]).toBe(fieldTable());
});
