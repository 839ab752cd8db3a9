/**
 * The neutral dashboard (lib/dashboard.ts) as a Grafana dashboard in a ConfigMap for Grafana's dashboard sidecar, and
 * the cost per 1000 predictions as a Prometheus recording rule (and an alert on it). Every query reads the server's
 * metrics by their names in lib/contract.ts (SERVER_METRICS, PROMQL), scoped to the endpoint's namespace and model.
 *
 * Sidecar contract: grafana/helm-charts charts/grafana/values.yaml `sidecar.dashboards.label: grafana_dashboard`,
 * `labelValue: "1"`; the sidecar watches only Grafana's own namespace unless `sidecar.dashboards.searchNamespace`
 * is `ALL` (or lists the endpoint's namespace).
 */
import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  DashboardGap,
  DashboardWidgetId,
  MetricScope,
  PROMQL,
  ReplicaPrice,
  METRIC_LABELS,
  SERVER_METRICS,
  dashboardWidgets,
  isDashboardGap,
  reportProblems,
} from '../../lib';
import { typedApiObject } from './internal';
import type { IPrometheusRule } from './k8s-schema';

/** Label and value Grafana's dashboard sidecar selects ConfigMaps by (grafana helm chart defaults). */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;

/** Recording rule with the endpoint's cost per 1000 predictions (USD). */
export const COST_PER_1000_RECORD = 'model_serving:cost_per_1000_predictions_usd';

interface PromTarget {
  readonly expr: string;
  readonly legend: string;
}
type Rendered = PromTarget[] | DashboardGap;

function sel(scope: MetricScope, extra = ''): string {
  const q = JSON.stringify;
  return `{namespace=${q(scope.namespace)},model=${q(scope.model)}${scope.podPattern ? `,pod=~${q(scope.podPattern)}` : ''}${extra}}`;
}

/** Pods serving the model (one model_server_model_ready series set per pod). */
function replicasExpr(scope: MetricScope): string {
  return `count(count by (pod) (${SERVER_METRICS.modelReady.name}${sel(scope)} == 1))`;
}

/** Predictions (batch rows) per second. */
function predictionsExpr(scope: MetricScope, window: string): string {
  return `sum(rate(${SERVER_METRICS.inferenceCount.name}${sel(scope)}[${window}]))`;
}

/** USD per 1000 predictions: replicas x price per hour / predictions per hour x 1000. */
export function costPer1000Expr(scope: MetricScope, price: ReplicaPrice, window: string): string {
  return `${replicasExpr(scope)} * ${price.hourlyUsd} * 1000 / (3600 * ${predictionsExpr(scope, window)})`;
}

