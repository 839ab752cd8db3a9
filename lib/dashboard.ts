/**
 * One cloud-neutral description of a model endpoint's dashboard. Each backend renders it as the platform's own
 * dashboard (CloudWatch, Cloud Monitoring, an Azure workbook, a Grafana dashboard in a ConfigMap) and must say, per
 * widget, either which query shows it or why the platform cannot (`DashboardGap`): the renderers are typed
 * `Record<DashboardWidgetId, ...>`, so a widget added here does not compile until every backend handles it.
 *
 * Widgets that read server metrics the server does not export yet (cache, circuit breaker) name the
 * `SERVER_METRICS` keys they need in `serverMetrics`; they appear once those keys exist in lib/contract.ts.
 */
import { MetricSpec, SERVER_METRICS } from './contract';

/** Every widget a dashboard can show, in display order. */
export const DASHBOARD_WIDGET_IDS = [
  'requestRate',
  'errorRate',
  'latency',
  'replicas',
  'cpuUtilization',
  'gpuUtilization',
  'gpuMemory',
  'queueDepth',
  'batchSize',
  'cacheHitRatio',
  'breakerState',
  'canaryVsStable',
  'budget',
  'costPer1000Predictions',
] as const;
export type DashboardWidgetId = (typeof DASHBOARD_WIDGET_IDS)[number];

/** Unit a widget's values are in, after the renderer's conversion. */
export type DashboardUnit = 'requests/s' | 'percent' | 'seconds' | 'count' | 'bytes' | 'state' | 'USD' | 'USD per 1000 predictions';

/** When a widget belongs on an endpoint's dashboard. */
export type DashboardCondition = 'always' | 'gpu';

export interface DashboardWidget {
  readonly id: DashboardWidgetId;
  readonly title: string;
  readonly unit: DashboardUnit;
  readonly when: DashboardCondition;
  /**
   * Keys of `SERVER_METRICS` the widget reads where the server's own metrics are collected (Kubernetes). A widget
   * whose keys are not all in lib/contract.ts is left out everywhere.
   */
  readonly serverMetrics: string[];
  /** Latency percentiles, for `latency`. */
  readonly quantiles?: number[];
}

/** The description itself. To add a widget: one line here, then one entry per backend renderer. */
export const DASHBOARD_WIDGETS: readonly DashboardWidget[] = [
  { id: 'requestRate', title: 'Requests per second', unit: 'requests/s', when: 'always', serverMetrics: ['requests'] },
  { id: 'errorRate', title: 'Error rate (5xx, %)', unit: 'percent', when: 'always', serverMetrics: ['requests'] },
  { id: 'latency', title: 'Latency p50 / p95 / p99', unit: 'seconds', when: 'always', serverMetrics: ['requestDuration'], quantiles: [0.5, 0.95, 0.99] },
  { id: 'replicas', title: 'Replicas', unit: 'count', when: 'always', serverMetrics: ['modelReady'] },
  { id: 'cpuUtilization', title: 'CPU utilisation (%)', unit: 'percent', when: 'always', serverMetrics: [] },
  { id: 'gpuUtilization', title: 'GPU utilisation (%)', unit: 'percent', when: 'gpu', serverMetrics: [] },
  { id: 'gpuMemory', title: 'GPU memory used', unit: 'bytes', when: 'gpu', serverMetrics: [] },
  { id: 'queueDepth', title: 'Queue depth', unit: 'count', when: 'always', serverMetrics: ['queueDepth'] },
  { id: 'batchSize', title: 'Mean batch size', unit: 'count', when: 'always', serverMetrics: ['inferenceCount', 'execCount'] },
  { id: 'cacheHitRatio', title: 'Cache hit ratio (%)', unit: 'percent', when: 'always', serverMetrics: ['cacheRequests'] },
  { id: 'breakerState', title: 'Circuit breaker state', unit: 'state', when: 'always', serverMetrics: ['breakerState'] },
  { id: 'canaryVsStable', title: 'Requests per second by version (canary vs stable during a rollout)', unit: 'requests/s', when: 'always', serverMetrics: ['requests'] },
  { id: 'budget', title: 'Budget: spend vs limit (USD)', unit: 'USD', when: 'always', serverMetrics: [] },
  { id: 'costPer1000Predictions', title: 'Cost per 1000 predictions (USD)', unit: 'USD per 1000 predictions', when: 'always', serverMetrics: ['requests'] },
];

/** What the endpoint has, which decides the widgets it gets. */
export interface DashboardContext {
  /** The endpoint runs on GPUs. */
  readonly gpu: boolean;
}

/** A `SERVER_METRICS` entry by key, or undefined while the server does not export it. */
export function serverMetric(key: string): MetricSpec | undefined {
  return (SERVER_METRICS as Readonly<Record<string, MetricSpec | undefined>>)[key];
}

/** True when every server metric `widget` reads is in lib/contract.ts. */
export function serverMetricsPresent(widget: DashboardWidget): boolean {
  return widget.serverMetrics.every((k) => serverMetric(k) !== undefined);
}

/** The widgets of an endpoint's dashboard, in display order. */
export function dashboardWidgets(ctx: DashboardContext): DashboardWidget[] {
  return DASHBOARD_WIDGETS.filter((w) => {
    if (!serverMetricsPresent(w)) return false;
    return w.when === 'gpu' ? ctx.gpu : true;
  });
}

/** A widget the platform cannot show, and why; rendered as a note on the dashboard so the gap is visible. */
export interface DashboardGap {
  readonly unavailable: string;
}

export function isDashboardGap(x: unknown): x is DashboardGap {
  return typeof x === 'object' && x !== null && typeof (x as DashboardGap).unavailable === 'string';
}

/** Options every backend's ModelEndpoint takes for its dashboard and cost figure (same names on every target). */
export interface DashboardOptions {
  /**
   * Build the endpoint's dashboard (CloudWatch dashboards are billed per dashboard beyond the free tier).
   * @default false
   */
  readonly dashboard?: boolean;
  /**
   * Price of one replica (instance, node or pod with its GPUs) per hour in USD; wins over the snapshot price table
   * (lib/cost.ts PRICE_SNAPSHOT). @default - the snapshot's price for the instance type, if it has one
   */
  readonly hourlyPriceUsd?: number;
  /**
   * Alarm when the cost per 1000 predictions is above this many USD (needs a price). @default - no cost alarm
   */
  readonly costPer1000PredictionsAbove?: number;
}
