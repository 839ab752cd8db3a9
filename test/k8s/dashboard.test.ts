import { Chart, Testing } from 'cdk8s';
import { Accelerator, BudgetAction, DASHBOARD_WIDGETS, SERVER_METRICS, estimateCost } from '../../lib';
import { AlertRouting, BudgetGuard, COST_PER_1000_RECORD, ModelEndpoint, ModelEndpointProps } from '../../constructs/k8s';
import { PROMETHEUS_TARGET_LABELS, DCGM_WORKLOAD_LABELS } from '../../lib/contract';
import { K8S_EXPORTER_METRICS } from '../fixtures/platform-metrics';
import { PROMETHEUS, baseProps } from './fixtures';
import { expectProblems } from '../support/expect-problems';

function synth(props: Partial<ModelEndpointProps>, extra?: (chart: Chart) => void): any[] {
  const chart = new Chart(Testing.app(), 'test');
  new ModelEndpoint(chart, 'Endpoint', baseProps({ namespace: 'ml', serviceMonitor: true, ...props }));
  extra?.(chart);
  return Testing.synth(chart);
}

/** Every `name{selector}` in a PromQL expression, with the label names the selector uses. */
function selectors(expr: string): { metric: string; labels: string[] }[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)].map((m) => ({
    metric: m[1],
    labels: [...m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]),
  }));
}

/**
 * Labels a series really has: the server's (SERVER_METRICS, registered by runtime/src/metrics.ts) plus Prometheus's
 * target labels; dcgm-exporter's renamed workload labels (DCGM_WORKLOAD_LABELS); cAdvisor's namespace/pod/container.
 */
function allowedLabels(metric: string): string[] | undefined {
  const server = Object.values(SERVER_METRICS).find((m) => metric === m.name || metric === `${m.name}_bucket`);
  if (server) return [...server.labels, ...Object.values(PROMETHEUS_TARGET_LABELS), ...(metric.endsWith('_bucket') ? ['le'] : [])];
  if (metric.startsWith('DCGM_FI_DEV_')) return K8S_EXPORTER_METRICS.includes(metric) ? Object.values(DCGM_WORKLOAD_LABELS) : undefined;
  if (metric === 'container_cpu_usage_seconds_total') return ['namespace', 'pod', 'container'];
  if (metric.startsWith('model_serving:')) return K8S_EXPORTER_METRICS.includes(metric) ? ['namespace', 'model_serving_endpoint'] : undefined;
  return undefined;
}

describe('Grafana dashboard', () => {
  test('a ConfigMap labelled for the Grafana sidecar, one panel per neutral widget, every query on real series and labels', () => {
    const docs = synth({ dashboard: true, hourlyPriceUsd: 0.8, accelerator: Accelerator.NVIDIA_L4, keda: { prometheusAddress: PROMETHEUS } });
    const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'digits-dashboard');
    // grafana/helm-charts charts/grafana/values.yaml: sidecar.dashboards.label grafana_dashboard, labelValue "1".
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    expect(cm.metadata.namespace).toBe('ml');
    const model = JSON.parse(cm.data['digits-dashboard.json']);
    const expected = DASHBOARD_WIDGETS.filter((w) => w.serverMetrics.every((k) => k in SERVER_METRICS));
    expect(model.panels.map((p: any) => p.title)).toEqual(expected.map((w) => w.title));
    let checked = 0;
    for (const panel of model.panels) {
      if (panel.type === 'text') continue;
      expect(panel.type).toBe('timeseries');
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const t of panel.targets) {
        for (const s of selectors(t.expr)) {
          const allowed = allowedLabels(s.metric);
          if (allowed === undefined) throw new Error(`panel "${panel.title}" reads ${s.metric}, which nothing emits`);
          for (const l of s.labels) expect(allowed).toContain(l);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(15);
    const cost = model.panels.find((p: any) => p.title === 'Cost per 1000 predictions (USD)');
    expect(cost.fieldConfig.defaults.unit).toBe('currencyUSD');
  });

  test('GPU panels only for GPU endpoints; no dashboard without a scrape', () => {
    const docs = synth({ dashboard: true });
    const model = JSON.parse(docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'digits-dashboard').data['digits-dashboard.json']);
    expect(model.panels.map((p: any) => p.title)).not.toContain('GPU utilisation (%)');
    expectProblems(() => synth({ dashboard: true, serviceMonitor: false, costPer1000PredictionsAbove: 1, hourlyPriceUsd: 1 }), /dashboard[\s\S]*without serviceMonitor[\s\S]*costPer1000PredictionsAbove[\s\S]*without serviceMonitor/);
  });
});

