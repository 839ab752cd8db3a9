// The ModelEndpoint's guardrails as Prometheus alerts.
import { ApiObject } from 'cdk8s';
import { PROMQL } from '../../lib';
import { routedAlertLabels } from './dashboard';
import { ObjectMeta, rateWindow, typedApiObject } from './internal';
import type { IPrometheusRule } from './k8s-schema';
import type { ModelEndpoint } from './model-endpoint';

/** The endpoint's guardrails as Prometheus alerts: the same thresholds the rollout analysis uses. */
export function renderGuardrailAlerts(endpoint: ModelEndpoint, metadata: ObjectMeta): ApiObject {
  const g = endpoint.serving.guardrails;
  const scope = endpoint.metricScope('guardrail alert');
  const interval = `${g.evaluationPeriod.toSeconds()}s`;
  const window = rateWindow(g.evaluationPeriod, endpoint.scrapeInterval);
  const sustained = `${g.evaluationPeriod.toSeconds() * g.breachingPeriods}s`;
  const labels = routedAlertLabels(endpoint, { model_serving_endpoint: endpoint.endpointName, severity: 'critical' });
  return typedApiObject<IPrometheusRule>(endpoint, 'GuardrailAlerts', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata,
    spec: {
      groups: [{
        name: `model-serving-guardrails-${endpoint.endpointName}`,
        interval,
        rules: [
          {
            alert: 'ModelServingErrorRateHigh',
            expr: `${PROMQL.errorRatio(scope, window)} > ${g.maxErrorRatePercent / 100}`,
            for: sustained,
            labels,
            annotations: { summary: `More than ${g.maxErrorRatePercent}% of requests to ${endpoint.endpointName} answered 5XX` },
          },
          {
            alert: 'ModelServingLatencyHigh',
            expr: `${PROMQL.latencyQuantile(scope, g.latencyPercentile.quantile, window)} > ${g.maxLatency.toMilliseconds() / 1000}`,
            for: sustained,
            labels,
            annotations: { summary: `${g.latencyPercentile.name} latency of ${endpoint.endpointName} above ${g.maxLatency.toString()}` },
          },
        ],
      }],
    },
  });
}
