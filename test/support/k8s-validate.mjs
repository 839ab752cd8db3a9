// Validates Kubernetes manifests strictly, as `kubectl apply --validate=strict` would: against their
// schemas (values, types, required fields) and with unknown fields rejected. Runs as a child process of
// the jest suites (the kubernetes-models packages are ESM-only). Reads a JSON array of manifests on stdin,
// writes a JSON array of problems ("<kind>/<name>: <message>") on stdout. A kind with no schema is a problem.
// Batched: `{"batches": [{"label": ..., "docs": [...]}, ...]}` on stdin gives `{"<label>": [problems]}`, with
// one TypeScript run for every batch (the test helpers collect a test file's checks into one run).
//
// - Core and CRD objects (Argo Rollouts, KEDA, Karpenter, Prometheus Operator): the kubernetes-models
//   validators check values; their compiled validators accept unknown fields, so the same objects are also
//   type-checked as object literals against the packages' TypeScript interfaces, where every field the
//   schema does not define is an error at any depth (TypeScript's excess-property check).
// - KServe's InferenceService: KServe's own CRD (test/fixtures/schemas/kserve), with unknown fields
//   rejected wherever the schema does not preserve them (x-kubernetes-preserve-unknown-fields).
// - Envoy Gateway's SecurityPolicy and BackendTrafficPolicy: only against their upstream CRD schemas (no
//   kubernetes-models package), closed the same way; their metadata is type-checked against ObjectMeta.
//   These two and the Gateway API HTTPRoute and ReferenceGrant also pass their CRDs' CEL rules (celProblems).
// - Istio VirtualService/DestinationRule, Gateway API HTTPRoute/ReferenceGrant and the Rollout's spec.strategy: also
//   against the upstream CRD schemas (test/fixtures/schemas/*.json), closed the same way, because the
//   TypeScript interfaces of these packages are unions the excess-property check cannot always see into.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import YAML from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const PACKAGES = {
  'argoproj.io': '@kubernetes-models/argo-rollouts/argoproj.io',
  'karpenter.sh': '@kubernetes-models/karpenter/karpenter.sh',
  'karpenter.k8s.aws': '@kubernetes-models/karpenter/karpenter.k8s.aws',
  'keda.sh': '@kubernetes-models/keda/keda.sh',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator/monitoring.coreos.com',
  'networking.istio.io': '@kubernetes-models/istio/networking.istio.io',
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api/gateway.networking.k8s.io',
};

function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === '') return `kubernetes-models/${version}/${kind}`;
  if (PACKAGES[group]) return `${PACKAGES[group]}/${version}/${kind}`;
  if (!group.includes('.') || group.endsWith('.k8s.io')) return `kubernetes-models/${group}/${version}/${kind}`;
  return undefined;
}

