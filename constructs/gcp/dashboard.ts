/**
 * The neutral dashboard (lib/dashboard.ts) as a Cloud Monitoring dashboard (`google_monitoring_dashboard`,
 * dashboard_json in the google.monitoring.dashboard.v1.Dashboard JSON form) over Vertex AI's own metrics, and the cost
 * per 1000 predictions as a PromQL query over them (dashboard and alert policy). Vertex AI does not collect the
 * server's /metrics, so queue, batch, cache and breaker widgets are notes saying so.
 *
 * Metric types: Google Cloud metrics list, aiplatform (https://cloud.google.com/monitoring/api/metrics_gcp_a_b#gcp-aiplatform),
 * resource aiplatform.googleapis.com/Endpoint. PromQL names: "Mapping Cloud Monitoring metric names to PromQL"
 * (https://cloud.google.com/monitoring/promql/promql-mapping): the first "/" becomes ":", other "." and "/" become "_",
 * and the monitored resource type is the `monitored_resource` label.
 */
import { MonitoringAlertPolicyConditions } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { DashboardGap, DashboardWidgetId, ReplicaPrice, dashboardWidgets, isDashboardGap } from '../../lib';
import { VertexMetric } from './monitoring';

/** The endpoint's metrics a renderer needs. */
export interface VertexEndpointMetrics {
  readonly endpointId: string;
  metric(name: string): VertexMetric;
}

type Aggregation = { alignmentPeriod: string; perSeriesAligner: string; crossSeriesReducer?: string; groupByFields?: string[] };
type DataSet = Record<string, unknown>;
type Rendered = DataSet[] | DashboardGap;

/** A Cloud Monitoring metric type as a PromQL metric name. */
export function promqlMetricName(metricType: string): string {
  const i = metricType.indexOf('/');
  return `${metricType.slice(0, i).replace(/[./]/g, '_')}:${metricType.slice(i + 1).replace(/[./]/g, '_')}`;
}

function promSelector(endpointId: string, name: string): string {
  return `${promqlMetricName(`aiplatform.googleapis.com/prediction/online/${name}`)}{monitored_resource="aiplatform.googleapis.com/Endpoint",endpoint_id="${endpointId}"}`;
}

/** USD per 1000 predictions over `window`: replicas x price per hour / predictions per hour x 1000 (PromQL). */
export function costPer1000PredictionsQuery(endpointId: string, price: ReplicaPrice, window = '5m'): string {
  return `sum(avg_over_time(${promSelector(endpointId, 'replicas')}[${window}])) * ${price.hourlyUsd} * 1000 / ` +
    `(3600 * sum(rate(${promSelector(endpointId, 'prediction_count')}[${window}])))`;
}

/** An alert condition on the cost per 1000 predictions (PromQL condition). */
export function costCondition(endpointId: string, price: ReplicaPrice, above: number): MonitoringAlertPolicyConditions {
  return {
    displayName: `cost per 1000 predictions above ${above} USD`,
    conditionPrometheusQueryLanguage: {
      query: `${costPer1000PredictionsQuery(endpointId, price)} > ${above}`,
      duration: '900s',
      evaluationInterval: '60s',
    },
  };
}

function series(m: VertexMetric, aggregation: Aggregation, legend?: string): DataSet {
  return { timeSeriesQuery: { timeSeriesFilter: { filter: m.filter, aggregation } }, plotType: 'LINE', ...(legend ? { legendTemplate: legend } : {}) };
}

