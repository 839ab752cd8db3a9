import { DASHBOARD_WIDGETS, DASHBOARD_WIDGET_IDS, PRICE_SNAPSHOT, SERVER_METRICS, costPer1000Predictions, dashboardWidgets, estimateCost, replicaPrice } from '../../lib';
import { exampleCostRows } from '../../scripts/cost';

describe('the neutral dashboard', () => {
  test('every widget id is described once, in display order', () => {
    expect(DASHBOARD_WIDGETS.map((w) => w.id)).toEqual([...DASHBOARD_WIDGET_IDS]);
  });

  test('every widget is shown once the server exports what it reads: the cache and breaker widgets read the server\'s own metrics', () => {
    const ids = dashboardWidgets({ gpu: true }).map((w) => w.id);
    expect(DASHBOARD_WIDGETS.find((w) => w.id === 'cacheHitRatio')!.serverMetrics).toEqual(['cacheRequests']);
    expect(DASHBOARD_WIDGETS.find((w) => w.id === 'breakerState')!.serverMetrics).toEqual(['breakerState']);
    expect(SERVER_METRICS.cacheRequests.name).toBe('model_server_cache_requests_total');
    expect(SERVER_METRICS.breakerState.name).toBe('model_server_circuit_breaker_state');
    expect(ids).toEqual([...DASHBOARD_WIDGET_IDS]);
    expect(dashboardWidgets({ gpu: false }).map((w) => w.id)).not.toContain('gpuMemory');
  });
});

describe('cost per 1000 predictions', () => {
  test('the arithmetic', () => {
    // 3 replicas at 1.41 USD/h answering 20 predictions/s in all: 4.23 USD per 72000 predictions.
    expect(costPer1000Predictions(1.41, 3, 20)).toBeCloseTo(4.23 / 72, 12);
    expect(estimateCost(1.41, 3, 20 / 3)).toEqual({ hourlyUsdPerReplica: 1.41, replicas: 3, hourlyUsd: 1.41 * 3, predictionsPerHour: 72_000, usdPer1000Predictions: costPer1000Predictions(1.41, 3, 20) });
  });

  test('the user price wins; the snapshot is dated and marked as one', () => {
    expect(PRICE_SNAPSHOT.snapshot).toBe(true);
    expect(PRICE_SNAPSHOT.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(replicaPrice('aws', 'ml.c5.xlarge', undefined)).toEqual({ hourlyUsd: 0.204, source: `snapshot ${PRICE_SNAPSHOT.date} (us-east-1)` });
    expect(replicaPrice('aws', 'ml.c5.xlarge', 0.3)).toEqual({ hourlyUsd: 0.3, source: 'user' });
    expect(replicaPrice('k8s', undefined, undefined)).toBeUndefined();
  });

  test('npm run cost: the example endpoints at their load', () => {
    const rows = exampleCostRows();
    const aws = rows.find((r) => r.target === 'aws')!;
    // ml.c5.xlarge at 0.204 USD/h, 2 to 4 instances, 50 invocations/s per instance (its scaling target).
    expect(aws.loadPerReplica).toBe(50);
    expect(aws.min).toMatchObject({ replicas: 2, predictionsPerHour: 360_000 });
    expect(aws.min!.hourlyUsd).toBeCloseTo(0.408, 10);
    expect(aws.min!.usdPer1000Predictions).toBeCloseTo(0.408 / 360, 10);
    expect(aws.max!.usdPer1000Predictions).toBeCloseTo(aws.min!.usdPer1000Predictions, 12);
    const gcp = rows.find((r) => r.target === 'gcp')!;
    expect(gcp.min!.usdPer1000Predictions).toBeCloseTo((2 * 0.2185 * 1000) / (2 * 50 * 3600), 12);
    const azure = rows.find((r) => r.target === 'azure')!;
    expect(azure.min!.usdPer1000Predictions).toBeCloseTo((0.169 * 1000) / (50 * 3600), 12);
    // Kubernetes has no price table: no figure without hourlyPriceUsd; the GPU endpoint states 0.8 USD/h per pod.
    const gpu = rows.find((r) => r.endpoint === 'model-serving/DigitsGpu')!;
    expect(gpu.price).toEqual({ hourlyUsd: 0.8, source: 'user' });
    expect(gpu.min!.usdPer1000Predictions).toBeCloseTo((0.8 * 1000) / (50 * 3600), 12);
    for (const r of rows.filter((x) => x.target === 'k8s' && x.endpoint !== 'model-serving/DigitsGpu')) expect(r.min).toBeUndefined();
  });
});
