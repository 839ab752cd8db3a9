// Validates Kubernetes manifests against their schemas with the kubernetes-models packages (ESM-only,
// so the jest suites run this as a child process). Reads a JSON array of manifests on stdin, writes a
// JSON array of problems ("<kind>/<name>: <message>") on stdout. A kind with no schema is a problem.
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';

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

const kserveSchema = JSON.parse(readFileSync(new URL('./k8s-kserve-schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
const validateKServe = ajv.compile(kserveSchema);
const KSERVE_ONLY = ['minReplicas', 'maxReplicas', 'scaleMetric', 'scaleTarget', 'containerConcurrency', 'timeout', 'canaryTrafficPercent'];

async function validateOne(doc) {
  const where = `${doc.kind}/${doc.metadata?.name}`;
  if (doc.apiVersion === 'serving.kserve.io/v1beta1' && doc.kind === 'InferenceService') {
    const problems = [];
    if (!validateKServe(doc)) problems.push(`${where}: ${ajv.errorsText(validateKServe.errors)}`);
    // The predictor is a PodSpec plus KServe's component extension: check the pod part against Kubernetes.
    const pod = { ...doc.spec.predictor };
    for (const k of KSERVE_ONLY) delete pod[k];
    const { validate: podSpec } = await import('kubernetes-models/_schemas/IoK8sApiCoreV1PodSpec');
    if (!podSpec(pod)) problems.push(`${where}: predictor PodSpec: ${ajv.errorsText(podSpec.errors)}`);
    const { validate: objectMeta } = await import('@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApisMetaV1ObjectMeta');
    if (!objectMeta(doc.metadata)) problems.push(`${where}: metadata: ${ajv.errorsText(objectMeta.errors)}`);
    return problems;
  }
  const path = modulePath(doc.apiVersion, doc.kind);
  if (!path) return [`${where}: no schema known for ${doc.apiVersion} ${doc.kind}`];
  let Model;
  try {
    Model = (await import(path))[doc.kind];
  } catch (e) {
    return [`${where}: no schema found for ${doc.apiVersion} ${doc.kind} (${e.message})`];
  }
  if (!Model) return [`${where}: no schema found for ${doc.apiVersion} ${doc.kind}`];
  try {
    new Model(doc).validate();
    return [];
  } catch (e) {
    return [`${where}: ${e.message}`];
  }
}

// Strict validation against the upstream CRD schemas in test/fixtures/schemas (provenance in its README):
// the kubernetes-models validators ignore fields they do not know; the API server with strict field
// validation (kubectl's default) rejects them. Every object schema that lists its properties is closed here.
const STRICT = {
  'networking.istio.io/v1 VirtualService': { file: 'istio-1.29.6-virtualservice-v1.json' },
  'networking.istio.io/v1 DestinationRule': { file: 'istio-1.29.6-destinationrule-v1.json' },
  'gateway.networking.k8s.io/v1 HTTPRoute': { file: 'gateway-api-v1.6.1-httproute-v1.json' },
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
function strictProblems(doc) {
  const entry = STRICT[`${doc.apiVersion} ${doc.kind}`];
  if (!entry) return [];
  let validate = strictValidators.get(entry.file);
  if (!validate) {
    const schema = JSON.parse(readFileSync(new URL(`../fixtures/schemas/${entry.file}`, import.meta.url), 'utf8'));
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

const docs = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
for (const doc of docs) problems.push(...(await validateOne(doc)), ...strictProblems(doc));
process.stdout.write(JSON.stringify(problems));