function queries(scope: MetricScope, price: ReplicaPrice | undefined): Record<DashboardWidgetId, Rendered> {
  const w = '$__rate_interval';
  return {
    requestRate: [{ expr: PROMQL.requestRate(scope, w), legend: 'requests/s' }],
    errorRate: [{ expr: `100 * ${PROMQL.errorRatio(scope, w)}`, legend: '5xx %' }],
    latency: [0.5, 0.95, 0.99].map((q) => ({ expr: PROMQL.latencyQuantile(scope, q, w), legend: `p${q * 100}` })),
    replicas: [{ expr: replicasExpr(scope), legend: 'ready pods' }],
    cpuUtilization: [{ expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=${JSON.stringify(scope.namespace)},pod=~${JSON.stringify(scope.podPattern ?? '.*')},container="server"}[${w}]))`, legend: '{{pod}} cores' }],
    gpuUtilization: [{ expr: PROMQL.gpuUtilization(scope), legend: 'GPU %' }],
    gpuMemory: [{ expr: `sum(DCGM_FI_DEV_FB_USED{exported_namespace=${JSON.stringify(scope.namespace)}${scope.podPattern ? `,exported_pod=~${JSON.stringify(scope.podPattern)}` : ''}}) * 1048576`, legend: 'bytes used' }],
    queueDepth: [{ expr: PROMQL.queueDepth(scope), legend: 'queued' }],
    batchSize: [{
      expr: `sum(rate(${SERVER_METRICS.inferenceCount.name}${sel(scope)}[${w}])) / sum(rate(${SERVER_METRICS.execCount.name}${sel(scope)}[${w}]))`,
      legend: 'rows per execution',
    }],
    // model_server_cache_requests_total{result="hit"|"miss"|"error"}: hits over all lookups (errors are served
    // uncached, so they count against the ratio); model_server_circuit_breaker_state is 1 on the current state.
    cacheHitRatio: [{
      expr: `100 * sum(rate(${SERVER_METRICS.cacheRequests.name}${sel(scope, `,${METRIC_LABELS.result}="hit"`)}[${w}])) / sum(rate(${SERVER_METRICS.cacheRequests.name}${sel(scope)}[${w}]))`,
      legend: 'hit %',
    }],
    breakerState: [{ expr: `sum by (${METRIC_LABELS.state}) (${SERVER_METRICS.breakerState.name}${sel(scope)})`, legend: '{{state}}' }],
    canaryVsStable: [{ expr: `sum by (version) (rate(${SERVER_METRICS.requests.name}${sel(scope)}[${w}]))`, legend: 'version {{version}}' }],
    budget: [{ expr: `model_serving:gpu_cost_usd_per_hour{namespace=${JSON.stringify(scope.namespace)}} * 730`, legend: 'projected monthly GPU cost of the namespace (BudgetGuard)' }],
    costPer1000Predictions: price ? [{ expr: costPer1000Expr(scope, price, '5m'), legend: `USD per 1000 (${price.hourlyUsd} USD/h per pod, ${price.source})` }] : { unavailable: 'no price: set hourlyPriceUsd' },
  };
}

const UNITS: Record<string, string> = {
  'requests/s': 'reqps', percent: 'percent', seconds: 's', count: 'short', bytes: 'bytes', state: 'short', USD: 'currencyUSD', 'USD per 1000 predictions': 'currencyUSD',
};

/** The Grafana dashboard model (JSON) of an endpoint. */
export function grafanaDashboardModel(title: string, uid: string, scope: MetricScope, gpu: boolean, price: ReplicaPrice | undefined): Record<string, unknown> {
  const q = queries(scope, price);
  const panels = dashboardWidgets({ gpu }).map((w, i) => {
    const gridPos = { h: 8, w: 8, x: (i % 3) * 8, y: Math.floor(i / 3) * 8 };
    const r = q[w.id];
    if (isDashboardGap(r)) {
      return { id: i + 1, type: 'text', title: w.title, gridPos, options: { mode: 'markdown', content: `Not shown: ${r.unavailable}.` } };
    }
    return {
      id: i + 1,
      type: 'timeseries',
      title: w.title,
      gridPos,
      datasource: { type: 'prometheus', uid: '${datasource}' },
      fieldConfig: { defaults: { unit: UNITS[w.unit] }, overrides: [] },
      targets: r.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legend, datasource: { type: 'prometheus', uid: '${datasource}' } })),
    };
  });
  return {
    uid,
    title,
    tags: ['model-serving'],
    timezone: 'browser',
    schemaVersion: 39,
    editable: false,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }] },
    panels,
  };
}

/** The ConfigMap Grafana's sidecar loads. */
export function renderGrafanaDashboard(scope: Construct, name: string, namespace: string, labels: Record<string, string>, model: Record<string, unknown>): ApiObject {
  return new ApiObject(scope, 'Dashboard', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: { ...labels, ...GRAFANA_DASHBOARD_LABEL } },
    data: { [`${name}.json`]: JSON.stringify(model) },
  });
}

/** The cost recording rule, and an alert on it when a threshold is given. */
export function renderCostRules(scope: Construct, metadata: { name: string; namespace: string; labels: Record<string, string> }, endpointName: string,
  metricScope: MetricScope, price: ReplicaPrice, above: number | undefined): ApiObject {
  const labels = { model_serving_endpoint: endpointName };
  return typedApiObject<IPrometheusRule>(scope, 'CostRules', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata,
    spec: {
      groups: [{
        name: `model-serving-cost-${endpointName}`,
        interval: '1m',
        rules: [
          { record: COST_PER_1000_RECORD, expr: costPer1000Expr(metricScope, price, '5m'), labels: { ...labels, namespace: metricScope.namespace } },
          ...(above === undefined ? [] : [{
            alert: 'ModelServingCostPer1000PredictionsHigh',
            expr: `${COST_PER_1000_RECORD}{namespace=${JSON.stringify(metricScope.namespace)},model_serving_endpoint=${JSON.stringify(endpointName)}} > ${above}`,
            for: '15m',
            labels: routedAlertLabels(scope, { ...labels, severity: 'warning' }),
            annotations: { summary: `Predictions of ${endpointName} cost more than ${above} USD per 1000` },
          }]),
        ],
      }],
    },
  });
}

/** Where a chart's alerts go: labels Alertmanager routes on. */
export interface AlertTarget {
  /** Labels added to every alert rule in the chart, e.g. `{ team: 'ml-platform' }`; your Alertmanager routes on them. */
  readonly labels: Record<string, string>;
}

export interface AlertRoutingProps {
  readonly alertTarget: AlertTarget;
}

/**
 * Routes every alert a construct in the chart creates (endpoint guardrails, cost, BudgetGuard) by adding the
 * target's labels to each alert rule: `new AlertRouting(chart, 'Alerts', { alertTarget: { labels: { team: 'ml' } } })`.
 * Alertmanager's route tree matches them (route `matchers`).
 */
export class AlertRouting extends Construct {
  public readonly alertTarget: AlertTarget;
  constructor(scope: Construct, id: string, props: AlertRoutingProps) {
    super(scope, id);
    const bad = Object.keys(props.alertTarget.labels).filter((k) => !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k));
    if (bad.length > 0 || Object.keys(props.alertTarget.labels).length === 0) {
      // Reported at synth, which fails before any rule's labels are rendered.
      reportProblems(this, `AlertRouting ${this.node.path}`, [{ field: 'alertTarget.labels', given: JSON.stringify(props.alertTarget.labels), allowed: 'at least one label, names matching [a-zA-Z_][a-zA-Z0-9_]* (Prometheus label names)', fix: 'e.g. { team: "ml-platform" }' }]);
    }
    this.alertTarget = props.alertTarget;
  }
}

/** An alert rule's labels with the chart's AlertRouting labels added at synth (routing may be declared after the rule). */
export function routedAlertLabels(scope: Construct, labels: Record<string, string>): Record<string, string> {
  return Lazy.any({
    produce: () => {
      const routing = Chart.of(scope).node.findAll().find((n): n is AlertRouting => n instanceof AlertRouting);
      return routing ? { ...labels, ...routing.alertTarget.labels } : labels;
    },
  }) as unknown as Record<string, string>;
}
