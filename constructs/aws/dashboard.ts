/**
 * The neutral dashboard (lib/dashboard.ts) as a CloudWatch dashboard of SageMaker's own metrics, and the cost per
 * 1000 predictions as CloudWatch metric math. SageMaker does not scrape the server's /metrics, so the widgets that
 * need the server's queue and batch metrics are notes saying so.
 *
 * Metric names, namespaces, dimensions and units: "Metrics for monitoring Amazon SageMaker AI with Amazon
 * CloudWatch" (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html): `AWS/SageMaker`
 * invocation metrics (Invocations, Invocation5XXErrors, InvocationsPerInstance: Count; ModelLatency:
 * Microseconds) and `/aws/sagemaker/Endpoints` instance metrics (CPUUtilization, GPUUtilization,
 * GPUMemoryUtilization: Percent), dimensions EndpointName and VariantName.
 */
import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { DashboardGap, DashboardWidgetId, ReplicaPrice, dashboardWidgets, isDashboardGap } from '../../lib';
import type { IModelEndpoint } from './endpoint-base';

type Rendered = cloudwatch.IMetric[] | DashboardGap;

/** USD per 1000 invocations over each period: price x replicas x hours / invocations, replicas = Invocations / InvocationsPerInstance. */
export function costPer1000PredictionsMetric(endpoint: IModelEndpoint, price: ReplicaPrice, period = cdk.Duration.minutes(5)): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    // (Invocations / InvocationsPerInstance) replicas x price x PERIOD/3600 h, per Invocations/1000: the Invocations cancel.
    expression: `IF(perInstance > 0, 1000 * ${price.hourlyUsd} * PERIOD(perInstance) / 3600 / perInstance)`,
    usingMetrics: { perInstance: endpoint.metric('InvocationsPerInstance', { statistic: 'Sum' }) },
    label: `${endpoint.endpointName} USD per 1000 predictions (${price.hourlyUsd} USD/h per instance, ${price.source})`,
    period,
  });
}

function queries(endpoint: IModelEndpoint, price: ReplicaPrice | undefined): Record<DashboardWidgetId, Rendered> {
  const inv = endpoint.metricInvocations();
  const latency = (p: string) => new cloudwatch.MathExpression({
    // ModelLatency is in microseconds.
    expression: `lat${p} / 1000000`,
    usingMetrics: { [`lat${p}`]: endpoint.metricModelLatency({ statistic: p }) },
    label: `${p} (s)`,
  });
  return {
    requestRate: [new cloudwatch.MathExpression({ expression: 'inv / PERIOD(inv)', usingMetrics: { inv }, label: 'requests/s' })],
    errorRate: [endpoint.metricErrorRate()],
    latency: [latency('p50'), latency('p95'), latency('p99')],
    replicas: [new cloudwatch.MathExpression({
      expression: 'inv / perInstance',
      usingMetrics: { inv, perInstance: endpoint.metric('InvocationsPerInstance', { statistic: 'Sum' }) },
      label: 'instances (Invocations / InvocationsPerInstance; no data without traffic)',
    })],
    cpuUtilization: [endpoint.metricCpuUtilization({ label: 'CPU % (100 per core)' })],
    gpuUtilization: [endpoint.metricGpuUtilization({ label: 'GPU % (100 per GPU)' })],
    gpuMemory: [endpoint.metric('GPUMemoryUtilization', { statistic: 'Average', label: 'GPU memory % (100 per GPU)' })],
    queueDepth: { unavailable: 'SageMaker publishes no queue metric and does not collect the server\'s /metrics' },
    batchSize: { unavailable: 'SageMaker publishes no batch-size metric and does not collect the server\'s /metrics' },
    cacheHitRatio: { unavailable: 'SageMaker does not collect the server\'s /metrics' },
    breakerState: { unavailable: 'SageMaker does not collect the server\'s /metrics' },
    canaryVsStable: [new cloudwatch.MathExpression({
      expression: `SEARCH('{AWS/SageMaker,EndpointName,VariantName} MetricName="Invocations" EndpointName="${endpoint.endpointName}"', 'Sum', 60)`,
      usingMetrics: {},
      label: 'invocations per variant',
    })],
    budget: { unavailable: 'AWS Budgets publishes no CloudWatch metric; spend vs limit is in the Budgets console (BudgetGuard)' },
    costPer1000Predictions: price ? [costPer1000PredictionsMetric(endpoint, price)] : { unavailable: 'no price: set hourlyPriceUsd' },
  };
}

/** The endpoint's CloudWatch dashboard, one widget per neutral widget (a text note where SageMaker cannot show it). */
export function renderCloudWatchDashboard(endpoint: IModelEndpoint, gpu: boolean, price: ReplicaPrice | undefined): cloudwatch.Dashboard {
  const q = queries(endpoint, price);
  const widgets: cloudwatch.IWidget[] = dashboardWidgets({ gpu }).map((w) => {
    const r = q[w.id];
    if (isDashboardGap(r)) return new cloudwatch.TextWidget({ markdown: `**${w.title}**: not shown. ${r.unavailable}.`, width: 8, height: 6 });
    return new cloudwatch.GraphWidget({ title: w.title, left: r, width: 8, height: 6 });
  });
  const name = cdk.Token.isUnresolved(endpoint.endpointName) ? undefined : `model-serving-${endpoint.endpointName}`.slice(0, 255);
  const rows: cloudwatch.IWidget[][] = [];
  for (let i = 0; i < widgets.length; i += 3) rows.push(widgets.slice(i, i + 3));
  return new cloudwatch.Dashboard(endpoint, 'Dashboard', { dashboardName: name, widgets: rows });
}
