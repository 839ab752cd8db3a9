import { join } from 'node:path';
import * as protobuf from 'protobufjs';
import { DASHBOARD_WIDGETS, RolloutPolicy, SERVER_METRICS, estimateCost } from '../../lib';
import { AlertRouting, CanaryRollout, ModelEndpoint, ModelEndpointProps, promqlMetricName } from '../../constructs/gcp';
import { VERTEX_METRICS, VERTEX_RESOURCE } from '../fixtures/platform-metrics';
import { endpointProps } from './fixtures';
import { synth } from './support/cdktf';
import { addProtoRoot, messageProblems } from './support/vertex-proto';
import { expectProblems } from '../support/expect-problems';

/**
 * The Cloud Monitoring dashboard API: googleapis/googleapis google/monitoring/dashboard/v1/*.proto at
 * f8291d2b89f0017ab078a4c7378069bae5686f6f, copied to test/fixtures/schemas/googleapis (see PROVENANCE.md).
 * protobufjs is onnx-proto's dependency (a dependency of this package).
 */
const PROTOS = join(__dirname, '..', 'fixtures', 'schemas', 'googleapis');
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? join(require.resolve('protobufjs/package.json'), '..', target) : join(PROTOS, target));
root.loadSync('google/monitoring/dashboard/v1/dashboard.proto');
root.resolveAll();
addProtoRoot(root.toJSON());

function build(p: Partial<ModelEndpointProps>, extra?: (scope: any, e: ModelEndpoint) => void) {
  return synth((scope) => {
    const e = new ModelEndpoint(scope, 'Endpoint', endpointProps(p));
    extra?.(scope, e);
  }).json;
}

function dashboardOf(json: any): any {
  const [d] = Object.values(json.resource.google_monitoring_dashboard) as any[];
  // Terraform's "$${" is a literal "${".
  return JSON.parse(d.dashboard_json.split('$${').join('${'));
}

/** Metric types and label names a Monitoring filter reads. */
function filterParts(filter: string): { resourceType?: string; metricType?: string; resourceLabels: string[]; metricLabels: string[] } {
  return {
    resourceType: /resource\.type = "([^"]+)"/.exec(filter)?.[1],
    metricType: /metric\.type = "([^"]+)"/.exec(filter)?.[1],
    resourceLabels: [...filter.matchAll(/resource\.labels\.([a-z_]+)/g)].map((m) => m[1]),
    metricLabels: [...filter.matchAll(/metric\.labels?\.([a-z_]+)/g)].map((m) => m[1]),
  };
}

