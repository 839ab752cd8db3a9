/**
 * The Google Cloud example: the demo digits classifier on a Vertex AI endpoint that updates as a canary and
 * rolls back on its own, a monthly budget that pins it at its floor when spend runs over, and a GPU node pool
 * for the same model on GKE. `npm run synth` writes cdktf.out/stacks/digits-serving/cdk.tf.json; then
 * `cd cdktf.out/stacks/digits-serving && terraform init && terraform apply` deploys it (Node 20+ and
 * Application Default Credentials on the machine that runs Terraform: the deployer runs there).
 *
 * Set GOOGLE_PROJECT, GOOGLE_REGION, MODEL_SERVER_IMAGE (pushed to Artifact Registry in that region) and
 * BILLING_ACCOUNT before a real apply; the defaults only make the example synthesize.
 */
import { join } from 'node:path';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { Accelerator, BudgetAction, CapacityType, Duration, LatencyPercentile, ModelArtifact, RolloutPolicy, ScalingTarget, ServingImage } from '../../lib';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel';
import { AlertRouting, BudgetGuard, CanaryRollout, GpuNodePool, ModelEndpoint } from '../../constructs/gcp';

export const DEMO_MODEL = join(__dirname, '..', 'models', 'digits-classifier', '1', 'model.onnx');
export const GCP_STACK = 'digits-serving';

export function buildGcpApp(outdir = 'cdktf.out'): App {
  const project = process.env.GOOGLE_PROJECT ?? 'acme-ml-demo';
  const region = process.env.GOOGLE_REGION ?? 'europe-west4';
  const app = new App({ outdir });
  const stack = new TerraformStack(app, GCP_STACK);
  // State next to the stack's cdk.tf.json (cdktf's default is an absolute path on the synthesizing machine).
  new LocalBackend(stack, { path: 'terraform.tfstate' });
  // Budgets API calls with user credentials need a quota project (user_project_override + billing_project).
  new GoogleProvider(stack, 'google', { project, region, userProjectOverride: true, billingProject: project });

  const endpoint = new ModelEndpoint(stack, 'Classifier', {
    project,
    region,
    model: ModelArtifact.fromFile(DEMO_MODEL),
    metadata: { name: 'digits-classifier', version: '1.0.0', owner: 'ml-platform', framework: 'onnx-builder', trainedOn: '2026-11-01' },
    image: ServingImage.fromRegistry(process.env.MODEL_SERVER_IMAGE ?? `${region}-docker.pkg.dev/${project}/serving/model-server:1.0.0`),
    machineType: 'n1-standard-4',
    scaling: { minReplicas: 2, maxReplicas: 6, targets: [ScalingTarget.cpuUtilization(60)] },
    guardrails: { maxErrorRatePercent: 1, latencyPercentile: LatencyPercentile.P95, maxLatency: Duration.millis(300) },
    // A Cloud Monitoring dashboard, and an alert when 1000 predictions cost more than a cent (snapshot price).
    dashboard: true,
    costPer1000PredictionsAbove: 0.01,
  });
  // Every alert policy in the stack (endpoint, rollout, cost) notifies the on-call address.
  const oncall = new MonitoringNotificationChannel(stack, 'Oncall', { project, displayName: 'ML on-call', type: 'email', labels: { email_address: 'ml-oncall@example.com' } });
  new AlertRouting(stack, 'Alerts', { alertTarget: [oncall.id] });
  endpoint.grantPredict(`serviceAccount:digits-frontend@${project}.iam.gserviceaccount.com`);

  new CanaryRollout(stack, 'Rollout', {
    endpoint,
    policy: RolloutPolicy.steps([
      { trafficPercent: 5, bake: Duration.minutes(30) },
      { trafficPercent: 25, bake: Duration.minutes(30) },
      { trafficPercent: 100, bake: Duration.minutes(15) },
    ]),
  });

  new BudgetGuard(stack, 'Budget', {
    endpoints: [endpoint],
    billingAccount: process.env.BILLING_ACCOUNT ?? '000000-000000-000000',
    budget: { monthlyLimitUsd: 1500, alertThresholdsPercent: [50, 80, 100], action: BudgetAction.SCALE_TO_FLOOR, emails: ['ml-oncall@example.com'] },
  });

  new GpuNodePool(stack, 'GpuPool', {
    project,
    cluster: process.env.GKE_CLUSTER ?? 'serving',
    location: region,
    accelerator: Accelerator.NVIDIA_L4,
    minNodes: 0,
    maxNodes: 4,
    capacityType: CapacityType.SPOT,
    imageRepositories: [{ location: region, repository: 'serving' }],
  });
  return app;
}

if (require.main === module) buildGcpApp().synth();
