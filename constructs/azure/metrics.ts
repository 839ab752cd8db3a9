/**
 * Azure Monitor metrics of managed online endpoints and deployments, as plain data a caller turns into an
 * `azurerm_monitor_metric_alert` criterion or an autoscale trigger. Names are the ones Azure Monitor's
 * supported-metrics lists give (there is no `ModelErrorRate`, whatever some public code queries).
 */

export const ENDPOINT_METRIC_NAMESPACE = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints';
export const DEPLOYMENT_METRIC_NAMESPACE = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments';

/** A latency percentile Azure ML publishes per endpoint (`RequestLatency_P<n>`). Enum-like. */
export class LatencyPercentile {
  public static readonly P50 = new LatencyPercentile(50);
  public static readonly P90 = new LatencyPercentile(90);
  public static readonly P95 = new LatencyPercentile(95);
  public static readonly P99 = new LatencyPercentile(99);
  public static readonly ALL: readonly LatencyPercentile[] = [LatencyPercentile.P50, LatencyPercentile.P90, LatencyPercentile.P95, LatencyPercentile.P99];

  /** The percentile Azure ML publishes for `percent`, or undefined when it publishes none. */
  public static of(percent: number): LatencyPercentile | undefined {
    return LatencyPercentile.ALL.find((p) => p.percent === percent);
  }

  private constructor(public readonly percent: number) {}

  /** `RequestLatency_P99` etc. */
  public get metricName(): string {
    return `RequestLatency_P${this.percent}`;
  }

  public toString(): string {
    return `p${this.percent}`;
  }
}

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
