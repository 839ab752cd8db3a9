// Extracts the OpenAPI v3 schemas the API server enforces from upstream CustomResourceDefinitions into
// test/fixtures/schemas/*.json (see its README for the sources). Usage:
//   node test/support/extract-crd-schemas.mjs <crd.yaml> <group> <kind> <version> <out.json> [json-pointer]
// A json-pointer keeps only a subtree (e.g. /properties/spec/properties/strategy) to keep the fixture small.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const [file, group, kind, version, out, pointer] = process.argv.slice(2);
const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS()).filter(Boolean);
const crd = docs.find((d) => d.kind === 'CustomResourceDefinition' && d.spec.group === group && d.spec.names.kind === kind);
if (!crd) throw new Error(`no CRD for ${group} ${kind} in ${file}`);
const v = crd.spec.versions.find((x) => x.name === version);
if (!v) throw new Error(`${kind} has no version ${version}`);
let schema = v.schema.openAPIV3Schema;
for (const part of (pointer ?? '').split('/').filter(Boolean)) schema = schema[part];
writeFileSync(out, JSON.stringify(schema));
console.log(`${out}: ${JSON.stringify(schema).length} bytes`);
