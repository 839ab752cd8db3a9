import { Testing } from 'cdk8s';
import { Accelerator, BudgetAction, Size } from '../../lib';
import { BudgetGuard, BudgetGuardProps } from '../../constructs/k8s';
import { findOne, expectSchemaValid, synthChart } from '../support/k8s-helpers';
import { expectProblems } from '../support/expect-problems';

const base: BudgetGuardProps = {
  namespace: 'ml-serving',
  budget: { monthlyLimitUsd: 3000, action: BudgetAction.NOTIFY },
  gpuPrices: [{ accelerator: Accelerator.NVIDIA_L4, hourlyUsd: 0.8 }, { accelerator: Accelerator.NVIDIA_A100, hourlyUsd: 4.1 }],
};
const synth = (props: BudgetGuardProps) => synthChart((chart) => new BudgetGuard(chart, 'Budget', props));

describe('BudgetGuard', () => {
  test('snapshot', () => {
    expect(synth(base)).toMatchSnapshot();
  });

  test('restricted namespace, quota, limit range and cost rule pass their schemas', () => {
    const docs = synth(base);
    expect(docs.map((d) => d.kind)).toEqual(['Namespace', 'ResourceQuota', 'LimitRange', 'PrometheusRule']);
    expect(findOne(docs, 'Namespace').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    expectSchemaValid(docs);
  });

  test('GPU quota defaults to what the budget pays for at the highest price', () => {
    // 3000 / (4.1 * 730.5) = 1.0016
    expect(findOne(synth(base), 'ResourceQuota').spec.hard).toEqual({
      'requests.nvidia.com/gpu': '1', 'requests.cpu': '64', 'limits.cpu': '64', 'requests.memory': '256Gi', 'limits.memory': '256Gi', pods: '100',
    });
  });

  test('quota props', () => {
    const hard = findOne(synth({ ...base, maxGpus: 4, maxCpu: 32, maxMemory: Size.gibibytes(128), maxPods: 40 }), 'ResourceQuota').spec.hard;
    expect(hard).toEqual({ 'requests.nvidia.com/gpu': '4', 'requests.cpu': '32', 'limits.cpu': '32', 'requests.memory': '128Gi', 'limits.memory': '128Gi', pods: '40' });
  });

  test('LimitRange gives containers defaults', () => {
    expect(findOne(synth(base), 'LimitRange').spec.limits[0]).toMatchObject({ type: 'Container', defaultRequest: { cpu: '250m', memory: '256Mi' }, default: { cpu: '500m', memory: '512Mi' } });
  });

  test('cost rule prices GPUs per accelerator and alerts per threshold on the monthly projection', () => {
    const rules = findOne(synth({ ...base, budget: { ...base.budget, alertThresholdsPercent: [50, 100] } }), 'PrometheusRule').spec.groups[0].rules;
    expect(rules[0].record).toBe('model_serving:gpu_cost_usd_per_hour');
    expect(rules[0].expr).toContain('(0.8 * sum(');
    expect(rules[0].expr).toContain('label_model_serving_dev_accelerator="nvidia-l4"');
    expect(rules[0].expr).toContain('(4.1 * sum(');
    expect(rules.slice(1).map((r: { expr: string; labels: Record<string, string> }) => [r.expr, r.labels.severity])).toEqual([
      ['model_serving:gpu_cost_usd_per_hour{namespace="ml-serving"} * 730.5 > 1500', 'warning'],
      ['model_serving:gpu_cost_usd_per_hour{namespace="ml-serving"} * 730.5 > 3000', 'critical'],
    ]);
  });

  test('Pod Security labels can be turned off', () => {
    expect(findOne(synth({ ...base, enforceRestrictedPodSecurity: false }), 'Namespace').metadata.labels['pod-security.kubernetes.io/enforce']).toBeUndefined();
  });

  describe('validation', () => {
    const fails = (props: BudgetGuardProps) => () => new BudgetGuard(Testing.chart(), 'B', props);
    test('actions other than NOTIFY cannot be honoured, including the default', () => {
      expectProblems(fails({ ...base, budget: { monthlyLimitUsd: 3000 } }), /budget.action: got nothing \(SCALE_TO_FLOOR by default\); allowed: on Kubernetes: actions NOTIFY/);
      expectProblems(fails({ ...base, budget: { monthlyLimitUsd: 3000, action: BudgetAction.DELETE } }), /budget.action: got DELETE/);
    });
    test('e-mails go through Alertmanager', () => {
      expectProblems(fails({ ...base, budget: { ...base.budget, emails: ['a@example.com'] } }), /budget.emails: .*Alertmanager/);
    });
    test('budget too small for one GPU', () => {
      expectProblems(fails({ ...base, budget: { monthlyLimitUsd: 100, action: BudgetAction.NOTIFY } }), /budget.monthlyLimitUsd: got 100 with GPUs at up to 4.1 USD\/h; allowed: at least 2996/);
    });
    test('prices, namespace and shared budget rules in one error', () => {
      expectProblems(fails({ namespace: 'ML', budget: { monthlyLimitUsd: -1, action: BudgetAction.NOTIFY }, gpuPrices: [{ accelerator: Accelerator.NVIDIA_L4, hourlyUsd: 0 }, { accelerator: Accelerator.NVIDIA_L4, hourlyUsd: 1 }] }), /namespace: got "ML"[\s\S]*gpuPrices\[0\].hourlyUsd: got 0[\s\S]*gpuPrices\[1\].accelerator: got NVIDIA_L4[\s\S]*budget.monthlyLimitUsd: got -1/);
      expectProblems(fails({ ...base, gpuPrices: [] }), /gpuPrices: got \[\]/);
    });
  });
});