describe('Cloud Monitoring dashboard', () => {
  test('valid google.monitoring.dashboard.v1.Dashboard JSON; one tile per neutral widget; every query on a real Vertex AI metric', () => {
    const json = build({ dashboard: true, hourlyPriceUsd: 0.5 });
    const d = dashboardOf(json);
    expect(messageProblems('google.monitoring.dashboard.v1.Dashboard', d)).toEqual([]);
    const expected = DASHBOARD_WIDGETS.filter((w) => w.when !== 'gpu' && w.serverMetrics.every((k) => k in SERVER_METRICS));
    expect(d.mosaicLayout.tiles.map((t: any) => t.widget.title)).toEqual(expected.map((w) => w.title));
    const filters: string[] = [];
    const groupBy: string[] = [];
    const promql: string[] = [];
    JSON.stringify(d, (k, v) => {
      if (k === 'filter') filters.push(v);
      if (k === 'groupByFields') groupBy.push(...v);
      if (k === 'prometheusQuery') promql.push(v);
      return v;
    });
    expect(filters.length).toBeGreaterThan(6);
    for (const f of filters) {
      const p = filterParts(f);
      expect(p.resourceType).toBe(VERTEX_RESOURCE.type);
      for (const l of p.resourceLabels) expect(VERTEX_RESOURCE.labels).toContain(l);
      expect(VERTEX_METRICS[p.metricType!]).toBeDefined();
    }
    for (const g of groupBy) expect(VERTEX_METRICS['aiplatform.googleapis.com/prediction/online/prediction_count'].labels).toContain(g.replace('metric.label.', ''));
    // prediction_latencies is a distribution in ms: the percentile aligners apply and the legend says ms.
    expect(VERTEX_METRICS['aiplatform.googleapis.com/prediction/online/prediction_latencies']).toMatchObject({ valueType: 'DISTRIBUTION', unit: 'ms' });
    expect(JSON.stringify(d)).toContain('p99 (ms)');
    // The PromQL reads Vertex AI metrics under their PromQL names.
    expect(promql).toHaveLength(1);
    const names = [...promql[0].matchAll(/([a-z_]+:[a-z_]+)\{/g)].map((m) => m[1]);
    expect(names).toEqual(['aiplatform_googleapis_com:prediction_online_replicas', 'aiplatform_googleapis_com:prediction_online_prediction_count']);
    for (const n of names) expect(Object.keys(VERTEX_METRICS).map(promqlMetricName)).toContain(n);
  });

  test('an unknown key is rejected by the proto check (the check can fail)', () => {
    expect(messageProblems('google.monitoring.dashboard.v1.Dashboard', { displayName: 'x', mosaicLayout: { columns: 48, tiles: [{ widget: { title: 't', xyChart: { dataSets: [], yAxis: { scale: 'LOG' } } }, colour: 1 }] } }))
      .toEqual(expect.arrayContaining([expect.stringMatching(/colour: not a field/), expect.stringMatching(/"LOG" is not a value of enum/)]));
  });

  test('the canary-vs-stable tile groups by deployed model; the legend survives Terraform interpolation', () => {
    const json = build({ dashboard: true });
    const [raw] = Object.values(json.resource.google_monitoring_dashboard) as any[];
    expect(raw.dashboard_json).toContain('$${metric.labels.deployed_model_id}');
    expect(raw.dashboard_json).not.toMatch(/[^$]\$\{metric/);
  });

  test('machine-type price from the snapshot; GPU tiles need a GPU', () => {
    const d = dashboardOf(build({ dashboard: true }));
    expect(JSON.stringify(d)).toContain('0.2185 USD/h per replica, snapshot 2026-12-06 (us-central1)');
    expect(JSON.stringify(d)).not.toContain('duty_cycle');
  });
});

describe('cost per 1000 predictions', () => {
  test('a PromQL alert policy on it, with the arithmetic of estimateCost', () => {
    const json = build({ hourlyPriceUsd: 0.5, costPer1000PredictionsAbove: 0.02 });
    const policies = Object.values(json.resource.google_monitoring_alert_policy) as any[];
    const cost = policies.find((p) => /cost per 1000/.test(p.display_name));
    const q = cost.conditions[0].condition_prometheus_query_language.query;
    expect(q).toMatch(/^sum\(avg_over_time\(aiplatform_googleapis_com:prediction_online_replicas\{monitored_resource="aiplatform.googleapis.com\/Endpoint",endpoint_id="\d+"\}\[5m\]\)\) \* 0\.5 \* 1000 \/ \(3600 \* sum\(rate\(aiplatform_googleapis_com:prediction_online_prediction_count\{.*\}\[5m\]\)\)\) > 0\.02$/);
    // 3 replicas at 0.5 USD/h answering 4 predictions/s each: (3 x 0.5 x 1000) / (3600 x 12).
    expect(estimateCost(0.5, 3, 4).usdPer1000Predictions).toBeCloseTo((3 * 0.5 * 1000) / (3600 * 12), 12);
  });

  test('a cost alert on a machine type without a price is refused', () => {
    expectProblems(() => build({ machineType: 'n2-standard-8', costPer1000PredictionsAbove: 0.02 }), /costPer1000PredictionsAbove.*n2-standard-8.*hourlyPriceUsd/s);
  });
});

describe('AlertRouting', () => {
  test('every alert policy in the stack (endpoint, rollout, cost) notifies the channels named once', () => {
    const channel = 'projects/acme-ml/notificationChannels/123';
    const json = build({ hourlyPriceUsd: 0.5, costPer1000PredictionsAbove: 0.02 }, (scope, e) => {
      new AlertRouting(scope, 'Alerts', { alertTarget: [channel] });
      new CanaryRollout(scope, 'Rollout', { endpoint: e, policy: RolloutPolicy.canary() });
    });
    const policies = Object.values(json.resource.google_monitoring_alert_policy) as any[];
    expect(policies.length).toBeGreaterThanOrEqual(5);
    for (const p of policies) expect(p.notification_channels).toContain(channel);
  });

  test('a channel that is not a notification channel name is refused', () => {
    expectProblems(() => build({}, (scope) => new AlertRouting(scope, 'Alerts', { alertTarget: ['ops@example.com'] })), /alertTarget.*ops@example\.com.*notificationChannels/);
  });
});
