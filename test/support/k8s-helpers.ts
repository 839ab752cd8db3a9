import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Chart, Testing } from 'cdk8s';

/** Manifests are plain JSON objects; tests look into them freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Manifest = Record<string, any>;

/**
 * Schema problems of the manifests, one string each ("<kind>/<name>: <message>"); empty when all pass.
 * Runs test/support/k8s-validate.mjs in a child process because kubernetes-models is ESM-only.
 */
export function schemaProblems(docs: readonly Manifest[]): string[] {
  return validate(docs) as string[];
}

/** Schema problems of several sets of manifests at once (one validator process, one TypeScript run), by label. */
export function schemaProblemsByLabel(sets: Readonly<Record<string, readonly Manifest[]>>): Record<string, string[]> {
  return validate({ batches: Object.entries(sets).map(([label, docs]) => ({ label, docs })) }) as Record<string, string[]>;
}

function validate(input: readonly Manifest[] | { batches: { label: string; docs: readonly Manifest[] }[] }): unknown {
  const out = spawnSync(process.execPath, [join(__dirname, 'k8s-validate.mjs')], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`k8s-validate.mjs failed (${out.status}): ${out.stderr}`);
  return JSON.parse(out.stdout);
}

/**
 * Manifests that must pass the strict schema check, collected per test file and checked together after the
 * file's last test (one validator process and one TypeScript run instead of one per test: the check spawns
 * `tsc`, which dominated the Kubernetes suites' time). A problem fails the file, naming the test that
 * synthesized the manifests. Tests that look at the problems themselves call schemaProblems.
 */
const pending: { label: string; docs: readonly Manifest[] }[] = [];
export function expectSchemaValid(docs: readonly Manifest[]): void {
  const test = expect.getState().currentTestName ?? '(outside a test)';
  pending.push({ label: `${test} #${pending.filter((p) => p.label.startsWith(`${test} #`)).length + 1}`, docs });
}
afterAll(() => {
  if (pending.length === 0) return;
  const batches = pending.splice(0);
  const results = validate({ batches }) as Record<string, string[]>;
  const failed = Object.entries(results).filter(([, problems]) => problems.length > 0);
  if (failed.length > 0) {
    throw new Error(`strict schema check failed:\n${failed.map(([label, problems]) => `  ${label}:\n${problems.map((p) => `    - ${p}`).join('\n')}`).join('\n')}`);
  }
  // Every batch came back: none was lost on the way.
  expect(Object.keys(results).sort()).toEqual(batches.map((b) => b.label).sort());
});

/** Synthesizes a fresh chart built by `build`. */
export function synthChart(build: (chart: Chart) => void): Manifest[] {
  const chart = Testing.chart();
  build(chart);
  return Testing.synth(chart) as Manifest[];
}

export function findAll(docs: readonly Manifest[], kind: string): Manifest[] {
  return docs.filter((d) => d.kind === kind);
}

export function findOne(docs: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata?.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  return found[0];
}

/** Every pod spec in the manifests, with where it came from. */
export function podSpecs(docs: readonly Manifest[]): { where: string; spec: Manifest; namespace?: string }[] {
  const out: { where: string; spec: Manifest; namespace?: string }[] = [];
  for (const d of docs) {
    const where = `${d.kind}/${d.metadata?.name}`;
    if (d.spec?.template?.spec?.containers) out.push({ where, spec: d.spec.template.spec, namespace: d.metadata?.namespace });
    if (d.kind === 'InferenceService') out.push({ where, spec: d.spec.predictor, namespace: d.metadata?.namespace });
  }
  return out;
}

/** Violations of Pod Security "restricted" (the checks that apply to what these constructs emit). */
export function restrictedViolations(spec: Manifest): string[] {
  const v: string[] = [];
  const pod = spec.securityContext ?? {};
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) v.push('host namespaces');
  for (const vol of spec.volumes ?? []) {
    const allowed = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
    const types = Object.keys(vol).filter((k) => k !== 'name');
    if (!types.every((t) => allowed.includes(t))) v.push(`volume ${vol.name} of type ${types.join(',')}`);
  }
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) v.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${c.name}: allowPrivilegeEscalation not false`);
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) v.push(`${c.name}: runAsNonRoot not true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) v.push(`${c.name}: runAsUser 0`);
    if ((sc.seccompProfile ?? pod.seccompProfile)?.type !== 'RuntimeDefault' && (sc.seccompProfile ?? pod.seccompProfile)?.type !== 'Localhost') v.push(`${c.name}: seccomp not RuntimeDefault`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${c.name}: capabilities not dropped`);
    if ((sc.capabilities?.add ?? []).some((a: string) => a !== 'NET_BIND_SERVICE')) v.push(`${c.name}: capabilities added`);
    // Beyond "restricted", the house rules: read-only root, requests and limits always set.
    if (sc.readOnlyRootFilesystem !== true) v.push(`${c.name}: root filesystem writable`);
    for (const r of ['cpu', 'memory']) {
      if (!c.resources?.requests?.[r] || !c.resources?.limits?.[r]) v.push(`${c.name}: ${r} request or limit missing`);
    }
    for (const p of c.ports ?? []) if (p.hostPort) v.push(`${c.name}: hostPort`);
  }
  return v;
}
