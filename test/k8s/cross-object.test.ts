/**
 * Problems only visible across objects, and names the Kubernetes API would refuse, reported at synth.
 * - Namespace names: RFC 1123 label (kubernetes.io/docs/concepts/overview/working-with-objects/names, "DNS label names").
 * - Two objects of one kind with the same name in one namespace are one object: the later apply overwrites it.
 * - cdk8s App.synth runs every construct validation and throws one error listing all of them.
 */
import { Chart, Testing } from 'cdk8s';
import { Accelerator, BudgetAction, ScalingTarget } from '../../lib';
import { BudgetGuard, ModelEndpoint } from '../../constructs/k8s';
import { baseProps } from './fixtures';
import { expectNoProblems, expectProblems } from '../support/expect-problems';

const cpu = { targets: [ScalingTarget.cpuUtilization(70)] };

function synthApp(build: (chart: Chart) => void): () => string {
  const app = Testing.app();
  build(new Chart(app, 'Chart'));
  return () => app.synthYaml();
}

describe('namespace names', () => {
  test.each(['ML_Serving', '-ml', 'ml-', 'ml.serving', 'a'.repeat(64)])('"%s" is refused with the rule', (ns) => {
    expectProblems(() => new ModelEndpoint(Testing.chart(), 'E', baseProps({ namespace: ns })), new RegExp(`namespace: got "${ns.replace(/\./g, '\\.')}"[^;]*; allowed: Kubernetes name \\(DNS-1123 label\\)`));
  });
  test('refused together with the endpoint\'s other problems', () => {
    expectProblems(() => new ModelEndpoint(Testing.chart(), 'E', baseProps({ namespace: 'ML', endpointName: 'Digits' })), /2 invalid settings:[\s\S]*endpointName: got "Digits"[\s\S]*namespace: got "ML"/);
  });
  test('a valid namespace passes', () => {
    expectNoProblems(() => new ModelEndpoint(Testing.chart(), 'E', baseProps({ namespace: 'ml-serving-2' })));
  });
});

describe('cross-object checks at synth', () => {
  test('two endpoints with the same name in one namespace are refused, every problem in one error', () => {
    const synth = synthApp((chart) => {
      new ModelEndpoint(chart, 'A', baseProps({ namespace: 'ml' }));
      new ModelEndpoint(chart, 'B', baseProps({ namespace: 'ml' }));
      new BudgetGuard(chart, 'Budget', { namespace: 'ml', budget: { monthlyLimitUsd: 1000, action: BudgetAction.NOTIFY }, gpuPrices: [{ accelerator: Accelerator.NVIDIA_T4, hourlyUsd: 0.35 }] });
      new ModelEndpoint(chart, 'Gpu', baseProps({ namespace: 'ml', endpointName: 'digits-gpu', accelerator: Accelerator.NVIDIA_L4, scaling: cpu }));
    });
    let message = '';
    try {
      synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/Validation failed/);
    expect(message).toMatch(/ModelEndpoint Chart\/A has 1 invalid setting:\s+1\. endpointName: got "digits" in namespace "ml", also used by ModelEndpoint Chart\/B; allowed: one endpoint per name and namespace in a chart .* Fix: set a different endpointName/);
    expect(message).toMatch(/ModelEndpoint Chart\/B has 1 invalid setting:\s+1\. endpointName: got "digits" in namespace "ml", also used by ModelEndpoint Chart\/A/);
    expect(message).toMatch(/BudgetGuard Chart\/Budget has 1 invalid setting:\s+1\. gpuPrices: got no price for NVIDIA_L4, used by ModelEndpoint Chart\/Gpu in namespace "ml"; allowed: a price for every accelerator .* Fix: add \{ accelerator: Accelerator\.NVIDIA_L4, hourlyUsd: <price per GPU-hour> \} to gpuPrices/);
  });

  test('the same name in two namespaces, a priced GPU, and a GPU endpoint outside the budget\'s namespace pass', () => {
    const synth = synthApp((chart) => {
      new ModelEndpoint(chart, 'A', baseProps({ namespace: 'ml' }));
      new ModelEndpoint(chart, 'B', baseProps({ namespace: 'ml-staging' }));
      new BudgetGuard(chart, 'Budget', { namespace: 'ml', budget: { monthlyLimitUsd: 1000, action: BudgetAction.NOTIFY }, gpuPrices: [{ accelerator: Accelerator.NVIDIA_L4, hourlyUsd: 0.8 }] });
      new ModelEndpoint(chart, 'Gpu', baseProps({ namespace: 'ml', endpointName: 'digits-gpu', accelerator: Accelerator.NVIDIA_L4, scaling: cpu }));
      new ModelEndpoint(chart, 'Other', baseProps({ namespace: 'research', endpointName: 'digits-a100', accelerator: Accelerator.NVIDIA_A100, scaling: cpu }));
    });
    expect(synth).not.toThrow();
  });
});

