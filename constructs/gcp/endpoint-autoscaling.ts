import { ResolvedServing, ScalingMetric } from '../../lib';
import { MetricTarget, VERTEX_METRICS } from './vertex/bodies';

const METRIC_NAMES: Partial<Record<ScalingMetric, string>> = {
  [ScalingMetric.CPU_UTILIZATION]: VERTEX_METRICS.cpuUtilization,
  [ScalingMetric.GPU_UTILIZATION]: VERTEX_METRICS.acceleratorDutyCycle,
};

/**
 * Autoscaling metric specs from the targets. On a GPU machine Vertex AI tracks CPU and duty cycle together
 * (default 60% each when unset), so a metric the targets leave out is set explicitly at 90%, where it only
 * acts as a safety valve, and the user is told.
 */
export function autoscalingSpecs(serving: ResolvedServing, warn: (message: string) => void): MetricTarget[] {
  const specs = serving.targets.map((t) => ({ metricName: METRIC_NAMES[t.metric]!, target: t.value }));
  if (serving.accelerator) {
    for (const metric of [ScalingMetric.GPU_UTILIZATION, ScalingMetric.CPU_UTILIZATION]) {
      if (!serving.targets.some((t) => t.metric === metric)) {
        specs.push({ metricName: METRIC_NAMES[metric]!, target: 90 });
        warn(`model-serving:scaling.targets: Vertex AI also scales on ${metric === ScalingMetric.CPU_UTILIZATION ? 'CPU utilization' : 'accelerator duty cycle'} with a GPU; it is set at 90% (add a target for it to choose another value)`);
      }
    }
  }
  return specs;
}
