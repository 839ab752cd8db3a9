import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ResolvedGuardrails } from '../../lib';
import type { ModelEndpoint } from './model-endpoint';

/** The endpoint's two alarms from its guardrails; a CanaryRollout with the same guardrails reuses them. */
export function addGuardrailAlarms(endpoint: ModelEndpoint, g: ResolvedGuardrails): { errorRateAlarm: cloudwatch.Alarm; latencyAlarm: cloudwatch.Alarm } {
  const period = cdk.Duration.seconds(g.evaluationPeriod.toSeconds());
  const errorRateAlarm = endpoint.metricErrorRate({ period }).createAlarm(endpoint, 'ErrorRateAlarm', {
    alarmDescription: `More than ${g.maxErrorRatePercent}% of invocations of ${endpoint.endpointName} answered 5XX`,
    threshold: g.maxErrorRatePercent,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: g.breachingPeriods,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const latencyAlarm = endpoint.metricModelLatency({ period, statistic: g.latencyPercentile.name }).createAlarm(endpoint, 'LatencyAlarm', {
    alarmDescription: `${g.latencyPercentile.name} ModelLatency of ${endpoint.endpointName} above ${g.maxLatency.toString()}`,
    // ModelLatency is in microseconds.
    threshold: g.maxLatency.toMilliseconds() * 1000,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: g.breachingPeriods,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  return { errorRateAlarm, latencyAlarm };
}
