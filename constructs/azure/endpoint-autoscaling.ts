import { MonitorAutoscaleSetting, MonitorAutoscaleSettingProfileRule } from '@cdktf/provider-azurerm/lib/monitor-autoscale-setting';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ResolvedServing, ScalingMetric, ScalingTarget } from '../../lib';
import { isoDuration } from './azapi/arm-bodies';
import { DEPLOYMENT_METRIC_NAMESPACE } from './metrics';

/**
 * Step rules that approximate target tracking (Azure Monitor autoscale has no target-tracking policy): per
 * target, one instance out above it and one in below 60% of it, with the spec's cooldowns. Azure scales out
 * when any rule fires and in only when every scale-in rule does, which is what several targets mean.
 */
export function autoscaleRules(serving: ResolvedServing, deploymentId: string): MonitorAutoscaleSettingProfileRule[] {
  return serving.targets.flatMap((t: ScalingTarget) => {
    const perMinute = t.metric === ScalingMetric.INVOCATIONS_PER_REPLICA;
    const metricName = t.metric === ScalingMetric.GPU_UTILIZATION ? 'GpuUtilizationPercentage'
      : t.metric === ScalingMetric.CPU_UTILIZATION ? 'CpuUtilizationPercentage' : 'RequestsPerMinute';
    const threshold = perMinute ? t.value * 60 : t.value;
    const trigger = (operator: string, value: number) => ({
      metricName,
      metricNamespace: DEPLOYMENT_METRIC_NAMESPACE,
      metricResourceId: deploymentId,
      operator,
      statistic: 'Average',
      threshold: value,
      timeAggregation: 'Average',
      timeGrain: 'PT1M',
      timeWindow: 'PT5M',
      // Requests per minute are for the whole deployment; per instance is what the target means.
      divideByInstanceCount: perMinute,
    });
    return [
      { metricTrigger: trigger('GreaterThan', threshold), scaleAction: { direction: 'Increase', type: 'ChangeCount', value: 1, cooldown: isoDuration(serving.scaleOutCooldown.toMilliseconds()) } },
      { metricTrigger: trigger('LessThan', Math.floor(threshold * 0.6)), scaleAction: { direction: 'Decrease', type: 'ChangeCount', value: 1, cooldown: isoDuration(serving.scaleInCooldown.toMilliseconds()) } },
    ];
  });
}

/**
 * Azure Monitor autoscale on the deployment: capacity from minReplicas to maxReplicas, with the step rules above.
 * `deploymentId` is lazy where a CanaryRollout attached later renames the deployment.
 */
export function addAutoscale(scope: Construct, serving: ResolvedServing, where: { endpointName: string; resourceGroupName: string; location: string },
  deploymentId: string, tags: Record<string, string>, dependsOn: ITerraformDependable[]): MonitorAutoscaleSetting {
  return new MonitorAutoscaleSetting(scope, 'Autoscale', {
    name: `${where.endpointName}-autoscale`,
    resourceGroupName: where.resourceGroupName,
    location: where.location,
    targetResourceId: deploymentId,
    profile: [{
      name: 'default',
      capacity: { default: serving.minReplicas, minimum: serving.minReplicas, maximum: serving.maxReplicas },
      rule: autoscaleRules(serving, deploymentId),
    }],
    tags,
    dependsOn,
  });
}
