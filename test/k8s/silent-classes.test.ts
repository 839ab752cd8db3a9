/**
 * Mistakes of issue 17's silent classes that a hidden probe found accepted on Kubernetes, each refused at synth
 * with the field, the value, what is allowed and the fix (values differ from the probe's and the other tests').
 * Receivers' rules:
 * - Karpenter NodePool is cluster-scoped (karpenter.sh/v1 NodePool CRD, scope: Cluster): one name per cluster.
 * - prometheus-operator ServiceMonitor endpoint interval: a Duration matching
 *   ^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$
 *   (@kubernetes-models/prometheus-operator 6.0.0, _schemas/...MonitoringV1Duration.js): "2.5s" is not one.
 * - An image reference pinned to a tag or digest (lib/spec.ts PINNED_IMAGE_REFERENCE, as ServingImage.fromRegistry).
 */
import { Chart, Testing } from 'cdk8s';
import { Accelerator, BudgetAction, Duration } from '../../lib';
import { BudgetGuard, BudgetGuardProps, CpuNodePool, GpuNodePool, GpuNodePoolProps, ModelEndpoint } from '../../constructs/k8s';
import { baseProps } from './fixtures';
import { expectNoProblems, expectProblems } from '../support/expect-problems';

test('a GPU pool and a CPU pool named alike in one chart: both named', () => {
  expectProblems(() => {
    const chart = Testing.chart();
    new GpuNodePool(chart, 'Gpu', { accelerator: Accelerator.NVIDIA_A10G, poolName: 'inference', maxGpus: 8 });
    new CpuNodePool(chart, 'Cpu', { poolName: 'inference', maxCpu: 32 });
    return chart;
  }, [
    /KarpenterGpuNodePool [^\n]*Gpu has 1 invalid setting:\s+1\. poolName: got "inference", also used by KarpenterCpuNodePool [^\n]*Cpu; allowed: one Karpenter NodePool per name in a chart/,
    /KarpenterCpuNodePool [^\n]*Cpu has 1 invalid setting:\s+1\. poolName: got "inference", also used by KarpenterGpuNodePool [^\n]*Gpu/,
  ]);
});

test('two GPU pools with distinct names pass; the same name in two charts is two clusters\' business', () => {
  expectNoProblems(() => {
    const app = Testing.app();
    const a = new Chart(app, 'A');
    new GpuNodePool(a, 'L4', { accelerator: Accelerator.NVIDIA_L4, maxGpus: 4 });
    new GpuNodePool(a, 'T4', { accelerator: Accelerator.NVIDIA_T4, maxGpus: 4 });
    new GpuNodePool(new Chart(app, 'B'), 'L4', { accelerator: Accelerator.NVIDIA_L4, maxGpus: 4 });
    return a;
  });
});

test('a device plugin image without a tag is refused', () => {
  expectProblems(() => new GpuNodePool(Testing.chart(), 'Gpu', { accelerator: Accelerator.NVIDIA_H100, maxGpus: 8, devicePlugin: true, devicePluginImage: 'nvcr.io/nvidia/k8s-device-plugin' }),
    /devicePluginImage: got "nvcr\.io\/nvidia\/k8s-device-plugin"; allowed: an image reference "<registry>\/<repository>:<tag>"/);
});

test('a scrape interval of 2.5 s (no ServiceMonitor duration) is refused', () => {
  expectProblems(() => new ModelEndpoint(Testing.chart(), 'E', baseProps({ namespace: 'ml', serviceMonitor: true, scrapeInterval: Duration.millis(2500) })),
    /scrapeInterval: got 2500ms; allowed: whole seconds, at least 1 s/);
});

describe('JavaScript callers: props of the wrong kind are named, not a TypeError', () => {
  test('a GPU pool whose accelerator is a string', () => {
    expect(() => new GpuNodePool(Testing.chart(), 'Gpu', { accelerator: 'nvidia-a10g', maxGpus: 4 } as unknown as GpuNodePoolProps))
      .toThrow(/GpuNodePool [^\n]*Gpu has 1 invalid setting:\s+1\. accelerator: got the string "nvidia-a10g"; allowed: an Accelerator\. Fix: e\.g\. Accelerator\.NVIDIA_L4/);
  });
  test('a budget guard whose gpuPrices is one price, not a list', () => {
    expect(() => new BudgetGuard(Testing.chart(), 'Budget', { namespace: 'ml', budget: { monthlyLimitUsd: 900, action: BudgetAction.NOTIFY }, gpuPrices: { accelerator: Accelerator.NVIDIA_T4, hourlyUsd: 0.4 } } as unknown as BudgetGuardProps))
      .toThrow(/gpuPrices: got a plain object; allowed: an array of object values/);
  });
});
