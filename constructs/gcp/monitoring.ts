/**
 * Cloud Monitoring for Vertex AI endpoints: metric filters and the alert conditions the endpoint and the
 * rollout build from the shared guardrails.
 */
import { MonitoringAlertPolicyConditions } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { LatencyPercentile, ResolvedGuardrails } from '../../lib';

/** A Cloud Monitoring time series of this endpoint, as a filter for alert policies and dashboards. */
export interface VertexMetric {
  readonly metricType: string;
  /** Monitoring filter selecting this endpoint's series. */
  readonly filter: string;
}

/** `aiplatform.googleapis.com/prediction/online/<name>` (or a full metric type) of one endpoint. */
export function vertexMetric(endpointId: string, name: string): VertexMetric {
  const metricType = name.includes('.googleapis.com/') ? name : `aiplatform.googleapis.com/prediction/online/${name}`;
  return {
    metricType,
    filter: `resource.type = "aiplatform.googleapis.com/Endpoint" AND resource.labels.endpoint_id = "${endpointId}" AND metric.type = "${metricType}"`,
  };
}

/** Cloud Monitoring aligners for the latency percentiles Vertex AI declares (VERTEX_CAPABILITIES.guardrails). */
const PERCENTILE_ALIGNERS: ReadonlyMap<LatencyPercentile, string> = new Map([
  [LatencyPercentile.P50, 'ALIGN_PERCENTILE_50'],
  [LatencyPercentile.P95, 'ALIGN_PERCENTILE_95'],
  [LatencyPercentile.P99, 'ALIGN_PERCENTILE_99'],
]);

/** Error rate (errors / predictions) over the guardrails' window; `perModel` groups by deployed_model_id. */
export function errorRateCondition(errors: VertexMetric, predictions: VertexMetric, g: ResolvedGuardrails, perModel: boolean): MonitoringAlertPolicyConditions {
  const aggregation = {
    alignmentPeriod: `${g.evaluationPeriod.toSeconds()}s`,
    perSeriesAligner: 'ALIGN_DELTA',
    crossSeriesReducer: 'REDUCE_SUM',
    groupByFields: perModel ? ['metric.label.deployed_model_id'] : [],
  };
  return {
    displayName: `error rate above ${g.maxErrorRatePercent}%`,
    conditionThreshold: {
      filter: errors.filter,
      denominatorFilter: predictions.filter,
      aggregations: [aggregation],
      denominatorAggregations: [aggregation],
      comparison: 'COMPARISON_GT',
      thresholdValue: g.maxErrorRatePercent / 100,
      duration: `${g.evaluationPeriod.toSeconds() * g.breachingPeriods}s`,
      trigger: { count: 1 },
      evaluationMissingData: 'EVALUATION_MISSING_DATA_INACTIVE',
    },
  };
}

/**
 * Latency at the guardrails' percentile. `unit` is the distribution's unit: milliseconds for Vertex AI's
 * prediction_latencies, seconds for serviceruntime's api/request_latencies (API Gateway).
 */
export function latencyCondition(latencies: VertexMetric, g: ResolvedGuardrails, perModel: boolean, unit: 'ms' | 's' = 'ms'): MonitoringAlertPolicyConditions {
  return {
    displayName: `${g.latencyPercentile.name} latency above ${g.maxLatency.toString()}`,
    conditionThreshold: {
      filter: latencies.filter,
      aggregations: [{
        alignmentPeriod: `${g.evaluationPeriod.toSeconds()}s`,
        perSeriesAligner: PERCENTILE_ALIGNERS.get(g.latencyPercentile) ?? 'ALIGN_PERCENTILE_99',
        crossSeriesReducer: 'REDUCE_MAX',
        groupByFields: perModel ? ['metric.label.deployed_model_id'] : [],
      }],
      comparison: 'COMPARISON_GT',
      thresholdValue: unit === 'ms' ? g.maxLatency.toMilliseconds() : g.maxLatency.toMilliseconds() / 1000,
      duration: `${g.evaluationPeriod.toSeconds() * g.breachingPeriods}s`,
      trigger: { count: 1 },
      evaluationMissingData: 'EVALUATION_MISSING_DATA_INACTIVE',
    },
  };
}

/**
 * A metric API Gateway writes for its managed service (monitored resource `api`, label `service`):
 * `serviceruntime.googleapis.com/api/request_count` (DELTA INT64, metric labels response_code and
 * response_code_class) and `serviceruntime.googleapis.com/api/request_latencies` (DELTA DISTRIBUTION, in
 * seconds). Google Cloud metrics list, "serviceruntime"; Cloud Monitoring SLO docs, "Request-response services:
 * Cloud Endpoints". `extra` narrows it further (e.g. `metric.labels.response_code_class = "5xx"`).
 */
export function apiGatewayMetric(managedService: string, name: 'request_count' | 'request_latencies', extra?: string): VertexMetric {
  const metricType = `serviceruntime.googleapis.com/api/${name}`;
  return {
    metricType,
    filter: `resource.type = "api" AND resource.labels.service = "${managedService}" AND metric.type = "${metricType}"${extra ? ` AND ${extra}` : ''}`,
  };
}