/** The CRD's schema with `additionalProperties: false` wherever the API server would prune unknown fields. */
function strictCrdSchema(text, version) {
  const crd = YAML.parse(text);
  const schema = crd.spec.versions.find((v) => v.name === version).schema.openAPIV3Schema;
  const visit = (node) => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    if (node.properties && node.additionalProperties === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) {
      node.additionalProperties = false;
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(schema);
  // The API server owns metadata's schema (ObjectMeta); the CRD leaves it open. Checked separately below.
  return schema;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const CACHE = join(ROOT, 'node_modules', '.cache', 'model-serving-constructs-tests');
const require = createRequire(import.meta.url);

/**
 * A CRD's strict validator. Compiling KServe's 2 MB schema takes seconds, so the compiled code is cached
 * (keyed by the CRD's bytes and this file's) and loaded in well under a second afterwards.
 */
function crdValidator(file, version) {
  const text = readFileSync(join(ROOT, 'test', 'fixtures', 'schemas', file), 'utf8');
  const key = createHash('sha256').update(text).update(readFileSync(fileURLToPath(import.meta.url))).digest('hex').slice(0, 16);
  const cached = join(CACHE, `${file.replace(/[^a-z0-9.]/gi, '_')}-${version}-${key}.cjs`);
  if (!existsSync(cached)) {
    const generator = new Ajv({ allErrors: true, strict: false, logger: false, code: { source: true } });
    const code = standaloneCode(generator, generator.compile(strictCrdSchema(text, version)));
    mkdirSync(CACHE, { recursive: true });
    const staging = `${cached}.${process.pid}.tmp`;
    writeFileSync(staging, code);
    renameSync(staging, cached);
  }
  return require(cached);
}

const CRDS = {
  'serving.kserve.io/v1beta1/InferenceService': () => crdValidator('kserve/serving.kserve.io_inferenceservices.yaml', 'v1beta1'),
};
const compiled = {};

async function valueProblems(doc) {
  const where = `${doc.kind}/${doc.metadata?.name}`;
  // Kinds only the upstream CRD schema checks (STRICT, `only`): metadata is still typed against ObjectMeta.
  if (STRICT[`${doc.apiVersion} ${doc.kind}`]?.only) {
    return { problems: [], typed: { path: '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta', type: 'IObjectMeta', value: doc.metadata } };
  }
  const crd = CRDS[`${doc.apiVersion}/${doc.kind}`];
  if (crd) {
    const validate = (compiled[doc.kind] ??= crd());
    const problems = [];
    if (!validate(doc)) problems.push(`${where}: ${ajv.errorsText(validate.errors)}`);
    return { problems, typed: { path: '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta', type: 'IObjectMeta', value: doc.metadata } };
  }
  const path = modulePath(doc.apiVersion, doc.kind);
  if (!path) return { problems: [`${where}: no schema known for ${doc.apiVersion} ${doc.kind}`] };
  let Model;
  try {
    Model = (await import(path))[doc.kind];
  } catch (e) {
    return { problems: [`${where}: no schema found for ${doc.apiVersion} ${doc.kind} (${e.message})`] };
  }
  if (!Model) return { problems: [`${where}: no schema found for ${doc.apiVersion} ${doc.kind}`] };
  try {
    new Model(doc).validate();
    return { problems: [], typed: { path, type: `I${doc.kind}`, value: doc } };
  } catch (e) {
    return { problems: [`${where}: ${e.message}`], typed: { path, type: `I${doc.kind}`, value: doc } };
  }
}

/** Unknown fields, by TypeScript's excess-property check of each object against its interface. */
function unknownFieldProblems(checks) {
  if (checks.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), 'k8s-strict-'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const lines = [];
    const owner = [];
    checks.forEach(({ path, type }, i) => {
      lines.push(`import type { ${type} as T${i} } from '${path}';`);
      owner.push(undefined);
    });
    checks.forEach(({ where, batch, value }, i) => {
      for (const line of `export const v${i}: T${i} = ${JSON.stringify(value, null, 1)};`.split('\n')) {
        lines.push(line);
        owner.push({ where, batch });
      }
    });
    writeFileSync(join(dir, 'check.ts'), lines.join('\n'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'ES2022', skipLibCheck: true, types: [] }, files: ['check.ts'] }),
    );
    let output = '';
    try {
      execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    }
    // { batch, text }; a batch of undefined concerns every batch (the imports, a failed run).
    const problems = [];
    for (const line of output.split('\n')) {
      const m = /check\.ts\((\d+),\d+\): error TS\d+: (.*)$/.exec(line);
      if (!m) continue;
      const own = owner[Number(m[1]) - 1];
      // Value problems (types, enums) are the value validator's to report; keep the unknown-field ones.
      const unknown = /'"?([^'"]+)"?' does not exist in type '([^']+)'/.exec(m[2]);
      if (unknown) problems.push({ batch: own?.batch, text: `${own?.where ?? 'import'}: unknown field "${unknown[1]}" (not in ${unknown[2].replace(/^I/, '')})` });
      else if (!own) problems.push({ batch: undefined, text: `import: ${m[2]}` });
    }
    if (output && problems.length === 0 && !/error TS/.test(output)) problems.push({ batch: undefined, text: `strict check failed to run: ${output.slice(0, 500)}` });
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Upstream CRD schemas extracted as JSON (test/support/extract-crd-schemas.mjs; provenance in the README).
const STRICT = {
  'networking.istio.io/v1 VirtualService': { file: 'istio-1.29.6-virtualservice-v1.json' },
  'networking.istio.io/v1 DestinationRule': { file: 'istio-1.29.6-destinationrule-v1.json' },
  'gateway.networking.k8s.io/v1 HTTPRoute': { file: 'gateway-api-v1.6.1-httproute-v1.json', cel: true },
  'gateway.networking.k8s.io/v1beta1 ReferenceGrant': { file: 'gateway-api-v1.6.1-referencegrant-v1beta1.json', cel: true },
  // No kubernetes-models package for Envoy Gateway: its CRD schemas alone check these (values and unknown fields).
  'gateway.envoyproxy.io/v1alpha1 SecurityPolicy': { file: 'envoy-gateway-v1.9.0-securitypolicy-v1alpha1.json', only: true, cel: true },
  'gateway.envoyproxy.io/v1alpha1 BackendTrafficPolicy': { file: 'envoy-gateway-v1.9.0-backendtrafficpolicy-v1alpha1.json', only: true, cel: true },
  'argoproj.io/v1alpha1 Rollout': { file: 'argo-rollouts-v1.9.1-rollout-strategy.json', at: (doc) => doc.spec?.strategy, path: 'spec.strategy' },
};

export function closeSchema(schema) {
  if (Array.isArray(schema)) return schema.map(closeSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' || k === 'patternProperties') out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, closeSchema(s)]));
    else if (k.startsWith('x-kubernetes-')) continue;
    else out[k] = closeSchema(v);
  }
  if (schema['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema.properties && !schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const strictAjv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const strictValidators = new Map();
function crdJsonProblems(doc) {
  const entry = STRICT[`${doc.apiVersion} ${doc.kind}`];
  if (!entry) return [];
  let validate = strictValidators.get(entry.file);
  if (!validate) {
    const schema = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'schemas', entry.file), 'utf8'));
    const closed = closeSchema(schema);
    // Every object carries these; some CRDs (Istio's) leave them out of their schema.
    if (!entry.at) closed.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...closed.properties };
    validate = strictAjv.compile(closed);
    strictValidators.set(entry.file, validate);
  }
  const target = entry.at ? entry.at(doc) : doc;
  if (target === undefined || validate(target)) return [];
  const text = validate.errors.map((e) => `${entry.path ?? ''}${e.instancePath || '/'} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`).join(', ');
  return [`${doc.kind}/${doc.metadata?.name}: ${text} (${entry.file})`];
}

// The CRD's CEL rules (`x-kubernetes-validations`), for the entries marked `cel`: evaluated on every node of the
// object the schema reaches, as the API server does on create (transition rules, which read `oldSelf`, need an
// old object and are skipped). The evaluator is @marcbachmann/cel-js; Kubernetes' CEL conventions are applied
// to the data: property names that are CEL reserved words are escaped as `__<word>__` (Kubernetes
// "Escaping" rules for x-kubernetes-validations), integers are CEL ints. cel-js does not accept a has() whose
// operand indexes a list (`has(self.matches[0].path)`, valid CEL), so that form is rewritten to the
// equivalent key test on the JSON object, `('path' in self.matches[0])` (has() on a map is key presence). A rule that cannot be evaluated is a
// problem too, so no rule is skipped silently.
const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);
function celData(v) {
  if (Array.isArray(v)) return v.map(celData);
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [CEL_RESERVED.has(k) ? `__${k}__` : k, celData(x)]));
}
const celCompiled = new Map();
const rawSchemas = new Map();
let celParse;
async function celProblems(doc) {
  const entry = STRICT[`${doc.apiVersion} ${doc.kind}`];
  if (!entry?.cel) return [];
  celParse ??= (await import('@marcbachmann/cel-js')).parse;
  let schema = rawSchemas.get(entry.file);
  if (!schema) rawSchemas.set(entry.file, (schema = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'schemas', entry.file), 'utf8'))));
  const where = `${doc.kind}/${doc.metadata?.name}`;
  const problems = [];
  const visit = (node, value, path) => {
    if (!node || typeof node !== 'object' || value === undefined) return;
    for (const r of node['x-kubernetes-validations'] ?? []) {
      if (/\boldSelf\b/.test(r.rule)) continue;
      const text = r.rule.replace(/has\(([A-Za-z_][\w.]*(?:\[\d+\])[\w.\[\]]*)\.(\w+)\)/g, "('$2' in $1)");
      try {
        let fn = celCompiled.get(text);
        if (!fn) celCompiled.set(text, (fn = celParse(text)));
        if (fn({ self: celData(value) }) !== true) problems.push(`${where}: ${path || '/'}: ${r.message ?? r.rule} (CEL rule of ${entry.file})`);
      } catch (e) {
        problems.push(`${where}: ${path || '/'}: CEL rule not evaluated (${String(e.message).split('\n')[0]}): ${r.rule}`);
      }
    }
    for (const alt of [...(node.allOf ?? []), ...(node.anyOf ?? []), ...(node.oneOf ?? [])]) visit(alt, value, path);
    if (Array.isArray(value)) {
      if (node.items) value.forEach((x, i) => visit(node.items, x, `${path}/${i}`));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, x] of Object.entries(value)) {
        if (node.properties?.[k]) visit(node.properties[k], x, `${path}/${k}`);
        else if (typeof node.additionalProperties === 'object') visit(node.additionalProperties, x, `${path}/${k}`);
      }
    }
  };
  visit(schema, doc, '');
  return problems;
}

const input = JSON.parse(readFileSync(0, 'utf8'));
const batches = Array.isArray(input) ? [{ label: '', docs: input }] : input.batches;
const results = {};
const checks = [];
for (const { label, docs } of batches) {
  results[label] = [];
  for (const doc of docs) {
    const r = await valueProblems(doc);
    results[label].push(...r.problems, ...crdJsonProblems(doc), ...(await celProblems(doc)));
    if (r.typed) checks.push({ where: `${doc.kind}/${doc.metadata?.name}`, batch: label, ...r.typed });
  }
}
for (const { batch, text } of unknownFieldProblems(checks)) {
  for (const label of batch === undefined ? Object.keys(results) : [batch]) results[label].push(text);
}
process.stdout.write(JSON.stringify(Array.isArray(input) ? results[''] : results));
