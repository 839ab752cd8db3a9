import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The 200 response body of a published Azure REST API example (test/fixtures/azure-rest-api-specs, copied from
 * Azure/azure-rest-api-specs; paths and commits in its README), deep-copied so a test can change fields.
 */
export function restExample<T = any>(file: string): T {
  const example = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'azure-rest-api-specs', file), 'utf8')) as { responses: { '200': { body: T } } };
  return JSON.parse(JSON.stringify(example.responses['200'].body)) as T;
}
