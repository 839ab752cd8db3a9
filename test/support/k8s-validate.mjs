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

const docs = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
for (const doc of docs) problems.push(...(await validateOne(doc)));
process.stdout.write(JSON.stringify(problems));
