import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import { ResolvedServing, ScalingMetric } from '../../lib';
import type { ModelEndpoint } from './model-endpoint';

/** Target tracking from the spec's one target (SAGEMAKER_CAPABILITIES refuses several). */
export function addTargetTracking(endpoint: ModelEndpoint, serving: ResolvedServing, variantName: string): { scalableTarget: appscaling.CfnScalableTarget; scalingPolicy: appscaling.CfnScalingPolicy } {
  // Autoscaling from the shared spec. No RoleARN: Application Auto Scaling uses its service-linked role
  // for SageMaker (a role created here would have no permissions to act on the endpoint).
  const scalableTarget = new appscaling.CfnScalableTarget(endpoint, 'ScalableTarget', {
    serviceNamespace: 'sagemaker',
    resourceId: `endpoint/${endpoint.cfnEndpoint.attrEndpointName}/variant/${variantName}`,
    scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    minCapacity: serving.minReplicas,
    maxCapacity: serving.maxReplicas,
  });
  const t = serving.targets[0];
  let tracking: appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty;
  const cooldowns = { scaleInCooldown: serving.scaleInCooldown.toSeconds(), scaleOutCooldown: serving.scaleOutCooldown.toSeconds() };
  if (t.metric === ScalingMetric.INVOCATIONS_PER_REPLICA) {
    // SageMaker counts invocations per instance per minute.
    tracking = {
      ...cooldowns,
      predefinedMetricSpecification: { predefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
      targetValue: t.value * 60,
    };
  } else if (t.metric === ScalingMetric.CONCURRENT_REQUESTS_PER_REPLICA) {
    // ConcurrentRequestsPerModel counts the requests a model container handles, those queued inside it
    // included, every 10 s (SageMaker developer guide, "Define a scaling policy": high-resolution metrics).
    tracking = {
      ...cooldowns,
      predefinedMetricSpecification: { predefinedMetricType: 'SageMakerVariantConcurrentRequestsPerModelHighResolution' },
      targetValue: t.value,
    };
  } else {
    // SageMaker reports CPU and GPU utilization summed over the instance's cores/GPUs (0-100 each).
    const cpu = t.metric === ScalingMetric.CPU_UTILIZATION;
    const units = cpu ? endpoint.instance?.vcpus ?? 1 : endpoint.instance?.gpuCount ?? serving.acceleratorCount;
    tracking = {
      ...cooldowns,
      customizedMetricSpecification: {
        namespace: '/aws/sagemaker/Endpoints',
        metricName: cpu ? 'CPUUtilization' : 'GPUUtilization',
        dimensions: [{ name: 'EndpointName', value: endpoint.endpointName }, { name: 'VariantName', value: variantName }],
        statistic: 'Average',
      },
      targetValue: t.value * units,
    };
  }
  const scalingPolicy = new appscaling.CfnScalingPolicy(endpoint, 'ScalingPolicy', {
    policyName: `${endpoint.endpointName}-${t.metric.toLowerCase().replace(/_/g, '-')}`,
    policyType: 'TargetTrackingScaling',
    scalingTargetId: scalableTarget.ref,
    targetTrackingScalingPolicyConfiguration: tracking,
  });
  return { scalableTarget, scalingPolicy };
}
