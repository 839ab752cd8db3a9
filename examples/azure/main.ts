// Azure example: the digits classifier on an Azure ML managed online endpoint (new workspace with secure
// defaults) rolled out by a canary with automatic rollback, guarded by a budget, plus an AKS GPU node pool for
// the Kubernetes backend. `npm run synth` writes cdktf.out/stacks/model-serving-azure/cdk.tf.json.
import { join } from 'node:path';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { Accelerator, BudgetAction, CapacityType, Duration, LatencyPercentile, ModelArtifact, RolloutPolicy, ScalingTarget, ServingImage } from '../../lib';
import { AlertRouting, BudgetGuard, CanaryRollout, EndpointAuthMode, GpuNodePool, ModelEndpoint, WorkspaceSource } from '../../constructs/azure';

export const AZURE_STACK = 'model-serving-azure';
const MODEL = join(__dirname, '..', 'models', 'digits-classifier', '1', 'model.onnx');
const RESOURCE_GROUP = 'rg-model-serving';
const LOCATION = 'westeurope';
const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
// Built from runtime/Dockerfile by CI and pushed to this registry.
const REGISTRY_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.ContainerRegistry/registries/contosoml`;
// The Entra application protecting the Functions' webhooks (registered once per tenant; README "The Functions").
const WEBHOOK_APPLICATION = {
  clientId: '22222222-2222-2222-2222-222222222222',
  objectId: '33333333-3333-3333-3333-333333333333',
  identifierUri: 'api://22222222-2222-2222-2222-222222222222',
};
const IMAGE = 'contosoml.azurecr.io/model-server@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae';

export class AzureServingStack extends TerraformStack {
  public readonly endpoint: ModelEndpoint;
  public readonly rollout: CanaryRollout;
  public readonly guard: BudgetGuard;
  public readonly pool: GpuNodePool;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // State next to the stack's cdk.tf.json (cdktf's default is an absolute path on the synthesizing machine).
    new LocalBackend(this, { path: 'terraform.tfstate' });
    // azurerm 4 refuses to plan without a subscription (here, or ARM_SUBSCRIPTION_ID). The Functions' storage
    // accounts take Entra ID only, so Terraform must use it for blob uploads too (storage_use_azuread).
    new AzurermProvider(this, 'azurerm', { features: [{}], subscriptionId: SUBSCRIPTION, storageUseAzuread: true });

    this.endpoint = new ModelEndpoint(this, 'Digits', {
      model: ModelArtifact.fromFile(MODEL),
      metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform', framework: 'onnx-builder', trainedOn: '2026-11-01' },
      image: ServingImage.fromRegistry(IMAGE),
      imageRegistryId: REGISTRY_ID,
      resourceGroupName: RESOURCE_GROUP,
      location: LOCATION,
      workspace: WorkspaceSource.create(),
      instanceType: 'Standard_F4s_v2',
      authMode: EndpointAuthMode.ENTRA_TOKEN,
      scaling: { minReplicas: 2, maxReplicas: 6, targets: [ScalingTarget.cpuUtilization(60)] },
      server: { maxBatchSize: 16, requestTimeout: Duration.seconds(10) },
      guardrails: { maxErrorRatePercent: 1, maxLatency: Duration.millis(300), latencyPercentile: LatencyPercentile.P95 },
      // An Azure Monitor workbook with the endpoint's metrics and traffic log.
      dashboard: true,
    });
    // An application's managed identity may score this endpoint and nothing else.
    this.endpoint.grantScore('Frontend', '11111111-1111-1111-1111-111111111111');

    this.rollout = new CanaryRollout(this, 'Rollout', {
      endpoint: this.endpoint,
      policy: RolloutPolicy.steps([
        { trafficPercent: 10, bake: Duration.minutes(30) },
        { trafficPercent: 50, bake: Duration.minutes(30) },
        { trafficPercent: 100, bake: Duration.minutes(15) },
      ], { shadowTrafficPercent: 20, guardrails: { maxErrorRatePercent: 1, maxLatency: Duration.millis(500), breachingPeriods: 5 } }),
      shadowDuration: Duration.minutes(20),
      webhookApplication: WEBHOOK_APPLICATION,
    });

    this.guard = new BudgetGuard(this, 'Budget', {
      endpoints: [this.endpoint],
      budget: { monthlyLimitUsd: 2000, alertThresholdsPercent: [50, 80], action: BudgetAction.SCALE_TO_FLOOR, emails: ['ml-oncall@example.com'] },
      // First applied in December 2026: Azure keeps the start date a budget was created with, so after that month
      // the date stays and acceptPastStartDate says so. A new budget starts in the current month or later.
      startDate: '2026-12-01',
      acceptPastStartDate: true,
      webhookApplication: WEBHOOK_APPLICATION,
    });
    // Every alert rule in the stack (endpoint and rollout guardrails) notifies the budget's on-call action group.
    new AlertRouting(this, 'Alerts', { alertTarget: [this.guard.actionGroup.id] });

    this.pool = new GpuNodePool(this, 'T4Pool', {
      kubernetesClusterId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.ContainerService/managedClusters/serving`,
      name: 'gput4',
      accelerator: Accelerator.NVIDIA_T4,
      location: LOCATION, // the cluster's region: the VM size is checked against where Azure sells it
      minNodes: 0,
      maxNodes: 4,
      capacityType: CapacityType.SPOT,
    });
  }
}

/** Builds the example app; `app.synth()` writes `<outdir>/stacks/model-serving-azure/cdk.tf.json`. */
export function buildAzureApp(outdir = 'cdktf.out'): App {
  const app = new App({ outdir });
  new AzureServingStack(app, AZURE_STACK);
  return app;
}

if (require.main === module) buildAzureApp().synth();
