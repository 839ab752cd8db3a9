import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { MonitoringDashboard } from '@cdktf/provider-google/lib/monitoring-dashboard';
import { ReplicaPrice } from '../../lib';
import { cloudMonitoringDashboard, costCondition } from './dashboard';
import type { ModelEndpoint, ModelEndpointProps } from './model-endpoint';
import { errorRateCondition, latencyCondition } from './monitoring';

/** The endpoint's alert policies and dashboard. */
export interface EndpointAlarms {
  readonly errorRateAlert: MonitoringAlertPolicy;
  readonly latencyAlert: MonitoringAlertPolicy;
  readonly dashboard?: MonitoringDashboard;
  readonly costPer1000PredictionsAlarm?: MonitoringAlertPolicy;
}

/**
 * The guardrail alert policies (error rate, latency) on the endpoint's own metrics, the Cloud Monitoring
 * dashboard (`dashboard: true`) and the cost per 1000 predictions alert (`costPer1000PredictionsAbove`, with a
 * price), each notifying `notificationChannels`.
 */
export function addGuardrailAlerts(endpoint: ModelEndpoint, props: ModelEndpointProps, price: ReplicaPrice | undefined): EndpointAlarms {
  const { serving, labels, endpointId } = endpoint;
  const name = props.metadata.name;
  const g = serving.guardrails;
  const channels = props.notificationChannels ? [...props.notificationChannels] : undefined;
  const errorRateAlert = new MonitoringAlertPolicy(endpoint, 'ErrorRateAlert', {
    project: props.project,
    displayName: `${name} ${endpointId}: prediction error rate above ${g.maxErrorRatePercent}%`,
    combiner: 'OR',
    notificationChannels: channels,
    userLabels: labels,
    conditions: [errorRateCondition(endpoint.metricErrorCount(), endpoint.metricPredictionCount(), g, false)],
    documentation: { content: `More than ${g.maxErrorRatePercent}% of predictions on Vertex AI endpoint ${endpointId} failed for ${g.breachingPeriods} x ${g.evaluationPeriod.toString()}.`, mimeType: 'text/markdown' },
  });
  const latencyAlert = new MonitoringAlertPolicy(endpoint, 'LatencyAlert', {
    project: props.project,
    displayName: `${name} ${endpointId}: ${g.latencyPercentile.name} latency above ${g.maxLatency.toString()}`,
    combiner: 'OR',
    notificationChannels: channels,
    userLabels: labels,
    conditions: [latencyCondition(endpoint.metricPredictionLatencies(), g, false)],
    documentation: { content: `${g.latencyPercentile.name} prediction latency of Vertex AI endpoint ${endpointId} above ${g.maxLatency.toString()} for ${g.breachingPeriods} x ${g.evaluationPeriod.toString()}.`, mimeType: 'text/markdown' },
  });
  let dashboard: MonitoringDashboard | undefined;
  if (props.dashboard) {
    const model = cloudMonitoringDashboard(`Model ${name} (Vertex AI endpoint ${endpointId})`, endpoint, (endpoint.machine?.gpuCount ?? serving.acceleratorCount) > 0, price);
    // "${" would be Terraform interpolation: "$${" is its literal form.
    dashboard = new MonitoringDashboard(endpoint, 'Dashboard', { project: props.project, dashboardJson: JSON.stringify(model).split('${').join('$${') });
  }
  let costPer1000PredictionsAlarm: MonitoringAlertPolicy | undefined;
  if (props.costPer1000PredictionsAbove !== undefined && price) {
    costPer1000PredictionsAlarm = new MonitoringAlertPolicy(endpoint, 'CostPer1000PredictionsAlert', {
      project: props.project,
      displayName: `${name} ${endpointId}: cost per 1000 predictions above ${props.costPer1000PredictionsAbove} USD`,
      combiner: 'OR',
      notificationChannels: channels,
      userLabels: labels,
      conditions: [costCondition(endpointId, price, props.costPer1000PredictionsAbove)],
      documentation: { content: `Predictions on Vertex AI endpoint ${endpointId} cost more than ${props.costPer1000PredictionsAbove} USD per 1000 at ${price.hourlyUsd} USD per replica-hour (${price.source}).`, mimeType: 'text/markdown' },
    });
  }
  return { errorRateAlert, latencyAlert, dashboard, costPer1000PredictionsAlarm };
}
