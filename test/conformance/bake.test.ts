/**
 * A rollout step's bake is the time its guardrails have to roll the step back before more traffic moves.
 * Every target with progressive rollouts refuses a bake the receiver cannot honour, through the real
 * constructs (the conformance adapters):
 *   - 0 s: traffic goes straight to 100%;
 *   - shorter than the alarms need to fire: CloudWatch alarms (SageMaker AutoRollbackConfiguration, the
 *     exact-weight controller), Cloud Monitoring / Azure Monitor alerts and Argo Rollouts' AnalysisRun all
 *     fire only after `breachingPeriods` evaluation windows (EvaluationPeriods x Period: CloudWatch
 *     PutMetricAlarm API reference; AnalysisTemplate `interval` x `failureLimit`: argo-rollouts
 *     docs/features/analysis.md), so a shorter bake moves traffic on before a breach can be seen;
 *   - shorter than the controller's tick: the Vertex AI controller runs on a Cloud Scheduler job '* * * * *'
 *     and the Azure ML one on a timer trigger '0 *\/1 * * * *' (once a minute).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, ModelArtifact, ModelServingProps, RolloutPolicy, ServingImage, SpecProblem, SpecResolver, SpecValidationError } from '../../lib';
import { KUBERNETES_CAPABILITIES } from '../../constructs/k8s';
import { AZURE_ML_CAPABILITIES } from '../../constructs/azure';
import { MODEL_FILE } from './cases';
import { ConformanceAdapter, ConformanceCase, IMAGE_PATH } from './harness';

const ADAPTERS: ConformanceAdapter[] = readdirSync(join(__dirname, 'adapters'))
  .filter((f) => f.endsWith('.ts'))
  .sort()
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  .flatMap((f) => (require(join(__dirname, 'adapters', f)) as { adapters: ConformanceAdapter[] }).adapters)
  .filter((a) => a.capabilities.rollout.stepShapes.length > 0);

const model = ModelArtifact.fromFile(MODEL_FILE);
const metadata = { name: 'digits', version: '1.0.0', owner: 'ml-platform' };

function problemsOf(a: ConformanceAdapter, rollout: RolloutPolicy): readonly SpecProblem[] {
  // Only refusals are checked here, so the case has no `expected` meaning (the adapters never read it).
  const c: Omit<ConformanceCase, 'expected'> = { name: 'bake', spec: { model, metadata, scaling: { minReplicas: 4, maxReplicas: 8 } }, rollout };
  const spec: ModelServingProps = { ...c.spec, image: ServingImage.fromRegistry(`${a.registry}/${IMAGE_PATH}`) };
  try {
    a.render(c as ConformanceCase, spec);
  } catch (e) {
    if (e instanceof SpecValidationError) return e.problems;
    throw e;
  }
  return [];
}

const bakeProblem = (problems: readonly SpecProblem[], field = 'policy.steps[0].bake') => problems.find((p) => p.field === field);

test('the adapters cover all four targets', () => {
  expect(new Set(ADAPTERS.map((a) => a.backend.split(' ')[0]))).toEqual(new Set(['SageMaker', 'Kubernetes', 'KServe', 'Vertex', 'Azure']));
});

describe.each(ADAPTERS.map((a) => [a.backend, a] as const))('%s', (_name, a) => {
  test('a 0 s bake is refused, naming the step, what was given and the least bake it can honour', () => {
    const p = bakeProblem(problemsOf(a, RolloutPolicy.canary({ trafficPercent: 50, bake: Duration.seconds(0) })));
    expect(p).toBeDefined();
    expect(p!.given).toBe('0s');
    expect(p!.allowed).toMatch(new RegExp(`^at least \\d+(s|min) on ${a.backend.replace(/[()]/g, '\\$&')}`));
    expect(p!.fix).toMatch(/bake \d+(s|min) or longer/);
  });

  test('a bake shorter than the guardrails need to fire (3 x 1 min by default) is refused where they roll back', () => {
    const problems = problemsOf(a, RolloutPolicy.steps([{ trafficPercent: 10, bake: Duration.minutes(2) }, { trafficPercent: 50, bake: Duration.minutes(30) }, { trafficPercent: 100, bake: Duration.minutes(10) }]));
    if (a.capabilities.rollout.automaticRollback) {
      expect(bakeProblem(problems)?.allowed).toMatch(/^at least 3min .*the guardrails need 3min to fire \(evaluationPeriod 1min x breachingPeriods 3\)/);
    } else {
      // Nothing acts on alarms there: only the tick (none) counts.
      expect(bakeProblem(problems)).toBeUndefined();
    }
    expect(bakeProblem(problems, 'policy.steps[1].bake')).toBeUndefined();
  });

  test('a bake as long as the alarm window is accepted', () => {
    expect(bakeProblem(problemsOf(a, RolloutPolicy.canary({ trafficPercent: 50, bake: Duration.minutes(3) })))).toBeUndefined();
  });
});

test('a bake shorter than the controller tick is refused by the tick, with the backend named', () => {
  // Guardrails of one 1-minute window fire within the minute; Azure's controller still only moves once a minute.
  const policy = RolloutPolicy.canary({ trafficPercent: 50, bake: Duration.seconds(30), guardrails: { breachingPeriods: 1 } });
  const context = { minReplicas: 4, endpointGuardrails: SpecResolver.serving({ model, metadata, image: ServingImage.fromRegistry('contoso.azurecr.io/m:1') }, AZURE_ML_CAPABILITIES).resolved.guardrails };
  const azure = SpecResolver.rollout(policy, AZURE_ML_CAPABILITIES, context).problems.find((p) => p.field === 'policy.steps[0].bake');
  expect(azure?.allowed).toMatch(/^at least 1min on Azure ML: the guardrails need 1min to fire/);
  // A tick longer than the alarm window is named as the reason.
  const slow = { ...KUBERNETES_CAPABILITIES, backend: 'Slow', rollout: { ...KUBERNETES_CAPABILITIES.rollout, controllerTick: Duration.minutes(5) } };
  const k = SpecResolver.rollout(policy, slow, context).problems.find((p) => p.field === 'policy.steps[0].bake');
  expect(k?.allowed).toMatch(/^at least 5min on Slow: .*and the Slow rollout controller ticks every 5min/);
});