function queries(e: VertexEndpointMetrics, price: ReplicaPrice | undefined): Record<DashboardWidgetId, Rendered> {
  const p = '60s';
  const rate: Aggregation = { alignmentPeriod: p, perSeriesAligner: 'ALIGN_RATE', crossSeriesReducer: 'REDUCE_SUM' };
  const noServer = 'Vertex AI does not collect the server\'s /metrics';
  return {
    requestRate: [series(e.metric('prediction_count'), rate, 'predictions/s')],
    errorRate: [{
      timeSeriesQuery: {
        timeSeriesFilterRatio: {
          numerator: { filter: e.metric('error_count').filter, aggregation: rate },
          denominator: { filter: e.metric('prediction_count').filter, aggregation: rate },
        },
      },
      plotType: 'LINE',
      legendTemplate: 'error ratio (0-1)',
    }],
    latency: ([50, 95, 99] as const).map((q) => series(e.metric('prediction_latencies'), { alignmentPeriod: p, perSeriesAligner: `ALIGN_PERCENTILE_${q}`, crossSeriesReducer: 'REDUCE_MAX' }, `p${q} (ms)`)),
    replicas: [series(e.metric('replicas'), { alignmentPeriod: p, perSeriesAligner: 'ALIGN_MEAN', crossSeriesReducer: 'REDUCE_SUM' }, 'replicas'),
      series(e.metric('target_replicas'), { alignmentPeriod: p, perSeriesAligner: 'ALIGN_MEAN', crossSeriesReducer: 'REDUCE_SUM' }, 'target replicas')],
    cpuUtilization: [series(e.metric('cpu/utilization'), { alignmentPeriod: p, perSeriesAligner: 'ALIGN_MEAN', crossSeriesReducer: 'REDUCE_MEAN' }, 'CPU (0-1)')],
    gpuUtilization: [series(e.metric('accelerator/duty_cycle'), { alignmentPeriod: p, perSeriesAligner: 'ALIGN_MEAN', crossSeriesReducer: 'REDUCE_MEAN' }, 'GPU duty cycle')],
    gpuMemory: [series(e.metric('accelerator/memory/bytes_used'), { alignmentPeriod: p, perSeriesAligner: 'ALIGN_MEAN', crossSeriesReducer: 'REDUCE_SUM' }, 'bytes used')],
    queueDepth: { unavailable: `Vertex AI publishes no queue metric and ${noServer.charAt(0).toLowerCase()}${noServer.slice(1)}` },
    batchSize: { unavailable: `Vertex AI publishes no batch-size metric; ${noServer}` },
    cacheHitRatio: { unavailable: noServer },
    breakerState: { unavailable: noServer },
    canaryVsStable: [series(e.metric('prediction_count'), { ...rate, groupByFields: ['metric.label.deployed_model_id'] }, '${metric.labels.deployed_model_id}')],
    budget: { unavailable: 'Cloud Billing budgets are not Cloud Monitoring metrics; spend vs limit is in the Billing console (BudgetGuard)' },
    costPer1000Predictions: price
      ? [{ timeSeriesQuery: { prometheusQuery: costPer1000PredictionsQuery(e.endpointId, price) }, plotType: 'LINE', legendTemplate: `USD per 1000 (${price.hourlyUsd} USD/h per replica, ${price.source})` }]
      : { unavailable: 'no price: set hourlyPriceUsd' },
  };
}

/** The dashboard as google.monitoring.dashboard.v1.Dashboard JSON (a 48-column mosaic, three tiles per row). */
export function cloudMonitoringDashboard(displayName: string, e: VertexEndpointMetrics, gpu: boolean, price: ReplicaPrice | undefined): Record<string, unknown> {
  const q = queries(e, price);
  const tiles = dashboardWidgets({ gpu }).map((w, i) => {
    const r = q[w.id];
    const widget = isDashboardGap(r)
      ? { title: w.title, text: { content: `Not shown: ${r.unavailable}.`, format: 'MARKDOWN' } }
      : { title: w.title, xyChart: { dataSets: r, yAxis: { label: w.unit, scale: 'LINEAR' } } };
    return { xPos: (i % 3) * 16, yPos: Math.floor(i / 3) * 16, width: 16, height: 16, widget };
  });
  return { displayName, mosaicLayout: { columns: 48, tiles } };
}
