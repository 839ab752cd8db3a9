import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { Duration, ResolvedGuardrails } from '../../lib';
import type { ModelEndpoint } from './model-endpoint';

/** The two signals a guardrail pair watches, and what each alarm says it is for. */
export interface GuardrailAlarmSignals {
  /** Percent of invocations that answered 5XX, per period. */
  readonly errorRate: cloudwatch.IMetric;
  /** `ModelLatency` (microseconds) at the guardrails' percentile, per period. */
  readonly latency: cloudwatch.IMetric;
  readonly errorRateDescription: string;
  readonly latencyDescription: string;
  /** Construct ids of the two alarms. */
  readonly ids: readonly [errorRate: string, latency: string];
  /** Units of `latency` per millisecond. @default 1000 (SageMaker's ModelLatency is in microseconds; API Gateway's Latency in milliseconds: 1) */
  readonly latencyUnitsPerMillisecond?: number;
}

/**
 * The one AWS guardrail alarm builder: thresholds, periods and missing-data handling from the guardrails, for
 * the endpoint's alarms, a rollout's own and a canary variant's.
 */
export function buildGuardrailAlarms(scope: Construct, g: ResolvedGuardrails, s: GuardrailAlarmSignals): { errorRateAlarm: cloudwatch.Alarm; latencyAlarm: cloudwatch.Alarm } {
  const common = {
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: g.breachingPeriods,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  };
  const errorRateAlarm = new cloudwatch.Alarm(scope, s.ids[0], { metric: s.errorRate, alarmDescription: s.errorRateDescription, threshold: g.maxErrorRatePercent, ...common });
  const latencyAlarm = new cloudwatch.Alarm(scope, s.ids[1], { metric: s.latency, alarmDescription: s.latencyDescription, threshold: g.maxLatency.toMilliseconds() * (s.latencyUnitsPerMillisecond ?? 1000), ...common });
  return { errorRateAlarm, latencyAlarm };
}

/**
 * The alarms' period. CloudWatch takes 10, 30 or a multiple of 60 seconds (PutMetricAlarm Period) and aws-cdk-lib
 * throws PeriodMustBeValidInterval at construction for anything else; SAGEMAKER_CAPABILITIES (whole minutes) has
 * the shared resolver report such a guardrails.evaluationPeriod by field at synth, so a refused value gets a
 * one-minute placeholder here: only a tree whose synth fails ever holds it.
 */
export function alarmPeriod(evaluationPeriod: Duration): cdk.Duration {
  const s = evaluationPeriod.toSeconds();
  return cdk.Duration.seconds(Number.isInteger(s) && s > 0 && s % 60 === 0 ? s : 60);
}

/** The endpoint's two alarms from its guardrails; a CanaryRollout with the same guardrails reuses them. */
export function addGuardrailAlarms(endpoint: ModelEndpoint, g: ResolvedGuardrails): { errorRateAlarm: cloudwatch.Alarm; latencyAlarm: cloudwatch.Alarm } {
  const period = alarmPeriod(g.evaluationPeriod);
  return buildGuardrailAlarms(endpoint, g, {
    errorRate: endpoint.metricErrorRate({ period }),
    latency: endpoint.metricModelLatency({ period, statistic: g.latencyPercentile.name }),
    errorRateDescription: `More than ${g.maxErrorRatePercent}% of invocations of ${endpoint.endpointName} answered 5XX`,
    latencyDescription: `${g.latencyPercentile.name} ModelLatency of ${endpoint.endpointName} above ${g.maxLatency.toString()}`,
    ids: ['ErrorRateAlarm', 'LatencyAlarm'],
  });
}
