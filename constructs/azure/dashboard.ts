/**
 * The neutral dashboard (lib/dashboard.ts) as an Azure Monitor workbook (`azurerm_application_insights_workbook`,
 * data_json in the "Notebook/1.0" format of microsoft/Application-Insights-Workbooks schema/workbook.json): metric
 * steps over the Azure ML online endpoint's and deployment's platform metrics, and a log (KQL) step over the
 * endpoint's traffic log for the error rate, which Azure Monitor metrics cannot divide. Azure ML does not collect the
 * server's /metrics, so queue, batch, cache and breaker widgets are notes saying so.
 *
 * Metric names: Microsoft Learn "Supported metrics for Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
 * and ".../onlineEndpoints/deployments". Workbook metric ids are `<resource type>-<category>-<metric>` (the category
 * may be empty, as in the published workbooks' `microsoft.servicebus/namespaces--IncomingMessages`); aggregation
 * codes as the published workbooks use them: 1 total, 3 maximum, 4 average, 7 count.
 */
import { DashboardGap, DashboardWidgetId, ReplicaPrice, dashboardWidgets, isDashboardGap } from '../../lib';
import { AzureMetric } from './metrics';

/** The endpoint's metrics a renderer needs. */
export interface AzureEndpointMetrics {
  readonly endpointName: string;
  metric(name: string): AzureMetric;
  metricDeployment(name: string): AzureMetric;
}

type Item = Record<string, unknown>;
type Rendered = Item | DashboardGap;

const AGGREGATION: Record<string, number> = { Total: 1, Maximum: 3, Average: 4, Count: 7 };

function metricsStep(title: string, metrics: AzureMetric[], splitBy?: string): Item {
  const resourceType = metrics[0].namespace.toLowerCase();
  return {
    type: 10,
    content: {
      version: 'MetricsItem/2.0',
      size: 0,
      chartType: 2,
      resourceType,
      resourceIds: [metrics[0].resourceId],
      timeContext: { durationMs: 86_400_000 },
      metrics: metrics.map((m) => ({
        namespace: m.namespace.toLowerCase(),
        metric: `${m.namespace.toLowerCase()}--${m.metricName}`,
        aggregation: AGGREGATION[m.aggregation],
        ...(splitBy ? { splitBy } : {}),
      })),
      title,
    },
  };
}

/** The 5xx share (percent) of the endpoint's requests per 5 minutes, from its traffic log. */
export function errorRateTimeSeriesQuery(endpointName: string): string {
  return [
    'AmlOnlineEndpointTrafficLog',
    `| where EndpointName == "${endpointName}"`,
    '| summarize errorRatePercent = 100.0 * countif(toint(ResponseCode) >= 500) / count() by bin(TimeGenerated, 5m)',
    '| render timechart',
  ].join('\n');
}

function queries(e: AzureEndpointMetrics, logAnalyticsWorkspaceId: string, _price: ReplicaPrice | undefined): Record<DashboardWidgetId, Rendered> {
  const noServer = 'Azure ML does not collect the server\'s /metrics';
  return {
    requestRate: metricsStep('Requests per minute', [e.metric('RequestsPerMinute')]),
    errorRate: {
      type: 3,
      content: {
        version: 'KqlItem/1.0',
        query: errorRateTimeSeriesQuery(e.endpointName),
        size: 0,
        queryType: 0,
        resourceType: 'microsoft.operationalinsights/workspaces',
        crossComponentResources: [logAnalyticsWorkspaceId],
        visualization: 'timechart',
        title: 'Error rate (5xx, %) from AmlOnlineEndpointTrafficLog',
      },
    },
    latency: metricsStep('Latency p50 / p95 / p99 (ms)', ['RequestLatency_P50', 'RequestLatency_P95', 'RequestLatency_P99'].map((n) => e.metric(n))),
    replicas: metricsStep('Instances (DeploymentCapacity)', [e.metricDeployment('DeploymentCapacity')]),
    cpuUtilization: metricsStep('CPU utilisation (%)', [e.metricDeployment('CpuUtilizationPercentage')]),
    gpuUtilization: metricsStep('GPU utilisation (%)', [e.metricDeployment('GpuUtilizationPercentage')]),
    gpuMemory: metricsStep('GPU memory utilisation (%)', [e.metricDeployment('GpuMemoryUtilizationPercentage')]),
    queueDepth: { unavailable: `Azure ML publishes no queue metric; ${noServer}` },
    batchSize: { unavailable: `Azure ML publishes no batch-size metric; ${noServer}` },
    cacheHitRatio: { unavailable: noServer },
    breakerState: { unavailable: noServer },
    canaryVsStable: metricsStep('Requests per minute by deployment', [e.metric('RequestsPerMinute')], 'deployment'),
    budget: { unavailable: 'Consumption budgets are not Azure Monitor metrics; spend vs limit is in Cost Management (BudgetGuard)' },
    costPer1000Predictions: {
      unavailable: 'Azure Monitor metrics have no metric math, and DeploymentCapacity cannot be exported to Log Analytics, so no query joins instances to requests; `npm run cost` gives the figure for a stated load',
    },
  };
}

/** The workbook as "Notebook/1.0" JSON. */
export function azureWorkbook(e: AzureEndpointMetrics, logAnalyticsWorkspaceId: string, gpu: boolean, price: ReplicaPrice | undefined): Record<string, unknown> {
  const q = queries(e, logAnalyticsWorkspaceId, price);
  const items = dashboardWidgets({ gpu }).map((w, i) => {
    const r = q[w.id];
    const item = isDashboardGap(r) ? { type: 1, content: { json: `**${w.title}**: not shown. ${r.unavailable}.` } } : r;
    return { ...item, name: `${w.id}-${i}`, customWidth: '33' };
  });
  return { version: 'Notebook/1.0', items, fallbackResourceIds: ['Azure Monitor'], $schema: 'https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json' };
}