describe('cost per 1000 predictions', () => {
  test('a recording rule from the stated pod price, and an alert on costPer1000PredictionsAbove', () => {
    const docs = synth({ hourlyPriceUsd: 0.8, costPer1000PredictionsAbove: 0.05 });
    const rule = docs.find((d) => d.kind === 'PrometheusRule' && d.metadata.name === 'digits-cost');
    const [record, alert] = rule.spec.groups[0].rules;
    expect(record.record).toBe(COST_PER_1000_RECORD);
    expect(record.expr).toBe(
      'count(count by (pod) (model_server_model_ready{namespace="ml",model="digits",pod=~"digits-[a-z0-9]{1,10}-[a-z0-9]{5}"} == 1)) * 0.8 * 1000 / ' +
      '(3600 * sum(rate(model_server_inference_count{namespace="ml",model="digits",pod=~"digits-[a-z0-9]{1,10}-[a-z0-9]{5}"}[5m])))',
    );
    expect(alert.expr).toBe(`${COST_PER_1000_RECORD}{namespace="ml",model_serving_endpoint="digits"} > 0.05`);
    // The rule's arithmetic is estimateCost's: 2 pods at 0.8 USD/h answering 10 predictions/s in all.
    expect((2 * 0.8 * 1000) / (3600 * 10)).toBeCloseTo(estimateCost(0.8, 2, 5).usdPer1000Predictions, 12);
    expect(estimateCost(0.8, 2, 5).usdPer1000Predictions).toBeCloseTo(0.0444444, 6);
  });

  test('a cost alarm needs a price (Kubernetes has no price table)', () => {
    expectProblems(() => synth({ costPer1000PredictionsAbove: 0.05 }), /costPer1000PredictionsAbove.*no price.*hourlyPriceUsd/s);
  });
});

describe('AlertRouting', () => {
  test('every alert rule in the chart carries the target labels, whatever the order', () => {
    const docs = synth({ hourlyPriceUsd: 0.8, costPer1000PredictionsAbove: 0.05 }, (chart) => {
      new AlertRouting(chart, 'Alerts', { alertTarget: { labels: { team: 'ml-platform' } } });
      new BudgetGuard(chart, 'Budget', { namespace: 'ml', budget: { monthlyLimitUsd: 1000, action: BudgetAction.NOTIFY }, gpuPrices: [{ accelerator: Accelerator.NVIDIA_L4, hourlyUsd: 0.8 }] });
    });
    const alerts = docs.filter((d) => d.kind === 'PrometheusRule').flatMap((d) => d.spec.groups.flatMap((g: any) => g.rules)).filter((r: any) => r.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(6);
    for (const a of alerts) expect(a.labels.team).toBe('ml-platform');
  });

  test('without AlertRouting the labels are the rule\'s own', () => {
    const docs = synth({});
    const alerts = docs.filter((d) => d.kind === 'PrometheusRule').flatMap((d) => d.spec.groups.flatMap((g: any) => g.rules));
    expect(alerts[0].labels).toEqual({ model_serving_endpoint: 'digits', severity: 'critical' });
  });

  test('bad label names are refused', () => {
    expectProblems(() => new AlertRouting(new Chart(Testing.app(), 'x'), 'A', { alertTarget: { labels: { 'bad-name': 'x' } } }), /alertTarget\.labels.*bad-name.*\[a-zA-Z_\]/);
  });
});
