// Kubernetes example: the digits classifier served three ways (plain CPU with an Argo canary, plain GPU
// on a Karpenter pool, KServe) inside a namespace guarded by a budget. `npx tsx examples/k8s/main.ts`
// writes the manifests to dist/k8s/.
import { join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { Accelerator, BudgetAction, CapacityType, Duration, LatencyPercentile, ModelArtifact, RolloutPolicy, ScalingTarget, ServingImage } from '../../lib';
import {
  AlertRouting,
  BudgetGuard,
  CanaryRollout,
  TrafficRouter,
  KarpenterGpuNodePool,
  ModelCredentials,
  ModelDelivery,
  ModelEndpoint,
  ServingFlavour,
} from '../../constructs/k8s';

export const K8S_OUTDIR = join('dist', 'k8s');
const MODEL = join(__dirname, '..', 'models', 'digits-classifier', '1', 'model.onnx');
// Built from runtime/Dockerfile and runtime/Dockerfile.gpu and pushed by CI.
const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

/** Builds the example app (no files written until `app.synth()`). */
export function buildK8sApp(outdir: string = K8S_OUTDIR): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'model-serving');
  const model = ModelArtifact.fromFile(MODEL);
  const metadata = { name: 'digits', version: '1.0.0', owner: 'ml-platform', framework: 'onnx-builder', trainedOn: '2026-11-01' };

  const guard = new BudgetGuard(chart, 'Budget', {
    namespace: 'ml-serving',
    budget: { monthlyLimitUsd: 3000, alertThresholdsPercent: [80, 100], action: BudgetAction.NOTIFY },
    gpuPrices: [
      { accelerator: Accelerator.NVIDIA_L4, hourlyUsd: 0.8 },
      { accelerator: Accelerator.NVIDIA_T4, hourlyUsd: 0.53 },
    ],
  });
  const namespace = guard.namespaceName;

  const pool = new KarpenterGpuNodePool(chart, 'L4Pool', {
    accelerator: Accelerator.NVIDIA_L4,
    maxGpus: guard.maxGpus,
    capacityTypes: [CapacityType.SPOT, CapacityType.ON_DEMAND],
    devicePlugin: true,
  });

  const cpu = new ModelEndpoint(chart, 'Digits', {
    model,
    metadata,
    namespace,
    image: ServingImage.fromRegistry(`${REGISTRY}/model-server:0.1.0`),
    modelDelivery: ModelDelivery.persistentVolumeClaim('models', { subPath: 'digits-classifier/1' }),
    cpu: 1,
    // Two pods are enough: Istio, not the pod count, sets the canary's share.
    scaling: { minReplicas: 2, maxReplicas: 8, targets: [ScalingTarget.cpuUtilization(70)] },
    guardrails: { maxErrorRatePercent: 1, maxLatency: Duration.millis(250), latencyPercentile: LatencyPercentile.P95 },
    keda: { prometheusAddress: 'http://prometheus-operated.monitoring:9090', queueDepthPerReplica: 16 },
    serviceMonitor: true,
    // HTTP only: the canary below uses Istio header and mirror routes, which Argo does not bind to a port.
    server: { grpc: false },
  });
  new CanaryRollout(chart, 'DigitsCanary', {
    endpoint: cpu,
    prometheusAddress: 'http://prometheus-operated.monitoring:9090',
    // Istio splits traffic: exactly 5% at two pods (a VirtualService and DestinationRule are generated).
    trafficRouter: TrafficRouter.istio(),
    // A day of shadow traffic (10% of requests copied to the new version, its answers discarded), then 5%
    // for an hour, 25% for an hour, everything; testers reach the new version with `canary: true` from the
    // first step. The analysis rolls back on the endpoint's guardrails (p95 <= 250 ms, errors <= 1%) in
    // every phase, shadow included.
    policy: RolloutPolicy.steps([
      { trafficPercent: 5, bake: Duration.hours(1) },
      { trafficPercent: 25, bake: Duration.hours(1) },
      { trafficPercent: 100, bake: Duration.minutes(10) },
    ], {
      shadowTrafficPercent: 10,
      shadowDuration: Duration.hours(24),
      headerRoute: { headerName: 'canary', headerValue: 'true' },
    }),
  });

  new ModelEndpoint(chart, 'DigitsGpu', {
    model,
    metadata,
    endpointName: 'digits-gpu',
    namespace,
    image: ServingImage.fromRegistry(`${REGISTRY}/model-server-gpu:0.1.0`),
    modelDelivery: ModelDelivery.persistentVolumeClaim('models', { subPath: 'digits-classifier/1' }),
    accelerator: Accelerator.NVIDIA_L4,
    acceleratorCount: 1,
    cpu: 4,
    nodePool: pool,
    scaling: { minReplicas: 1, maxReplicas: 2 },
    keda: { prometheusAddress: 'http://prometheus-operated.monitoring:9090' },
    serviceMonitor: true,
    // A Grafana dashboard (ConfigMap for Grafana's sidecar) and a cost rule: one L4 per pod at the price the
    // BudgetGuard above states; alert when 1000 predictions cost more than 5 cents.
    dashboard: true,
    hourlyPriceUsd: 0.8,
    costPer1000PredictionsAbove: 0.05,
  });
  // Every alert in the chart (guardrails, cost, budget) carries team=ml-platform; Alertmanager routes on it.
  new AlertRouting(chart, 'Alerts', { alertTarget: { labels: { team: 'ml-platform' } } });

  const kserve = new ModelEndpoint(chart, 'DigitsKServe', {
    model: ModelArtifact.fromUri('s3://example-models/digits-classifier/1/model.onnx', { signature: model.signature }),
    metadata,
    endpointName: 'digits-kserve',
    namespace,
    flavour: ServingFlavour.kserve({ containerConcurrency: 16 }),
    // The storage initializer reads s3:// with this role (IRSA on EKS).
    modelCredentials: ModelCredentials.awsIamRole('arn:aws:iam::123456789012:role/digits-model-reader'),
    image: ServingImage.fromRegistry(`${REGISTRY}/model-server:0.1.0`),
    scaling: { minReplicas: 0, maxReplicas: 4, targets: [ScalingTarget.invocationsPerReplicaPerSecond(50)] },
  });
  // KServe moves traffic but rolls nothing back: the promotions are run by hand, and the rollout says so.
  new CanaryRollout(chart, 'DigitsKServeCanary', { endpoint: kserve, policy: RolloutPolicy.canary({ trafficPercent: 10 }), acceptManualPromotion: true });
  return app;
}

/** Writes the example's manifests to `outdir` (one YAML file per chart); called by the repository's synth script. */
export function synthK8s(outdir: string = K8S_OUTDIR): App {
  const app = buildK8sApp(outdir);
  app.synth();
  return app;
}

if (require.main === module) {
  const app = synthK8s();
  console.log(`k8s manifests written to ${app.outdir}`);
}
