import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Yaml } from 'cdk8s';
import { synthK8s } from '../../examples/k8s/main';
import { Manifest, podSpecs, restrictedViolations, expectSchemaValid, schemaProblems } from '../support/k8s-helpers';

describe('examples/k8s', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'k8s-example-'));
  let docs: Manifest[];
  beforeAll(() => {
    synthK8s(outdir);
    docs = readdirSync(outdir).filter((f) => f.endsWith('.yaml')).flatMap((f) => Yaml.load(join(outdir, f)) as Manifest[]);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('writes every construct kind', () => {
    const kinds = new Set(docs.map((d) => `${d.apiVersion} ${d.kind}`));
    for (const k of [
      'v1 Namespace', 'v1 ResourceQuota', 'v1 LimitRange', 'monitoring.coreos.com/v1 PrometheusRule',
      'karpenter.sh/v1 NodePool', 'apps/v1 DaemonSet', 'argoproj.io/v1alpha1 Rollout', 'argoproj.io/v1alpha1 AnalysisTemplate',
      'apps/v1 Deployment', 'keda.sh/v1alpha1 ScaledObject', 'serving.kserve.io/v1beta1 InferenceService', 'monitoring.coreos.com/v1 ServiceMonitor',
    ]) expect(kinds).toContain(k);
  });

  test('the canary is exactly 5% at two pods through Istio, with analysis, header routing and mirroring', () => {
    const rollout = docs.find((d) => d.kind === 'Rollout' && d.metadata.name === 'digits')!;
    const canary = rollout.spec.strategy.canary;
    expect(canary.trafficRouting.istio).toEqual({
      virtualService: { name: 'digits-vsvc', routes: ['primary'] },
      destinationRule: { name: 'digits-destrule', stableSubsetName: 'stable', canarySubsetName: 'canary' },
    });
    expect(canary.analysis.templates).toEqual([{ templateName: 'digits-canary-analysis' }]);
    const kinds = canary.steps.map((s: Record<string, unknown>) => Object.keys(s)[0]);
    expect(kinds).toEqual(['setCanaryScale', 'setMirrorRoute', 'pause', 'setMirrorRoute', 'setCanaryScale', 'setWeight', 'setHeaderRoute', 'pause', 'setWeight', 'pause', 'setWeight', 'pause']);
    expect(canary.steps[1].setMirrorRoute.percentage).toBe(10);
    expect(canary.steps[5]).toEqual({ setWeight: 5 });
    expect(canary.steps[6].setHeaderRoute.match).toEqual([{ headerName: 'canary', headerValue: { exact: 'true' } }]);
    expect(docs.filter((d) => d.kind === 'VirtualService' || d.kind === 'DestinationRule').map((d) => d.metadata.name).sort()).toEqual(['digits-destrule', 'digits-vsvc']);
  });

  test('every object passes its schema', () => {
    expectSchemaValid(docs);
  });

  test('the validator does reject a broken manifest', () => {
    const rollout = docs.find((d) => d.kind === 'Rollout')!;
    const broken = { ...rollout, spec: { ...rollout.spec, strategy: { canary: { steps: [{ setWeight: '5%' }] } } } };
    // An unknown field passes kubernetes-models but not the API server's strict field validation.
    const unknownField = { ...rollout, spec: { ...rollout.spec, strategy: { canary: { steps: [{ setWeight: 5, setWieght: 6 }] } } } };
    expect(schemaProblems([broken, unknownField, { apiVersion: 'example.com/v1', kind: 'Unknown', metadata: { name: 'x' } }])).toEqual([
      expect.stringMatching(/^Rollout\/digits: .*setWeight must be integer/),
      'Rollout/digits: spec.strategy/canary/steps/0/setWeight must be integer (argo-rollouts-v1.9.1-rollout-strategy.json)',
      'Rollout/digits: spec.strategy/canary/steps/0 must NOT have additional properties (setWieght) (argo-rollouts-v1.9.1-rollout-strategy.json)',
      expect.stringMatching(/^Unknown\/x: no schema known/),
      'Rollout/digits: unknown field "setWieght" (not in CanaryStep)',
    ]);
  });

  test('every pod template is restricted, except the device plugin node agent in kube-system', () => {
    const pods = podSpecs(docs);
    expect(pods.length).toBeGreaterThanOrEqual(4);
    for (const { where, spec, namespace } of pods) {
      if (where.startsWith('DaemonSet/nvidia-device-plugin')) {
        expect(namespace).toBe('kube-system');
        continue;
      }
      expect({ where, violations: restrictedViolations(spec) }).toEqual({ where, violations: [] });
    }
  });

  test('workloads live in the guarded namespace', () => {
    for (const d of docs.filter((x) => ['Rollout', 'Deployment', 'InferenceService', 'Service'].includes(x.kind))) {
      expect(d.metadata.namespace).toBe('ml-serving');
    }
  });
});
