/**
 * Azure Monitor metrics of managed online endpoints and deployments, as plain data a caller turns into an
 * `azurerm_monitor_metric_alert` criterion or an autoscale trigger. Names are the ones Azure Monitor's
 * supported-metrics lists give (there is no `ModelErrorRate`, whatever some public code queries).
 */

export const ENDPOINT_METRIC_NAMESPACE = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints';
export const DEPLOYMENT_METRIC_NAMESPACE = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments';

/** One dimension filter on a metric. */
export interface MetricDimension {
  readonly name: string;
  readonly values: string[];
}

/** A metric of one resource, with how it is aggregated. */
export interface AzureMetric {
  /** ARM id of the resource that emits it. */
  readonly resourceId: string;
  readonly namespace: string;
  readonly metricName: string;
  /** `Average`, `Total`, `Maximum`, `Minimum` or `Count`. */
  readonly aggregation: string;
  /** Dimension filters. @default - none */
  readonly dimensions?: MetricDimension[];
  /** Unit, for readers. */
  readonly unit: string;
}

/** Options a caller passes to a `metric*` helper; they win over the helper's defaults. */
export interface MetricOptions {
  /** @default - the helper's */
  readonly aggregation?: string;
  /** @default - the helper's */
  readonly dimensions?: MetricDimension[];
}

export function withOptions(metric: AzureMetric, options: MetricOptions = {}): AzureMetric {
  return {
    ...metric,
    ...(options.aggregation ? { aggregation: options.aggregation } : {}),
    ...(options.dimensions ? { dimensions: options.dimensions } : {}),
  };
}
